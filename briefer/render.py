"""Render a SummaryRun or a Brief to Markdown, HTML (jinja2 templates), JSON or PDF."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._version import __version__
from .defaults import FORMATS, PAGE_SIZES
from .errors import RenderError
from .models import LIKELIHOODS, SEVERITIES, Brief, SummaryRun, to_data
from .resources import data_dir

if TYPE_CHECKING:
    import jinja2

SCHEMA_VERSION = "1.0"
# Characters that are markup wherever they stand: an escape (\\), links and images ([ ]),
# HTML and autolinks (< >, both, so that no tag is left whole in the text), table cells (|)
# and GFM strikethrough (~), which would show a claim as retracted.
_MD_ALWAYS = re.compile(r"([\\\[\]<>|~])")
# An entity or character reference (&amp;, &#60;) would show as the character it names.
_MD_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_MD_EMPHASIS = re.compile(r"\*+|_+")
_BACKTICKS = re.compile(r"`+")
# A value may land at the start of a line: keep it from becoming a heading, a list, a quote
# or a setext underline (ordered-list numbers are handled below).
_LINE_START_MARK = re.compile(r"^(\s*)([#+=>-])")
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def md_escape(value: Any) -> str:
    """Escape text for Markdown so that untrusted text renders as the same text, never as a
    link, HTML, a heading, a list or a table cell, with a backslash only where one is needed.

    Backticks that all pair up into code spans stay code spans (the writer marked code; its
    text is shown literally); otherwise every backtick is escaped, so that a lone one (don`t)
    cannot pair with one of another value on the same line.
    """
    text = " ".join(str(value).split())
    out = []
    end = 0
    for start, stop in _code_spans(text):
        out.append(_escape_text(text, end, start))
        out.append(text[start:stop])
        end = stop
    out.append(_escape_text(text, end, len(text)))
    escaped = "".join(out)
    escaped = _LINE_START_MARK.sub(r"\1\\\2", escaped)
    return _LINE_START_NUMBER.sub(r"\1\\\2", escaped)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Where CommonMark reads code spans (a backtick run up to the next run of its length),
    when every backtick run of the text is part of one, none holding a pipe (a table would
    still split there). Otherwise none: the backticks are then text, and escaped."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    spans = []
    i = 0
    while i < len(runs):
        start, stop = runs[i]
        partner = next(
            (j for j in range(i + 1, len(runs)) if runs[j][1] - runs[j][0] == stop - start), None
        )
        if partner is None or "|" in text[start : runs[partner][1]]:
            return []
        spans.append((start, runs[partner][1]))
        i = partner + 1
    return spans


def _escape_text(text: str, start: int, stop: int) -> str:
    """Markdown-escape ``text[start:stop]``, text outside code spans."""
    part = text[start:stop]
    part = _MD_ALWAYS.sub(r"\\\1", part)
    part = _MD_ENTITY.sub(r"\\&", part)
    part = part.replace("`", "\\`")

    def emphasis(match: re.Match[str]) -> str:
        # A run between two letters or digits (snake_case) or between two spaces (3 * 4)
        # can neither open nor close emphasis; the value's edges count as neither, since
        # a template puts other text there.
        before = match.string[match.start() - 1] if match.start() else ""
        after = match.string[match.end()] if match.end() < len(match.string) else ""
        inert_underscore = match.group()[0] == "_" and before.isalnum() and after.isalnum()
        if inert_underscore or (before == " " and after == " "):
            return match.group()
        return "".join("\\" + c for c in match.group())

    return _MD_EMPHASIS.sub(emphasis, part)


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
    if templates_dir is not None and not Path(templates_dir).is_dir():
        raise RenderError(f"{templates_dir}: templates folder not found; check the path")
    return _environment(templates_dir)


@lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    # Kept between renders so that each template is compiled once (jinja2 still reloads a
    # template whose file changed).
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(data_dir("templates"))))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        # HTML templates escape everything; Markdown ones escape explicitly with |md.
        autoescape=lambda name: name is not None and name.endswith((".html.j2", ".html")),
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
                "risk_note": digest.risk_note,
                "usage": to_data(digest.usage),
                "failed_chunks": list(digest.failed_chunks),
                "dropped": list(digest.dropped),
            }
        )
    verified, total = run.evidence_verified
    supported, _ = run.claims_supported
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "briefer", "version": __version__},
        "generated_at": run.generated_at,
        "engine": to_data(run.engine),
        "settings": run.settings,
        "usage": to_data(run.usage),
        "evidence": _evidence(verified, supported, total),
        "articles": articles,
        "failures": to_data(run.failures),
    }


def _evidence(verified: int, supported: int, total: int) -> dict[str, Any]:
    """The two figures: quotes found in their article, and claims their quote supports."""
    return {
        "verified": verified,
        "supported": supported,
        "total": total,
        "share": round(verified / total, 4) if total else None,
        "supported_share": round(supported / total, 4) if total else None,
    }


def render(run: SummaryRun, fmt: str = "md", *, templates_dir: Path | None = None) -> str:
    """The run as Markdown, HTML or JSON text (``render_bytes`` also makes PDF)."""
    if fmt == "json":
        return json.dumps(run_data(run), ensure_ascii=False, indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise RenderError(f"unknown text format {fmt!r}: choose one of md, json, html")
    import jinja2

    env = environment(templates_dir)
    try:
        template = env.get_template(f"summary.{fmt}.j2")
        return template.render(run=run_data(run))
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        )
        raise RenderError(f"the summary template failed{where}: {exc}; fix the template") from None


def render_bytes(run: SummaryRun, fmt: str, *, templates_dir: Path | None = None) -> bytes:
    """The run in any of FORMATS as bytes: PDF is the HTML summary through weasyprint."""
    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt != "pdf":
        return render(run, fmt, templates_dir=templates_dir).encode("utf-8")
    from .pdf import html_to_pdf

    return html_to_pdf(render(run, "html", templates_dir=templates_dir))


BRIEF_SCHEMA_VERSION = "1.0"
BRIEF_FORMATS = FORMATS
PDF_FULL_STORIES = 10  # stories shown in full in the PDF; the rest get one row each


def brief_data(brief: Brief, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready form of a brief; the Markdown template renders the same data."""
    data = to_data(brief)
    verified, total = brief.evidence
    data["evidence"] = _evidence(verified, brief.supported, total)
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


def brief_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the brief's JSON export (``briefer schema`` prints it)."""
    import pydantic

    schema = pydantic.TypeAdapter(Brief).json_schema()
    props = schema["properties"]
    props["evidence"] = {
        "type": "object",
        "properties": {
            "verified": {"type": "integer", "minimum": 0},
            "supported": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "supported_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
        },
        "required": ["verified", "supported", "total", "share", "supported_share"],
        "description": "Out of all findings: quotes found in their articles (verified), and "
        "claims that their quote, as article text, supports (supported).",
    }
    props["schema_version"] = {"const": BRIEF_SCHEMA_VERSION}
    props["generator"] = {
        "type": "object",
        "properties": {"name": {"const": "briefer"}, "version": {"type": "string"}},
        "required": ["name", "version"],
    }
    props["settings"] = {"type": "object", "description": "Settings of the run, no secrets."}
    props["risk_categories"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "category": {"type": "string"},
                "risks": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            },
            "required": ["category", "risks"],
        },
        "description": "Indices into top_risks, grouped by category.",
    }
    schema["required"] = sorted(
        {
            *schema.get("required", []),
            "schema_version",
            "generator",
            "evidence",
            "risk_categories",
            "settings",
        }
    )
    risk_item = schema["$defs"]["BriefRisk"]
    risk_item["properties"]["rank_value"] = {"type": "integer", "minimum": 1, "maximum": 16}
    risk_def = schema["$defs"]["Risk"]["properties"]
    risk_def["severity"] = {"enum": list(SEVERITIES)}
    risk_def["likelihood"] = {"enum": list(LIKELIHOODS)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "briefer daily brief",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render_brief(
    brief: Brief,
    fmt: str = "md",
    *,
    settings: dict[str, Any] | None = None,
    templates_dir: Path | None = None,
    page_size: str = "A4",
) -> str | bytes:
    """The brief as Markdown, HTML (templates/brief.*.j2), JSON, or PDF bytes (from the HTML)."""
    data = brief_data(brief, settings)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt not in BRIEF_FORMATS:
        raise RenderError(f"unknown brief format {fmt!r}: choose one of {', '.join(BRIEF_FORMATS)}")
    if page_size not in PAGE_SIZES:
        raise RenderError(f"unknown page size {page_size!r}: choose A4 or Letter")
    import jinja2

    env = environment(templates_dir)
    name = "brief.md.j2" if fmt == "md" else "brief.html.j2"
    try:
        template = env.get_template(name)
        if fmt == "md":
            return template.render(brief=data)
        from markupsafe import Markup

        from .charts import category_bars, risk_matrix

        risks = [(r.risk.severity, r.risk.likelihood) for r in brief.top_risks]
        html = template.render(
            brief=data,
            page_size=page_size,
            # The PDF is for reading: the top stories in full, the others one line each.
            compact=fmt == "pdf",
            full_stories=PDF_FULL_STORIES,
            matrix_svg=Markup(risk_matrix(risks)),
            bars_svg=Markup(category_bars([r.risk.category for r in brief.top_risks])),
        )
    except jinja2.TemplateError as exc:
        raise RenderError(f"the {name} template failed: {exc}; fix the template") from None
    if fmt == "html":
        return html
    from .pdf import html_to_pdf

    return html_to_pdf(html)
