"""Reading ``briefer.toml``: its sections as pydantic models, turned into settings values.

Unknown keys are errors; ``briefer.configerrors`` words them for a person (file, line,
section, the nearest valid key).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config import MIN_MAX_TOKENS, BriefConfig, Price, SourceSpec
from .configerrors import explain, key_lines, source_name
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _EngineFile(_Section):
    name: Literal["auto", "extractive", "openai"] | None = None
    model: str | None = None
    base_url: str | None = None
    structured_output: Literal["auto", "json_schema", "json_object", "prompt"] | None = None
    concurrency: int | None = Field(default=None, ge=1, le=256)
    requests_per_minute: int | None = Field(default=None, ge=0)
    tokens_per_minute: int | None = Field(default=None, ge=0)
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0, le=20)
    repair_retries: int | None = Field(default=None, ge=0, le=10)
    max_output_tokens: int | None = Field(default=None, ge=16)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_cost: float | None = Field(default=None, ge=0)
    consolidate_above: int | None = Field(default=None, ge=0)
    prompts_dir: Path | None = None
    batch: bool | None = None
    batch_poll: float | None = Field(default=None, gt=0)
    batch_wait: float | None = Field(default=None, ge=0)
    batch_price_factor: float | None = Field(default=None, ge=0, le=1)


class _ChunkingFile(_Section):
    tokenizer: Literal["o200k_base", "cl100k_base"] | None = None
    max_tokens: int | None = Field(default=None, ge=MIN_MAX_TOKENS)
    overlap: int | None = Field(default=None, ge=0)


class _SummaryFile(_Section):
    max_key_points: int | None = Field(default=None, ge=1)
    max_risks: int | None = Field(default=None, ge=0)
    strict_evidence: bool | None = None
    fuzzy_threshold: float | None = Field(default=None, gt=0, le=1)
    rules: list[Path] | None = None
    replace_rules: bool | None = None
    templates_dir: Path | None = None


class _CacheFile(_Section):
    enabled: bool | None = None
    path: Path | None = None


class _PriceFile(_Section):
    input: float = Field(ge=0)
    output: float = Field(ge=0)


class _BriefFile(_Section):
    title: str | None = None
    audience: str | None = None
    output_dir: Path | None = None
    formats: list[Literal["md", "json", "html", "pdf"]] | None = None
    page_size: Literal["A4", "Letter"] | None = None
    window_hours: float | None = Field(default=None, gt=0)
    since_last_run: bool | None = None
    max_articles: int | None = Field(default=None, ge=1)
    per_source_limit: int | None = Field(default=None, ge=1)
    include: list[str] | None = None
    exclude: list[str] | None = None
    near_duplicate: float | None = Field(default=None, gt=0, le=1)
    story_threshold: float | None = Field(default=None, gt=0, le=1)
    max_stories: int | None = Field(default=None, ge=1)
    max_top_risks: int | None = Field(default=None, ge=0)
    summary_items: int | None = Field(default=None, ge=1)
    full_text_below_words: int | None = Field(default=None, ge=0)
    language: str | None = Field(default=None, min_length=2, max_length=40)


class _SourceFile(_Section):
    name: str | None = None
    feed: str | None = None
    urls: list[str] | None = None
    path: Path | None = None
    limit: int | None = Field(default=None, ge=1)
    include: list[str] = []
    exclude: list[str] = []
    allow_private: bool | None = None


class _FetchFile(_Section):
    allow_private: bool | None = None
    max_bytes: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0)


class _EmailFile(_Section):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(default="briefer@localhost", alias="from")
    to: list[str] = Field(min_length=1)
    starttls: bool = True
    ssl: bool = False
    subject: str = "{title} — {date}"
    cafile: Path | None = None
    attach_pdf: bool = True


class _WebhookFile(_Section):
    url: str


class _DeliveryFile(_Section):
    email: _EmailFile | None = None
    webhook: _WebhookFile | None = None


class _ConfigFile(_Section):
    engine: _EngineFile = _EngineFile()
    chunking: _ChunkingFile = _ChunkingFile()
    summary: _SummaryFile = _SummaryFile()
    cache: _CacheFile = _CacheFile()
    prices: dict[str, _PriceFile] = {}
    brief: _BriefFile = _BriefFile()
    source: list[_SourceFile] = []
    fetch: _FetchFile = _FetchFile()
    delivery: _DeliveryFile = _DeliveryFile()


def parse_file(path: Path) -> _ConfigFile:
    """The validated contents of a config file; ConfigError says what to fix and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; check the path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    if "api_key" in raw.get("engine", {}):
        raise ConfigError(
            f"{path}: api_key does not belong in a config file; set OPENAI_API_KEY instead"
        )
    try:
        return _ConfigFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also leaves a required one missing: the typo is the one to report.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise ConfigError(explain(path, text, raw, first, _ConfigFile)) from None


