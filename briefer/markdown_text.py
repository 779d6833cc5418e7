"""Markdown inputs as plain article text, and what their front matter says about them.

An article's text is what evidence is quoted from and checked against, so a Markdown file is
turned into the prose a reader sees: no emphasis marks, link targets, list markers, heading
hashes or HTML comments. Every block (paragraph, heading, list item, table row) becomes its own
paragraph, separated by a blank line, so that sentence splitting never joins a heading or a list
item to the text after it.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it.token import Token

log = logging.getLogger(__name__)

__all__ = ["MarkdownText", "read_markdown", "plain_text"]

# The opening fence, the block, and the closing fence: "---" closes with "---" or "..." (YAML's
# end of document), "+++" with "+++" (TOML, as Hugo writes it).
_FRONT_MATTER = re.compile(
    r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?:(?P<body>.*?)\n)?"
    r"(?P<close>---|\.\.\.|\+\+\+)[ \t]*(?:\n|\Z)",
    re.S,
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_HTML_BREAKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_HTML_HIDDEN = frozenset({"script", "style", "template"})
_CELL_SEPARATOR = "; "


@dataclass(frozen=True)
class MarkdownText:
    """A Markdown input read: its plain text and the metadata it gives about itself."""

    text: str
    title: str | None = None  # the front matter's title, else the first level-1 heading
    published: str | None = None  # YYYY-MM-DD
    author: str | None = None
    url: str | None = None


def read_markdown(source: str, label: str) -> MarkdownText:
    """Front matter (YAML or TOML) as metadata, the rest as plain text; ``label`` names it."""
    meta: dict[str, Any] | None = None
    match = _FRONT_MATTER.match(source)
    if match and _fences_agree(match.group("fence"), match.group("close")):
        meta = _front_matter(match.group("fence"), match.group("body") or "", label)
    if match and meta is not None:
        source = source[match.end() :]
    text, heading = plain_text(source)
    fields = _metadata(meta or {}, label)
    return MarkdownText(
        text=text,
        title=fields.get("title") or heading,
        published=fields.get("published"),
        author=fields.get("author"),
        url=fields.get("url"),
    )


def plain_text(source: str) -> tuple[str, str | None]:
    """The text of a Markdown document, one block per paragraph, and its first level-1 heading."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks: list[str] = []
    heading: str | None = None
    in_heading = ""
    cells: list[str] | None = None
    for token in parser.parse(source):
        kind = token.type
        if kind == "heading_open":
            in_heading = token.tag
        elif kind == "heading_close":
            in_heading = ""
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close":
            if cells is not None:
                _add(blocks, _CELL_SEPARATOR.join(c for c in cells if c))
            cells = None
        elif kind == "inline":
            line = _inline(token.children or [])
            if cells is not None:
                cells.append(line)
                continue
            if in_heading == "h1" and heading is None and line:
                heading = line
            _add(blocks, line)
        elif kind in ("fence", "code_block"):
            for line in token.content.splitlines():
                _add(blocks, line)
        elif kind == "html_block":
            for line in _html_text(token.content):
                _add(blocks, line)
    return "\n\n".join(blocks), heading


def _add(blocks: list[str], line: str) -> None:
    line = _SPACES.sub(" ", line).strip()
    if line:
        blocks.append(line)


def _inline(children: list[Token]) -> str:
    # Emphasis, strikethrough and link tokens carry no text of their own: dropping them keeps
    # the words and loses the marks and the link targets. Images are pictures, not prose.
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "html_inline" and _is_break(child.content):
            parts.append(" ")
    return "\n".join(_SPACES.sub(" ", p).strip() for p in "".join(parts).split("\n"))


def _is_break(tag: str) -> bool:
    return bool(re.match(r"<br\s*/?>", tag, re.I))


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML block: comments, scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_HIDDEN:
            self.hidden += 1
        elif tag in _HTML_BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _HTML_BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> list[str]:
    reader = _TextOfHtml()
    reader.feed(html)
    reader.close()
    return "".join(reader.parts).splitlines()


def _fences_agree(fence: str, close: str) -> bool:
    return (fence == "+++") == (close == "+++")


def _front_matter(fence: str, body: str, label: str) -> dict[str, Any] | None:
    """The front matter as a mapping; None when the block is prose between two rules.

    A block its language cannot read is reported once and left out of the text.
    """
    language = "TOML" if fence == "+++" else "YAML"
    try:
        data = _load_toml(body) if fence == "+++" else _load_yaml(body)
    except _FrontMatterError as exc:
        log.warning(
            "%s: its %s front matter could not be read (%s); the block is left out, its title "
            "and date are not used, and the text after it is read. Fix the block between the "
            "%s lines at the top of the file.",
            label,
            language,
            exc,
            fence,
        )
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        # "---", a paragraph, "---": a Markdown rule and prose that YAML reads as one string.
        return None
    return {str(k).strip().lower(): v for k, v in data.items()}


class _FrontMatterError(Exception):
    """Front matter that its language cannot read; the message says where and why."""


def _load_yaml(body: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(body)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # The block starts on the file's second line, after the opening fence.
        where = f"line {mark.line + 2}: " if mark is not None else ""
        raise _FrontMatterError(f"{where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _FrontMatterError(str(exc).splitlines()[0]) from None
    except (ValueError, RecursionError) as exc:  # a date such as 2024-13-45, or nesting
        raise _FrontMatterError(str(exc) or type(exc).__name__) from None


def _load_toml(body: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise _FrontMatterError(str(exc)) from None


def _metadata(meta: dict[str, Any], label: str) -> dict[str, str]:
    """The fields an Article has, from the front matter's keys; unusable values are reported."""
    found: dict[str, str] = {}
    ignored: list[str] = []
    title = meta.get("title")
    if title is not None:
        if isinstance(title, (str, int, float)) and _SPACES.sub(" ", str(title)).strip():
            found["title"] = _SPACES.sub(" ", str(title)).strip()
        else:
            ignored.append("title")
    key = next((k for k in ("date", "published") if meta.get(k) is not None), None)
    if key is not None:
        when = _iso_date(meta[key])
        if when:
            found["published"] = when
        else:
            ignored.append(f"{key} (not a YYYY-MM-DD date)")
    author = meta.get("author", meta.get("authors"))
    if author is not None:
        names = _names(author)
        if names:
            found["author"] = names
        else:
            ignored.append("author")
    key = next((k for k in ("url", "link") if meta.get(k) is not None), None)
    if key is not None:
        link = meta[key]
        if isinstance(link, str) and re.match(r"^https?://\S+$", link.strip(), re.I):
            found["url"] = link.strip()
        else:
            ignored.append(f"{key} (not an http(s) address)")
    if ignored:
        log.warning("%s: front matter value ignored: %s", label, ", ".join(ignored))
    return found


def _iso_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            return None
    return None


def _names(value: Any) -> str | None:
    """An author as a string: a name, a list of names, or a mapping with a name."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, str) and item.strip():
            names.append(_SPACES.sub(" ", item).strip())
    return ", ".join(names) or None
