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


class _ConfigFile(_Section):
    engine: _EngineFile = _EngineFile()
    chunking: _ChunkingFile = _ChunkingFile()
    summary: _SummaryFile = _SummaryFile()
    cache: _CacheFile = _CacheFile()
    prices: dict[str, _PriceFile] = {}


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings fields from a ``briefer.toml``; relative paths are taken from its folder."""
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
        parsed = _ConfigFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}; fix the file") from None
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
