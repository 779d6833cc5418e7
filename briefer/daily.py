"""The daily brief job: gather, de-duplicate, summarize, cluster, synthesize, write, remember.

Safe to run from cron: one run at a time (a lock), outputs written atomically to a dated path
and a stable ``latest`` name, state recorded only once the brief is on disk, and a clear
outcome with an exit code: 0 ok, 1 error, 3 partial, 75 another run holds the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

import requests

from .cluster import story_groups
from .collect import Candidate, Gathered, gather, read_candidate, window
from .config import BriefConfig, Settings
from .dedup import duplicate_groups
from .engines import Engine, get_engine
from .errors import RenderError, SourceError
from .grounding import Summarizer, SummaryAnswer
from .lock import run_locks
from .models import Article, Brief, Chunk, Failure, to_data
from .outputs import deliver, output_paths, repair
from .pipeline import DryRun, chunks_for, digest_items, plan_items
from .publish import discard, publish, stage
from .redaction import public_settings
from .render import render_brief
from .store import Store
from .synthesis import Entry, Origin, build, state_items

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_PARTIAL = 3

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DailyResult:
    """How a daily run ended, and what it wrote."""

    status: str  # "ok", "partial", "nothing-new", "exported" (batch requests written) or "error"
    message: str
    brief: Brief | None = None
    outputs: tuple[Path, ...] = ()
    failures: tuple[Failure, ...] = ()
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return {
            "ok": EXIT_OK,
            "nothing-new": EXIT_OK,
            "exported": EXIT_OK,
            "partial": EXIT_PARTIAL,
        }.get(self.status, EXIT_ERROR)


def run_daily(
    config: BriefConfig,
    settings: Settings,
    *,
    brief_date: date | None = None,
    include_seen: bool = False,
    wait: float | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> DailyResult:
    """Produce today's brief; raises LockedError when another run holds the lock."""
    now = now or datetime.now(timezone.utc)
    brief_date = brief_date or now.astimezone().date()
    store = Store(settings.cache_path)
    try:
        with run_locks(store.path, config.output_dir, wait=wait):
            return _run(
                config, settings, store, brief_date, include_seen, session, progress, now, engine
            )
    finally:
        store.close()


def plan_daily(
    config: BriefConfig,
    settings: Settings,
    *,
    brief_date: date | None = None,
    include_seen: bool = False,
    session: requests.Session | None = None,
    now: datetime | None = None,
) -> DryRun:
    """What a daily run would send to the model, without sending, writing or remembering."""
    now = now or datetime.now(timezone.utc)
    brief_date = brief_date or now.astimezone().date()
    with Store(settings.cache_path) as store:
        previous = store.last_brief()
        span = window(config, brief_date, now, previous["started"] if previous else None)
        gathered = gather(
            config,
            settings.fetch_limits,
            window=span,
            store=store,
            include_seen=include_seen,
            session=session,
        )
    failures = list(gathered.failures)
    articles = _read(gathered.candidates, config, settings, session, None, failures)
    _, items = _unique(articles, config, settings)
    return plan_items(items, failures, settings)


