"""Gather the day's candidates from configured sources, then turn each into an Article.

Gathering is cheap (feeds, directory listings): it applies the time window, keyword filters,
per-source limits and the seen set before anything expensive is fetched or summarized.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import requests

from .config import BriefConfig, FetchLimits, SourceSpec
from .dedup import normalize_url
from .errors import SourceError
from .feeds import FeedItem, fetch_feed, looks_like_feed, parse_feed, text_words
from .fetch import Download, fetch_url
from .models import Article, Failure, Progress
from .sources import Input, build_article, expand, is_url, load, page_article
from .store import Store

log = logging.getLogger(__name__)

FUTURE_SKEW = timedelta(hours=6)


@dataclass(frozen=True)
class Candidate:
    """Something that may become an article of today's brief."""

    key: str  # the seen-set key
    label: str
    source: SourceSpec
    title: str | None = None
    link: str | None = None
    published: datetime | None = None
    summary: str = ""
    outlet: str | None = None
    path: str | None = None
    download: Download | None = None  # a page already downloaded while sniffing it


@dataclass
class Gathered:
    """Candidates, what failed, and bookkeeping to save once the brief is written."""

    candidates: list[Candidate] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped_seen: int = 0
    skipped_window: int = 0
    skipped_filter: int = 0
    feed_validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    unchanged_feeds: int = 0


