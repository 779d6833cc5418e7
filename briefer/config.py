"""Settings, their defaults, and the optional ``briefer.toml``.

Precedence is flag > environment > config file > default; the CLI applies it through
``resolve``. Defaults are the named constants below.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_ENGINE = "auto"
ENGINES = ("auto", "extractive", "openai")
DEFAULT_TOKENIZER = "o200k_base"
TOKENIZERS = ("o200k_base", "cl100k_base")
DEFAULT_MAX_TOKENS = 2000
DEFAULT_OVERLAP = 100
MIN_MAX_TOKENS = 16
DEFAULT_MAX_KEY_POINTS = 5
DEFAULT_MAX_RISKS = 10
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5
SOURCE_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml")

DEFAULT_MODEL = "gpt-4o-mini"
STRUCTURED_MODES = ("auto", "json_schema", "json_object", "prompt")
DEFAULT_CONCURRENCY = 8
DEFAULT_REQUEST_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_REPAIR_RETRIES = 2
DEFAULT_RETRY_BASE_DELAY = 1.0
DEFAULT_MAX_RETRY_WAIT = 60.0
DEFAULT_MAX_OUTPUT_TOKENS = 2000
DEFAULT_FUZZY_THRESHOLD = 0.9
DEFAULT_CONFIG_FILE = "briefer.toml"


@dataclass(frozen=True)
class Price:
    """USD per million tokens, for one model."""

    input: float
    output: float


@dataclass(frozen=True)
class Settings:
    """Everything a summarize run can be told."""

    engine: str = DEFAULT_ENGINE
    tokenizer: str = DEFAULT_TOKENIZER
    max_tokens: int = DEFAULT_MAX_TOKENS
    overlap: int = DEFAULT_OVERLAP
    max_key_points: int = DEFAULT_MAX_KEY_POINTS
    max_risks: int = DEFAULT_MAX_RISKS
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    allow_private: bool = False  # fetch URLs on loopback, private or link-local addresses
    rules: tuple[Path, ...] = field(default_factory=tuple)
    replace_rules: bool = False
    templates_dir: Path | None = None
    # The LLM engine.
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # secret: never printed or stored
    structured_output: str = "auto"
    concurrency: int = DEFAULT_CONCURRENCY
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    repair_retries: int = DEFAULT_REPAIR_RETRIES
    retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    temperature: float = 0.0
    prompts_dir: Path | None = None
    cache_path: Path | None = None
    use_cache: bool = True
    dry_run: bool = False
    max_cost: float | None = None
    prices: Mapping[str, Price] = field(default_factory=dict)
    strict_evidence: bool = False
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
    consolidate_above: int = 0  # chunks; a longer article gets one more call to merge findings
    batch: bool = False  # send uncached chunks as one Batch API job
    batch_export: Path | None = None  # write the batch request file and stop
    batch_import: Path | None = None  # read a batch results file produced elsewhere
    batch_poll_interval: float = 30.0  # seconds before the first status check; then doubling
    batch_max_wait: float = 24 * 3600.0  # give up waiting (the batch stays, a later run resumes)
    batch_price_factor: float = 0.5  # batch tokens cost this share of the interactive price

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(
                f"unknown tokenizer {self.tokenizer!r}: choose one of {', '.join(TOKENIZERS)}"
            )
        if self.max_tokens < MIN_MAX_TOKENS:
            raise ConfigError(
                f"max tokens must be at least {MIN_MAX_TOKENS}, got {self.max_tokens}"
            )
        if not 0 <= self.overlap <= self.max_tokens // 2:
            raise ConfigError(
                f"overlap must be between 0 and half of max tokens ({self.max_tokens // 2}), "
                f"got {self.overlap}"
            )
        if self.max_key_points < 1 or self.max_risks < 0:
            raise ConfigError("max key points must be at least 1 and max risks at least 0")
        if self.max_bytes < 1:
            raise ConfigError(f"max bytes must be positive, got {self.max_bytes}")
        if self.replace_rules and not self.rules:
            raise ConfigError("replacing the built-in risk rules needs at least one rules file")
        if self.structured_output not in STRUCTURED_MODES:
            raise ConfigError(
                f"unknown structured output mode {self.structured_output!r}: "
                f"choose one of {', '.join(STRUCTURED_MODES)}"
            )
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}")
        if not 0.0 < self.fuzzy_threshold <= 1.0:
            raise ConfigError(f"fuzzy threshold must be in (0, 1], got {self.fuzzy_threshold}")
        if self.max_cost is not None and self.max_cost < 0:
            raise ConfigError(f"max cost must not be negative, got {self.max_cost}")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def llm_configured(self) -> bool:
        """True when the user pointed briefer at an LLM endpoint or gave a key."""
        return bool(self.api_key or self.base_url)

    def resolved_engine(self) -> str:
        """``auto`` means openai when an endpoint or key is configured, else extractive."""
        if self.engine != "auto":
            return self.engine
        return "openai" if self.llm_configured else "extractive"


# ---- briefer.toml -------------------------------------------------------------------------


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


class _SourceFile(_Section):
    name: str | None = None
    feed: str | None = None
    urls: list[str] | None = None
    path: Path | None = None
    limit: int | None = Field(default=None, ge=1)
    include: list[str] = []
    exclude: list[str] = []


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
    delivery: _DeliveryFile = _DeliveryFile()


def _parse_file(path: Path) -> _ConfigFile:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    if "api_key" in raw.get("engine", {}):
        raise ConfigError(
            f"{path}: api_key does not belong in a config file; set OPENAI_API_KEY instead"
        )
    try:
        return _ConfigFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}; fix the file") from None


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings fields from a ``briefer.toml``; relative paths are taken from its folder."""
    parsed = _parse_file(path)
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
        "prices": {m: Price(p.input, p.output) for m, p in parsed.prices.items()} or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings fields from OPENAI_API_KEY, OPENAI_BASE_URL and BRIEFER_* variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if env.get("OPENAI_API_KEY"):
        values["api_key"] = env["OPENAI_API_KEY"]
    if env.get("OPENAI_BASE_URL"):
        values["base_url"] = env["OPENAI_BASE_URL"]
    if env.get("BRIEFER_ENGINE"):
        values["engine"] = env["BRIEFER_ENGINE"]
    if env.get("BRIEFER_MODEL"):
        values["model"] = env["BRIEFER_MODEL"]
    if env.get("BRIEFER_CACHE"):
        values["cache_path"] = Path(env["BRIEFER_CACHE"])
    return values


