"""Render a SummaryRun to Markdown (jinja2 templates) or JSON."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from ._version import __version__
from .errors import RenderError
from .models import LIKELIHOODS, SEVERITIES, Brief, SummaryRun, to_data
from .resources import data_dir

SCHEMA_VERSION = "1.0"
FORMATS = ("md", "json")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START_MARK = re.compile(r"^(\s*)([#+=-])")
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def md_escape(value: Any) -> str:
    """Escape text for Markdown so that untrusted text renders as the same text, never markup."""
    text = " ".join(str(value).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A value may land at the start of a line: keep it from becoming a heading or a list.
    text = _LINE_START_MARK.sub(r"\1\\\2", text)
    return _LINE_START_NUMBER.sub(r"\1\\\2", text)


def md_code(value: Any) -> str:
    """Text as a Markdown code span, with a fence longer than any backtick run inside it."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def safe_url(value: Any) -> str | None:
    """The URL if it is http(s) and has no characters that could break out of a link."""
    url = str(value or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if re.search(r"[\s<>()\[\]\"'`\\]", url):
        return None
    return url


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """A jinja2 environment: the user's folder first (if given), then the shipped templates."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise RenderError(f"{templates_dir}: templates folder not found; check the path")
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(data_dir("templates"))))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown: escaping is explicit, through the md filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_escape
    env.filters["md_code"] = md_code
    env.filters["safe_url"] = safe_url
    return env


def run_data(run: SummaryRun) -> dict[str, Any]:
    """The JSON-ready form of a run: the single source for both output formats."""
    articles = []
    for digest in run.digests:
        article = to_data(digest.article)
        article.pop("text")
        article["words"] = digest.article.word_count
        article["characters"] = len(digest.article.text)
        articles.append(
            {
                "article": article,
                "tokens": digest.tokens,
                "chunks": [
                    {"index": c.index, "start": c.start, "end": c.end, "tokens": c.tokens}
                    for c in digest.chunks
                ],
                "key_points": to_data(digest.key_points),
                "risks": [{**to_data(r), "cues": list(r.cues)} for r in digest.risks],
                "usage": to_data(digest.usage),
                "failed_chunks": list(digest.failed_chunks),
            }
        )
    verified, total = run.evidence_verified
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "briefer", "version": __version__},
        "generated_at": run.generated_at,
        "engine": to_data(run.engine),
        "settings": run.settings,
        "usage": to_data(run.usage),
        "evidence": {
            "verified": verified,
            "total": total,
            "share": round(verified / total, 4) if total else None,
        },
        "articles": articles,
        "failures": to_data(run.failures),
    }


def render(run: SummaryRun, fmt: str = "md", *, templates_dir: Path | None = None) -> str:
    """The run as Markdown or JSON text."""
    if fmt == "json":
        return json.dumps(run_data(run), ensure_ascii=False, indent=2) + "\n"
    if fmt != "md":
        raise RenderError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    env = environment(templates_dir)
    try:
        template = env.get_template("summary.md.j2")
        return template.render(run=run_data(run))
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        )
        raise RenderError(f"the summary template failed{where}: {exc}; fix the template") from None


BRIEF_SCHEMA_VERSION = "1.0"
BRIEF_FORMATS = ("md", "json")


def brief_data(brief: Brief, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready form of a brief; the Markdown template renders the same data."""
    data = to_data(brief)
    verified, total = brief.evidence
    data["evidence"] = {
        "verified": verified,
        "total": total,
        "share": round(verified / total, 4) if total else None,
    }
    for item in data["top_risks"]:
        item["rank_value"] = (SEVERITIES.index(item["risk"]["severity"]) + 1) * (
            LIKELIHOODS.index(item["risk"]["likelihood"]) + 1
        )
    categories: dict[str, list[int]] = {}
    for i, item in enumerate(data["top_risks"]):
        categories.setdefault(item["risk"]["category"], []).append(i)
    data["risk_categories"] = [{"category": c, "risks": idx} for c, idx in categories.items()]
    return {
        "schema_version": BRIEF_SCHEMA_VERSION,
        "generator": {"name": "briefer", "version": __version__},
        **data,
        "settings": settings or {},
    }


def render_brief(
    brief: Brief,
    fmt: str = "md",
    *,
    settings: dict[str, Any] | None = None,
    templates_dir: Path | None = None,
) -> str:
    """The brief as Markdown (templates/brief.md.j2) or JSON."""
    data = brief_data(brief, settings)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt != "md":
        raise RenderError(f"unknown brief format {fmt!r}: choose one of {', '.join(BRIEF_FORMATS)}")
    env = environment(templates_dir)
    try:
        return env.get_template("brief.md.j2").render(brief=data)
    except jinja2.TemplateError as exc:
        raise RenderError(f"the brief template failed: {exc}; fix the template") from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half a file."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise RenderError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise RenderError(f"{path}: could not be written ({exc.strerror or exc})") from None
        raise
