"""RSS, Atom and JSON Feed: fetched with requests (conditional GET), parsed offline.

RSS and Atom go through feedparser; JSON Feed (jsonfeed.org, versions 1.0 and 1.1) is plain JSON
read here.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from .config import FetchLimits
from .errors import SourceError
from .fetch import Download, fetch_url

log = logging.getLogger(__name__)

_FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
)
JSON_FEED_VERSION = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/1(\.1)?/?"')
_TAGS = re.compile(r"<[^>]+>")
_PROLOG = re.compile(rb"\A(\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.DOTALL | re.IGNORECASE)
# A DOCTYPE with an internal subset can declare entities that expand exponentially ("billion
# laughs"); feeds never need one, so it is removed before parsing.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: where it points and what the feed itself carries."""

    id: str  # the guid, or the link when the feed gives none
    title: str | None
    link: str | None
    published: datetime | None
    summary: str  # HTML or text as the feed gave it; may be the whole article
    feed: str  # the feed's URL, for messages and source lists
    feed_title: str | None


@dataclass(frozen=True)
class FeedResult:
    """A fetched feed: its items, or nothing new (HTTP 304), plus validators for next time."""

    items: tuple[FeedItem, ...]
    not_modified: bool
    etag: str | None
    last_modified: str | None
    title: str | None


def _when(entry: dict[str, object]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _json_when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_json_feed(data: bytes, url: str) -> FeedResult:
    """Items of a JSON Feed (1.0 or 1.1); SourceError if it is not one."""
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SourceError(
            url, "not a readable JSON Feed (invalid JSON); check the address"
        ) from None
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/1"):
        raise SourceError(url, "not a JSON Feed (no jsonfeed.org version); check the address")
    entries = feed.get("items")
    if not isinstance(entries, list):
        raise SourceError(url, "the JSON Feed has no list of items; check the address")
    feed_title = _text(feed.get("title")) or None
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        link = _text(entry.get("url")) or _text(entry.get("external_url")) or None
        raw_id = entry.get("id")
        guid = str(raw_id) if isinstance(raw_id, (str, int)) and str(raw_id) else link
        if not guid:
            log.info("%s: an item with neither id nor url was skipped", url)
            continue
        content = max(_text(entry.get("content_html")), _text(entry.get("content_text")), key=len)
        summary = _text(entry.get("summary"))
        items.append(
            FeedItem(
                id=guid,
                title=_text(entry.get("title")) or None,
                link=link,
                published=_json_when(entry.get("date_published"))
                or _json_when(entry.get("date_modified")),
                summary=content if len(content) > len(summary) else summary,
                feed=url,
                feed_title=feed_title,
            )
        )
    return FeedResult(tuple(items), False, None, None, feed_title)


def is_json_feed(data: bytes) -> bool:
    """Whether a document opens as a JSON object that declares a jsonfeed.org version."""
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and JSON_FEED_VERSION.search(head) is not None


def parse_feed(data: bytes, url: str) -> FeedResult:
    """Items of an RSS, Atom or JSON Feed document; SourceError if it is not a feed at all."""
    import feedparser

    if data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return parse_json_feed(data, url)

    head = data[:65536]
    if b"<!" in head:
        data = _DOCTYPE.sub(b"", head, count=1) + data[65536:]
    if _ENTITY_DECL.search(data[:65536]):
        raise SourceError(url, "the feed declares XML entities, which feeds never need; refused")
    parsed = feedparser.parse(data)
    entries = list(parsed.get("entries") or [])
    if parsed.get("bozo") and not entries:
        reason = type(parsed.get("bozo_exception")).__name__
        raise SourceError(
            url, f"not a readable RSS, Atom or JSON feed ({reason}); check the address"
        )
    if parsed.get("bozo"):
        log.info("%s: malformed feed, %d entries recovered", url, len(entries))
    feed_title = (parsed.get("feed") or {}).get("title") or None
    items = []
    for entry in entries:
        link = entry.get("link") or None
        guid = entry.get("id") or link
        if not guid:
            log.info("%s: an entry with neither guid nor link was skipped", url)
            continue
        content = ""
        for block in entry.get("content") or []:
            value = block.get("value") or ""
            if len(value) > len(content):
                content = value
        summary = entry.get("summary") or ""
        items.append(
            FeedItem(
                id=str(guid),
                title=(entry.get("title") or None),
                link=link,
                published=_when(entry),
                summary=content if len(content) > len(summary) else summary,
                feed=url,
                feed_title=feed_title,
            )
        )
    return FeedResult(tuple(items), False, None, None, feed_title)


def fetch_feed(
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    session: requests.Session | None = None,
) -> FeedResult:
    """GET a feed with If-None-Match / If-Modified-Since; parse it unless it is unchanged."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    download = fetch_url(url, limits, session=session, headers=headers, accept=_FEED_ACCEPT)
    if download.not_modified:
        return FeedResult(
            (), True, download.etag or etag, download.last_modified or last_modified, None
        )
    result = parse_feed(download.content, url)
    return FeedResult(result.items, False, download.etag, download.last_modified, result.title)


def looks_like_feed(download: Download) -> bool:
    """Whether a download is an RSS/Atom (or other XML) document or a JSON Feed, not a page."""
    if download.media_type in FEED_TYPES or is_json_feed(download.content):
        return True
    # By the root element: an XHTML page also opens with <?xml, a feed's root is rss or feed.
    head = _PROLOG.sub(b"", download.content[:4096]).lower()
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def text_words(html_or_text: str) -> int:
    """Rough word count of a feed summary, tags removed."""
    return len(_TAGS.sub(" ", html_or_text).split())
