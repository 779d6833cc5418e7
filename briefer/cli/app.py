"""The command line's core: the top-level group, settings resolution, errors, progress.

Only the ``briefer.cli`` package imports click; it builds Settings, calls the library, and
turns BrieferError into one clean line and exit 1.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import briefer

from .options import take_settings

log = logging.getLogger("briefer")


class State:
    """What the top-level options tell every command: logging and the config file."""

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
@click.version_option(briefer.__version__, "-V", "--version", prog_name="briefer")
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
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only errors and the output asked for: no progress, notes or 'Wrote ...' lines.",
)
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
      briefer brief seeds/ -d briefs          # the daily brief of a folder, no config
      briefer summarize seeds/ -o summary.md  # one summary, now
    """
    _setup_logging(debug, quiet, log_file)
    ctx.obj = State(debug, quiet, config)


def error(message: str) -> None:
    """One line on stderr, the settings it names shown as the flags that set them."""
    click.echo(f"Error: {flags(message)}", err=True)


# How the library names a setting in a message: "the max_bytes setting", "... set to V",
# "the use_cache setting off", "keep the use_cache setting on".
_SETTING = re.compile(r"\b(keep )?the (\w+) setting(?: (on|off)| set to)?")


def flags(message: str) -> str:
    """A library message as the command line shows it: a setting named by the flag that sets
    it, as the running command spells it (``the max_bytes setting`` -> ``--max-bytes``)."""
    options: dict[str, click.Option] = {}
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        for param in ctx.command.params:
            if isinstance(param, click.Option) and param.name is not None:
                options.setdefault(param.name, param)
        ctx = ctx.parent

    def shown(match: re.Match[str]) -> str:
        keep, name, state = match.groups()
        option = options.get(name)
        if option is None:
            return match.group(0)
        flag = max(option.opts, key=len)
        off_switch = option.is_flag and option.flag_value is False  # e.g. --no-cache
        if state is None:
            return f"{keep or ''}{flag}"
        if off_switch:
            return f"drop {flag}" if keep and state == "on" else flag
        return match.group(0)

    return _SETTING.sub(shown, message)


def print_mode(state: State, engine: briefer.EngineInfo | None) -> None:
    """Say on stderr which structured-output mode an LLM run used, and how it was chosen."""
    if engine is not None and engine.structured_output and not state.quiet:
        click.echo(f"Structured output: {engine.structured_output}", err=True)


def handle_errors(func: Callable[..., None]) -> Callable[..., None]:
    """Turn BrieferError into one clean line and exit 1 (a traceback under --debug)."""

    @functools.wraps(func)
    def wrapper(state: State, /, *args: Any, **kwargs: Any) -> None:
        try:
            func(state, *args, **kwargs)
        except briefer.BrieferError as exc:
            if state.debug:
                raise
            error(str(exc))
            raise click.exceptions.Exit(briefer.EXIT_ERROR) from None

    return wrapper


class Bar:
    """A progress bar on stderr, one per stage, drawn only for a person watching."""

    def __init__(self, state: State) -> None:
        self.enabled = not state.quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str) -> None:
        if not self.enabled or total < 2:
            return
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


def resolve_settings(state: State, options: dict[str, Any]) -> briefer.Settings:
    """The run's settings: these flags over the environment, the config file and defaults."""
    options = dict(options)
    input_price, output_price = options.pop("input_price", None), options.pop("output_price", None)
    flags = take_settings(options)
    if options:  # an option that is neither a declared setting nor handled here
        raise TypeError(f"unexpected options: {sorted(options)}")
    settings = briefer.resolve_settings(flags, config_file=briefer.find_config_file(state.config))
    if input_price is not None or output_price is not None:
        prices = dict(settings.prices)
        old = prices.get(settings.model, briefer.Price(0.0, 0.0))
        prices[settings.model] = briefer.Price(
            old.input if input_price is None else input_price,
            old.output if output_price is None else output_price,
        )
        settings = settings.with_(prices=prices)
    settings.check_endpoint()
    return settings


def print_dry_run(plan: briefer.DryRun) -> None:
    """The calls a run would make, their tokens and cost bound, on stdout."""
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
def main() -> None:
    """Console entry point."""
    try:
        cli(prog_name="briefer")
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
