"""What a page says about its own article: JSON-LD, meta tags, its header's date, its paragraphs.

These are the page's own claims, used to check an extraction (is the text plausibly the whole
article?) and to date the article without taking the date of a linked teaser.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = [
    "article_entities",
    "html_to_text",
    "undated_tree",
    "jsonld_body",
    "jsonld_word_count",
    "main_paragraph_words",
    "is_first_of_pages",
    "page_date",
]

_ARTICLE_TYPES = ("Article", "BlogPosting", "Report")  # NewsArticle, OpinionNewsArticle, …
_MAX_DEPTH = 8
# A paragraph shorter than this is a caption, a byline or a link, not body text.
PARAGRAPH_MIN_WORDS = 12
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_UTC = re.compile(r"(?:Z|[+-]00:?00)\s*$")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)/")
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_META_DATES = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "parsely-pub-date",
    "publishdate",
    "publish-date",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "prism.publicationdate",
    "citation_publication_date",
    "date",
)
# Where a page keeps links to other articles: a date found there belongs to a teaser.
_ELSEWHERE = re.compile(
    r"\b(related|teaser|recommend\w*|more-?stories|read-?more|sidebar|aside|promo|"
    r"most-?(read|popular)|trending|footer|nav\w*|comments?)\b",
    re.I,
)


def _classes(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _types(entity: dict[str, Any]) -> list[str]:
    raw = entity.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return [re.split(r"[/:#]", n)[-1] for n in names if isinstance(n, str)]


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    # Only the page's own entities: lists, @graph and mainEntity. Articles nested elsewhere
    # (an ItemList of related stories, hasPart, isPartOf) are other articles.
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity"):
            if isinstance(value.get(key), (dict, list)):
                yield from _walk(value[key], depth + 1)


def article_entities(tree: Any) -> list[dict[str, Any]]:
    """schema.org Article-like objects in the page's JSON-LD (``@graph``, lists, nesting)."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for entity in _walk(data):
            if any(t.endswith(_ARTICLE_TYPES) for t in _types(entity)):
                found.append(entity)
    return found