def _run(
    config: BriefConfig,
    settings: Settings,
    store: Store,
    brief_date: date,
    include_seen: bool,
    session: requests.Session | None,
    progress: Progress | None,
    now: datetime,
    engine: Engine | None,
) -> DailyResult:
    repair(config.output_dir, store)
    run_id = store.start_run(brief_date.isoformat())
    previous = store.last_brief(before_run=run_id)
    span = window(config, brief_date, now, previous["started"] if previous else None)
    log.info("window %s to %s", span[0].isoformat(), span[1].isoformat())
    committed = False
    try:
        gathered = gather(
            config,
            settings.fetch_limits,
            window=span,
            store=store,
            include_seen=include_seen,
            session=session,
        )
        failures = list(gathered.failures)
        stats = {
            "candidates": len(gathered.candidates),
            "already_seen": gathered.skipped_seen,
            "outside_window": gathered.skipped_window,
            "filtered_out": gathered.skipped_filter,
            "unchanged_feeds": gathered.unchanged_feeds,
            "sources": len(config.sources),  # as configured: "from N source(s)"
        }
        if not gathered.candidates:
            return _nothing_new(store, run_id, gathered, failures, stats)

        notes: dict[str, str] = {}
        articles = _read(gathered.candidates, config, settings, session, progress, failures, notes)
        groups, items = _unique(articles, config, settings)
        stats["duplicates"] = len(articles) - len(groups)
        engine = engine or get_engine(settings, store=store)
        if settings.batch_export is not None:
            exported = engine.export(items, settings.batch_export)
            store.finish_run(
                run_id, status="exported", articles=0, failures=0, usage={}, outputs=[]
            )
            return DailyResult("exported", exported.message, failures=tuple(failures), stats=stats)
        digested = digest_items(items, engine, settings, progress)
        failures.extend(digested.failures)
        usage = digested.usage
        entries: list[Entry] = []
        seen: list[str] = []
        for group, digest in zip(groups, digested.digests, strict=True):
            if digest is None:
                continue
            entries.append(Entry(digest, tuple(_origin(*articles[i], notes) for i in group)))
            seen.extend(articles[i][0].key for i in group)
        stats["articles"] = len(entries)
        if not entries:
            raise _NoBrief(failures, stats)

        stories = story_groups(
            [(e.digest.article.title or "", e.digest.article.text) for e in entries],
            threshold=config.story_threshold,
            languages=[e.digest.article.language for e in entries],
        )
        stats["stories"] = len(stories)
        summarizer = _summarizer(engine, config)
        brief = build(
            entries,
            stories,
            config,
            date=brief_date.isoformat(),
            generated_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            engine=engine.info,
            usage=usage,
            failures=failures,
            previous=store.brief_items(previous["id"]) if previous else None,
            previous_date=previous["brief_date"] if previous else None,
            max_key_points=settings.max_key_points,
            summarizer=summarizer,
            stats=stats,
        )
        texts: dict[str, str | bytes] = {}
        for fmt in config.formats:
            try:
                texts[fmt] = render_brief(
                    brief,
                    fmt,
                    settings=public_settings(settings),
                    templates_dir=settings.templates_dir,
                    page_size=config.page_size,
                )
            except RenderError as exc:
                if fmt != "pdf" or len(config.formats) == 1:
                    raise
                # A missing PDF toolchain must not cost the reader the other formats.
                failures.append(Failure("PDF output", str(exc)))
                log.error("PDF output: %s", exc)
        formats = tuple(texts)
        paths = output_paths(config, brief_date, formats)
        pending = stage(
            paths, config.output_dir, formats, texts, run_id=run_id, store_path=store.path
        )
        status = "partial" if failures else "ok"
        try:
            # The commit point: once the store has the run, a killed run's files are completed
            # by the next run; before it, they are removed.
            store.finish_run(
                run_id,
                status=status,
                articles=len(entries),
                failures=len(failures),
                usage=to_data(usage),
                outputs=[str(p) for p in paths],
                seen=seen,
                items=state_items(brief),
            )
        except BaseException:
            discard(pending)
            raise
        committed = True
        publish(pending)
        for url, (etag, modified) in gathered.feed_validators.items():
            store.put_feed_validators(url, etag, modified)
        lost = deliver(brief, config, settings, texts, session)
        if lost:
            failures.extend(lost)
            status = "partial"
            store.set_run_outcome(run_id, status=status, failures=len(failures))
        message = (
            f"Wrote {', '.join(_shown(p) for p in paths)}: {len(entries)} article(s) in "
            f"{len(brief.stories)} stor{'y' if len(brief.stories) == 1 else 'ies'}"
            + (f"; {len(failures)} input(s) failed" if failures else "")
            + "."
        )
        return DailyResult(status, message, brief, tuple(paths), tuple(failures), stats)
    except _NoBrief as nothing:
        store.finish_run(
            run_id, status="error", articles=0, failures=len(nothing.failures), usage={}, outputs=[]
        )
        return DailyResult(
            "error",
            f"No brief written: none of the {nothing.stats.get('candidates', 0)} new item(s) "
            "could be summarized.",
            failures=tuple(nothing.failures),
            stats=nothing.stats,
        )
    except BaseException:
        if committed:
            raise  # the brief is in the store; the next run puts any missing file in place
        store.finish_run(run_id, status="error", articles=0, failures=0, usage={}, outputs=[])
        raise


