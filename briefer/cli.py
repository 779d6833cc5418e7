"""The command line: builds Settings, calls the library, turns BrieferError into exit 1."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .config import (
    DEFAULT_CONCURRENCY,
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
    Price,
    Settings,
    find_config_file,
    resolve,
)
from .engines.calls import BatchExported
from .errors import BrieferError
from .lock import EX_TEMPFAIL, LockedError
from .pipeline import DryRun, dry_run
from .pipeline import summarize as run_summarize
from .prompts import list_prompts, load_prompt
from .render import FORMATS, render, write_atomic

log = logging.getLogger("briefer")

EXIT_OK = 0
EXIT_ERROR = 1


class _State:
    def __init__(self, debug: bool, quiet: bool, config: Path | None) -> None:
        self.debug = debug
        self.quiet = quiet
        self.config = config


def _setup_logging(debug: bool, quiet: bool, log_file: Path | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING)
    root = logging.getLogger("briefer")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if log_file else handler.level)
    root.propagate = False
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        to_file.setLevel(logging.DEBUG if debug else logging.INFO)
        root.addHandler(to_file)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="briefer")
@click.option(
    "-c",
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: $BRIEFER_CONFIG, else ./briefer.toml if present).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also append timestamped logs (INFO and up) to this file.",
)
@click.option("--debug", is_flag=True, help="Show debug logs and full tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on stderr but errors.")
@click.pass_context
def cli(
    ctx: click.Context, config: Path | None, log_file: Path | None, debug: bool, quiet: bool
) -> None:
    """Automated briefing summarizer: articles in, an evidence-backed brief out.

    Settings come from flags, then the environment (OPENAI_API_KEY, OPENAI_BASE_URL,
    BRIEFER_MODEL, BRIEFER_ENGINE, BRIEFER_CACHE), then the config file, then defaults.

    \b
    Examples:
      briefer init && briefer brief           # the daily brief, from briefer.toml
      briefer brief seeds/ -o briefs          # the daily brief of a folder, no config
      briefer summarize seeds/ -o summary.md  # one summary, now
    """
    _setup_logging(debug, quiet, log_file)
    ctx.obj = _State(debug, quiet, config)


def _error(message: str) -> None:
    click.echo(f"Error: {message}", err=True)


def _handle_errors(func: Callable[..., None]) -> Callable[..., None]:
    """Turn BrieferError into one clean line and exit 1 (a traceback under --debug)."""

    @functools.wraps(func)
    def wrapper(state: _State, /, *args: Any, **kwargs: Any) -> None:
        try:
            func(state, *args, **kwargs)
        except BrieferError as exc:
            if state.debug:
                raise
            _error(str(exc))
            raise click.exceptions.Exit(EXIT_ERROR) from None

    return wrapper


class _Bar:
    """A progress bar on stderr, one per stage, drawn only for a person watching."""

    def __init__(self, state: _State) -> None:
        self.enabled = not state.quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str) -> None:
        if not self.enabled or total < 2:
            return
        stage = stage if stage in ("Fetching", "Summarizing") else "Summarizing"
        if self.bar is None or stage != self.stage or self.bar.length != total:
            self.close()
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
            self.bar.__enter__()
            self.stage = stage
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _settings(state: _State, options: dict[str, Any]) -> Settings:
    flags = dict(options)
    input_price, output_price = flags.pop("input_price"), flags.pop("output_price")
    flags["rules"] = tuple(flags["rules"]) or None
    for flag in ("replace_rules", "strict_evidence", "dry_run", "allow_private", "batch"):
        flags[flag] = flags[flag] or None  # an unset switch must not override the file
    settings = resolve(flags, config_file=find_config_file(state.config))
    if input_price is not None or output_price is not None:
        prices = dict(settings.prices)
        old = prices.get(settings.model, Price(0.0, 0.0))
        prices[settings.model] = Price(
            old.input if input_price is None else input_price,
            old.output if output_price is None else output_price,
        )
        settings = settings.with_(prices=prices)
    return settings


def _print_dry_run(plan: DryRun) -> None:
    if plan.engine != "openai":
        click.echo(
            f"Engine extractive: {len(plan.calls)} chunk(s), no model calls, no cost "
            "(set OPENAI_API_KEY or --base-url to plan LLM calls)."
        )
        return
    click.echo(f"Engine openai: model {plan.model} at {plan.endpoint}")
    for c in plan.calls:
        status = "cached, not sent" if c.cached else "would send"
        cost = "" if c.cost_bound is None else f", at most ${c.cost_bound:.4f}"
        click.echo(
            f"  {c.source} chunk {c.chunk}/{c.chunks}: {c.input_tokens} input tokens, "
            f"up to {c.max_output_tokens} output tokens{cost} ({status})"
        )
    to_send = [c for c in plan.calls if not c.cached]
    tokens = sum(c.input_tokens for c in to_send)
    bounds = [c.cost_bound for c in to_send]
    if any(b is None for b in bounds):
        money = "cost unknown: no price for this model (add [prices] to briefer.toml)"
    else:
        money = f"at most ${sum(b or 0.0 for b in bounds):.4f}"
    click.echo(
        f"Total: {len(to_send)} call(s) to send, {len(plan.calls) - len(to_send)} cached; "
        f"{tokens} input tokens; {money}."
    )


# Options shared by `summarize` and `brief`: everything that shapes how articles are read
# and analyzed. A value left unset (None) falls back to env, config file, then default.
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
        help="TOML file of extra risk rules (repeatable); see briefer/data/risk_rules.toml.",
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
        help=f"Parallel LLM requests [default: {DEFAULT_CONCURRENCY}].",
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
        help=f"Seconds to wait for one LLM reply [default: {DEFAULT_REQUEST_TIMEOUT:g}].",
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
        help="Drop key points and risks whose evidence is not found in the article.",
    ),
]


def settings_options(func: Callable[..., None]) -> Callable[..., None]:
    """Apply the shared settings options to a command."""
    for option in reversed(_SETTINGS_OPTIONS):
        func = option(func)
    return func


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the summary to FILE (atomically) instead of stdout.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="md",
    show_default=True,
    help="Output format.",
)
@settings_options
@click.pass_obj
@_handle_errors
def summarize(
    state: _State,
    /,
    sources: tuple[str, ...],
    output: Path | None,
    fmt: str,
    **options: Any,
) -> None:
    """Summarize articles: key points and risks, each with its evidence quote.

    SOURCES are files (.txt, .md, .html), directories (read recursively), http(s)
    URLs, or - for standard input. Inputs that fail are reported on stderr and the
    others are still summarized; the exit code is then 1.

    With no endpoint configured the offline extractive engine runs. Set OPENAI_API_KEY
    (OpenAI) or --base-url (any OpenAI-compatible server) to use an LLM.

    \b
    Examples:
      briefer summarize seeds/000_1786c7b9cbb94b69.txt
      briefer summarize notes/ https://example.org/story.html -o brief.md
      curl -s https://example.org/a.html | briefer summarize - --format json
      briefer summarize seeds/ --base-url http://127.0.0.1:8080/v1 --model local
      briefer summarize seeds/ --model gpt-4o-mini --dry-run
    """
    settings = _settings(state, options)
    if settings.dry_run:
        plan = dry_run(sources, settings)
        for failure in plan.failures:
            _error(f"{failure.source}: {failure.reason}")
        _print_dry_run(plan)
        if settings.consolidate_above and plan.engine == "openai":
            click.echo(
                "Not counted: one consolidation call for each article of more than "
                f"{settings.consolidate_above} chunks."
            )
        if plan.failures:
            raise click.exceptions.Exit(EXIT_ERROR)
        return
    bar = _Bar(state)
    try:
        run = run_summarize(sources, settings, progress=bar)
    except BatchExported as exc:
        click.echo(str(exc), err=True)
        return
    finally:
        bar.close()
    for failure in run.failures:
        _error(f"{failure.source}: {failure.reason}")
    if not run.digests:
        raise click.exceptions.Exit(EXIT_ERROR)
    text = render(run, fmt, templates_dir=settings.templates_dir)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        if not state.quiet:
            click.echo(f"Wrote {output} ({len(run.digests)} article(s), {fmt}).", err=True)
    if run.failures:
        raise click.exceptions.Exit(EXIT_ERROR)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the dated briefs and latest.* [default: briefs, or [brief] output_dir].",
)
@click.option(
    "--format",
    "formats",
    default=None,
    metavar="md,json,html,pdf",
    help="Comma-separated output formats [default: md,json,html].",
)
@click.option(
    "--date",
    "brief_date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Brief date, YYYY-MM-DD [default: today]; its window ends that day.",
)
@click.option(
    "--all", "include_seen", is_flag=True, help="Include items that earlier briefs already covered."
)
@click.option("--wait", is_flag=True, help="If another run holds the lock, wait for it.")
@click.option(
    "--wait-timeout",
    type=click.FloatRange(0),
    default=3600.0,
    show_default=True,
    help="Seconds --wait waits before giving up.",
)
@click.option("--title", default=None, help="Title of the brief.")
@click.option("--audience", default=None, help="Who the brief is for.")
@click.option(
    "--window-hours",
    type=click.FloatRange(0.01),
    default=None,
    help="Include items published in the last N hours [default: 24].",
)
@click.option(
    "--since-last-run",
    is_flag=True,
    default=None,
    help="Include everything since the previous brief instead of a fixed window.",
)
@settings_options
@click.pass_obj
@_handle_errors
def brief(
    state: _State,
    /,
    sources: tuple[str, ...],
    output_dir: Path | None,
    formats: str | None,
    brief_date: Any,
    include_seen: bool,
    wait: bool,
    wait_timeout: float,
    title: str | None,
    audience: str | None,
    window_hours: float | None,
    since_last_run: bool | None,
    **options: Any,
) -> None:
    """Write the daily brief: new items from every source, de-duplicated, grouped into
    stories, with ranked risks and numbered citations.

    Sources come from [[source]] in the config file, or are named here: feeds, pages,
    files or folders. Items already in an earlier brief are left out (use --all), so a
    second run with nothing new writes nothing and says so.

    Exit codes: 0 brief written (or nothing new), 1 error, 3 brief written but some
    inputs failed (they are listed in it), 75 another run holds the lock.

    \b
    Examples:
      briefer brief seeds/ -o briefs
      briefer --config briefer.toml --quiet --log-file briefs/briefer.log brief
      briefer brief https://news.example.org/world/rss.xml --window-hours 12
    """
    from .config import SourceSpec, read_brief_config
    from .daily import run_daily

    settings = _settings(state, options)
    config = read_brief_config(find_config_file(state.config))
    changes: dict[str, Any] = {}
    if sources:
        changes["sources"] = tuple(SourceSpec("auto", (s,)) for s in sources)
    if output_dir is not None:
        changes["output_dir"] = output_dir
    if formats is not None:
        wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
        unknown = [f for f in wanted if f not in ("md", "json", "html", "pdf")]
        if unknown or not wanted:
            raise click.BadParameter(
                f"unknown format(s) {unknown}; use md, json, html, pdf", param_hint="--format"
            )
        changes["formats"] = wanted
    for key, value in (
        ("title", title),
        ("audience", audience),
        ("window_hours", window_hours),
        ("since_last_run", since_last_run),
    ):
        if value is not None:
            changes[key] = value
    config = config.with_(**changes)
    if not config.sources:
        raise click.UsageError(
            "no sources: name files, folders, feeds or pages, or add [[source]] entries to "
            "briefer.toml (`briefer init` writes one)"
        )
    if settings.dry_run:
        from .daily import plan_daily

        plan = plan_daily(
            config,
            settings,
            brief_date=brief_date.date() if brief_date else None,
            include_seen=include_seen,
        )
        for failure in plan.failures:
            _error(f"{failure.source}: {failure.reason}")
        _print_dry_run(plan)
        if plan.engine == "openai" and plan.calls:
            click.echo("Not counted: one executive-summary call for the brief.")
        return
    bar = _Bar(state)
    try:
        result = run_daily(
            config,
            settings,
            brief_date=brief_date.date() if brief_date else None,
            include_seen=include_seen,
            wait=wait_timeout if wait else None,
            progress=bar,
        )
    except LockedError as exc:
        bar.close()
        _error(str(exc))
        raise click.exceptions.Exit(EX_TEMPFAIL) from None
    except BatchExported as exc:
        click.echo(str(exc), err=True)
        return
    finally:
        bar.close()
    for failure in result.failures:
        _error(f"{failure.source}: {failure.reason}")
    if not state.quiet or result.status == "error":
        click.echo(result.message, err=True)
    log.info("brief finished: %s", result.message)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="briefer.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
@_handle_errors
def init(state: _State, /, path: Path, force: bool) -> None:
    """Write a commented briefer.toml to start from.

    \b
    Example:
      briefer init && briefer brief
    """
    from importlib import resources

    if path.exists() and not force:
        _error(f"{path} already exists; pass --force to overwrite it")
        raise click.exceptions.Exit(EXIT_ERROR)
    text = (resources.files("briefer") / "data" / "briefer.example.toml").read_text("utf-8")
    write_atomic(path, text)
    click.echo(f"Wrote {path}. Edit its [[source]] entries, then run: briefer brief", err=True)


@cli.command()
@click.option(
    "--at",
    "at_time",
    default="06:30",
    show_default=True,
    metavar="HH:MM",
    help="Time of day for the daily run.",
)
@click.pass_obj
@_handle_errors
def cron(state: _State, /, at_time: str) -> None:
    """Print a crontab line and a systemd service and timer for the daily brief.

    \b
    Example:
      briefer --config /srv/brief/briefer.toml cron --at 06:30
    """
    import shlex
    import shutil

    try:
        hour, minute = (int(x) for x in at_time.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise click.BadParameter("use HH:MM, e.g. 06:30", param_hint="--at") from None
    config_file = find_config_file(state.config)
    if config_file is None:
        raise click.UsageError("no config file: pass --config or run `briefer init` first")
    config_file = config_file.resolve()
    workdir = config_file.parent
    exe = shutil.which("briefer") or f"{sys.executable} -m briefer"
    log_file = workdir / "briefs" / "briefer.log"
    command = (
        f"{exe} --config {shlex.quote(str(config_file))} --quiet "
        f"--log-file {shlex.quote(str(log_file))} brief"
    )
    click.echo("# crontab -e  (exit 3: partial brief, 75: previous run still going)")
    click.echo(f"{minute} {hour} * * * cd {shlex.quote(str(workdir))} && {command}")
    click.echo()
    click.echo("# /etc/systemd/system/briefer.service")
    click.echo(
        "[Unit]\nDescription=briefer daily brief\nAfter=network-online.target\n"
        "Wants=network-online.target\n\n[Service]\nType=oneshot\n"
        f"WorkingDirectory={workdir}\nExecStart={command}\n"
        "# Keep OPENAI_API_KEY out of unit files: put it in an EnvironmentFile with mode 0600.\n"
        f"# EnvironmentFile={workdir / 'briefer.env'}\nTimeoutStartSec=2h\n"
    )
    click.echo("# /etc/systemd/system/briefer.timer")
    click.echo(
        "[Unit]\nDescription=Run the briefer daily brief\n\n[Timer]\n"
        f"OnCalendar=*-*-* {hour:02d}:{minute:02d}:00\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target"
    )
    click.echo("\n# then: systemctl daemon-reload && systemctl enable --now briefer.timer")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the brief's JSON export.

    \b
    Example:
      briefer schema > brief.schema.json
    """
    import json

    from .render import brief_json_schema

    click.echo(json.dumps(brief_json_schema(), indent=2))