def html_to_text(value: Any) -> str:
    """Plain text of an ``articleBody``: markup removed, entities decoded, lines kept."""
    if isinstance(value, list):
        value = "\n".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    if "<" in value and ">" in value:
        import lxml.html

        try:
            root = lxml.html.fromstring(f"<div>{value}</div>")
            for br in root.iter("br", "p", "div", "li", "h2", "h3"):
                br.tail = "\n" + (br.tail or "")
            value = root.text_content()
        except (etree.ParserError, ValueError):
            value = re.sub(r"<[^>]+>", " ", value)
    value = htmllib.unescape(value)
    lines = (" ".join(line.split()) for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


def jsonld_body(entities: list[dict[str, Any]]) -> str:
    """The longest ``articleBody`` among the page's Article objects, as plain text."""
    bodies = [html_to_text(e.get("articleBody")) for e in entities]
    return max(bodies, key=lambda b: len(b.split()), default="")


def jsonld_word_count(entities: list[dict[str, Any]]) -> int:
    """The largest ``wordCount`` an Article object declares (0 when none does)."""
    counts = []
    for entity in entities:
        value = entity.get("wordCount")
        try:
            counts.append(int(str(value).strip()))
        except ValueError:
            continue
    return max(counts, default=0)


def main_paragraph_words(tree: Any) -> int:
    """Words in the body paragraphs of the page's main text block.

    Paragraphs are grouped by their parent; the parent with the most words is the main text.
    Comments and teasers sit under other parents, so they do not count.
    """
    per_parent: Counter[Any] = Counter()
    for para in tree.iter("p"):
        parent = para.getparent()
        if parent is None or any(a.tag in ("a", "nav", "footer") for a in para.iterancestors()):
            continue
        words = len(para.text_content().split())
        if words >= PARAGRAPH_MIN_WORDS:
            per_parent[parent] += words
    return max(per_parent.values(), default=0)


def _iso(value: Any) -> str | None:
    """YYYY-MM-DD from an ISO timestamp or a day.month.year date, as written."""
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DMY_DATE.search(value)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _outside_teasers(el: Any) -> bool:
    for anc in el.iterancestors():
        if anc.tag in ("a", "aside", "nav", "footer") or _ELSEWHERE.search(_classes(anc)):
            return False
    return True


def undated_tree(tree: Any) -> Any:
    """A copy of ``tree`` without links, asides, navigation, teaser blocks and scripts.

    Dates there are other articles' dates; the page's own JSON-LD was read by ``page_date``.
    """
    import copy

    pruned = copy.deepcopy(tree)
    doomed = [
        el
        for el in pruned.iter()
        if isinstance(el.tag, str)
        and el.tag not in ("html", "head", "body")
        and (el.tag in ("a", "aside", "nav", "footer", "script") or _ELSEWHERE.search(_classes(el)))
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return pruned


def _own_dates(tree: Any, entities: list[dict[str, Any]]) -> Iterator[str]:
    """Date strings the page gives for its own article, most trusted first."""
    for entity in entities:
        for key in ("datePublished", "dateCreated"):
            if isinstance(entity.get(key), str):
                yield entity[key]
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if name and name not in metas and meta.get("content"):
            metas[name] = meta.get("content")
    for name in _META_DATES:
        if name in metas:
            yield metas[name]
    # A <time> counts when it is marked as the publication date or sits in the article or its
    # header; a masthead's "today" and a teaser's date do not.
    marked = (
        "//*[@itemprop='datePublished'] | //time[@pubdate] | //time[contains(@class, 'publish')]"
    )
    placed = "//article//time | //header//time"
    for xpath in (marked, placed):
        for el in tree.xpath(xpath):
            if _outside_teasers(el):
                yield el.get("datetime") or el.get("content") or ""
                yield el.text_content()
    title = tree.find(".//title")
    heading = metas.get("og:title") or (title.text_content() if title is not None else "")
    match = _DMY_DATE.search(heading or "")
    if match:
        yield match.group(0)


def _page_url(tree: Any, url: str | None) -> str:
    links = tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    return url or (str(links[0]) if links else "")


def page_date(tree: Any, entities: list[dict[str, Any]], url: str | None = None) -> str | None:
    """The article's own publication date (YYYY-MM-DD) from the page's metadata, if it has one.

    In order: JSON-LD ``datePublished`` of the Article, publication meta tags, a ``<time>`` or
    ``datePublished`` element that is not inside a link or a teaser block, a date in the title.
    """
    for raw in _own_dates(tree, entities):
        found = _iso(raw)
        if not found:
            continue
        # A UTC timestamp's calendar day can be the day after the publisher's own (an evening
        # story in California); a date in the page's URL is the publisher's day.
        if _UTC.search(raw):
            match = _URL_DATE.search(_page_url(tree, url))
            if match:
                local = _iso("-".join(match.groups()))
                if local and abs((date.fromisoformat(found) - date.fromisoformat(local)).days) == 1:
                    return local
        return found
    return None


def is_first_of_pages(tree: Any, url: str | None) -> bool:
    """True when the page says it is page 1 of a longer article (a rel=next to its page 2)."""
    nexts = tree.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href")
    if not nexts:
        return False
    base = _page_url(tree, url)
    if not base:
        return False
    own = urlsplit(base)
    stem = own.path.rstrip("/")
    for href in nexts:
        target = urlsplit(urljoin(base, str(href)))
        if target.netloc and target.netloc != own.netloc:
            continue
        rest = target.path[len(stem) :] if target.path.startswith(stem) else ""
        rest = f"{rest}?{target.query}" if target.query else rest
        if re.fullmatch(r"[/_-]?(?:seite|page|pagina|pag|p)?[-_/=]?2/?|\?(?:page|p|seite)=2", rest):
            return True
    return False
