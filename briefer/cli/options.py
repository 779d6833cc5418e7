"""Options shared by `summarize` and `brief` (and the batch commands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..config import (
    DEFAULT_CONCURRENCY,
    DEFAULT_FETCH_TIMEOUT,
    DEFAULT_LOCAL_CONCURRENCY,
    DEFAULT_LOCAL_REQUEST_TIMEOUT,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_KEY_POINTS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RISKS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
    DEFAULT_OVERLAP,
    DEFAULT_REPAIR_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    ENGINES,
    STRUCTURED_MODES,
    TOKENIZERS,
)

_SETTINGS_OPTIONS = [
    click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default=None,
        help="Engine [default: auto: openai if an endpoint or key is set, else extractive].",
    ),
    click.option(
        "-n",
        "--max-key-points",
        type=click.IntRange(1, 100),
        default=None,
        help=f"Key points per article [default: {DEFAULT_MAX_KEY_POINTS}].",
    ),
    click.option(
        "--max-risks",
        type=click.IntRange(0, 100),
        default=None,
        help=f"Risks per article [default: {DEFAULT_MAX_RISKS}].",
    ),
    click.option(
        "--tokenizer",
        type=click.Choice(TOKENIZERS),
        default=None,
        help="tiktoken encoding for chunking [default: o200k_base].",
    ),
    click.option(
        "--max-tokens",
        type=click.IntRange(16, 1_000_000),
        default=None,
        help=f"Largest chunk, in tokens [default: {DEFAULT_MAX_TOKENS}].",
    ),
    click.option(
        "--overlap",
        type=click.IntRange(0, 500_000),
        default=None,
        help=f"Tokens of whole sentences repeated between chunks [default: {DEFAULT_OVERLAP}].",
    ),
    click.option(
        "--rules",
        "rules",
        multiple=True,
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="TOML file of extra risk rules (repeatable); see briefer/data/risk_rules.en.toml.",
    ),
    click.option("--replace-rules", is_flag=True, help="Use only the --rules files."),
    click.option(
        "--templates",
        "templates_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder whose templates override the shipped ones (e.g. summary.md.j2).",
    ),
    click.option(
        "--max-bytes",
        type=click.IntRange(1),
        default=None,
        help=f"Refuse inputs larger than this many bytes [default: {DEFAULT_MAX_BYTES}].",
    ),
    click.option(
        "--fetch-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Give up on a page or feed download after this many seconds in all, however "
        f"slowly it arrives [default: {DEFAULT_FETCH_TIMEOUT:g}].",
    ),
    click.option(
        "--allow-private",
        is_flag=True,
        help="Fetch URLs that resolve to loopback, private or link-local addresses.",
    ),
    click.option(
        "--model", default=None, help=f"Model name for the LLM engine [default: {DEFAULT_MODEL}]."
    ),
    click.option(
        "--base-url",
        default=None,
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 [env: OPENAI_BASE_URL].",
    ),
    click.option(
        "--api-key",
        default=None,
        help="API key [env: OPENAI_API_KEY]; prefer the variable: flags show up in ps.",
    ),
    click.option(
        "--structured-output",
        type=click.Choice(STRUCTURED_MODES),
        default=None,
        help="How to ask for JSON [default: auto: detected once per endpoint, remembered].",
    ),
    click.option(
        "--concurrency",
        type=click.IntRange(1, 256),
        default=None,
        help=f"Parallel LLM requests [default: {DEFAULT_CONCURRENCY}; "
        f"{DEFAULT_LOCAL_CONCURRENCY} for an endpoint on this machine or a private network].",
    ),
    click.option(
        "--rpm",
        "requests_per_minute",
        type=click.IntRange(0),
        default=None,
        help="Requests per minute limit (0: none).",
    ),
    click.option(
        "--tpm",
        "tokens_per_minute",
        type=click.IntRange(0),
        default=None,
        help="Tokens per minute limit (0: none).",
    ),
    click.option(
        "--timeout",
        "request_timeout",
        type=click.FloatRange(0.1),
        default=None,
        help=f"Seconds to wait for one LLM reply [default: {DEFAULT_REQUEST_TIMEOUT:g}; "
        f"{DEFAULT_LOCAL_REQUEST_TIMEOUT:g} for a local or private endpoint].",
    ),
    click.option(
        "--max-retries",
        type=click.IntRange(0, 20),
        default=None,
        help=f"Retries of a failed request (429, 5xx, timeout) [default: {DEFAULT_MAX_RETRIES}].",
    ),
    click.option(
        "--repair-retries",
        type=click.IntRange(0, 10),
        default=None,
        help=f"Repair turns for an invalid reply [default: {DEFAULT_REPAIR_RETRIES}].",
    ),
    click.option(
        "--max-output-tokens",
        type=click.IntRange(16),
        default=None,
        help="Largest reply per call, in tokens [default: 2000].",
    ),
    click.option(
        "--prompts",
        "prompts_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder whose prompt files override the shipped ones.",
    ),
    click.option(
        "--cache",
        "cache_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="SQLite cache file [default: briefer.db in the user data folder].",
    ),
    click.option(
        "--no-cache",
        "use_cache",
        flag_value=False,
        default=None,
        help="Neither read nor write the reply cache.",
    ),
    click.option(
        "--dry-run", is_flag=True, help="Print the LLM calls, tokens and cost bound; send nothing."
    ),
    click.option(
        "--max-cost",
        type=click.FloatRange(0),
        default=None,
        help="Stop before the run could spend more than this many USD.",
    ),
    click.option(
        "--input-price",
        type=click.FloatRange(0),
        default=None,
        help="USD per million input tokens for --model (overrides [prices]).",
    ),
    click.option(
        "--output-price",
        type=click.FloatRange(0),
        default=None,
        help="USD per million output tokens for --model (overrides [prices]).",
    ),
    click.option(
        "--consolidate-above",
        type=click.IntRange(0),
        default=None,
        help="Articles with more chunks than this get one more call that merges their findings "
        "(0: never) [default: 0].",
    ),
    click.option(
        "--batch",
        is_flag=True,
        help="Send uncached chunks as one Batch API job (half price at OpenAI), wait for it "
        "and resume it if interrupted.",
    ),
    click.option(
        "--batch-export",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the batch request file (JSONL, also read by `vllm run-batch`) and stop.",
    ),
    click.option(
        "--batch-import",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Read a batch results file produced elsewhere and finish the run with it.",
    ),
    click.option(
        "--batch-poll",
        "batch_poll_interval",
        type=click.FloatRange(0.01),
        default=None,
        help="Seconds before the first batch status check, doubling after [default: 30].",
    ),
    click.option(
        "--batch-wait",
        "batch_max_wait",
        type=click.FloatRange(0),
        default=None,
        help="Seconds to wait for a batch before leaving it for a later run [default: 86400].",
    ),
    click.option(
        "--strict-evidence",
        is_flag=True,
        help="Drop key points and risks whose evidence is not found in the article or does "
        "not support the claim.",
    ),
    click.option(
        "--language",
        default=None,
        help="With an LLM engine, the language the brief is written in (e.g. en, de, French); "
        "evidence stays verbatim in each article's language [default: English].",
    ),
]


def settings_options(func: Callable[..., None]) -> Callable[..., None]:
    """Apply the shared settings options to a command."""
    for option in reversed(_SETTINGS_OPTIONS):
        func = option(func)
    return func
