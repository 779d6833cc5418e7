"""The LLM engine: one structured call per chunk to any OpenAI-compatible endpoint.

Only the engines package talks to the ``openai`` SDK or catches its errors: this module plans
and runs the calls (repair turns, cache, merge), ``transport`` sends them (modes, retries with
backoff that honours Retry-After, budget), ``batch`` runs them as a Batch API job. Replies that
are not the JSON the schema asks for get a bounded number of repair turns; only validated
replies are cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import date
from typing import Any

import openai
from pydantic import BaseModel

from ..config import Price, Settings
from ..errors import ConfigError
from ..merge import merge_key_points, merge_risks
from ..models import (
    LIKELIHOODS,
    SEVERITIES,
    Article,
    Chunk,
    EngineInfo,
    EngineResult,
    KeyPoint,
    Risk,
    Usage,
)
from ..prompts import Prompt, load_prompt, render_messages
from ..ratelimit import RateLimiter
from ..risk import load_rules
from ..schema import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    SYNTHESIS_NAME,
    ChunkReply,
    ReplyError,
    SynthesisReply,
    json_schema,
    parse_reply,
    parse_synthesis,
    synthesis_schema,
)
from ..store import Store
from ..tokenizer import get_encoding
from .calls import BatchExported, Budget, Call, ChunkFailed, Outcome, is_loopback, short
from .transport import MODES, Transport

log = logging.getLogger(__name__)

PROMPT_NAME = "chunk_findings"
CONSOLIDATE_PROMPT = "consolidate_findings"
SYNTHESIS_PROMPT = "brief_synthesis"
_MESSAGE_OVERHEAD_TOKENS = 4
_REPAIR = (
    "Your reply could not be used: {problem}. Reply again with only the JSON object described "
    "in the instructions: fields key_points and risks, every evidence copied exactly from the "
    "article."
)
_REPAIR_LENGTH = (
    "Your reply was cut off at the output token limit. Reply again with only the JSON object, "
    "with fewer and shorter items so that it fits."
)


class LLMEngine(Transport):
    """Chunk-level key points and risks from an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        sleep: Callable[[float], None] = time.sleep,
        today: date | None = None,
    ) -> None:
        self.settings = settings
        self.store = store if settings.use_cache else None
        self.sleep = sleep
        self.today = (today or date.today()).isoformat()
        self.prompt: Prompt = load_prompt(PROMPT_NAME, settings.prompts_dir)
        rules = load_rules(settings.rules, replace=settings.replace_rules)
        self.categories = sorted(rules.categories)
        self.schema = json_schema(self.categories)
        self.client = openai.OpenAI(
            api_key=settings.api_key or "no-key-needed",
            base_url=settings.base_url,
            timeout=settings.request_timeout,
            max_retries=0,  # retries are ours: bounded, logged, honouring Retry-After
        )
        self.endpoint = str(self.client.base_url).rstrip("/")
        self.model = settings.model
        price = settings.prices.get(self.model)
        if price is None and is_loopback(self.endpoint):
            price = Price(0.0, 0.0)  # a server on this machine costs nothing per token
        self.price = price
        self.limiter = RateLimiter(
            settings.requests_per_minute, settings.tokens_per_minute, sleep=sleep
        )
        self.budget = Budget(settings.max_cost)
        self._mode: str | None = (
            None if settings.structured_output == "auto" else (settings.structured_output)
        )
        self._mode_lock = threading.Lock()
        self._reported: dict[str, str] = {}  # chunk failures known without sending (batch import)
        self._prefetched: dict[str, Outcome] = {}  # valid batch results, with their usage
        self._encoding = get_encoding(settings.tokenizer)
        self.info = EngineInfo(
            name="openai",
            description=f"LLM through the OpenAI-compatible endpoint {self.endpoint}",
            model=self.model,
            endpoint=self.endpoint,
            prompts=(self.prompt.label,),
        )
        if settings.max_cost is not None and self.price is None:
            raise ConfigError(
                f"--max-cost needs a price for model {self.model!r}: add "
                f'[prices."{self.model}"] with input and output (USD per million tokens) '
                "to briefer.toml"
            )

    # ---- planning ---------------------------------------------------------------------

    def _static(self) -> dict[str, Any]:
        return {
            "max_key_points": self.settings.max_key_points,
            "max_risks": self.settings.max_risks,
            "categories": self.categories,
            "severities": list(SEVERITIES),
            "likelihoods": list(LIKELIHOODS),
        }

    def _header(self, article: Article, chunk_count: int, index: int) -> dict[str, Any]:
        return {
            "run_date": self.today,
            "title": article.title or "(untitled)",
            "source": article.source,
            "published": article.published or "unknown",
            "chunk_number": index + 1,
            "chunk_count": chunk_count,
        }

    def _key(self, prompt: Prompt, data: str) -> str:
        """Cache key: endpoint, model, prompt and its hash, schema, parameters, input text."""
        material = {
            "endpoint": self.endpoint,
            "model": self.model,
            "prompt": [prompt.name, prompt.sha256],
            "schema": [SCHEMA_NAME, SCHEMA_VERSION, self.schema],
            "params": {
                "temperature": self.settings.temperature,
                "max_output_tokens": self.settings.max_output_tokens,
                "max_key_points": self.settings.max_key_points,
                "max_risks": self.settings.max_risks,
            },
            "input": data,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        """A tiktoken estimate of a request's input tokens."""
        return sum(
            len(self._encoding.encode_ordinary(m["content"])) + _MESSAGE_OVERHEAD_TOKENS
            for m in messages
        )

    def cost(
        self, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
    ) -> float | None:
        if self.price is None:
            return None
        factor = self.settings.batch_price_factor if batch else 1.0
        return (
            factor
            * (prompt_tokens * self.price.input + completion_tokens * self.price.output)
            / 1e6
        )

    def plan(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[Call]:
        """Every chunk call the items need, with token estimates and cache status."""
        static = self._static()
        calls = []
        for article, chunks in items:
            for chunk in chunks:
                header = self._header(article, len(chunks), chunk.index)
                messages = render_messages(self.prompt, static, header, chunk.text)
                if self._mode == "prompt":
                    messages = self._with_schema_in_prompt(messages)
                key = self._key(self.prompt, chunk.text)
                tokens = self.count_tokens(messages)
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
                        else self.cost(tokens, self.settings.max_output_tokens),
                        prompt=self.prompt.label,
                    )
                )
        return calls

    # ---- running ----------------------------------------------------------------------

    def analyze_all(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk]]],
        progress: Callable[[int, int, str], None] | None = None,
    ) -> list[EngineResult]:
        """Findings per article; chunks that fail are reported in the result, not raised."""
        calls = self.plan(items)
        if self.settings.batch or self.settings.batch_export or self.settings.batch_import:
            self._batch(calls, progress)
        outcomes = self._execute(calls, progress)
        results = [self._result(article, calls, outcomes) for article, _ in items]
        if self.settings.consolidate_above:
            results = self._consolidate(items, results)
        return results

    # ---- batch mode -------------------------------------------------------------------

    def batch_mode(self) -> str:
        """The structured-output mode batch requests use (no detection round trip there)."""
        if self._mode is not None:
            return self._mode
        remembered = self.store.get_mode(self.endpoint, self.model) if self.store else None
        return remembered if remembered in MODES else "json_schema"

    def messages_for(self, call: Call, mode: str) -> list[dict[str, str]]:
        return (
            self._with_schema_in_prompt(call.messages, call) if mode == "prompt" else call.messages
        )

    def parse(self, content: str | None) -> BaseModel:
        return parse_reply(content, self.categories)

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

    def _batch(
        self, calls: Sequence[Call], progress: Callable[[int, int, str], None] | None
    ) -> None:
        from . import batch

        pending = [c for c in calls if not c.cached]
        if self.store is None and not self.settings.batch_export:
            raise ConfigError("batch mode keeps replies in the store: drop --no-cache")
        mode = self.batch_mode()
        if self.settings.batch_export is not None:
            count = batch.export(self, pending, self.settings.batch_export, mode)
            raise BatchExported(self.settings.batch_export, count, len(calls) - len(pending))
        if not pending:
            return
        if self.settings.batch_import is not None:
            try:
                lines = self.settings.batch_import.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(
                    f"{self.settings.batch_import}: cannot read the results file "
                    f"({exc.strerror or exc})"
                ) from None
            found, problems = batch.ingest(self, pending, lines)
            # Hand-off results come from elsewhere: what is missing or invalid is reported.
            self._reported.update(problems)
        else:
            found, problems = batch.run_remote(
                self, pending, mode, sleep=self.sleep, progress=progress
            )
        self._prefetched.update(found)
        log.info("batch: %d valid replies, %d to retry or report", len(found), len(problems))

    def _execute(
        self, calls: Sequence[Call], progress: Callable[[int, int, str], None] | None = None
    ) -> dict[str, Outcome]:
        """Answer every call from the cache or the endpoint, at most `concurrency` at once."""
        outcomes: dict[str, Outcome] = {}
        pending: list[Call] = []
        for call in calls:
            if call.key in self._prefetched:
                outcomes[call.key] = self._prefetched.pop(call.key)
                continue
            hit = self.store.get_reply(call.key) if self.store is not None else None
            if hit is not None:
                outcomes[call.key] = Outcome(call.model.model_validate(hit[0]), Usage(cached=1))
            elif call.key in self._reported:
                outcomes[call.key] = Outcome(failure=self._reported[call.key])
            elif call.key not in {c.key for c in pending}:
                pending.append(call)
        done, total = len(calls) - len(pending), len(calls)
        lock = threading.Lock()

        def finished(call: Call, outcome: Outcome) -> None:
            nonlocal done
            with lock:
                outcomes[call.key] = outcome
                done += 1
                if progress:
                    progress(done, total, call.article.source)

        # The first uncached call settles the structured-output mode for the rest.
        if pending and self._mode is None:
            first = pending.pop(0)
            finished(first, self._run(first))
        if pending:
            with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
                futures = {pool.submit(self._run, call): call for call in pending}
                wait(futures, return_when=FIRST_EXCEPTION)
                for future in futures:
                    error = future.exception() if future.done() else None
                    if error is not None:
                        for other in futures:
                            other.cancel()
                        raise error
                for future, call in futures.items():
                    finished(call, future.result())
        return outcomes

    def _consolidate(
        self, items: Sequence[tuple[Article, Sequence[Chunk]]], results: list[EngineResult]
    ) -> list[EngineResult]:
        """One more call per long article, merging its chunks' findings into one ranked set."""
        prompt = load_prompt(CONSOLIDATE_PROMPT, self.settings.prompts_dir)
        calls: dict[int, Call] = {}
        for i, ((article, chunks), result) in enumerate(zip(items, results, strict=True)):
            answered = len(chunks) - len(result.failed_chunks)
            if len(chunks) <= self.settings.consolidate_above or answered < 2:
                continue
            findings = json.dumps(
                {
                    "key_points": [
                        {"text": p.text, "evidence": p.evidence} for p in result.key_points
                    ],
                    "risks": [
                        {
                            "title": r.title,
                            "category": r.category,
                            "severity": r.severity,
                            "likelihood": r.likelihood,
                            "rationale": r.rationale,
                            "evidence": r.evidence,
                        }
                        for r in result.risks
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
            header = self._header(article, len(chunks), 0)
            messages = render_messages(prompt, self._static(), header, findings)
            key = self._key(prompt, findings)
            calls[i] = Call(
                article,
                None,
                len(chunks),
                messages,
                key,
                self.count_tokens(messages),
                self.settings.max_output_tokens,
                prompt=prompt.label,
            )
        if not calls:
            return results
        outcomes = self._execute(list(calls.values()))
        merged = list(results)
        for i, call in calls.items():
            outcome = outcomes[call.key]
            base = results[i]
            if outcome.reply is None:
                log.warning(
                    "%s: consolidation failed (%s); keeping the merged findings",
                    call.label,
                    outcome.failure,
                )
                merged[i] = EngineResult(
                    base.key_points, base.risks, base.usage + outcome.usage, base.failed_chunks
                )
                continue
            points, risks = self._convert(call.article, outcome.reply)
            merged[i] = EngineResult(
                tuple(points[: self.settings.max_key_points]),
                tuple(merge_risks([risks], self.settings.max_risks)),
                base.usage + outcome.usage,
                base.failed_chunks,
            )
        return merged

    def _result(
        self, article: Article, calls: Sequence[Call], outcomes: dict[str, Outcome]
    ) -> EngineResult:
        usage = Usage(cost=0.0 if self.price is not None else None)
        point_lists: list[list[KeyPoint]] = []
        risk_lists: list[list[Risk]] = []
        failed: list[str] = []
        for call in calls:
            if call.article is not article:
                continue
            outcome = outcomes[call.key]
            usage = usage + outcome.usage
            if outcome.reply is None:
                failed.append(
                    f"chunk {call.chunk.index + 1 if call.chunk else '?'} of {call.chunk_count}: "
                    f"{outcome.failure}"
                )
                continue
            points, risks = self._convert(article, outcome.reply)
            point_lists.append(points)
            risk_lists.append(risks)
        return EngineResult(
            key_points=tuple(merge_key_points(point_lists, self.settings.max_key_points)),
            risks=tuple(merge_risks(risk_lists, self.settings.max_risks)),
            usage=usage,
            failed_chunks=tuple(failed),
        )

    def synthesize(
        self,
        *,
        title: str,
        audience: str | None,
        findings: dict[str, Any],
        valid_sources: set[int],
        summary_items: int,
    ) -> tuple[list[tuple[str, tuple[int, ...]]], Usage] | None:
        """An executive summary written by the model from the brief's findings, or None."""
        prompt = load_prompt(SYNTHESIS_PROMPT, self.settings.prompts_dir)
        static = {**self._static(), "audience": audience, "summary_items": summary_items}
        header = {"run_date": self.today, "title": title}
        data = json.dumps(findings, ensure_ascii=False, indent=1)
        messages = render_messages(prompt, static, header, data)
        placeholder = Article(id="", text="", source=title)
        call = Call(
            placeholder,
            None,
            0,
            messages,
            self._key(prompt, data + json.dumps([audience, summary_items])),
            self.count_tokens(messages),
            self.settings.max_output_tokens,
            schema_name=SYNTHESIS_NAME,
            schema=synthesis_schema(),
            model=SynthesisReply,
            parse=lambda content: parse_synthesis(content, valid_sources),
            prompt=prompt.label,
        )
        outcome = self._execute([call])[call.key]
        if outcome.reply is None:
            log.warning(
                "the executive summary call failed (%s); using the offline summary", outcome.failure
            )
            return None
        reply: SynthesisReply = outcome.reply
        lines = [(line.text, tuple(sorted(set(line.sources)))) for line in reply.summary]
        return lines[:summary_items], outcome.usage

    @staticmethod
    def _convert(article: Article, reply: ChunkReply) -> tuple[list[KeyPoint], list[Risk]]:
        points = [
            KeyPoint(p.text, p.evidence, article.id, None, False, match=None)
            for p in reply.key_points
        ]
        risks = [
            Risk(
                title=r.title,
                category=r.category,
                severity=r.severity,
                likelihood=r.likelihood,
                rationale=r.rationale,
                evidence=r.evidence,
                article_id=article.id,
                span=None,
                verified=False,
                match=None,
            )
            for r in reply.risks
        ]
        return points, risks

    def _run(self, call: Call) -> Outcome:
        outcome = Outcome()
        try:
            reply = self._complete(call, outcome)
        except ChunkFailed as exc:
            outcome.failure = str(exc)
            log.warning("%s: %s", call.label, exc)
            return outcome
        outcome.reply = reply
        self.remember(call, outcome)
        return outcome

    def _complete(self, call: Call, outcome: Outcome) -> BaseModel:
        messages = list(call.messages)
        problem = ""
        for _ in range(self.settings.repair_retries + 1):
            response, mode = self._send(call, messages, outcome)
            if mode == "prompt" and messages is call.messages:
                messages = self._with_schema_in_prompt(messages, call)
            choice = response.choices[0] if response.choices else None
            if choice is None:
                problem = "the reply had no choices"
                content = ""
            else:
                content = choice.message.content or ""
                refusal = getattr(choice.message, "refusal", None)
                if refusal:
                    problem = f"the model refused ({short(refusal, None, 120)})"
                elif choice.finish_reason == "length":
                    problem = "the reply was cut off at the output token limit"
                else:
                    try:
                        if call.parse is not None:
                            return call.parse(content)
                        return parse_reply(content, self.categories)
                    except ReplyError as exc:
                        problem = str(exc)
            log.info("%s: %s; asking for a repair", call.label, problem)
            repair = (
                _REPAIR_LENGTH
                if problem.startswith("the reply was cut off")
                else (_REPAIR.format(problem=problem))
            )
            messages = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": repair},
            ]
        attempts = self.settings.repair_retries + 1
        raise ChunkFailed(f"no valid reply after {attempts} attempt(s): {problem}")
