"""The LLM engine: one structured call per chunk to any OpenAI-compatible endpoint.

Only the engines package talks to the ``openai`` SDK or catches its errors. This module plans
the calls and runs them through the cache (then merges the findings); the engine holds the
parts that do the rest: a ``Transport`` sends a request (modes, retries with backoff that
honours Retry-After, budget), ``Replies`` builds the messages and gets a usable reply (salvage,
repair turns), ``Batches`` runs calls as a Batch API job; ``followups`` makes the consolidation
and executive-summary calls. Only validated replies are cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import date
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError
from ..grounding import SummaryAnswer
from ..merge import merge_key_points, merge_risks
from ..models import (
    Article,
    BatchExport,
    Chunk,
    EngineInfo,
    EngineResult,
    KeyPoint,
    PlannedCall,
    Risk,
    Usage,
)
from ..prompts import Prompt, load_prompt
from ..risk import load_rules
from ..schema import SCHEMA_NAME, SCHEMA_VERSION, ChunkReply, ReplySpec
from ..store import Store
from . import followups
from .batch import Batches
from .calls import Call, Outcome, Stopped
from .replies import Replies
from .transport import Transport

log = logging.getLogger(__name__)

PROMPT_NAME = "chunk_findings"


class LLMEngine:
    """Chunk-level key points and risks from an OpenAI-compatible chat-completions endpoint.

    It plans the calls and owns the cache; ``transport`` sends them, ``replies`` builds their
    messages and repair turns.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        sleep: Callable[[float], object] | None = None,
        today: date | None = None,
    ) -> None:
        self.settings = settings
        self.store = store if settings.use_cache else None  # the reply cache
        self.today = (today or date.today()).isoformat()
        self.prompt: Prompt = load_prompt(PROMPT_NAME, settings.prompts_dir)
        rules = load_rules(settings.rules, replace=settings.replace_rules)
        self.categories = tuple(sorted(c for c in rules.categories if c != "other")) + ("other",)
        self.spec = ReplySpec(self.categories, settings.max_key_points, settings.max_risks)
        self.schema = self.spec.json_schema()
        # Remembered structured-output modes live in the store, kept apart from the cache.
        self.transport = Transport(settings, self.schema, modes=store, sleep=sleep)
        self.replies = Replies(settings, self.transport, self.spec, self.remember)
        self.batches = Batches(self.transport, self.store, self.spec.parse, self.remember)
        self.model = self.transport.model
        self.endpoint = self.transport.endpoint
        self._reported: dict[str, str] = {}  # chunk failures known without sending (batch import)
        self._prefetched: dict[str, Outcome] = {}  # valid batch results, with their usage
        self.used_prompts: list[str] = [self.prompt.label]

    @property
    def info(self) -> EngineInfo:
        """What made the findings: endpoint, model, prompts used, structured-output mode."""
        return EngineInfo(
            name="openai",
            description=(
                f"LLM through the OpenAI-compatible endpoint {self.endpoint} "
                f"({self.transport.concurrency} request(s) at a time, "
                f"{self.transport.timeout:g} s timeout)"
            ),
            model=self.model,
            endpoint=self.endpoint,
            prompts=tuple(self.used_prompts),
            structured_output=self.transport.mode_description,
        )

    # ---- planning ---------------------------------------------------------------------

    def key(self, prompt: Prompt, data: str, extra: object = None) -> str:
        """Cache key: endpoint, model, prompt and its hash, schema, parameters, input text."""
        material = {
            "endpoint": self.endpoint,
            "model": self.model,
            "prompt": [prompt.name, prompt.sha256],
            "schema": [SCHEMA_NAME, SCHEMA_VERSION, self.schema],
            "params": {
                "temperature": self.settings.temperature,
                "max_output_tokens": self.settings.max_output_tokens,
                "language": self.settings.language,
            },
            "input": data,
            "extra": extra,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def calls(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Call]:
        """Every chunk call the items need, with token estimates and cache status."""
        calls = []
        for article, chunks in items:
            for chunk in chunks:
                header = {
                    "run_date": self.today,
                    "chunk_number": chunk.index + 1,
                    "chunk_count": len(chunks),
                }
                messages, retry = self.replies.chunk_call(self.prompt, article, header, chunk.text)
                key = self.key(self.prompt, chunk.text, self.replies.fields(article))
                tokens = self.transport.meter.count_tokens(messages)
                cached = self.store is not None and self.store.has_reply(key)
                calls.append(
                    Call(
                        article=article,
                        chunk=chunk,
                        chunk_count=len(chunks),
                        messages=messages,
                        key=key,
                        input_tokens=tokens,
                        max_output_tokens=self.settings.max_output_tokens,
                        cached=cached,
                        cost_bound=0.0
                        if cached
                        else self.transport.meter.cost(tokens, self.settings.max_output_tokens),
                        prompt=self.prompt.label,
                        retry=retry,
                    )
                )
        return calls

    def plan(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[PlannedCall]:
        """The chunk calls a run would make, for a dry run (nothing is sent)."""
        return [
            PlannedCall(
                source=c.article.source,
                chunk=c.chunk.index + 1 if c.chunk else 0,
                chunks=c.chunk_count,
                input_tokens=c.input_tokens,
                max_output_tokens=c.max_output_tokens,
                cached=c.cached,
                cost_bound=c.cost_bound,
            )
            for c in self.calls(items)
        ]

    # ---- running ----------------------------------------------------------------------

    def analyze_all(
        self,
        items: Iterable[tuple[Article, Sequence[Chunk]]],
        progress: Callable[[int, int, str], None] | None = None,
    ) -> list[EngineResult]:
        """Findings per article, in the items' order; chunks that fail are reported in the
        result, not raised. Items may still be arriving: their calls are sent as they come."""
        if self.settings.batch_export is not None:
            # Exporting is asked for: sending the same calls here would spend what it saves.
            raise ConfigError(
                "the batch_export setting writes the requests instead of sending them: "
                "call export (briefer.export_batch), or leave batch_export unset"
            )
        arrived: list[tuple[Article, Sequence[Chunk]]] = []
        calls: list[Call] = []
        if self.settings.batch or self.settings.batch_import:
            # A batch job is one request for every call: all of them are known first.
            arrived.extend(items)
            calls = self.calls(arrived)
            found, reported = self.batches.prefetch(calls, progress)
            self._prefetched.update(found)
            self._reported.update(reported)
            outcomes = self.execute(calls, progress)
        else:

            def arriving() -> Iterator[Call]:
                for item in items:
                    arrived.append(item)
                    for call in self.calls([item]):
                        calls.append(call)
                        yield call

            outcomes = self.execute(arriving(), progress)
        results = [self._result(article, calls, outcomes) for article, _ in arrived]
        if self.settings.consolidate_above:
            results = followups.consolidate(self, arrived, results)
        return results

    def export(self, items: Sequence[tuple[Article, Sequence[Chunk]]], path: Path) -> BatchExport:
        """Write the uncached calls as a batch request file, to be run elsewhere."""
        return self.batches.export(self.calls(items), path)

    def remember(self, call: Call, outcome: Outcome) -> None:
        """Cache a validated reply; only validated replies ever reach here."""
        if self.store is not None and outcome.reply is not None:
            self.store.put_reply(
                call.key,
                model=self.model,
                prompt=call.prompt or self.prompt.label,
                reply=outcome.reply.model_dump(),
                usage={
                    "prompt_tokens": outcome.usage.prompt_tokens,
                    "completion_tokens": outcome.usage.completion_tokens,
                },
            )

    def execute(
        self, calls: Iterable[Call], progress: Callable[[int, int, str], None] | None = None
    ) -> dict[str, Outcome]:
        """Answer every call from the cache or the endpoint, at most `concurrency` at once.

        ``calls`` may still be arriving (articles being read): each is sent as soon as it
        comes. Progress is reported once the total is known, then as each call finishes.
        """
        outcomes: dict[str, Outcome] = {}
        sent: dict[str, Future[Outcome]] = {}
        tally = _Tally(progress)
        stopped = self.transport.stopped
        stopped.clear()

        def run(call: Call) -> Outcome:
            try:
                return self.replies.run(call)
            except BaseException:
                stopped.set()  # before the future is done: nothing more goes out
                raise

        pool = ThreadPoolExecutor(max_workers=self.transport.concurrency)
        try:
            for call in calls:
                tally.add()
                known = None if call.key in sent else self._known(call, outcomes)
                if known is not None:
                    outcomes[call.key] = known
                if known is not None or call.key in sent:  # answered, or already asked
                    tally.finished(call.article.source)
                    continue
                if stopped.is_set():
                    break  # a call raised an error that stops the run (a refused key)
                future = pool.submit(run, call)
                sent[call.key] = future
                future.add_done_callback(tally.on_done(call.article.source))
            tally.complete()
            wait(sent.values(), return_when=FIRST_EXCEPTION)
            if stopped.is_set():
                pool.shutdown(cancel_futures=True)  # the calls sending now end at this attempt
                errors = [f.exception() for f in sent.values() if not f.cancelled()]
                # The error that stopped the run, not a call it stopped.
                raise next(e for e in errors if e and not isinstance(e, Stopped))
        except KeyboardInterrupt:
            # Leave at once: calls in flight send no retry, and their threads end on their own.
            stopped.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            stopped.set()
            pool.shutdown(cancel_futures=True)
            raise
        pool.shutdown()
        for key, future in sent.items():
            outcomes[key] = future.result()
        return outcomes

    def _known(self, call: Call, outcomes: dict[str, Outcome]) -> Outcome | None:
        """The call's outcome without sending it: answered already, fetched in a batch,
        cached, or reported failed by an imported batch."""
        if call.key in outcomes:
            return outcomes[call.key]
        if call.key in self._prefetched:
            return self._prefetched.pop(call.key)
        hit = self.store.get_reply(call.key) if self.store is not None else None
        if hit is not None:
            return Outcome(call.model.model_validate(hit[0]), Usage(cached=1))
        if call.key in self._reported:
            return Outcome(failure=self._reported[call.key])
        return None

    def _result(
        self, article: Article, calls: Sequence[Call], outcomes: dict[str, Outcome]
    ) -> EngineResult:
        usage = Usage(cost=0.0 if self.transport.meter.price is not None else None)
        point_lists: list[list[KeyPoint]] = []
        risk_lists: list[list[Risk]] = []
        failed: list[str] = []
        dropped: list[str] = []
        for call in calls:
            if call.article is not article:
                continue
            outcome = outcomes[call.key]
            usage = usage + outcome.usage
            where = f"chunk {call.chunk.index + 1 if call.chunk else '?'} of {call.chunk_count}"
            if outcome.reply is None:
                failed.append(f"{where}: {outcome.failure}")
                continue
            dropped.extend(f"{where}: {note}" for note in outcome.reply.dropped)
            points, risks = self.convert(article, outcome.reply)
            point_lists.append(points)
            risk_lists.append(risks)
        return EngineResult(
            key_points=tuple(merge_key_points(point_lists, self.settings.max_key_points)),
            risks=tuple(merge_risks(risk_lists, self.settings.max_risks)),
            usage=usage,
            failed_chunks=tuple(failed),
            dropped=tuple(dropped),
        )

    def synthesize(
        self,
        *,
        title: str,
        audience: str | None,
        findings: dict[str, Any],
        valid_stories: set[int],
        summary_items: int,
    ) -> SummaryAnswer | None:
        """The executive summary's lines from the model (see ``followups.synthesize``)."""
        return followups.synthesize(
            self,
            title=title,
            audience=audience,
            findings=findings,
            valid_stories=valid_stories,
            summary_items=summary_items,
        )

    @staticmethod
    def convert(article: Article, reply: ChunkReply) -> tuple[list[KeyPoint], list[Risk]]:
        """Reply items as findings of the article (whitespace around values trimmed)."""
        points = [
            KeyPoint(p.text.strip(), p.evidence.strip(), article.id, None, False, match=None)
            for p in reply.key_points
            if p.text.strip() and p.evidence.strip()
        ]
        risks = [
            Risk(
                title=r.title.strip(),
                category=r.category,
                severity=r.severity,
                likelihood=r.likelihood,
                rationale=r.rationale.strip(),
                evidence=r.evidence.strip(),
                article_id=article.id,
                span=None,
                verified=False,
                match=None,
            )
            for r in reply.risks
            if r.title.strip() and r.evidence.strip()
        ]
        return points, risks


class _Tally:
    """Progress of calls that may still be arriving: nothing is reported until the total is
    known (a bar whose length kept growing would be redrawn at every call), then each
    finished call is, from whichever thread finishes it."""

    def __init__(self, progress: Callable[[int, int, str], None] | None) -> None:
        self.progress = progress
        self.done = self.total = 0
        self.known = False
        self.last = ""
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.total += 1

    def finished(self, source: str) -> None:
        with self._lock:
            self.done += 1
            self.last = source
            if self.known and self.progress:
                self.progress(self.done, self.total, source)

    def on_done(self, source: str) -> Callable[[Future[Outcome]], None]:
        """A future's callback: a call answered (its outcome may be a failure) is finished; a
        call cancelled or raising is not."""

        def done(future: Future[Outcome]) -> None:
            if not future.cancelled() and future.exception() is None:
                self.finished(source)

        return done

    def complete(self) -> None:
        with self._lock:
            self.known = True
            if self.progress and self.done:
                self.progress(self.done, self.total, self.last)
