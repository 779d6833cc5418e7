"""`briefer brief`: the daily job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import briefer

from .app import (
    Bar,
    State,
    cli,
    error,
    flags,
    handle_errors,
    log,
    print_dry_run,
    print_mode,
    resolve_settings,
)
from .options import RUN, GroupedCommand, GroupedOption, settings_options, take_settings


@cli.command(cls=GroupedCommand)
@click.argument("sources", nargs=-1)
@settings_options(target="brief")
@click.option(
    "-o",
    "old_output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    hidden=True,
    help="Deprecated spelling of --output-dir (-o names a file in summarize).",
)
@click.option(
    "--date",
    "brief_date",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    cls=GroupedOption,
    group=RUN,
    help="Brief date, YYYY-MM-DD [default: today]; its window ends that day.",
)
@click.option(
    "--all",
    "include_seen",
    is_flag=True,
    cls=GroupedOption,
    group=RUN,
    help="Include items that earlier briefs already covered.",
)
@click.option(
    "--wait",
    is_flag=True,
    cls=GroupedOption,
    group=RUN,
    help="If another run holds the lock, wait for it.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(0),
    default=3600.0,
    show_default=True,
    cls=GroupedOption,
    group=RUN,
    help="Seconds --wait waits before giving up.",
)
@settings_options()
@click.pass_obj
@handle_errors
def brief(
    state: State,
    /,
    sources: tuple[str, ...],
    old_output_dir: Path | None,
    brief_date: Any,
    include_seen: bool,
    wait: bool,
    wait_timeout: float,
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
    changes = {k: v for k, v in take_settings(options, "brief").items() if v is not None}
    if old_output_dir is not None:
        if "output_dir" in changes:
            raise click.UsageError("give the folder once, with --output-dir")
        changes["output_dir"] = old_output_dir
        log.info("brief -o is deprecated; use --output-dir")
        if not state.quiet:
            click.echo(
                "Note: `brief -o DIR` is deprecated, as -o names a file in `summarize`; "
                "use --output-dir DIR (or -d DIR).",
                err=True,
            )
    settings = resolve_settings(state, options)
    config = briefer.read_brief_config(briefer.find_config_file(state.config))
    if sources:
        changes["sources"] = tuple(briefer.SourceSpec("auto", (s,)) for s in sources)
    config = config.with_(**changes)
    if not config.sources:
        raise click.UsageError(
            "no sources: name files, folders, feeds or pages, or add [[source]] entries to "
            "briefer.toml (`briefer init` writes one)"
        )
    if settings.dry_run:
        plan = briefer.plan_daily(
            config,
            settings,
            brief_date=brief_date.date() if brief_date else None,
            include_seen=include_seen,
        )
        for failure in plan.failures:
            error(f"{failure.source}: {failure.reason}")
        print_dry_run(plan)
        if plan.engine == "openai" and plan.calls:
            click.echo("Not counted: one executive-summary call for the brief.")
        return
    bar = Bar(state)
    try:
        result = briefer.run_daily(
            config,
            settings,
            brief_date=brief_date.date() if brief_date else None,
            include_seen=include_seen,
            wait=wait_timeout if wait else None,
            progress=bar,
        )
    except briefer.LockedError as exc:
        bar.close()
        error(str(exc))
        raise click.exceptions.Exit(exc.exit_code) from None
    finally:
        bar.close()
    if result.status == "exported":
        click.echo(flags(result.message))  # what to do next, so even under --quiet
        return
    for failure in result.failures:
        error(f"{failure.source}: {failure.reason}")
    print_mode(state, result.brief.engine if result.brief else None)
    # The outcome is the command's result (stdout); only a run that ended in error says so on
    # stderr, where --quiet still lets it through.
    if result.status == "error":
        click.echo(flags(result.message), err=True)
    elif not state.quiet:
        click.echo(flags(result.message))
    log.info("brief finished: %s", flags(result.message))
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)