def settings_from_file(path: Path) -> dict[str, Any]:
    """Settings fields from a ``briefer.toml``; relative paths are taken from its folder."""
    parsed = parse_file(path)
    base = Path(path).resolve().parent

    def rel(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else base / p)

    e, c, s, k = parsed.engine, parsed.chunking, parsed.summary, parsed.cache
    values: dict[str, Any] = {
        "engine": e.name,
        "model": e.model,
        "base_url": e.base_url,
        "structured_output": e.structured_output,
        "concurrency": e.concurrency,
        "requests_per_minute": e.requests_per_minute,
        "tokens_per_minute": e.tokens_per_minute,
        "request_timeout": e.timeout,
        "max_retries": e.max_retries,
        "repair_retries": e.repair_retries,
        "max_output_tokens": e.max_output_tokens,
        "temperature": e.temperature,
        "max_cost": e.max_cost,
        "consolidate_above": e.consolidate_above,
        "batch": e.batch,
        "batch_poll_interval": e.batch_poll,
        "batch_max_wait": e.batch_wait,
        "batch_price_factor": e.batch_price_factor,
        "prompts_dir": rel(e.prompts_dir),
        "tokenizer": c.tokenizer,
        "max_tokens": c.max_tokens,
        "overlap": c.overlap,
        "max_key_points": s.max_key_points,
        "max_risks": s.max_risks,
        "strict_evidence": s.strict_evidence,
        "fuzzy_threshold": s.fuzzy_threshold,
        "rules": tuple(rel(p) for p in s.rules) if s.rules is not None else None,
        "replace_rules": s.replace_rules,
        "templates_dir": rel(s.templates_dir),
        "use_cache": k.enabled,
        "cache_path": rel(k.path),
        "allow_private": parsed.fetch.allow_private,
        "max_bytes": parsed.fetch.max_bytes,
        "fetch_timeout": parsed.fetch.timeout,
        "prices": {m: Price(p.input, p.output) for m, p in parsed.prices.items()} or None,
        "language": parsed.brief.language,
    }
    return {key: value for key, value in values.items() if value is not None}


def brief_from_file(path: Path) -> BriefConfig:
    """The [brief] section and [[source]] list of a config file."""
    parsed = parse_file(path)
    base = Path(path).resolve().parent
    b = parsed.brief
    sources = []
    for i, s in enumerate(parsed.source):
        given = [k for k in ("feed", "urls", "path") if getattr(s, k)]
        if len(given) != 1:
            found = " and ".join(given) if given else "none of them"
            line = key_lines(Path(path).read_text(encoding="utf-8")).get(("source", i))
            where = f"{path}, line {line}" if line else str(path)
            raise ConfigError(
                f"{where}: {source_name(i, s.name)}: give exactly one of feed, urls or path "
                f"(found {found})."
            )
        locations: tuple[str, ...]
        if s.feed:
            kind, locations = "feed", (s.feed,)
        elif s.urls:
            kind, locations = "urls", tuple(s.urls)
        else:
            assert s.path is not None
            full = s.path if s.path.is_absolute() else base / s.path
            kind, locations = "path", (str(full),)
        sources.append(
            SourceSpec(
                kind,
                locations,
                s.name,
                s.limit,
                tuple(s.include),
                tuple(s.exclude),
                s.allow_private,
            )
        )
    values: dict[str, Any] = {
        "title": b.title,
        "audience": b.audience,
        "output_dir": None
        if b.output_dir is None
        else (b.output_dir if b.output_dir.is_absolute() else base / b.output_dir),
        "formats": tuple(b.formats) if b.formats else None,
        "page_size": b.page_size,
        "window_hours": b.window_hours,
        "since_last_run": b.since_last_run,
        "max_articles": b.max_articles,
        "per_source_limit": b.per_source_limit,
        "include": tuple(b.include) if b.include is not None else None,
        "exclude": tuple(b.exclude) if b.exclude is not None else None,
        "near_duplicate": b.near_duplicate,
        "story_threshold": b.story_threshold,
        "max_stories": b.max_stories,
        "max_top_risks": b.max_top_risks,
        "summary_items": b.summary_items,
        "full_text_below_words": b.full_text_below_words,
        "sources": tuple(sources),
    }
    from .deliver import EmailTarget, WebhookTarget

    email = parsed.delivery.email
    if email is not None:
        cafile = (
            email.cafile
            if email.cafile is None or email.cafile.is_absolute()
            else base / email.cafile
        )
        values["email"] = EmailTarget(
            host=email.host,
            port=email.port,
            sender=email.sender,
            to=tuple(email.to),
            starttls=email.starttls,
            ssl=email.ssl,
            subject=email.subject,
            cafile=str(cafile) if cafile else None,
            attach_pdf=email.attach_pdf,
        )
    if parsed.delivery.webhook is not None:
        values["webhook"] = WebhookTarget(parsed.delivery.webhook.url)
    return BriefConfig(**{k: v for k, v in values.items() if v is not None})
