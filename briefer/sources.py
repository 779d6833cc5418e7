"""Turn what the user names (files, directories, stdin, URLs) into cleaned Articles."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import requests

from .boilerplate import strip_boilerplate
from .config import SOURCE_EXTENSIONS, FetchLimits
from .errors import SourceError
from .feeds import looks_like_feed
from .fetch import Download, fetch_url
from .language import detect as detect_language
from .models import Article
from .redaction import redact_url as redact
from .text import whitespace_blocks

log = logging.getLogger(__name__)

STDIN = "-"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown", "")
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<article|<meta|<title)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Western code pages that short texts are easily mistaken for one another; Cyrillic, Greek,
# Turkish, Hebrew and Arabic pages (cp1251, cp1253-cp1256) are not among them.
_LATIN_PAGES = re.compile(
    r"^(cp1250|cp1252|cp1257|latin_1|iso8859_(1|2|15)|mac_(roman|latin2|iceland)|cp850|cp437)$"
)


@dataclass(frozen=True)
class Input:
    """One readable input: a file, a URL or stdin, with the label used in messages."""

    label: str
    kind: str  # "file", "url" or "stdin"
    location: str


def is_url(spec: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", spec))


def expand(spec: str) -> list[Input]:
    """The inputs one command-line source stands for; a directory is walked recursively."""
    if spec == STDIN:
        return [Input("<stdin>", "stdin", STDIN)]
    if is_url(spec):
        return [Input(redact(spec), "url", spec)]
    try:
        mode = os.stat(spec).st_mode
    except OSError as exc:
        raise SourceError(spec, _unreadable(spec, exc)) from None
    if stat.S_ISDIR(mode):
        files = sorted(_walk(Path(spec)))
        if not files:
            wanted = ", ".join(SOURCE_EXTENSIONS)
            raise SourceError(spec, f"the directory holds no article files ({wanted})")
        return [Input(str(f), "file", str(f)) for f in files]
    return [Input(spec, "file", spec)]


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(SOURCE_EXTENSIONS):
                continue
            path = Path(dirpath) / name
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                log.warning("%s: skipped: %s", path, _unreadable(str(path), exc))
                continue
            if not stat.S_ISREG(mode):
                log.warning("%s: skipped: %s", path, _not_regular(mode))
                continue
            yield path


def _unreadable(path: str, exc: OSError) -> str:
    """Why a path cannot be read, in words that say what to do."""
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop (a link that leads back to itself); fix or remove the link"
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return "is a symbolic link to a missing file; fix or remove the link"
        return "no such file or directory; check the path"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; check the file's permissions"
    return f"could not be read ({exc.strerror or exc})"


def _not_regular(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    return f"is {kind}; briefer reads only regular files (save the text to a file first)"


def load(
    item: Input,
    limits: FetchLimits,
    *,
    stdin: BinaryIO | None = None,
    session: requests.Session | None = None,
    feed_text: str | None = None,
) -> Article:
    """Read and clean one input; raise SourceError naming it when that is impossible.

    ``feed_text`` is the feed item's content, a fallback when a page's extraction is short.
    """
    if item.kind == "url":
        download = fetch_url(item.location, limits, session=session)
        return page_article(download, item.label, feed_text=feed_text)
    if item.kind == "stdin":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(limits.max_bytes + 1)
        _check_size(item.label, len(data), limits.max_bytes)
        kind = "html" if _HTML_SNIFF.match(data) else "text"
        return build_article(data, item.label, kind)
    path = Path(item.location)
    data = _read_regular(item.label, item.location, limits.max_bytes)
    _check_size(item.label, len(data), limits.max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml") or (
        suffix not in SOURCE_EXTENSIONS and _HTML_SNIFF.match(data)
    ):
        kind = "html"
    elif suffix in (".md", ".markdown"):
        kind = "markdown"
    else:
        kind = "text"
    return build_article(data, item.label, kind)


def page_article(download: Download, label: str, *, feed_text: str | None = None) -> Article:
    """The article of a downloaded page; SourceError when it is a feed or not a text page."""
    media = download.media_type
    if looks_like_feed(download):
        raise SourceError(label, "this is an RSS/Atom feed or XML, not an article page")
    if media.startswith("text/") and media not in _HTML_TYPES + _TEXT_TYPES:
        media = "text/plain"
    if media not in _HTML_TYPES + _TEXT_TYPES:
        raise SourceError(label, f"the server sent {media}, not a text or HTML page")
    kind = "html" if media in _HTML_TYPES or _HTML_SNIFF.match(download.content) else "text"
    if media in ("text/markdown", "text/x-markdown"):
        kind = "markdown"
    return build_article(
        download.content,
        label,
        kind,
        declared=download.charset,
        url=download.url,
        feed_text=feed_text,
    )


def _read_regular(label: str, location: str, max_bytes: int) -> bytes:
    """The bytes of a regular file; anything else (FIFO, device, socket) is refused unread."""
    try:
        mode = os.stat(location).st_mode
        if not stat.S_ISREG(mode):
            raise SourceError(label, _not_regular(mode))
        # O_NONBLOCK: if the path was swapped for a FIFO since stat, opening it must not wait
        # for a writer; fstat below then refuses it.
        fd = os.open(location, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise SourceError(label, _unreadable(location, exc)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(label, _not_regular(info.st_mode))
        _check_size(label, info.st_size, max_bytes)
        try:
            # Read what fstat said (a buffer of max_bytes would be allocated up front), then
            # whatever a file still being written has gained, up to the limit.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(max_bytes + 1 - len(data))
            return data
        except OSError as exc:
            raise SourceError(label, _unreadable(location, exc)) from None


def _check_size(label: str, size: int, limit: int) -> None:
    if size > limit:
        raise SourceError(
            label,
            f"is larger than the {limit / (1024 * 1024):.1f} MB limit; "
            "raise the max_bytes setting to read it",
        )


def build_article(
    data: bytes,
    label: str,
    kind: str,
    *,
    declared: str | None = None,
    url: str | None = None,
    feed_text: str | None = None,
) -> Article:
    """Decode, extract and clean raw bytes into an Article."""
    if not data:
        raise SourceError(label, "is empty; there is nothing to summarize")
    text = decode(data, label, declared)
    title = author = published = site = note = None
    # The article's language is detected on its final text, once: a guess is kept for as long
    # as the text it was made on is unchanged (detection is most of the cost of reading).
    language: str | None = None
    if kind == "html":
        from .extract import extract_html

        page = extract_html(text, label, url=url, feed_text=feed_text)
        text, title, author, published, site, note, language = (
            page.text,
            page.title,
            page.author,
            page.published,
            page.site,
            page.note,
            page.language,
        )
    elif kind == "markdown":
        from .markdown_text import read_markdown

        doc = read_markdown(clean(text), label)
        text, title, author, published = doc.text, doc.title, doc.author, doc.published
        url = url or doc.url
    cleaned = clean(text)
    if cleaned != text:
        language = None
    text = cleaned
    if not text:
        what = "front matter and markup" if kind == "markdown" else "whitespace"
        raise SourceError(label, f"holds only {what}; there is nothing to summarize")
    if kind != "html":  # a page's text was already checked in extract_html
        # Text saved from a page or sent by a feed carries the same furniture as the page.
        language = detect_language(text).code
        stripped = clean(strip_boilerplate(text, language)[0])
        if stripped != text:
            text, language = stripped, None
        if not text:
            raise SourceError(
                label, "holds only navigation or boilerplate lines; there is nothing to summarize"
            )
    if kind == "markdown":
        title = title or _first_line_title(text)
    elif kind == "text":
        title = _first_line_title(text)
    return Article(
        id=article_id(text),
        text=text,
        source=label,
        title=title,
        url=url,
        author=author,
        published=published,
        site=site,
        kind=kind,
        language=detect_language(text).code if language is None else language,
        extraction_note=note,
    )


def decode(data: bytes, label: str, declared: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset, then UTF-8, then a careful guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise SourceError(label, "looks like a binary file; briefer reads text, Markdown and HTML")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            log.debug("%s: declared charset %r does not fit; guessing", label, declared)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SourceError(
            label,
            "is not UTF-8 and its encoding could not be recognised; convert it to UTF-8 "
            "(for example with iconv) and try again",
        )
    encoding = best.encoding
    if _LATIN_PAGES.match(encoding):
        # Short Western text is often guessed as a neighbouring code page; cp1252 is what
        # browsers assume for legacy Western pages, so prefer it whenever it decodes cleanly.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    log.info("%s: not UTF-8, read as %s", label, encoding)
    return str(best)


def clean(text: str) -> str:
    """Normalize newlines, Unicode form and control characters; trim the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return text.strip()


def article_id(text: str) -> str:
    """Stable id: sha256 of the text with whitespace collapsed (so re-wrapping keeps the id)."""
    # The hash of " ".join(NFC(text).split()), fed block by block: splitting a long text into
    # a list of words would cost about ten times its size in memory. Blocks end at whitespace,
    # which NFC never composes across, so the result is the same as for the whole text.
    digest = hashlib.sha256()
    first = True
    for block in whitespace_blocks(text):
        words = " ".join(unicodedata.normalize("NFC", block).split())
        if words:
            digest.update(words.encode("utf-8") if first else b" " + words.encode("utf-8"))
            first = False
    return digest.hexdigest()


def _first_line_title(text: str) -> str | None:
    first, sep, rest = text.partition("\n")
    first = first.strip().lstrip("#").strip()
    if sep and rest.strip() and 0 < len(first) <= 150 and first[-1] not in ".!?:;,":
        return first
    return None
