"""Every setting, declared once: name, type, default, range, flag, TOML key, variable, help.

The click options (``briefer.cli.options``), the config-file sections (``briefer.configfile``),
the environment lookup and the value checks of ``Settings``, ``FetchLimits`` and
``BriefConfig`` (``briefer.config``) and the README's settings table are made from
``SETTINGS``; tests check the example ``briefer.toml``, the README and the dataclass defaults
against it.

To add a setting: its default as a named constant in ``briefer/defaults.py``; its field in
``Settings`` or ``BriefConfig`` (``briefer/config.py``) with that default; one ``Setting``
here. Add its key to ``briefer/data/briefer.example.toml`` if it has one, and run
``make settings-table`` to refresh the README's table. A setting of the
Fetch concern is also a field of ``FetchLimits``, which is all that sources, fetch, feeds and
collect receive. Importing ``briefer.config`` fails while a declaration and the dataclasses
disagree on a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from . import defaults as d
from .errors import ConfigError

Kind = Literal["str", "int", "float", "bool", "choice", "file", "dir", "files", "words", "choices"]

# Concerns, in the order --help shows them: the most used first.
BRIEF = "Brief"
ENGINE = "Engine"
SUMMARY = "Findings"
COST = "Cost"
BATCH = "Batch"
LLM = "LLM requests"
FETCH = "Fetch"
CHUNKING = "Chunking"
CACHE = "Cache"
CONCERNS = (BRIEF, ENGINE, SUMMARY, COST, BATCH, LLM, FETCH, CHUNKING, CACHE)


@dataclass(frozen=True)
class Setting:
    """One setting and every way to give it."""

    name: str  # the field of Settings (or of BriefConfig, when target is "brief"); the TOML key
    concern: str
    help: str
    default: Any = None  # a named constant of briefer.defaults, which the dataclass uses too
    kind: Kind = "str"
    choices: tuple[str, ...] = ()
    low: float | None = None  # a number's range, or a text's length
    high: float | None = None
    low_open: bool = False  # the value must be above `low`, not equal to it
    flags: tuple[str, ...] = ()  # no flags: not on the command line
    section: str | None = None  # the [section] of briefer.toml; None: not in the file
    old_key: str | None = None  # an earlier TOML name, still read, with a deprecation note
    env: str | None = None
    shown_default: str | None = None  # the default in words, when the value alone misleads
    target: Literal["settings", "brief"] = "settings"
    switch: bool = True  # what a boolean flag sets
    must_exist: bool = False  # a path flag's file must exist
    hand_written: bool = False  # its options are written in briefer/cli/options.py
    flag_help: str | None = None  # the flag's help, when it differs from the setting's

    @property
    def flag(self) -> str | None:
        """The long flag, e.g. ``--max-tokens``."""
        long = [f for f in self.flags if f.startswith("--")]
        return long[0] if long else None

    @property
    def default_text(self) -> str | None:
        if self.shown_default is not None:
            return self.shown_default
        value = self.default
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple):
            return ",".join(str(v) for v in value) if value else None
        return f"{value:g}" if isinstance(value, float) else str(value)


def _s(name: str, concern: str, help: str, **more: Any) -> Setting:
    return Setting(name, concern, help, **more)


_LOCAL = "for an endpoint on this machine or a private network"
# fmt: off
SETTINGS: tuple[Setting, ...] = (
    # -- the daily brief ([brief]; BriefConfig) --
    _s("title", BRIEF, "Title of the brief.", flags=("--title",), section="brief", target="brief",
       default=d.DEFAULT_TITLE),
    _s("audience", BRIEF, "Who the brief is for.", flags=("--audience",), section="brief",
       target="brief"),
    _s("output_dir", BRIEF, "Folder for the dated briefs and latest.*.", kind="dir",
       flags=("-d", "--output-dir"), section="brief", target="brief", default=d.DEFAULT_OUTPUT_DIR),
    _s("formats", BRIEF, "Comma-separated output formats.", kind="choices",
       choices=d.FORMATS, flags=("-f", "--format"), section="brief",
       target="brief", default=d.DEFAULT_FORMATS),
    _s("page_size", BRIEF, "Paper size of the PDF.", kind="choice", choices=d.PAGE_SIZES,
       section="brief", target="brief", default=d.DEFAULT_PAGE_SIZE),
    _s("window_hours", BRIEF, "Include items published in the last N hours. Items already "
       "briefed, and those of a feed that answers 'not modified', come back only with --all.",
       kind="float", low=0.01, flags=("--window-hours",), section="brief", target="brief",
       default=d.DEFAULT_WINDOW_HOURS),
    _s("since_last_run", BRIEF, "Include everything since the previous brief instead of a fixed "
       "window.", kind="bool", flags=("--since-last-run",), section="brief", target="brief",
       default=False),
    _s("max_articles", BRIEF, "Articles in a brief, newest first.", kind="int", low=1,
       section="brief", target="brief", default=d.DEFAULT_MAX_ARTICLES),
    _s("per_source_limit", BRIEF, "Items taken from one source.", kind="int", low=1,
       section="brief", target="brief", default=d.DEFAULT_PER_SOURCE_LIMIT),
    _s("include", BRIEF, "Keep only items mentioning one of these words.", kind="words",
       section="brief", target="brief", default=()),
    _s("exclude", BRIEF, "Drop items mentioning any of these words.", kind="words", section="brief",
       target="brief", default=()),
    _s("near_duplicate", BRIEF, "Jaccard similarity of word 5-shingles for 'same article'.",
       kind="float", low=0, high=1, low_open=True, section="brief", target="brief",
       default=d.DEFAULT_NEAR_DUPLICATE),
    _s("story_threshold", BRIEF, "Same-story score (wording and shared names).", kind="float",
       low=0, high=1, low_open=True, section="brief", target="brief",
       default=d.DEFAULT_STORY_THRESHOLD),
    _s("max_stories", BRIEF, "Stories in a brief.", kind="int", low=1, section="brief",
       target="brief", default=d.DEFAULT_MAX_STORIES),
    _s("max_top_risks", BRIEF, "Risks in the brief's top list.", kind="int", low=0, section="brief",
       target="brief", default=d.DEFAULT_MAX_TOP_RISKS),
    _s("summary_items", BRIEF, "Lines in the executive summary.", kind="int", low=1,
       section="brief", target="brief", default=d.DEFAULT_SUMMARY_ITEMS),
    _s("full_text_below_words", BRIEF, "Fetch the page when a feed item carries fewer words.",
       kind="int", low=0, section="brief", target="brief", default=d.DEFAULT_FULL_TEXT_BELOW_WORDS),
    _s("language", SUMMARY, "With an LLM engine, the language the brief is written in (e.g. en, "
       "de, French); evidence stays verbatim in each article's language.", low=2, high=40,
       flags=("--language",), section="brief", shown_default="English"),
    # -- the engine --
    _s("engine", ENGINE, "Engine (auto: openai if an endpoint or key is set, else extractive).",
       kind="choice", choices=d.ENGINES, flags=("--engine",), section="engine", old_key="name",
       env="BRIEFER_ENGINE", default=d.DEFAULT_ENGINE),
    _s("model", ENGINE, "Model name for the LLM engine.", flags=("--model",), section="engine",
       env="BRIEFER_MODEL", default=d.DEFAULT_MODEL),
    _s("base_url", ENGINE, "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1.",
       flags=("--base-url",), section="engine", env="OPENAI_BASE_URL"),
    _s("api_key", ENGINE, "API key; prefer the variable: flags show up in ps. Never read from "
       "the config file.", flags=("--api-key",), env="OPENAI_API_KEY"),
    # -- what each article yields --
    _s("max_key_points", SUMMARY, "Key points per article.", kind="int", low=1, high=100,
       flags=("-n", "--max-key-points"), section="summary", default=d.DEFAULT_MAX_KEY_POINTS),
    _s("max_risks", SUMMARY, "Risks per article.", kind="int", low=0, high=100,
       flags=("--max-risks",), section="summary", default=d.DEFAULT_MAX_RISKS),
    _s("strict_evidence", SUMMARY, "Drop key points and risks whose evidence is not found in the "
       "article or does not support the claim.", kind="bool", flags=("--strict-evidence",),
       section="summary", default=False),
    _s("fuzzy_threshold", SUMMARY, "How close a quote must be to article text to count as found.",
       kind="float", low=0, high=1, low_open=True, section="summary",
       default=d.DEFAULT_FUZZY_THRESHOLD),
    _s("risk_confidence", SUMMARY, "How sure the offline engine must be to list a risk, 0 to 1: "
       "lower lists more risks and more false ones (see the README on trusting offline "
       "findings); four corroborating cues list one at any setting.", kind="float", low=0,
       high=1, low_open=True, flags=("--risk-confidence",), section="summary",
       shown_default="the shipped model's threshold"),
    _s("rules", SUMMARY, "TOML file of extra risk rules (repeatable); see "
       "briefer/data/risk_rules.en.toml.", kind="files", flags=("--rules",), section="summary",
       must_exist=True, default=()),
    _s("replace_rules", SUMMARY, "Use only the --rules files.", kind="bool",
       flags=("--replace-rules",), section="summary", default=False),
    _s("templates_dir", SUMMARY, "Folder whose templates override the shipped ones (e.g. "
       "summary.md.j2).", kind="dir", flags=("--templates",), section="summary"),
    # -- cost --
    _s("dry_run", COST, "Print the LLM calls, tokens and cost bound; send nothing.", kind="bool",
       flags=("--dry-run",), default=False),
    _s("max_cost", COST, "Stop before the run could spend more than this many USD.", kind="float",
       low=0, flags=("--max-cost",), section="engine"),
    _s("prices", COST, "USD per million input and output tokens, per model ([prices.MODEL] "
       "input, output); the flags set them for --model.", flags=("--input-price", "--output-price"),
       section="prices", hand_written=True),
    # -- batch --
    _s("batch", BATCH, "Send uncached chunks as one Batch API job (half price at OpenAI), wait "
       "for it and resume it if interrupted.", kind="bool", flags=("--batch",), section="engine",
       default=False),
    _s("batch_export", BATCH, "Write the batch request file (JSONL, also read by `vllm "
       "run-batch`) and stop.", kind="file", flags=("--batch-export",)),
    _s("batch_import", BATCH, "Read a batch results file produced elsewhere and finish the run "
       "with it.", kind="file", flags=("--batch-import",), must_exist=True),
    _s("batch_poll_interval", BATCH, "Seconds before the first batch status check, doubling "
       "after.", kind="float", low=0.01, flags=("--batch-poll",), section="engine",
       old_key="batch_poll", default=d.DEFAULT_BATCH_POLL_INTERVAL),
    _s("batch_max_wait", BATCH, "Seconds to wait for a batch before leaving it for a later run.",
       kind="float", low=0, flags=("--batch-wait",), section="engine", old_key="batch_wait",
       default=d.DEFAULT_BATCH_MAX_WAIT),
    _s("batch_price_factor", BATCH, "Share of the interactive price that batch tokens cost.",
       kind="float", low=0, high=1, section="engine", default=d.DEFAULT_BATCH_PRICE_FACTOR),
    # -- LLM requests --
    _s("structured_output", LLM, "How to ask for JSON (auto: detected once per endpoint, "
       "remembered).", kind="choice", choices=d.STRUCTURED_MODES, flags=("--structured-output",),
       section="engine", default=d.DEFAULT_STRUCTURED_OUTPUT),
    _s("concurrency", LLM, "Parallel LLM requests.", kind="int", low=1, high=256,
       flags=("--concurrency",), section="engine",
       shown_default=f"{d.DEFAULT_CONCURRENCY}; {d.DEFAULT_LOCAL_CONCURRENCY} {_LOCAL}"),
    _s("requests_per_minute", LLM, "Requests per minute limit (0: none).", kind="int", low=0,
       flags=("--rpm",), section="engine", default=d.DEFAULT_REQUESTS_PER_MINUTE),
    _s("tokens_per_minute", LLM, "Tokens per minute limit (0: none).", kind="int", low=0,
       flags=("--tpm",), section="engine", default=d.DEFAULT_TOKENS_PER_MINUTE),
    _s("request_timeout", LLM, "Seconds to wait for one LLM reply.", kind="float", low=0.1,
       flags=("--timeout",), section="engine", old_key="timeout",
       shown_default=f"{d.DEFAULT_REQUEST_TIMEOUT:g}; {d.DEFAULT_LOCAL_REQUEST_TIMEOUT:g} "
       "for a local or private endpoint"),
    _s("max_retries", LLM, "Retries of a failed request (429, 5xx, timeout).", kind="int", low=0,
       high=20, flags=("--max-retries",), section="engine", default=d.DEFAULT_MAX_RETRIES),
    _s("repair_retries", LLM, "Repair turns for an invalid reply.", kind="int", low=0, high=10,
       flags=("--repair-retries",), section="engine", default=d.DEFAULT_REPAIR_RETRIES),
    _s("max_output_tokens", LLM, "Largest reply per call, in tokens.", kind="int", low=16,
       flags=("--max-output-tokens",), section="engine", default=d.DEFAULT_MAX_OUTPUT_TOKENS),
    _s("temperature", LLM, "Sampling temperature.", kind="float", low=0, high=2, section="engine",
       default=d.DEFAULT_TEMPERATURE),
    _s("consolidate_above", LLM, "Articles with more chunks than this get one more call that "
       "merges their findings (0: never).", kind="int", low=0, flags=("--consolidate-above",),
       section="engine", default=d.DEFAULT_CONSOLIDATE_ABOVE),
    _s("prompts_dir", LLM, "Folder whose prompt files override the shipped ones.", kind="dir",
       flags=("--prompts",), section="engine"),
    _s("retry_base_delay", LLM, "Seconds before the first retry, doubling after (library only).",
       kind="float", low=0, default=d.DEFAULT_RETRY_BASE_DELAY),
    _s("max_retry_wait", LLM, "Longest wait between retries, in seconds (library only).",
       kind="float", low=0, default=d.DEFAULT_MAX_RETRY_WAIT),
    # -- fetching pages and feeds, reading files --
    _s("max_bytes", FETCH, "Refuse inputs larger than this many bytes.", kind="int", low=1,
       flags=("--max-bytes",), section="fetch", default=d.DEFAULT_MAX_BYTES),
    _s("fetch_timeout", FETCH, "Give up on a page or feed download after this many seconds in "
       "all, however slowly it arrives.", kind="float", low=0, low_open=True,
       flags=("--fetch-timeout",), section="fetch", old_key="timeout",
       default=d.DEFAULT_FETCH_TIMEOUT),
    _s("allow_private", FETCH, "Fetch URLs that resolve to loopback, private or link-local "
       "addresses.", kind="bool", flags=("--allow-private",), section="fetch", default=False),
    _s("connect_timeout", FETCH, "Seconds to connect (library only).", kind="float", low=0,
       low_open=True, default=d.DEFAULT_CONNECT_TIMEOUT),
    _s("read_timeout", FETCH, "Seconds between two reads (library only).", kind="float", low=0,
       low_open=True, default=d.DEFAULT_READ_TIMEOUT),
    _s("max_redirects", FETCH, "Redirects followed (library only).", kind="int", low=0,
       default=d.DEFAULT_MAX_REDIRECTS),
    # -- chunking --
    _s("tokenizer", CHUNKING, "tiktoken encoding for chunking.", kind="choice",
       choices=d.TOKENIZERS, flags=("--tokenizer",), section="chunking",
       default=d.DEFAULT_TOKENIZER),
    _s("max_tokens", CHUNKING, "Largest chunk, in tokens.", kind="int", low=d.MIN_MAX_TOKENS,
       high=1_000_000, flags=("--max-tokens",), section="chunking", default=d.DEFAULT_MAX_TOKENS),
    _s("overlap", CHUNKING, "Tokens of whole sentences repeated between chunks (at most half of "
       "max tokens).", kind="int", low=0, high=500_000, flags=("--overlap",), section="chunking",
       default=d.DEFAULT_OVERLAP),
    # -- the cache --
    _s("cache_path", CACHE, "SQLite cache file.", kind="file", flags=("--cache",), section="cache",
       old_key="path", env="BRIEFER_CACHE", shown_default="briefer.db in the user data folder"),
    _s("use_cache", CACHE, "Read and write the reply cache.", kind="bool",
       flag_help="Neither read nor write the reply cache.", flags=("--no-cache",), switch=False,
       section="cache", old_key="enabled", default=d.DEFAULT_USE_CACHE),
)
# fmt: on

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def flag_for(name: str) -> str | None:
    """The command-line flag of a setting (``max_tokens`` -> ``--max-tokens``), if it has one."""
    return BY_NAME[name].flag


def for_target(target: str) -> tuple[Setting, ...]:
    """The declarations of Settings ("settings") or of BriefConfig ("brief")."""
    return tuple(s for s in SETTINGS if s.target == target)


def in_section(section: str) -> tuple[Setting, ...]:
    """The declarations read from one [section] of briefer.toml, in file order."""
    return tuple(s for s in SETTINGS if s.section == section)


def environment_values(env: Mapping[str, str]) -> dict[str, Any]:
    """Settings values from the environment variables the declarations name."""
    values: dict[str, Any] = {}
    for s in SETTINGS:
        if s.env and env.get(s.env):
            values[s.name] = Path(env[s.env]) if s.kind in ("file", "dir") else env[s.env]
    return values


def _range(s: Setting) -> str:
    low = None if s.low is None else f"{'above' if s.low_open else 'at least'} {s.low:g}"
    high = None if s.high is None else f"at most {s.high:g}"
    return " and ".join(part for part in (low, high) if part)


def check_values(values: object) -> None:
    """ConfigError naming the setting when a field of a settings dataclass is outside the
    choices or the range its declaration gives (None: unset, always allowed)."""
    for f in fields(values):  # type: ignore[arg-type]
        s = BY_NAME.get(f.name)
        value = getattr(values, f.name)
        if s is None or value is None:
            continue
        if s.kind == "choice" and value not in s.choices:
            raise ConfigError(f"unknown {s.name} {value!r}: choose one of {', '.join(s.choices)}")
        if s.kind not in ("int", "float") or isinstance(value, bool):
            continue
        too_low = s.low is not None and (value <= s.low if s.low_open else value < s.low)
        if too_low or (s.high is not None and value > s.high):
            raise ConfigError(f"{s.name} must be {_range(s)}, got {value:g}")


def check_names(settings: type, brief: type) -> None:
    """TypeError when the declarations and the Settings/BriefConfig fields disagree."""
    brief_only = {"sources", "email", "webhook"}  # [[source]] and [delivery]: tables of their own
    for target, cls, extra in (("settings", settings, set()), ("brief", brief, brief_only)):
        declared = {s.name for s in for_target(target)}
        actual = {f.name for f in fields(cls)} - extra
        if declared != actual:
            raise TypeError(
                f"{cls.__name__} and briefer.declarations disagree: "
                f"undeclared {sorted(actual - declared)}, unknown {sorted(declared - actual)}"
            )
    if len(BY_NAME) != len(SETTINGS):
        raise TypeError("a setting is declared twice in briefer.declarations")


def _cell(text: str | None) -> str:
    return f"`{text}`" if text else ""


def markdown_table() -> str:
    """The README's settings table: one row per setting, grouped by concern."""
    lines = [
        "| setting | flag | briefer.toml | environment | default | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for concern in CONCERNS:
        for s in SETTINGS:
            if s.concern != concern:
                continue
            key = f"[{s.section}] {s.name}" if s.section else None
            if s.section == "prices":
                key = "[prices.MODEL] input, output"
            flags = " ".join(f"`{f}`" for f in s.flags if f.startswith("--"))
            help = s.help.replace("|", "\\|")
            lines.append(
                f"| {concern}: `{s.name}` | {flags} | {_cell(key)} | {_cell(s.env)} | "
                f"{s.default_text or ''} | {help} |"
            )
    return "\n".join(lines) + "\n"


START = "<!-- settings table: generated by `make settings-table` -->\n"
END = "<!-- end of the settings table -->\n"


def with_table(readme: str) -> str:
    """The README text with its settings table replaced by the current one."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError("the README has no settings table markers")
    return f"{head}{START}{markdown_table()}{END}{tail}"
