"""Settings, their defaults, and what the daily brief is configured with.

Precedence is flag > environment > config file > default; ``briefer.configfile.resolve``
applies it. Defaults are the named constants of ``briefer.defaults``; the choices and ranges
of each setting are declared in ``briefer.declarations``. Reading ``briefer.toml`` (and
explaining its mistakes) is ``briefer.configfile``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .declarations import check_names, check_values
from .defaults import (
    DEFAULT_BATCH_MAX_WAIT,
    DEFAULT_BATCH_POLL_INTERVAL,
    DEFAULT_BATCH_PRICE_FACTOR,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_CONSOLIDATE_ABOVE,
    DEFAULT_ENGINE,
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_FORMATS,
    DEFAULT_FULL_TEXT_BELOW_WORDS,
    DEFAULT_FUZZY_THRESHOLD,
    DEFAULT_MAX_ARTICLES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_KEY_POINTS,
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_MAX_RISKS,
    DEFAULT_MAX_STORIES,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MAX_TOP_RISKS,
    DEFAULT_MODEL,
    DEFAULT_NEAR_DUPLICATE,
    DEFAULT_OUTPUT_DIR,
    DEFAULT_OVERLAP,
    DEFAULT_PAGE_SIZE,
    DEFAULT_PER_SOURCE_LIMIT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_REPAIR_RETRIES,
    DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_RETRY_BASE_DELAY,
    DEFAULT_STORY_THRESHOLD,
    DEFAULT_STRUCTURED_OUTPUT,
    DEFAULT_SUMMARY_ITEMS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TITLE,
    DEFAULT_TOKENIZER,
    DEFAULT_TOKENS_PER_MINUTE,
    DEFAULT_USE_CACHE,
    DEFAULT_WINDOW_HOURS,
)
from .errors import ConfigError

DEFAULT_CONFIG_FILE = "briefer.toml"
SOURCE_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml")
MISSING_ENDPOINT = (
    "the openai engine needs an API key or an endpoint, and neither is set: "
    "export OPENAI_API_KEY=... for OpenAI, or pass the base_url setting (or set "
    "OPENAI_BASE_URL, or base_url in [engine]) for any OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1"
)


@dataclass(frozen=True)
class Price:
    """USD per million tokens, for one model."""

    input: float
    output: float


@dataclass(frozen=True)
class FetchLimits:
    """What reading files and downloading pages and feeds needs of the settings, and no more."""

    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT  # a whole download, however slowly it arrives
    allow_private: bool = False  # fetch URLs on loopback, private or link-local addresses

    def __post_init__(self) -> None:
        check_values(self)

    def with_(self, **changes: Any) -> FetchLimits:
        """A copy with some fields changed."""
        return replace(self, **changes)


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
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT
    allow_private: bool = False  # fetch URLs on loopback, private or link-local addresses
    risk_confidence: float | None = None  # None: the shipped risk model's threshold
    rules: tuple[Path, ...] = field(default_factory=tuple)
    replace_rules: bool = False
    templates_dir: Path | None = None
    # The LLM engine.
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # secret: never printed or stored
    structured_output: str = DEFAULT_STRUCTURED_OUTPUT
    concurrency: int | None = None  # None: DEFAULT_CONCURRENCY, or the local default
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    tokens_per_minute: int = DEFAULT_TOKENS_PER_MINUTE
    request_timeout: float | None = None  # None: DEFAULT_REQUEST_TIMEOUT, or the local one
    max_retries: int = DEFAULT_MAX_RETRIES
    repair_retries: int = DEFAULT_REPAIR_RETRIES
    retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    temperature: float = DEFAULT_TEMPERATURE
    prompts_dir: Path | None = None
    cache_path: Path | None = None
    use_cache: bool = DEFAULT_USE_CACHE
    dry_run: bool = False
    max_cost: float | None = None
    prices: Mapping[str, Price] = field(default_factory=dict)
    strict_evidence: bool = False
    language: str | None = None  # the language an LLM writes the brief in; None: English
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD
    consolidate_above: int = (
        DEFAULT_CONSOLIDATE_ABOVE  # chunks; a longer article gets one more call to merge findings
    )
    batch: bool = False  # send uncached chunks as one Batch API job
    batch_export: Path | None = None  # write the batch request file and stop
    batch_import: Path | None = None  # read a batch results file produced elsewhere
    batch_poll_interval: float = DEFAULT_BATCH_POLL_INTERVAL
    batch_max_wait: float = DEFAULT_BATCH_MAX_WAIT
    batch_price_factor: float = DEFAULT_BATCH_PRICE_FACTOR

    def __post_init__(self) -> None:
        check_values(self)
        if not self.overlap <= self.max_tokens // 2:
            raise ConfigError(
                f"overlap must be between 0 and half of max tokens ({self.max_tokens // 2}), "
                f"got {self.overlap}"
            )
        if self.replace_rules and not self.rules:
            raise ConfigError("replacing the built-in risk rules needs at least one rules file")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def fetch_limits(self) -> FetchLimits:
        """The settings that reading and fetching inputs use (sources, fetch, feeds, collect)."""
        return FetchLimits(**{f.name: getattr(self, f.name) for f in fields(FetchLimits)})

    @property
    def llm_configured(self) -> bool:
        """True when the user pointed briefer at an LLM endpoint or gave a key."""
        return bool(self.api_key or self.base_url)

    def resolved_engine(self) -> str:
        """``auto`` means openai when an endpoint or key is configured, else extractive."""
        if self.engine != "auto":
            return self.engine
        return "openai" if self.llm_configured else "extractive"

    def check_endpoint(self) -> None:
        """ConfigError, before any request, when the LLM engine has nowhere to send one."""
        if self.resolved_engine() == "openai" and not self.llm_configured:
            raise ConfigError(MISSING_ENDPOINT)


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
    allow_private: bool | None = None  # None: as the run's settings say

    @property
    def label(self) -> str:
        return self.name or ", ".join(self.locations)


@dataclass(frozen=True)
class BriefConfig:
    """What goes into the daily brief and where it is written."""

    title: str = DEFAULT_TITLE
    audience: str | None = None
    output_dir: Path = DEFAULT_OUTPUT_DIR
    formats: tuple[str, ...] = DEFAULT_FORMATS
    page_size: str = DEFAULT_PAGE_SIZE
    window_hours: float = DEFAULT_WINDOW_HOURS
    since_last_run: bool = False
    max_articles: int = DEFAULT_MAX_ARTICLES
    per_source_limit: int = DEFAULT_PER_SOURCE_LIMIT
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    near_duplicate: float = DEFAULT_NEAR_DUPLICATE
    story_threshold: float = DEFAULT_STORY_THRESHOLD
    max_stories: int = DEFAULT_MAX_STORIES
    max_top_risks: int = DEFAULT_MAX_TOP_RISKS
    summary_items: int = DEFAULT_SUMMARY_ITEMS
    full_text_below_words: int = DEFAULT_FULL_TEXT_BELOW_WORDS
    sources: tuple[SourceSpec, ...] = ()
    email: Any = None  # deliver.EmailTarget, when [delivery.email] is configured
    webhook: Any = None  # deliver.WebhookTarget, when [delivery.webhook] is configured

    def __post_init__(self) -> None:
        check_values(self)

    def with_(self, **changes: Any) -> BriefConfig:
        return replace(self, **changes)


# A renamed field, or a setting declared for a field that is gone, fails here, at import.
check_names(Settings, BriefConfig)