def find_config_file(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: --config, else $BRIEFER_CONFIG, else ./briefer.toml if present."""
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    if env.get("BRIEFER_CONFIG"):
        return Path(env["BRIEFER_CONFIG"])
    local = Path(DEFAULT_CONFIG_FILE)
    return local if local.is_file() else None


def resolve(
    flags: Mapping[str, Any],
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from flags (None = not given) over environment over file over defaults."""
    known = {f.name for f in fields(Settings)}
    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(read_config_file(config_file))
    merged.update(from_environment(env))
    merged.update({k: v for k, v in flags.items() if v is not None})
    unknown = set(merged) - known
    if unknown:  # a programming error, not a user one
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return Settings(**merged)


# ---- the daily brief --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceSpec:
    """One configured source: a feed, a list of page URLs, or a local file or folder."""

    kind: str  # "feed", "urls", "path", or "auto" (named on the command line: sniffed)
    locations: tuple[str, ...]
    name: str | None = None
    limit: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or ", ".join(self.locations)


@dataclass(frozen=True)
class BriefConfig:
    """What goes into the daily brief and where it is written."""

    title: str = "Daily brief"
    audience: str | None = None
    output_dir: Path = Path("briefs")
    formats: tuple[str, ...] = ("md", "json", "html")
    page_size: str = "A4"
    window_hours: float = 24.0
    since_last_run: bool = False
    max_articles: int = 300
    per_source_limit: int = 50
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    near_duplicate: float = 0.8
    story_threshold: float = 0.2
    max_stories: int = 25
    max_top_risks: int = 12
    summary_items: int = 5
    full_text_below_words: int = 120  # fetch the page when a feed item carries less than this
    sources: tuple[SourceSpec, ...] = ()
    email: Any = None  # deliver.EmailTarget, when [delivery.email] is configured
    webhook: Any = None  # deliver.WebhookTarget, when [delivery.webhook] is configured

    def with_(self, **changes: Any) -> BriefConfig:
        return replace(self, **changes)


def read_brief_config(path: Path | None) -> BriefConfig:
    """The [brief] section and [[source]] list of a config file (defaults without a file)."""
    if path is None:
        return BriefConfig()
    parsed = _parse_file(path)
    base = Path(path).resolve().parent
    b = parsed.brief
    sources = []
    for i, s in enumerate(parsed.source):
        given = [k for k in ("feed", "urls", "path") if getattr(s, k)]
        if len(given) != 1:
            raise ConfigError(
                f"{path}: source.{i}: give exactly one of feed, urls or path "
                f"(found {', '.join(given) or 'none'})"
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
            SourceSpec(kind, locations, s.name, s.limit, tuple(s.include), tuple(s.exclude))
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