def _shown(path: Path) -> str:
    """A path as the user would type it: relative when it is below the working folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _read(
    candidates: list[Candidate],
    config: BriefConfig,
    settings: Settings,
    session: requests.Session | None,
    progress: Progress | None,
    failures: list[Failure],
    notes: dict[str, str] | None = None,
) -> list[tuple[Candidate, Article]]:
    """Each candidate's article; an item that several sources carry is fetched once."""
    articles: list[tuple[Candidate, Article]] = []
    fetched: dict[str, Article | None] = {}
    for done, cand in enumerate(candidates):
        if progress:
            progress(done, len(candidates), "Fetching")
        if cand.key in fetched:
            earlier = fetched[cand.key]
            if earlier is not None:
                articles.append((cand, replace(earlier, source=cand.label, site=cand.outlet)))
            continue
        try:
            article, note = read_candidate(cand, config, settings.fetch_limits, session=session)
        except SourceError as exc:
            fetched[cand.key] = None
            failures.append(Failure(exc.source, exc.reason))
            continue
        fetched[cand.key] = article
        articles.append((cand, article))
        if note is not None and notes is not None:
            notes[cand.key] = note
    if progress:
        progress(len(candidates), len(candidates), "Fetching")
    return articles


def _unique(
    articles: list[tuple[Candidate, Article]], config: BriefConfig, settings: Settings
) -> tuple[list[list[int]], list[tuple[Article, list[Chunk]]]]:
    """Duplicate groups, and the chunked keeper (first article) of each."""
    groups = duplicate_groups(
        [a.text for _, a in articles], [a.url for _, a in articles], threshold=config.near_duplicate
    )
    keepers = [articles[g[0]][1] for g in groups]
    return groups, [(a, chunks_for(a, settings)) for a in keepers]


class _NoBrief(Exception):
    def __init__(self, failures: list[Failure], stats: dict[str, int]) -> None:
        super().__init__("no article could be summarized")
        self.failures = failures
        self.stats = stats


def _nothing_new(
    store: Store,
    run_id: int,
    gathered: Gathered,
    failures: list[Failure],
    stats: dict[str, int],
) -> DailyResult:
    # Nothing to write. With failed sources that is an error: their items may be missing.
    status = "error" if failures else "nothing-new"
    store.finish_run(
        run_id, status=status, articles=0, failures=len(failures), usage={}, outputs=[]
    )
    if status == "nothing-new":
        for url, (etag, modified) in gathered.feed_validators.items():
            store.put_feed_validators(url, etag, modified)
    parts = []
    if stats["already_seen"]:
        parts.append(f"{stats['already_seen']} item(s) already in earlier briefs")
    if stats["outside_window"]:
        parts.append(f"{stats['outside_window']} outside the time window")
    if stats["filtered_out"]:
        parts.append(f"{stats['filtered_out']} filtered out")
    if stats["unchanged_feeds"]:
        parts.append(f"{stats['unchanged_feeds']} feed(s) unchanged since the last run")
    detail = f" ({'; '.join(parts)})" if parts else ""
    hint = " Use --all to include items already briefed." if stats["already_seen"] else ""
    if stats["unchanged_feeds"]:
        # An unchanged feed sends no items at all, so no window can bring them back.
        hint = " Use --all to fetch unchanged feeds again and include items already briefed."
    if status == "error":
        return DailyResult(
            status,
            f"No brief written: nothing new from the sources that answered{detail}, and "
            f"{len(failures)} input(s) failed.",
            None,
            (),
            tuple(failures),
            stats,
        )
    return DailyResult(
        status,
        f"Nothing new to brief{detail}; no brief written.{hint}",
        None,
        (),
        tuple(failures),
        stats,
    )


def _origin(cand: Candidate, article: Article, notes: dict[str, str]) -> Origin:
    return Origin(
        note=notes.get(cand.key),
        location=cand.label,
        title=article.title or cand.title,
        outlet=article.site or cand.outlet or cand.source.name,
        url=article.url or cand.link,
        published=article.published,
    )


def _summarizer(engine: Engine, config: BriefConfig) -> Summarizer:
    def summarize(findings: dict[str, object], valid: set[int]) -> SummaryAnswer | None:
        return engine.synthesize(
            title=config.title,
            audience=config.audience,
            findings=findings,
            valid_stories=valid,
            summary_items=config.summary_items,
        )

    return summarize
