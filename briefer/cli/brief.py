"""`briefer brief`, `init` and `cron`: the daily job."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..config import (
    find_config_file,
)
from ..engines.calls import BatchExported
from ..lock import EX_TEMPFAIL, LockedError
from ..render import write_atomic
from .app import (
    EXIT_ERROR,
    _Bar,
    _error,
    _handle_errors,
    _print_dry_run,
    _settings,
    _State,
    cli,
    log,
)
from .options import settings_options


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
    from ..config import SourceSpec, read_brief_config
    from ..daily import run_daily

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
