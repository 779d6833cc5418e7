"""Main text and metadata of an HTML page, checked against what the page says about itself.

trafilatura finds the main text. Its result is then checked: boilerplate lines are removed, and
a text implausibly short for the page (a photo caption, a teaser, a consent notice) is retried
with fallbacks -- trafilatura's recall-favouring mode, the page's JSON-LD ``articleBody``, the
feed item's own content -- and, if still short, carries a note that extraction may be
incomplete, which every output shows. The date comes from the page's own metadata first, so
that the date of a linked teaser is never taken for the article's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from .boilerplate import looks_like_consent, strip_boilerplate
from .errors import SourceError
from .language import detect as detect_language
from .pagemeta import (
    article_entities,
    html_to_text,
    is_first_of_pages,
    jsonld_body,
    jsonld_word_count,
    main_paragraph_words,
    page_date,
    undated_tree,
)

log = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 8
# Fewer words than this is a caption or a teaser, whatever else the page says.
MIN_PLAUSIBLE_WORDS = 50
# A text shorter than this share of what the page suggests (and by at least SHORT_GAP words)
# is missing part of the article.
SHORT_SHARE = 0.5
SHORT_GAP = 50
INCOMPLETE = "extraction may be incomplete"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Page:
    """What was found in an HTML page; ``note`` says why the text may be incomplete."""

    text: str
    title: str | None
    author: str | None
    published: str | None
    site: str | None
    note: str | None = None
    method: str = "trafilatura"  # trafilatura, trafilatura-recall, json-ld or feed
    # The language code detected on ``text`` itself, when extraction already knows it; None
    # when the text is not the one detected (lines removed, a fallback chosen).
    language: str | None = None


def _trafilatura(html: str, url: str | None, *, recall: bool) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_recall=recall,
        favor_precision=False,
    )


def _text(doc: Any) -> str:
    """The document's text with the page source's line wrapping undone.

    Some pages wrap the source of a paragraph over several lines; browsers show one paragraph,
    but trafilatura keeps the newlines, and a sentence would be cut into fragments. Whitespace
    inside each element is collapsed before trafilatura turns its tree into text, so only its
    own paragraph and line breaks remain.
    """
    if doc is None:
        return ""
    body = getattr(doc, "body", None)
    if body is None:
        return str(getattr(doc, "text", None) or "")
    import copy

    from trafilatura.xml import xmltotxt

    body = copy.deepcopy(body)
    for el in body.iter():
        in_code = el.tag == "code" or any(a.tag == "code" for a in el.iterancestors())
        if el.text and not in_code:  # code keeps its lines
            el.text = _SPACES.sub(" ", el.text)
        if el.tail and not any(a.tag == "code" for a in el.iterancestors()):
            el.tail = _SPACES.sub(" ", el.tail)
    text = xmltotxt(body, False) or ""
    return "\n".join(line.strip() for line in text.split("\n"))


def _tree(html: str) -> Any:
    import lxml.html
    from lxml import etree

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        return lxml.html.fromstring(html.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None


def shortfall(text: str, expected: int) -> str | None:
    """Why ``text`` looks incomplete for a page that suggests ``expected`` words, or None."""
    words = len(text.split())
    if looks_like_consent(text):
        return f"the text found is a cookie or consent notice ({words} words)"
    if expected and words < SHORT_SHARE * expected and expected - words >= SHORT_GAP:
        return f"only {words} words extracted where the page suggests about {expected}"
    if words < MIN_PLAUSIBLE_WORDS:
        return f"only {words} words extracted"
    return None


def extract_html(
    html: str, label: str, *, url: str | None = None, feed_text: str | None = None
) -> Page:
    """Extract the article from ``html``; raise SourceError if the page holds none.

    ``feed_text`` is the feed item's own content (HTML or text), a fallback when the page's
    extraction is short.
    """
    try:
        doc = _trafilatura(html, url, recall=False)
    except Exception as exc:  # trafilatura and lxml raise many types on hostile markup
        log.debug("trafilatura failed on %s", label, exc_info=True)
        raise SourceError(label, f"the HTML could not be parsed ({type(exc).__name__})") from None
    tree = _tree(html)
    entities = article_entities(tree) if tree is not None else []
    body = jsonld_body(entities)
    expected = max(
        len(body.split()),
        jsonld_word_count(entities),
        main_paragraph_words(tree) if tree is not None else 0,
    )
    first = _text(doc)
    detected = first or body
    language = detect_language(detected).code
    text, dropped = strip_boilerplate(first, language)
    if dropped:
        log.info("%s: %d boilerplate line(s) removed", label, dropped)
    method = "trafilatura"
    note = shortfall(text, expected)
    if note:
        tried: list[tuple[str, str, str | None]] = [(method, text, note)]
        for name, fallback in _fallbacks(html, url, body, feed_text):
            candidate, _ = strip_boilerplate(fallback, language)
            reason = shortfall(candidate, expected)
            tried.append((name, candidate, reason))
            if reason is None:
                break
        method, text, note = _best(tried)
        log.info("%s: short extraction; using %s (%d words)", label, method, len(text.split()))
    # trafilatura falls back to menus and footers when a page has no article; a handful of
    # words is such a leftover, not something to summarize.
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise SourceError(
            label,
            "no article text found in the HTML; if the page needs JavaScript or a login, "
            "save the article's text to a file instead",
        )
    if note is None and tree is not None and is_first_of_pages(tree, url):
        note = "the page holds only the first page of a longer article"
    headline = next(
        (e.get("headline") for e in entities if isinstance(e.get("headline"), str)), None
    )
    return Page(
        text=text,
        title=getattr(doc, "title", None) or headline or None,
        author=getattr(doc, "author", None) or None,
        published=_published(tree, entities, url),
        site=getattr(doc, "sitename", None) or None,
        note=f"{INCOMPLETE}: {note}" if note else None,
        method=method,
        language=language if text == detected else None,
    )


def _fallbacks(
    html: str, url: str | None, body: str, feed_text: str | None
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        recall = _trafilatura(html, url, recall=True)
    except Exception:  # the first pass already parsed this page; a second failure is no news
        recall = None
    if recall is not None and _text(recall).strip():
        out.append(("trafilatura-recall", _text(recall)))
    if body:
        out.append(("json-ld", body))
    if feed_text and feed_text.strip():
        out.append(("feed", html_to_text(feed_text)))
    return out


def _best(tried: list[tuple[str, str, str | None]]) -> tuple[str, str, str | None]:
    """The first plausible text; else the longest that is not a consent notice."""
    for entry in tried:
        if entry[2] is None:
            return entry
    real = [t for t in tried if not looks_like_consent(t[1])] or tried
    return max(real, key=lambda t: len(t[1].split()))


def _published(tree: Any, entities: list[dict[str, Any]], url: str | None) -> str | None:
    """The page's own date; else htmldate's, looked for outside links and teaser blocks."""
    if tree is None:
        return None
    own = page_date(tree, entities, url)
    if own:
        return own
    from htmldate import find_date

    try:
        found = find_date(undated_tree(tree), extensive_search=False, original_date=True, url=url)
    except Exception:  # htmldate on hostile markup: no date is better than no article
        log.debug("htmldate failed", exc_info=True)
        return None
    return str(found) if found else None
