"""Wire the steps: sources -> chunking -> engine -> digests. One input's failure stops no other."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import requests

from .chunking import chunk_article
from .config import Settings
from .engines import Engine, get_engine
from .errors import SourceError
from .models import ArticleDigest, Failure, SummaryRun
from .sources import Input, expand, load

log = logging.getLogger(__name__)

# Called before each input with (index, total, label): lets a caller draw a progress bar.
Progress = Callable[[int, int, str], None]


def collect_inputs(sources: Iterable[str | Path]) -> tuple[list[Input], list[Failure]]:
    """Expand command-line sources into inputs; sources that name nothing become failures."""
    inputs: list[Input] = []
    failures: list[Failure] = []
    for spec in sources:
        try:
            inputs.extend(expand(str(spec)))
        except SourceError as exc:
            failures.append(Failure(exc.source, exc.reason))
    return inputs, failures


def summarize(
    sources: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SummaryRun:
    """Summarize each source; failures are collected, never raised, so the rest still run."""
    settings = settings or Settings()
    engine = engine or get_engine(settings)
    inputs, failures = collect_inputs(sources)
    digests: list[ArticleDigest] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(inputs):
        if progress:
            progress(index, len(inputs), item.label)
        try:
            article = load(item, settings, stdin=stdin, session=session)
        except SourceError as exc:
            log.debug("failed to read %s", item.label, exc_info=True)
            failures.append(Failure(exc.source, exc.reason))
            continue
        if article.id in seen:
            log.info("%s has the same text as %s; summarized once", item.label, seen[article.id])
            continue
        seen[article.id] = item.label
        chunks = chunk_article(
            article,
            max_tokens=settings.max_tokens,
            overlap=settings.overlap,
            tokenizer=settings.tokenizer,
        )
        key_points, risks = engine.analyze(article, chunks)
        digests.append(
            ArticleDigest(
                article=article,
                chunks=tuple(chunks),
                key_points=tuple(key_points),
                risks=tuple(risks),
                engine=engine.info,
                tokenizer=settings.tokenizer,
            )
        )
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return SummaryRun(
        digests=tuple(digests),
        failures=tuple(failures),
        engine=engine.info,
        generated_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        settings=_public_settings(settings),
    )


def _public_settings(settings: Settings) -> dict[str, object]:
    # Only what explains the output; paths are shown as given, nothing secret lives here.
    data = dataclasses.asdict(settings)
    data["rules"] = [str(p) for p in settings.rules]
    data["templates_dir"] = str(settings.templates_dir) if settings.templates_dir else None
    return data
