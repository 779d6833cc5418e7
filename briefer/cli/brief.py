"""`briefer brief`: the daily job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config import (
    find_config_file,
)
from ..engines.calls import BatchExported
from ..lock import EX_TEMPFAIL, LockedError
from .app import (
    _Bar,
    _error,
    _handle_errors,
    _print_dry_run,
    _print_mode,
    _settings,
    _State,
    cli,
    log,
)
from .options import settings_options


@cli.command()
@click.argument("sources", nargs=-1)
@click.option(
    "-d",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the dated briefs and latest.* [default: briefs, or [brief] output_dir].",
)
@click.option(
    "-o",
    "old_output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    hidden=True,
    help="Deprecated spelling of --output-dir (-o names a file in summarize).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    default=None,
    metavar="md,json,html,pdf",
    help="Comma-separated output formats [default: md,json,html, or [brief] formats].",
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
    help="Include items published in the last N hours [default: 24]. Items already briefed, "
    "and those of a feed that answers 'not modified', come back only with --all.",
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
    old_output_dir: Path | None,
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
      briefer brief seeds/ --output-dir briefs --format md,pdf
      briefer --config briefer.toml --quiet --log-file briefs/briefer.log brief
      briefer brief https://news.example.org/world/rss.xml --window-hours 12
    """
    from ..config import SourceSpec, read_brief_config
    from ..daily import run_daily

    if old_output_dir is not None:
        if output_dir is not None:
            raise click.UsageError("give the folder once, with --output-dir")
        output_dir = old_output_dir
        log.info("brief -o is deprecated; use --output-dir")
        if not state.quiet:
            click.echo(
                "Note: `brief -o DIR` is deprecated, as -o names a file in `summarize`; "
                "use --output-dir DIR (or -d DIR).",
                err=True,
            )
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
        from ..daily import plan_daily

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
    _print_mode(state, result.brief.engine if result.brief else None)
    if not state.quiet or result.status == "error":
        click.echo(result.message, err=True)
    log.info("brief finished: %s", result.message)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)
