"""Wire the steps: sources -> chunking -> engine -> merge/verify -> digests.

One input's failure stops no other: failures are collected and returned with the results.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .chunking import chunk_article
from .config import Settings
from .defaults import DEFAULT_FEED_ITEMS
from .engines import Engine, get_batches, get_engine
from .errors import ConfigError, SourceError
from .merge import verify_items
from .models import (
    Article,
    ArticleDigest,
    BatchExport,
    Chunk,
    EngineInfo,
    EngineResult,
    Failure,
    PlannedCall,
    Progress,
    SummaryRun,
    Usage,
)
from .redaction import public_settings
from .store import Store

if TYPE_CHECKING:
    import requests

    from .sources import Input

log = logging.getLogger(__name__)


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
    feed_items: int = DEFAULT_FEED_ITEMS,
) -> tuple[list[tuple[Article, list[Chunk]]], list[Failure]]:
    """Read, clean and chunk every input; the same text twice is kept once. A URL that is a
    feed stands for its ``feed_items`` newest items."""
    inputs, failures = collect_inputs(sources)
    items = list(
        read_items(inputs, settings, failures, stdin=stdin, session=session, feed_items=feed_items)
    )
    return items, failures


def read_items(
    inputs: Iterable[Input],
    settings: Settings,
    failures: list[Failure],
    *,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
    feed_items: int = DEFAULT_FEED_ITEMS,
) -> Iterator[tuple[Article, list[Chunk]]]:
    """Each input read, cleaned and chunked in turn, as it is read (an engine may start on it
    while the next is read); inputs that cannot be read are added to ``failures``."""
    from .collect import read_url
    from .sources import load

    seen: dict[str, str] = {}
    for item in inputs:
        try:
            if item.kind == "url":
                articles, lost = read_url(
                    item.location,
                    item.label,
                    settings.fetch_limits,
                    feed_items=feed_items,
                    session=session,
                )
                failures.extend(lost)
            else:
                articles = [load(item, settings.fetch_limits, stdin=stdin, session=session)]
        except SourceError as exc:
            log.debug("failed to read %s", item.label, exc_info=True)
            failures.append(Failure(exc.source, exc.reason))
            continue
        for article in articles:
            if article.id in seen:
                log.info(
                    "%s has the same text as %s; summarized once", article.source, seen[article.id]
                )
                continue
            seen[article.id] = article.source
            yield article, chunks_for(article, settings)


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
    chunks: Sequence[Chunk],
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


@dataclass(frozen=True)
class Digests:
    """What an engine made of some chunked articles, verified: the one digest path."""

    digests: tuple[ArticleDigest | None, ...]  # one per item; None when every chunk failed
    failures: tuple[Failure, ...]
    usage: Usage


def digest_items(
    items: Iterable[tuple[Article, Sequence[Chunk]]],
    engine: Engine,
    settings: Settings,
    progress: Progress | None = None,
) -> Digests:
    """Analyze the items with the engine, then verify each result into a digest. The items
    may still be arriving (being read): the engine starts on the first ones meanwhile."""
    arrived: list[tuple[Article, Sequence[Chunk]]] = []
    pending = iter(items)
    first = next(pending, None)

    def arriving() -> Iterator[tuple[Article, Sequence[Chunk]]]:
        for item in itertools.chain([first] if first else [], pending):
            arrived.append(item)
            yield item

    # Nothing could be read: the engine is not started (a batch job of no calls is an error).
    results = engine.analyze_all(arriving(), staged(progress, "Summarizing")) if first else []
    digests: list[ArticleDigest | None] = []
    failures: list[Failure] = []
    usage = Usage()
    for (article, chunks), result in zip(arrived, results, strict=True):
        usage = usage + result.usage
        digest, lost = digest_of(article, chunks, result, engine.info, settings)
        failures.extend(lost)
        digests.append(digest)
    return Digests(tuple(digests), tuple(failures), usage)


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
    feed_items: int = DEFAULT_FEED_ITEMS,
) -> SummaryRun:
    """Summarize each source (a feed: its ``feed_items`` newest items); failures are
    collected, never raised, so the rest still run."""
    settings = settings or Settings()
    own_store = store is None and engine is None
    if own_store:
        store = open_store(settings)
    try:
        engine = engine or get_engine(settings, store=store)
        inputs, failures = collect_inputs(sources)
        # Read as the engine goes: an LLM engine sends the first article's calls while the
        # next articles are being read.
        items = read_items(
            inputs, settings, failures, stdin=stdin, session=session, feed_items=feed_items
        )
        digested = digest_items(items, engine, settings, progress)
    finally:
        if own_store and store is not None:
            store.close()
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return SummaryRun(
        digests=tuple(d for d in digested.digests if d is not None),
        failures=(*failures, *digested.failures),
        engine=engine.info,
        generated_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        settings=public_settings(settings),
        usage=digested.usage,
    )


def export_batch(
    sources: Iterable[str | Path],
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
    feed_items: int = DEFAULT_FEED_ITEMS,
) -> tuple[BatchExport | None, list[Failure]]:
    """Write the model calls a summarize run would make to ``settings.batch_export``, to be
    run elsewhere; None when no source could be read (the failures say why)."""
    if settings.batch_export is None:
        raise ConfigError("export_batch writes to batch_export, which is not set")
    items, failures = prepare(
        sources, settings, stdin=stdin, session=session, feed_items=feed_items
    )
    if not items:
        return None, failures
    store = open_store(settings)
    try:
        exported = get_engine(settings, store=store).export(items, settings.batch_export)
    finally:
        if store is not None:
            store.close()
    return exported, failures


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
    feed_items: int = DEFAULT_FEED_ITEMS,
) -> DryRun:
    """The calls a summarize run would make, their estimated tokens and cost bound."""
    items, failures = prepare(
        sources, settings, stdin=stdin, session=session, feed_items=feed_items
    )
    return plan_items(items, failures, settings)


def plan_items(
    items: list[tuple[Article, list[Chunk]]], failures: list[Failure], settings: Settings
) -> DryRun:
    """The model calls these chunked articles need, with tokens, cache status and cost bound."""
    store = open_store(settings)
    try:
        engine = get_engine(settings, store=store)
        calls = tuple(engine.plan(items))
    finally:
        if store is not None:
            store.close()
    info = engine.info
    return DryRun(calls, tuple(failures), info.name, info.model, info.endpoint)


def batch_status(settings: Settings, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Known batch jobs (or one) with their status at the endpoint."""
    settings = _for_batches(settings)
    with Store(settings.cache_path) as store:
        return get_batches(settings, store=store).status(batch_id)


def cancel_batch(settings: Settings, batch_id: str) -> str:
    """Cancel a batch job at the endpoint; its status as the endpoint reports it."""
    settings = _for_batches(settings)
    with Store(settings.cache_path) as store:
        return get_batches(settings, store=store).cancel(batch_id)


def _for_batches(settings: Settings) -> Settings:
    settings = settings.with_(engine="openai")
    settings.check_endpoint()  # before the store is opened or anything is sent
    return settings
