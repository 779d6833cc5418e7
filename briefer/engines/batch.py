"""Batch mode: the OpenAI Batch API file format, also what `vllm run-batch` reads and writes.

One JSONL line per uncached chunk call, with the same prompts and response_format as an
interactive call; results are validated exactly as interactive replies, and only valid ones
are cached. The batch id is kept in the store, so an interrupted run resumes the same batch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import openai
from pydantic import BaseModel

from ..errors import ConfigError, LLMError
from ..files import write_atomic
from ..models import BatchExport, Progress, Usage
from ..schema import ReplyError
from ..store import Store
from .calls import Call, Outcome
from .transport import Transport

log = logging.getLogger(__name__)

ENDPOINT = "/v1/chat/completions"
DONE = ("completed", "failed", "expired", "cancelled")


def custom_id(call: Call) -> str:
    """Article, chunk and cache key in one id: ``a<article>-c<chunk>-<key>``."""
    chunk = call.chunk.index if call.chunk is not None else "x"
    return f"a{call.article.id[:12]}-c{chunk}-{call.key[:24]}"


class Batches:
    """Batch jobs at one endpoint: request files, submission, waiting, results, status."""

    def __init__(
        self,
        transport: Transport,
        store: Store | None,
        parse: Callable[[str | None], BaseModel],
        remember: Callable[[Call, Outcome], None],
    ) -> None:
        self.transport = transport
        self.settings = transport.settings
        self.store = store  # the batch ids, and the cache the valid results go to
        self.parse = parse  # for calls that carry no parser of their own
        self.remember = remember

    def request_lines(self, calls: Sequence[Call], mode: str) -> list[str]:
        """The JSONL lines of a batch request file, one per call."""
        lines = []
        for call in calls:
            body = self.transport.request_body(call, call.messages, mode)
            record = {"custom_id": custom_id(call), "method": "POST", "url": ENDPOINT, "body": body}
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        return lines

    def ingest(
        self, calls: Sequence[Call], lines: Iterable[str]
    ) -> tuple[dict[str, Outcome], dict[str, str]]:
        """Validate a results file: outcomes for valid replies (cached), reasons for the rest."""
        by_id = {custom_id(call): call for call in calls}
        outcomes: dict[str, Outcome] = {}
        problems: dict[str, str] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                cid = record["custom_id"]
            except (ValueError, KeyError, TypeError):
                log.warning("results line %d is not a batch result; skipped", number)
                continue
            call = by_id.get(cid)
            if call is None:
                continue  # a result for another run's request
            response = record.get("response") or {}
            error = record.get("error")
            status = response.get("status_code")
            if error or status != 200:
                message = (error or {}).get("message") if isinstance(error, dict) else error
                problems[call.key] = (
                    f"the batch returned an error (HTTP {status}): {message or 'none given'}"
                )
                continue
            body = response.get("body") or {}
            try:
                choice = body["choices"][0]
                content = choice["message"].get("content")
                if choice.get("finish_reason") == "length":
                    raise ReplyError("the reply was cut off at the output token limit")
                if choice["message"].get("refusal"):
                    raise ReplyError("the model refused")
                reply = (call.parse or self.parse)(content)
            except (KeyError, IndexError, TypeError, AttributeError):
                problems[call.key] = "the batch result has no completion"
                continue
            except ReplyError as exc:
                problems[call.key] = str(exc)
                continue
            usage = body.get("usage") or {}
            prompt_tokens = int(usage.get("prompt_tokens") or call.input_tokens)
            completion_tokens = int(usage.get("completion_tokens") or 0)
            outcome = Outcome(
                reply,
                Usage(
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    estimated=not usage,
                    cost=self.transport.meter.cost(prompt_tokens, completion_tokens, batch=True),
                ),
            )
            self.remember(call, outcome)
            outcomes[call.key] = outcome
        for call in calls:
            if call.key not in outcomes and call.key not in problems:
                problems[call.key] = "no result for this request in the batch output"
        return outcomes, problems

    def export(self, calls: Sequence[Call], path: Path) -> BatchExport:
        """Write the uncached calls as a request file for ``vllm run-batch`` or an upload by
        hand."""
        pending = [c for c in calls if not c.cached]
        lines = self.request_lines(pending, self.mode())
        write_atomic(path, "".join(line + "\n" for line in lines))
        return BatchExport(path, len(lines), len(calls) - len(pending))

    def run_remote(
        self, calls: Sequence[Call], mode: str, progress: Progress | None = None
    ) -> tuple[dict[str, Outcome], dict[str, str]]:
        """Submit (or resume) a batch, wait for it with backoff, then ingest its files."""
        client, store, transport = self.transport.client, self.store, self.transport
        keys = [c.key for c in calls]
        batch_id = store.open_batch(transport.endpoint, transport.model, keys) if store else None
        try:
            if batch_id:
                log.info("resuming batch %s", batch_id)
            else:
                data = "".join(line + "\n" for line in self.request_lines(calls, mode)).encode()
                uploaded = client.files.create(file=("briefer-batch.jsonl", data), purpose="batch")
                batch = client.batches.create(
                    input_file_id=uploaded.id,
                    endpoint="/v1/chat/completions",
                    completion_window="24h",
                )
                batch_id = batch.id
                if store is not None:
                    store.put_batch(batch_id, transport.endpoint, transport.model, keys)
                log.info("submitted batch %s with %d requests", batch_id, len(calls))
            deadline = time.monotonic() + self.settings.batch_max_wait
            delay = self.settings.batch_poll_interval
            while True:
                batch = client.batches.retrieve(batch_id)
                counts = getattr(batch, "request_counts", None)
                if progress and counts is not None:
                    done = int(counts.completed or 0) + int(counts.failed or 0)
                    progress(done, len(calls), "Batch")
                if batch.status in DONE:
                    break
                if time.monotonic() + delay > deadline:
                    raise LLMError(
                        f"batch {batch_id} is still {batch.status} after "
                        f"{self.settings.batch_max_wait:g} s; run again later to pick it up, or "
                        f"`briefer batch cancel {batch_id}`"
                    )
                transport.sleep(delay)
                delay = min(delay * 2, 300.0)
            if store is not None:
                store.set_batch_status(batch_id, batch.status)
            lines: list[str] = []
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    lines.extend(client.files.content(file_id).text.splitlines())
        except openai.APIError as exc:
            raise LLMError(
                f"the batch API at {transport.endpoint} failed ({type(exc).__name__}); "
                "run again to resume, or use the batch_export setting"
            ) from None
        if batch.status != "completed":
            log.warning("batch %s ended %s; what it returned is used", batch_id, batch.status)
        return self.ingest(calls, lines)

    def status(self, batch_id: str | None) -> list[dict[str, Any]]:
        """Known batches with their remote status (or one batch by id)."""
        if self.store is None:
            raise ConfigError("batch status needs the store: keep the use_cache setting on")
        # The stored rows, widened with what the endpoint says now.
        rows: list[dict[str, Any]] = [dict(r) for r in self.store.batches()]
        if batch_id:
            rows = [r for r in rows if r["id"] == batch_id] or [{"id": batch_id}]
        out = []
        for row in rows:
            try:
                remote = self.transport.client.batches.retrieve(row["id"])
                row = {
                    **row,
                    "status": remote.status,
                    "request_counts": getattr(remote, "request_counts", None),
                }
            except openai.APIError as exc:
                row = {**row, "remote": f"unavailable ({type(exc).__name__})"}
            out.append(row)
        return out

    def cancel(self, batch_id: str) -> str:
        """Cancel a batch at the endpoint; its status as the endpoint reports it."""
        try:
            batch = self.transport.client.batches.cancel(batch_id)
        except openai.APIError as exc:
            raise LLMError(f"could not cancel batch {batch_id} ({type(exc).__name__})") from None
        if self.store is not None:
            self.store.set_batch_status(batch_id, "cancelled")
        return str(batch.status)

    def mode(self) -> str:
        """The structured-output mode batch requests use (no detection round trip there)."""
        transport = self.transport
        return transport.mode or transport.choice.remembered() or "json_schema"

    def prefetch(
        self, calls: Sequence[Call], progress: Progress | None
    ) -> tuple[dict[str, Outcome], dict[str, str]]:
        """Answer the uncached calls through a batch, or from an imported results file, before
        the run: valid outcomes, and the failures known without sending."""
        settings = self.settings
        pending = [c for c in calls if not c.cached]
        if self.store is None:
            raise ConfigError(
                "batch mode keeps replies in the store: keep the use_cache setting on"
            )
        if not pending:
            return {}, {}
        reported: dict[str, str] = {}
        if settings.batch_import is not None:
            try:
                lines = settings.batch_import.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(
                    f"{settings.batch_import}: cannot read the results file ({exc.strerror or exc})"
                ) from None
            found, problems = self.ingest(pending, lines)
            # Hand-off results come from elsewhere: what is missing or invalid is reported.
            reported = problems
        else:
            found, problems = self.run_remote(pending, self.mode(), progress)
        log.info("batch: %d valid replies, %d to retry or report", len(found), len(problems))
        return found, reported
