"""A brief's files appear all or nothing: kills during the write phase, repair by the next
run, latest.* always one brief, and one writer per output folder."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.errors import LockedError
from briefer.lock import RunLock

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
FORMATS = ("md", "json", "html")
FILE_OPERATIONS = ("replace", "fsync", "unlink")


def write_articles(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("Port news\nOfficials said drones struck the port on Monday.\n")
    (folder / "b.txt").write_text("Grid news\nEngineers said the power grid failed in the north.\n")


def killed_at(step: int, config: BriefConfig, settings: Settings, now: datetime) -> bool:
    """Run a brief in a child process that SIGKILLs itself at its ``step``-th file operation
    (rename, fsync or unlink); True if it was killed, False if it finished first."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            count = 0
            real = {name: getattr(os, name) for name in FILE_OPERATIONS}

            def wrap(name: str) -> Callable[..., Any]:
                def operation(*args: Any, **kwargs: Any) -> Any:
                    nonlocal count
                    count += 1
                    if count == step:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real[name](*args, **kwargs)

                return operation

            for name in FILE_OPERATIONS:
                setattr(os, name, wrap(name))
            result = run_daily(config, settings, include_seen=True, now=now)
            os._exit(0 if result.exit_code == 0 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0
    return False


def runs(db: Path) -> list[tuple[str, list[str]]]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT status, outputs FROM runs ORDER BY id").fetchall()
    return [(status, json.loads(outputs or "[]")) for status, outputs in rows]


def assert_whole_briefs(out: Path, db: Path) -> None:
    """Every dated brief is complete and known to the store; latest.* is exactly one of them."""
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.startswith(".")] == []
    stems: dict[str, set[str]] = {}
    for name in names:
        if not name.startswith((".", "latest.")):
            stem, _, fmt = name.rpartition(".")
            stems.setdefault(stem, set()).add(fmt)
    assert stems and all(fmts == set(FORMATS) for fmts in stems.values()), stems
    recorded = {
        Path(p).name for status, outs in runs(db) if status in ("ok", "partial") for p in outs
    }
    on_disk = {f"{stem}.{fmt}" for stem, fmts in stems.items() for fmt in fmts}
    assert recorded == on_disk  # no orphan set, and no recorded brief missing a file
    assert all(status != "running" for status, _ in runs(db))
    latest = {p.suffix[1:]: p.read_bytes() for p in out.glob("latest.*")}
    assert set(latest) == set(FORMATS)
    assert any(
        all((out / f"{stem}.{fmt}").read_bytes() == latest[fmt] for fmt in FORMATS)
        for stem in stems
    ), "latest.* mixes briefs"


def test_a_kill_at_any_step_of_the_write_phase_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    write_articles(tmp_path / "in")
    out, db = tmp_path / "out", tmp_path / "state.db"
    config = BriefConfig(
        output_dir=out, formats=FORMATS, sources=(SourceSpec("path", (str(tmp_path / "in"),)),)
    )
    settings = Settings(cache_path=db)
    assert run_daily(config, settings, now=NOW).status == "ok"  # an earlier brief to replace
    step, kills, now = 0, 0, NOW
    while True:
        step += 1
        now += timedelta(minutes=1)
        if not killed_at(step, config, settings, now):
            break  # the run outlived every step: all of them were tried
        kills += 1
        # The next run repairs what the killed one left, then writes its own brief.
        now += timedelta(minutes=1)
        assert run_daily(config, settings, include_seen=True, now=now).status == "ok"
        assert_whole_briefs(out, db)
    assert kills >= 12  # every temporary, the journal and every rename was a kill point
    assert any(status == "aborted" for status, _ in runs(db))
    assert_whole_briefs(out, db)


def test_latest_holds_only_the_formats_of_the_newest_brief(tmp_path: Path) -> None:
    write_articles(tmp_path / "in")
    out = tmp_path / "out"
    args = ["brief", str(tmp_path / "in"), "-o", str(out), "--cache", str(tmp_path / "s.db")]
    runner = CliRunner()
    assert runner.invoke(cli, [*args, "--format", "md,json,html"]).exit_code == 0
    assert runner.invoke(cli, [*args, "--all", "--format", "md"]).exit_code == 0
    assert sorted(p.name for p in out.glob("latest.*")) == ["latest.md"]
    assert (out / "latest.md").read_bytes() == (out / "2026-11-29.2.md").read_bytes()


def test_the_lock_covers_the_output_folder_across_stores(tmp_path: Path) -> None:
    write_articles(tmp_path / "in")
    out = tmp_path / "out"
    config = BriefConfig(
        output_dir=out, formats=("md",), sources=(SourceSpec("path", (str(tmp_path / "in"),)),)
    )
    # Another run, with its own store, is writing this folder.
    with RunLock(out, directory=True):
        with pytest.raises(
            LockedError, match=r"is writing the output folder .*/out; it is still working"
        ):
            run_daily(config, Settings(cache_path=tmp_path / "other.db"), now=NOW)
        result = CliRunner().invoke(
            cli, ["brief", str(tmp_path / "in"), "-o", str(out), "--cache", str(tmp_path / "b.db")]
        )
        assert result.exit_code == 75
    assert not list(out.glob("*.md"))
    assert run_daily(config, Settings(cache_path=tmp_path / "other.db"), now=NOW).status == "ok"