@cli.group()
def batch() -> None:
    """Batch jobs submitted with --batch: their status, and cancelling one.

    \b
    Example:
      briefer batch status
    """


@batch.command("status")
@click.argument("batch_id", required=False)
@settings_options
@click.pass_obj
@_handle_errors
def batch_status(state: _State, /, batch_id: str | None, **options: Any) -> None:
    """Show known batches (or one) with their status at the endpoint.

    \b
    Example:
      briefer batch status --base-url http://127.0.0.1:8000/v1
    """
    from .engines import batch as batches
    from .engines.llm import LLMEngine
    from .pipeline import open_store

    settings = _settings(state, options).with_(engine="openai")
    store = open_store(settings)
    try:
        rows = batches.status(LLMEngine(settings, store=store), batch_id)
    finally:
        if store is not None:
            store.close()
    if not rows:
        click.echo("No batches.")
    for row in rows:
        counts = row.get("request_counts")
        done = f", {counts.completed}/{counts.total} done" if counts is not None else ""
        click.echo(f"{row['id']}\t{row.get('status', '?')}{done}\t{row.get('remote', '')}".rstrip())


@batch.command("cancel")
@click.argument("batch_id")
@settings_options
@click.pass_obj
@_handle_errors
def batch_cancel(state: _State, /, batch_id: str, **options: Any) -> None:
    """Cancel a batch at the endpoint.

    \b
    Example:
      briefer batch cancel batch_abc123
    """
    from .engines import batch as batches
    from .engines.llm import LLMEngine
    from .pipeline import open_store

    settings = _settings(state, options).with_(engine="openai")
    store = open_store(settings)
    try:
        click.echo(f"{batch_id}: {batches.cancel(LLMEngine(settings, store=store), batch_id)}")
    finally:
        if store is not None:
            store.close()


@cli.group()
def prompts() -> None:
    """List and show the prompt files the LLM engine uses.

    \b
    Example:
      briefer prompts list --prompts my_prompts/
    """


@prompts.command("list")
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose prompt files override the shipped ones.",
)
@click.pass_obj
@_handle_errors
def prompts_list(state: _State, /, prompts_dir: Path | None) -> None:
    """List prompts: name, version, file.

    \b
    Example:
      briefer prompts list
    """
    for prompt in list_prompts(prompts_dir):
        click.echo(f"{prompt.name}\t{prompt.version}\t{prompt.path}\t{prompt.description}")


@prompts.command("show")
@click.argument("name")
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose prompt files override the shipped ones.",
)
@click.pass_obj
@_handle_errors
def prompts_show(state: _State, /, name: str, prompts_dir: Path | None) -> None:
    """Print a prompt file as it is on disk.

    \b
    Example:
      briefer prompts show chunk_findings
    """
    prompt = load_prompt(name, prompts_dir)
    click.echo(prompt.path.read_text(encoding="utf-8"), nl=False)


def main() -> None:
    """Console entry point."""
    try:
        cli(prog_name="briefer")
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
