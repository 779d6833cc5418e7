"""Wire the steps: sources -> chunking -> engine -> merge/verify -> digests.

One input's failure stops no other: failures are collected and returned with the results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .chunking import chunk_article
from .config import Settings
from .engines import Engine, get_engine
from .errors import SourceError
from .merge import verify_items
from .models import (
    Article,
    ArticleDigest,
    Chunk,
    EngineInfo,
    EngineResult,
    Failure,
    SummaryRun,
    Usage,
)
from .redaction import public_settings
from .store import Store

if TYPE_CHECKING:
    import requests

    from .sources import Input

log = logging.getLogger(__name__)

# Called as work completes with (done, total, label): lets a caller draw a progress bar.
Progress = Callable[[int, int, str], None]


def collect_inputs(sources: Iterable[str | Path]) -> tuple[list[Input], list[Failure]]:
    """Expand command-line sources into inputs; sources that name nothing become failures."""
    # Imported on use: sources brings the HTTP and extraction stack, which `--help` and
    # commands that read nothing never need.
    from .sources import expand

    inputs: list[Input] = []
    failures: list[Failure] = []
    for spec in sources:
        try:
            inputs.extend(expand(str(spec)))
        except SourceError as exc:
            failures.append(Failure(exc.source, exc.reason))
    return inputs, failures


def prepare(
    sources: Iterable[str | Path],
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
) -> tuple[list[tuple[Article, list[Chunk]]], list[Failure]]:
    """Read, clean and chunk every input; the same text twice is kept once."""
    from .sources import load

    inputs, failures = collect_inputs(sources)
    items: list[tuple[Article, list[Chunk]]] = []
    seen: dict[str, str] = {}
    for item in inputs:
        try:
            article = load(item, settings.fetch_limits, stdin=stdin, session=session)
        except SourceError as exc:
            log.debug("failed to read %s", item.label, exc_info=True)
            failures.append(Failure(exc.source, exc.reason))
            continue
        if article.id in seen:
            log.info("%s has the same text as %s; summarized once", item.label, seen[article.id])
            continue
        seen[article.id] = item.label
        items.append((article, chunks_for(article, settings)))
    return items, failures


def chunks_for(article: Article, settings: Settings) -> list[Chunk]:
    """The article's chunks under the run's tokenizer, size and overlap."""
    return chunk_article(
        article,
        max_tokens=settings.max_tokens,
        overlap=settings.overlap,
        tokenizer=settings.tokenizer,
    )


def staged(progress: Progress | None, stage: str) -> Progress | None:
    """The progress callback, reporting every step under one stage name."""
    if progress is None:
        return None
    report = progress
    return lambda done, total, _label: report(done, total, stage)


def digest_of(
    article: Article,
    chunks: list[Chunk],
    result: EngineResult,
    engine: EngineInfo,
    settings: Settings,
) -> tuple[ArticleDigest | None, list[Failure]]:
    """The verified digest of an engine result, or None when every chunk failed."""
    failures = [Failure(article.source, reason) for reason in result.failed_chunks]
    if chunks and len(result.failed_chunks) == len(chunks):
        return None, failures  # nothing was learned about this article; its failures say why
    key_points, risks = verify_items(
        article,
        result.key_points,
        result.risks,
        fuzzy_threshold=settings.fuzzy_threshold,
        strict=settings.strict_evidence,
        claim_language=settings.language if settings.resolved_engine() == "openai" else None,
    )
    digest = ArticleDigest(
        article=article,
        chunks=tuple(chunks),
        key_points=tuple(key_points),
        risks=tuple(risks),
        engine=engine,
        tokenizer=settings.tokenizer,
        usage=result.usage,
        failed_chunks=result.failed_chunks,
        dropped=result.dropped,
        risk_note=result.risk_note,
    )
    return digest, failures


def open_store(settings: Settings) -> Store | None:
    """The store when this run uses an LLM: the reply cache (unless --no-cache) and the
    remembered structured-output mode of each endpoint (kept even with --no-cache)."""
    if settings.resolved_engine() != "openai":
        return None
    return Store(settings.cache_path)


def summarize(
    sources: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    store: Store | None = None,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SummaryRun:
    """Summarize each source; failures are collected, never raised, so the rest still run."""
    settings = settings or Settings()
    own_store = store is None and engine is None
    if own_store:
        store = open_store(settings)
    try:
        engine = engine or get_engine(settings, store=store)
        items, failures = prepare(sources, settings, stdin=stdin, session=session)
        results = engine.analyze_all(items, staged(progress, "Summarizing")) if items else []
    finally:
        if own_store and store is not None:
            store.close()
    digests: list[ArticleDigest] = []
    usage = Usage()
    for (article, chunks), result in zip(items, results, strict=True):
        usage = usage + result.usage
        digest, lost = digest_of(article, chunks, result, engine.info, settings)
        failures.extend(lost)
        if digest is not None:
            digests.append(digest)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return SummaryRun(
        digests=tuple(digests),
        failures=tuple(failures),
        engine=engine.info,
        generated_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        settings=public_settings(settings),
        usage=usage,
    )


@dataclass(frozen=True)
class PlannedCall:
    """One model call a run would make."""

    source: str
    chunk: int
    chunks: int
    input_tokens: int
    max_output_tokens: int
    cached: bool
    cost_bound: float | None


@dataclass(frozen=True)
class DryRun:
    """What a run would send, without sending it."""

    calls: tuple[PlannedCall, ...]
    failures: tuple[Failure, ...]
    engine: str
    model: str | None
    endpoint: str | None


def dry_run(
    sources: Iterable[str | Path],
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
) -> DryRun:
    """The calls a summarize run would make, their estimated tokens and cost bound."""
    items, failures = prepare(sources, settings, stdin=stdin, session=session)
    return plan_items(items, failures, settings)


def plan_items(
    items: list[tuple[Article, list[Chunk]]], failures: list[Failure], settings: Settings
) -> DryRun:
    """The model calls these chunked articles need, with tokens, cache status and cost bound."""
    if settings.resolved_engine() != "openai":
        calls = tuple(
            PlannedCall(a.source, c.index + 1, len(cs), 0, 0, False, 0.0)
            for a, cs in items
            for c in cs
        )
        return DryRun(calls, tuple(failures), "extractive", None, None)
    from .engines.llm import LLMEngine

    store = open_store(settings)
    try:
        engine = LLMEngine(settings, store=store)
        planned = engine.plan(items)
    finally:
        if store is not None:
            store.close()
    calls = tuple(
        PlannedCall(
            source=c.article.source,
            chunk=c.chunk.index + 1 if c.chunk else 0,
            chunks=c.chunk_count,
            input_tokens=c.input_tokens,
            max_output_tokens=c.max_output_tokens,
            cached=c.cached,
            cost_bound=c.cost_bound,
        )
        for c in planned
    )
    return DryRun(calls, tuple(failures), "openai", engine.model, engine.endpoint)
