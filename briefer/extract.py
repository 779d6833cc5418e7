"""Main text and metadata of an HTML page, through trafilatura."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .errors import SourceError

log = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 8


@dataclass(frozen=True)
class Page:
    """What trafilatura found in an HTML page."""

    text: str
    title: str | None
    author: str | None
    published: str | None
    site: str | None


def extract_html(html: str, label: str, *, url: str | None = None) -> Page:
    """Extract the article from ``html``; raise SourceError if the page holds none."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
        )
    except Exception as exc:  # trafilatura and lxml raise many types on hostile markup
        log.debug("trafilatura failed on %s", label, exc_info=True)
        raise SourceError(label, f"the HTML could not be parsed ({type(exc).__name__})") from None
    text = getattr(doc, "text", None) if doc is not None else None
    # trafilatura falls back to menus and footers when a page has no article; a handful of
    # words is such a leftover, not something to summarize.
    if not text or len(text.split()) < MIN_ARTICLE_WORDS:
        raise SourceError(
            label,
            "no article text found in the HTML; if the page needs JavaScript or a login, "
            "save the article's text to a file instead",
        )
    return Page(
        text=text,
        title=getattr(doc, "title", None) or None,
        author=getattr(doc, "author", None) or None,
        published=getattr(doc, "date", None) or None,
        site=getattr(doc, "sitename", None) or None,
    )