def window(
    config: BriefConfig, brief_date: date, now: datetime, last_start: float | None
) -> tuple[datetime, datetime]:
    """The time range whose items belong in the brief for ``brief_date``."""
    today = now.astimezone().date()
    if brief_date >= today:
        # The window reaches window_hours back from now. Feeds with a skewed clock date items
        # a little in the future; they are today's news, so only the end moves forward.
        start = now - timedelta(hours=config.window_hours)
        end = now + FUTURE_SKEW
    else:
        end = datetime.combine(brief_date, time(23, 59, 59)).astimezone()
        start = end - timedelta(hours=config.window_hours)
    if config.since_last_run and last_start is not None:
        start = datetime.fromtimestamp(last_start, tz=timezone.utc)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _matches(text: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    low = text.casefold()
    if include and not any(word.casefold() in low for word in include):
        return False
    return not any(word.casefold() in low for word in exclude)


def _item_candidate(item: FeedItem, spec: SourceSpec) -> Candidate:
    key = f"url:{normalize_url(item.link)}" if item.link else f"guid:{item.feed}|{item.id}"
    return Candidate(
        key=key,
        label=item.link or f"{item.feed} ({item.id})",
        source=spec,
        title=item.title,
        link=item.link,
        published=item.published,
        summary=item.summary,
        outlet=item.feed_title,
    )


def for_source(limits: FetchLimits, spec: SourceSpec) -> FetchLimits:
    """The run's fetch limits as one source needs them (``allow_private`` may be set per source)."""
    if spec.allow_private is None or spec.allow_private == limits.allow_private:
        return limits
    return limits.with_(allow_private=spec.allow_private)


def gather(
    config: BriefConfig,
    limits: FetchLimits,
    *,
    window: tuple[datetime, datetime],
    store: Store | None,
    include_seen: bool = False,
    session: requests.Session | None = None,
) -> Gathered:
    """Candidates from every source, filtered and limited; one source's failure stops none."""
    out = Gathered()
    for spec in config.sources:
        try:
            found = _from_source(spec, for_source(limits, spec), out, store, include_seen, session)
        except SourceError as exc:
            out.failures.append(Failure(exc.source, exc.reason))
            continue
        kept = []
        for cand in found:
            if cand.published is not None and not window[0] <= cand.published <= window[1]:
                out.skipped_window += 1
                continue
            text = f"{cand.title or ''}\n{cand.summary}"
            if cand.title or cand.summary:
                include = (*config.include, *spec.include)
                if not _matches(text, include, (*config.exclude, *spec.exclude)):
                    out.skipped_filter += 1
                    continue
            kept.append(cand)
        kept.sort(key=newest_first)
        out.candidates.extend(kept[: spec.limit or config.per_source_limit])
    # The same item may come from two sources: both stay, so that de-duplication lists
    # both as sources; the daily job fetches it once.
    candidates = out.candidates
    if store is not None and not include_seen:
        seen = store.seen_keys([c.key for c in candidates])
        out.skipped_seen = len(seen)
        candidates = [c for c in candidates if c.key not in seen]
    candidates.sort(key=newest_first)
    if len(candidates) > config.max_articles:
        log.warning(
            "%d candidates; keeping the newest %d (max_articles)",
            len(candidates),
            config.max_articles,
        )
    out.candidates = candidates[: config.max_articles]
    return out


def _from_source(
    spec: SourceSpec,
    limits: FetchLimits,
    out: Gathered,
    store: Store | None,
    include_seen: bool,
    session: requests.Session | None,
) -> list[Candidate]:
    found: list[Candidate] = []
    for location in spec.locations:
        kind = spec.kind
        if kind == "auto":
            kind = "page" if is_url(location) else "path"
        if kind == "feed":
            etag, modified = (None, None)
            if store is not None and not include_seen:
                etag, modified = store.feed_validators(location)
            result = fetch_feed(
                location, limits, etag=etag, last_modified=modified, session=session
            )
            if result.not_modified:
                out.unchanged_feeds += 1
                log.info("%s: not modified since the last run", location)
            out.feed_validators[location] = (result.etag, result.last_modified)
            found.extend(_item_candidate(item, spec) for item in result.items)
        elif kind == "urls":
            found.append(Candidate(f"url:{normalize_url(location)}", location, spec, link=location))
        elif kind == "page":
            found.extend(sniff_url(location, spec, limits, session=session))
        else:
            try:
                inputs = expand(location)
            except SourceError as exc:
                out.failures.append(Failure(exc.source, exc.reason))
                continue
            for item in inputs:
                found.append(
                    Candidate(
                        _file_key(item.location),
                        item.label,
                        spec,
                        path=item.location,
                    )
                )
    return found


def _file_key(path: str) -> str:
    # An edited file is news again: the key carries its size and modification time.
    full = Path(path).resolve()
    try:
        stat = full.stat()
    except OSError:
        return f"file:{full}"
    return f"file:{full}|{stat.st_mtime_ns}|{stat.st_size}"


def newest_first(cand: Candidate) -> tuple[bool, float]:
    """Sort key: the newest candidate first, undated ones last."""
    return (cand.published is None, -(cand.published.timestamp() if cand.published else 0))


def sniff_url(
    url: str,
    spec: SourceSpec,
    limits: FetchLimits,
    *,
    session: requests.Session | None = None,
    label: str | None = None,
) -> list[Candidate]:
    """A URL named on the command line: a feed gives its items, a page is one candidate."""
    download = fetch_url(url, limits, session=session)
    if looks_like_feed(download):
        return [_item_candidate(item, spec) for item in parse_feed(download.content, url).items]
    return [Candidate(f"url:{normalize_url(url)}", label or url, spec, link=url, download=download)]


def read_url(
    url: str,
    label: str,
    limits: FetchLimits,
    *,
    feed_items: int,
    session: requests.Session | None = None,
) -> tuple[list[Article], list[Failure]]:
    """A URL named for an on-demand summary: the page's article, or the articles of the
    ``feed_items`` newest items of a feed, each read as the daily brief reads it (no time
    window, no seen set). An item that fails is a failure; the others are still read."""
    spec = SourceSpec("auto", (url,))
    found = sniff_url(url, spec, limits, session=session, label=label)
    if len(found) == 1 and found[0].download is not None:
        return [page_article(found[0].download, label)], []
    if not found:
        raise SourceError(label, "the feed lists no items; nothing to summarize")
    newest = sorted(found, key=newest_first)[:feed_items]
    failures: list[Failure] = []
    notes: dict[str, str] = {}
    config = BriefConfig(sources=(spec,))
    read = read_all(newest, config, limits, failures=failures, session=session, notes=notes)
    articles = [
        # A summary has no source list to carry the note: the article's warning does.
        replace(article, extraction_note=article.extraction_note or notes[cand.key])
        if cand.key in notes
        else article
        for cand, article in read
    ]
    return articles, failures


def read_candidate(
    cand: Candidate,
    config: BriefConfig,
    limits: FetchLimits,
    *,
    session: requests.Session | None = None,
) -> tuple[Article, str | None]:
    """The candidate's article (the feed's own text when it is the whole story, else the page),
    and a note for the reader when the page failed and the feed's summary stands in."""
    limits = for_source(limits, cand.source)
    note = None
    if cand.path is not None:
        return load(Input(cand.label, "file", cand.path), limits), None
    if cand.download is not None:
        return page_article(cand.download, cand.label), None
    article: Article | None = None
    if cand.summary and text_words(cand.summary) >= config.full_text_below_words:
        article = _from_summary(cand)
    elif cand.link:
        try:
            # The feed's content is the fallback when the page's extraction comes out short.
            article = load(
                Input(cand.label, "url", cand.link),
                limits,
                session=session,
                feed_text=cand.summary or None,
            )
        except SourceError as exc:
            if not cand.summary.strip():
                raise
            log.info("%s: %s; using the feed's summary instead", cand.label, exc.reason)
            note = f"the page could not be downloaded ({exc.reason}); the feed's summary was used"
            article = _from_summary(cand)
    elif cand.summary.strip():
        article = _from_summary(cand)
    if article is None:
        raise SourceError(cand.label, "the feed item has neither text nor a link to fetch")
    article = replace(
        article,
        title=article.title or cand.title,
        url=article.url or cand.link,
        published=article.published
        or (cand.published.date().isoformat() if cand.published else None),
        site=article.site or cand.outlet,
        source=cand.label,
    )
    return article, note


def _from_summary(cand: Candidate) -> Article:
    import lxml.html

    try:
        text = lxml.html.fromstring(f"<div>{cand.summary}</div>").text_content()
    except Exception:  # lxml raises several types on junk; the raw text is still usable
        text = cand.summary
    if cand.title and not text.lstrip().startswith(cand.title):
        text = f"{cand.title}\n{text}"
    article = build_article(text.encode("utf-8"), cand.label, "text", url=cand.link)
    return replace(article, title=cand.title or article.title)


def read_all(
    candidates: list[Candidate],
    config: BriefConfig,
    limits: FetchLimits,
    *,
    failures: list[Failure],
    session: requests.Session | None = None,
    progress: Progress | None = None,
    notes: dict[str, str] | None = None,
) -> list[tuple[Candidate, Article]]:
    """Each candidate's article; an item that several sources carry is fetched once. Inputs
    that fail are added to ``failures``, and how an item was read, if unusual, to ``notes``."""
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
            article, note = read_candidate(cand, config, limits, session=session)
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
