"""The daily brief job: gather, de-duplicate, summarize, cluster, synthesize, write, remember.

Safe to run from cron: one run at a time (a lock), outputs written atomically to a dated path
and a stable ``latest`` name, state recorded only once the brief is on disk, and a clear
outcome with an exit code: 0 ok, 1 error, 3 partial, 75 another run holds the lock.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from pathlib import Path

import requests

from .cluster import story_groups
from .collect import Candidate, Gathered, gather, read_all, window
from .config import BriefConfig, Settings
from .dedup import duplicate_groups
from .engines import Engine, Items, get_engine
from .errors import RenderError
from .grounding import Summarizer, SummaryAnswer
from .lock import run_locks
from .models import Article, Brief, Chunk, Failure, Progress, Usage, to_data
from .outcome import DailyResult, nothing_new, shown
from .outputs import deliver, output_paths, repair
from .pipeline import DryRun, chunks_for, digest_items, plan_items
from .publish import discard, publish, stage
from .records import BriefRun
from .redaction import public_settings
from .render import render_brief
from .store import Store
from .synthesis import Entry, Origin, build, state_items

log = logging.getLogger(__name__)


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
            steps = _DailyRun(
                config,
                settings,
                store,
                brief_date=brief_date,
                now=now,
                session=session,
                progress=progress,
            )
            return steps.run(include_seen, engine)
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
    articles = read_all(
        gathered.candidates, config, settings.fetch_limits, failures=failures, session=session
    )
    _, items = _unique(articles, config, settings)
    return plan_items(items, failures, settings)


class _DailyRun:
    """One daily run, step by step, holding the locks: what the steps share is kept here."""

    def __init__(
        self,
        config: BriefConfig,
        settings: Settings,
        store: Store,
        *,
        brief_date: date,
        now: datetime,
        session: requests.Session | None,
        progress: Progress | None,
    ) -> None:
        self.config, self.settings, self.store = config, settings, store
        self.brief_date, self.now = brief_date, now
        self.session, self.progress = session, progress
        self.failures: list[Failure] = []
        self.stats: dict[str, int] = {}
        self.notes: dict[str, str] = {}  # how a candidate was read, when not as expected
        self.committed = False  # the store has the brief: the next run completes its files

    def run(self, include_seen: bool, engine: Engine | None) -> DailyResult:
        """Gather, read, digest, compose, render, write and deliver; record the outcome."""
        store = self.store
        repair(self.config.output_dir, store)
        self.run_id = store.start_run(self.brief_date.isoformat())
        self.previous = store.last_brief(before_run=self.run_id)
        try:
            gathered = self.gather(include_seen)
            if not gathered.candidates:
                return nothing_new(store, self.run_id, gathered, self.failures, self.stats)
            articles = read_all(
                gathered.candidates,
                self.config,
                self.settings.fetch_limits,
                failures=self.failures,
                session=self.session,
                progress=self.progress,
                notes=self.notes,
            )
            groups, items = _unique(articles, self.config, self.settings)
            self.stats["duplicates"] = len(articles) - len(groups)
            engine = engine or get_engine(self.settings, store=store)
            if self.settings.batch_export is not None:
                return self.export(engine, items, self.settings.batch_export)
            entries, usage, seen = self.digest(engine, articles, groups, items)
            brief = self.compose(engine, entries, usage)
            texts = self.render(brief)
            paths = self.write(brief, texts, entries, usage, seen)
            for url, (etag, modified) in gathered.feed_validators.items():
                store.put_feed_validators(url, etag, modified)
            return self.deliver(brief, texts, paths, len(entries))
        except _NoBrief:
            store.finish_run(
                self.run_id,
                status="error",
                articles=0,
                failures=len(self.failures),
                usage={},
                outputs=[],
            )
            return DailyResult(
                "error",
                f"No brief written: none of the {self.stats.get('candidates', 0)} new item(s) "
                "could be summarized.",
                failures=tuple(self.failures),
                stats=self.stats,
            )
        except BaseException:
            if self.committed:
                raise  # the brief is in the store; the next run puts any missing file in place
            store.finish_run(
                self.run_id, status="error", articles=0, failures=0, usage={}, outputs=[]
            )
            raise

    def gather(self, include_seen: bool) -> Gathered:
        """The window's new candidates from every source, with what was left out and why."""
        previous = self.previous
        span = window(
            self.config, self.brief_date, self.now, previous["started"] if previous else None
        )
        log.info("window %s to %s", span[0].isoformat(), span[1].isoformat())
        gathered = gather(
            self.config,
            self.settings.fetch_limits,
            window=span,
            store=self.store,
            include_seen=include_seen,
            session=self.session,
        )
        self.failures.extend(gathered.failures)
        self.stats.update(
            candidates=len(gathered.candidates),
            already_seen=gathered.skipped_seen,
            outside_window=gathered.skipped_window,
            filtered_out=gathered.skipped_filter,
            unchanged_feeds=gathered.unchanged_feeds,
            sources=len(self.config.sources),  # as configured: "from N source(s)"
        )
        return gathered

    def export(self, engine: Engine, items: Items, path: Path) -> DailyResult:
        """Write the run's model calls as a batch request file; nothing else is written."""
        exported = engine.export(items, path)
        self.store.finish_run(
            self.run_id, status="exported", articles=0, failures=0, usage={}, outputs=[]
        )
        return DailyResult(
            "exported", exported.message, failures=tuple(self.failures), stats=self.stats
        )

    def digest(
        self,
        engine: Engine,
        articles: list[tuple[Candidate, Article]],
        groups: list[list[int]],
        items: Items,
    ) -> tuple[list[Entry], Usage, list[str]]:
        """The verified digest of each unique article with all its sources, the usage, and the
        keys of every item it covers (remembered as seen once the brief is written)."""
        digested = digest_items(items, engine, self.settings, self.progress)
        self.failures.extend(digested.failures)
        entries: list[Entry] = []
        seen: list[str] = []
        for group, digest in zip(groups, digested.digests, strict=True):
            if digest is None:
                continue
            entries.append(Entry(digest, tuple(_origin(*articles[i], self.notes) for i in group)))
            seen.extend(articles[i][0].key for i in group)
        self.stats["articles"] = len(entries)
        if not entries:
            raise _NoBrief()
        return entries, digested.usage, seen

    def compose(self, engine: Engine, entries: list[Entry], usage: Usage) -> Brief:
        """Stories, ranked risks, changes since the previous brief, the executive summary."""
        config, previous = self.config, self.previous
        stories = story_groups(
            [(e.digest.article.title or "", e.digest.article.text) for e in entries],
            threshold=config.story_threshold,
            languages=[e.digest.article.language for e in entries],
        )
        self.stats["stories"] = len(stories)
        return build(
            entries,
            stories,
            config,
            date=self.brief_date.isoformat(),
            generated_at=self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            engine=engine.info,
            usage=usage,
            failures=self.failures,
            previous=self.store.brief_items(previous["id"]) if previous else None,
            previous_date=previous["brief_date"] if previous else None,
            max_key_points=self.settings.max_key_points,
            summarizer=_summarizer(engine, config),
            stats=self.stats,
            previous_time=_same_day_time(previous, self.brief_date.isoformat()),
        )

    def render(self, brief: Brief) -> dict[str, str | bytes]:
        """The brief in every configured format; a PDF that cannot be made costs only itself."""
        config, settings = self.config, self.settings
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
                self.failures.append(Failure("PDF output", str(exc)))
                log.error("PDF output: %s", exc)
        return texts

    def write(
        self,
        brief: Brief,
        texts: dict[str, str | bytes],
        entries: list[Entry],
        usage: Usage,
        seen: list[str],
    ) -> list[Path]:
        """Stage the files, commit the run to the store, then put the files in place."""
        store, formats = self.store, tuple(texts)
        paths = output_paths(self.config, self.brief_date, formats)
        pending = stage(
            paths, self.config.output_dir, formats, texts, run_id=self.run_id, store_path=store.path
        )
        try:
            # The commit point: once the store has the run, a killed run's files are completed
            # by the next run; before it, they are removed.
            store.finish_run(
                self.run_id,
                status="partial" if self.failures else "ok",
                articles=len(entries),
                failures=len(self.failures),
                usage=to_data(usage),
                outputs=[str(p) for p in paths],
                seen=seen,
                items=state_items(brief),
            )
        except BaseException:
            discard(pending)
            raise
        self.committed = True
        publish(pending)
        return paths

    def deliver(
        self, brief: Brief, texts: dict[str, str | bytes], paths: list[Path], articles: int
    ) -> DailyResult:
        """Email and webhook; a delivery that fails makes the run partial, not undone."""
        status = "partial" if self.failures else "ok"
        lost = deliver(brief, self.config, self.settings, texts, self.session)
        if lost:
            self.failures.extend(lost)
            status = "partial"
            self.store.set_run_outcome(self.run_id, status=status, failures=len(self.failures))
        failures = self.failures
        message = (
            f"Wrote {', '.join(shown(p) for p in paths)}: {articles} article(s) in "
            f"{len(brief.stories)} stor{'y' if len(brief.stories) == 1 else 'ies'}"
            + (f"; {len(failures)} input(s) failed" if failures else "")
            + "."
        )
        return DailyResult(status, message, brief, tuple(paths), tuple(failures), self.stats)


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
    """No article could be summarized: the run ends without a brief."""


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


def _same_day_time(previous: BriefRun | None, today: str) -> str | None:
    """The previous brief's time ("06:00 UTC") when it is of today too (a second run)."""
    if previous is None or previous["brief_date"] != today:
        return None
    return f"{datetime.fromtimestamp(previous['started'], tz=timezone.utc):%H:%M} UTC"
