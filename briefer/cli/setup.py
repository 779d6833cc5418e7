"""`briefer init` and `briefer cron`: a working start, and the lines that schedule it."""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

import briefer

from .app import State, cli, error, handle_errors

_DAY = "(?:mon|tue|wed|thu|fri|sat|sun)"
_DAYS = re.compile(rf"\*|{_DAY}(?:[-,]{_DAY})*")
INBOX = "inbox"
WELCOME = "welcome.md"


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="briefer.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
@handle_errors
def init(state: State, /, path: Path, force: bool) -> None:
    """Write a commented briefer.toml and an inbox/ folder with a sample article.

    The config reads inbox/ (next to it) and shows a feed, commented out; `briefer brief`
    works right away, offline.

    \b
    Example:
      briefer init && briefer brief
    """
    from importlib import resources

    if path.exists() and not force:
        error(f"{path} already exists; pass --force to overwrite it")
        raise click.exceptions.Exit(briefer.EXIT_ERROR)
    data = resources.files("briefer") / "data"
    briefer.write_atomic(path, (data / "briefer.example.toml").read_text("utf-8"))
    inbox = path.parent / INBOX
    wrote = [str(path)]
    if not inbox.exists():
        inbox.mkdir(parents=True)
        briefer.write_atomic(inbox / WELCOME, (data / "inbox_welcome.md").read_text("utf-8"))
        wrote.append(str(inbox / WELCOME))
    click.echo(
        f"Wrote {' and '.join(wrote)}. Save articles in {inbox}/ or add a feed to {path}, "
        "then run: briefer brief"
    )


def _private_host(url: str) -> bool:
    """Whether a URL names a loopback, private or link-local host outright (no DNS asked)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def _describe(spec: briefer.SourceSpec, allowed: bool) -> tuple[str, str | None]:
    """One comment line for a source, and a warning when cron would see it refused."""
    where = {"feed": "feed", "urls": "pages", "path": "files"}.get(spec.kind, spec.kind)
    line = f"#   {spec.name or spec.locations[0]}: {where} {', '.join(spec.locations)}"
    private = [u for u in spec.locations if spec.kind != "path" and _private_host(u)]
    if not private:
        return line, None
    if allowed:
        return f"{line} (private address, allowed)", None
    who = f'"{spec.name}"' if spec.name else private[0]
    return line, (
        f"# WARNING: {who} is on a private address and will be refused; "
        "add allow_private = true to its [[source]], or pass --allow-private"
    )


@cli.command()
@click.option(
    "--at",
    "at_time",
    default="06:30",
    show_default=True,
    metavar="HH:MM",
    help="Time of day for the daily run.",
)
@click.option(
    "--days",
    default="*",
    show_default=True,
    help="Days of the week, in crontab's words: mon-fri, sat,sun, or * for every day.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the run appends its log [default: briefer.log in the output folder].",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of KEY=value lines (OPENAI_API_KEY, …) the job reads first; keep it mode 0600.",
)
@click.option("--allow-private", is_flag=True, help="Run the brief with --allow-private.")
@click.option("--wait", is_flag=True, help="Wait for a run still going instead of exiting 75.")
@click.pass_obj
@handle_errors
def cron(
    state: State,
    /,
    at_time: str,
    days: str,
    log_file: Path | None,
    env_file: Path | None,
    allow_private: bool,
    wait: bool,
) -> None:
    """Print a crontab line and a systemd service and timer for the daily brief.

    The line carries what cron does not have: the working folder, the full path of briefer,
    the config file, a log file, and the environment file if you keep a key in one. The
    sources of the config are listed, with a warning for any on a private address that
    would be refused.

    \b
    Examples:
      briefer --config /srv/brief/briefer.toml cron --at 06:30
      briefer cron --at 07:00 --days mon-fri --env-file /srv/brief/briefer.env
    """
    try:
        hour, minute = (int(x) for x in at_time.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise click.BadParameter("use HH:MM, e.g. 06:30", param_hint="--at") from None
    days = days.lower()
    if not _DAYS.fullmatch(days):
        raise click.BadParameter("day names, e.g. mon-fri, sat,sun or *", param_hint="--days")
    config_file = briefer.find_config_file(state.config)
    if config_file is None:
        raise click.UsageError("no config file: pass --config or run `briefer init` first")
    config_file = config_file.resolve()
    config = briefer.read_brief_config(config_file)
    settings = briefer.read_config_file(config_file)
    workdir = config_file.parent
    beside = Path(sys.executable).parent / "briefer"  # the script of this environment
    exe = str(beside) if beside.is_file() else shutil.which("briefer")
    exe = shlex.quote(exe) if exe else f"{shlex.quote(sys.executable)} -m briefer"
    log_path = log_file.absolute() if log_file else workdir / config.output_dir / "briefer.log"
    brief_args = " --allow-private" if allow_private else ""
    brief_args += " --wait" if wait else ""
    command = (
        f"{exe} --config {shlex.quote(str(config_file))} --quiet "
        f"--log-file {shlex.quote(str(log_path))} brief{brief_args}"
    )
    prefix = ""
    if env_file is not None:
        prefix = f"set -a && . {shlex.quote(str(env_file.absolute()))} && set +a && "
    click.echo(f"# {config_file}: {len(config.sources)} source(s)")
    globally = bool(settings.get("allow_private")) or allow_private
    warnings = []
    for spec in config.sources:
        allowed = globally if spec.allow_private is None else spec.allow_private
        line, warning = _describe(spec, allowed)
        click.echo(line)
        if warning:
            warnings.append(warning)
    for warning in warnings:
        click.echo(warning)
    if os.environ.get("OPENAI_API_KEY") and env_file is None:
        click.echo("# OPENAI_API_KEY is set here but cron will not see it: use --env-file")
    if os.environ.get("OPENAI_BASE_URL") and env_file is None and "base_url" not in settings:
        click.echo(
            "# OPENAI_BASE_URL is set here but cron will not see it: put base_url in [engine]"
        )
    click.echo("# crontab -e  (exit 3: partial brief, 75: previous run still going)")
    click.echo(f"{minute} {hour} * * {days} cd {shlex.quote(str(workdir))} && {prefix}{command}")
    click.echo()
    click.echo("# /etc/systemd/system/briefer.service")
    environment = (
        f"EnvironmentFile={env_file.absolute()}\n"
        if env_file is not None
        else "# Keep OPENAI_API_KEY out of unit files: put it in an EnvironmentFile "
        f"with mode 0600.\n# EnvironmentFile={workdir / 'briefer.env'}\n"
    )
    click.echo(
        "[Unit]\nDescription=briefer daily brief\nAfter=network-online.target\n"
        "Wants=network-online.target\n\n[Service]\nType=oneshot\n"
        f"WorkingDirectory={workdir}\nExecStart={command}\n{environment}TimeoutStartSec=2h\n"
    )
    calendar = "*-*-*" if days == "*" else f"{days.replace('-', '..').title()} *-*-*"
    click.echo("# /etc/systemd/system/briefer.timer")
    click.echo(
        "[Unit]\nDescription=Run the briefer daily brief\n\n[Timer]\n"
        f"OnCalendar={calendar} {hour:02d}:{minute:02d}:00\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target"
    )
    click.echo("\n# then: systemctl daemon-reload && systemctl enable --now briefer.timer")
