"""The command line: builds Settings, calls the library, turns BrieferError into exit 1."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .config import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_KEY_POINTS,
    DEFAULT_MAX_RISKS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_OVERLAP,
    DEFAULT_TOKENIZER,
    ENGINES,
    TOKENIZERS,
    Settings,
)
from .errors import BrieferError
from .pipeline import summarize as run_summarize
from .render import FORMATS, render, write_atomic

log = logging.getLogger("briefer")

EXIT_OK = 0
EXIT_ERROR = 1


class _State:
    def __init__(self, debug: bool, quiet: bool) -> None:
        self.debug = debug
        self.quiet = quiet


def _setup_logging(debug: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("briefer")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING)
    root.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="briefer")
@click.option("--debug", is_flag=True, help="Show debug logs and full tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on stderr but errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Automated briefing summarizer: articles in, an evidence-backed brief out.

    \b
    Example:
      briefer summarize seeds/ -o brief.md
    """
    _setup_logging(debug, quiet)
    ctx.obj = _State(debug, quiet)


def _error(message: str) -> None:
    click.echo(f"Error: {message}", err=True)


class _Bar:
    """A progress bar on stderr, drawn only for a person watching a long run."""

    def __init__(self, state: _State) -> None:
        self.enabled = not state.quiet and sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, index: int, total: int, label: str) -> None:
        if not self.enabled or total < 2:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Summarizing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(index - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.length - self.bar.pos)
            self.bar.__exit__(None, None, None)


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
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="Summarizing engine; auto uses the offline extractive engine.",
)
@click.option(
    "-n",
    "--max-key-points",
    type=click.IntRange(1, 100),
    default=DEFAULT_MAX_KEY_POINTS,
    show_default=True,
    help="Key points per article.",
)
@click.option(
    "--max-risks",
    type=click.IntRange(0, 100),
    default=DEFAULT_MAX_RISKS,
    show_default=True,
    help="Risks per article.",
)
@click.option(
    "--tokenizer",
    type=click.Choice(TOKENIZERS),
    default=DEFAULT_TOKENIZER,
    show_default=True,
    help="tiktoken encoding used for chunking.",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(16, 1_000_000),
    default=DEFAULT_MAX_TOKENS,
    show_default=True,
    help="Largest chunk, in tokens.",
)
@click.option(
    "--overlap",
    type=click.IntRange(0, 500_000),
    default=DEFAULT_OVERLAP,
    show_default=True,
    help="Tokens of whole sentences repeated between consecutive chunks.",
)
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="TOML file of extra risk rules (repeatable); see briefer/data/risk_rules.toml.",
)
@click.option(
    "--replace-rules", is_flag=True, help="Use only the --rules files, not the built-in rules."
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder whose templates override the shipped ones (e.g. summary.md.j2).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse inputs larger than this many bytes.",
)
@click.pass_obj
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

    \b
    Examples:
      briefer summarize seeds/000_1786c7b9cbb94b69.txt
      briefer summarize notes/ https://example.org/story.html -o brief.md
      curl -s https://example.org/a.html | briefer summarize - --format json
    """
    try:
        settings = Settings(
            engine=options["engine"],
            tokenizer=options["tokenizer"],
            max_tokens=options["max_tokens"],
            overlap=options["overlap"],
            max_key_points=options["max_key_points"],
            max_risks=options["max_risks"],
            max_bytes=options["max_bytes"],
            rules=tuple(options["rules"]),
            replace_rules=options["replace_rules"],
            templates_dir=options["templates_dir"],
        )
        bar = _Bar(state)
        try:
            run = run_summarize(sources, settings, progress=bar)
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
    except BrieferError as exc:
        if state.debug:
            raise
        _error(str(exc))
        raise click.exceptions.Exit(EXIT_ERROR) from None
    if run.failures:
        raise click.exceptions.Exit(EXIT_ERROR)


def main() -> None:
    """Console entry point."""
    try:
        cli(prog_name="briefer")
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
