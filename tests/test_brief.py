"""The daily brief end to end: feeds and pages served through `responses`, the offline engine."""

import json
import os
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from briefer.cli import cli
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.errors import RenderError
from briefer.lock import RunLock
from briefer.store import Store

from .conftest import SEED

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
WORLD = "https://world.example/rss.xml"
ATOM = "https://desk.example/atom.xml"
BROKEN = "https://broken.example/feed.xml"
NOGUID = "https://noguid.example/rss.xml"
PACT_PAGE = "https://world.example/pact"
GONE_PAGE = "https://world.example/gone"

PORT_TEXT = (
    "A ransomware attack on terminal operator North Sea Gateway stopped container handling at "
    "two terminals in Rotterdam on Wednesday, the company said. Trucks queued for hours as gate "
    "systems went offline. The company said it had informed the Dutch cyber security centre and "
    "was restoring systems from backups. A criminal group known for ransomware claimed "
    "responsibility on its leak site. Logistics firms warned of delays across Europe while the "
    "terminals remain offline, and port authorities rerouted ships to other terminals."
)


def when(hours_ago: float) -> str:
    return format_datetime(NOW - timedelta(hours=hours_ago), usegmt=True)


def rss(title: str, items: Iterable[tuple[str, str, str | None, str, str]]) -> str:
    body = "".join(
        "<item>"
        + f"<title>{t}</title><link>{link}</link>"
        + (f"<guid>{guid}</guid>" if guid else "")
        + f"<pubDate>{date_}</pubDate><description>{desc}</description></item>"
        for t, link, guid, date_, desc in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def page(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        + "".join(f"<p>{p}</p>" for p in text.split("\n"))
        + "</article></body></html>"
    )


def serve_day() -> None:
    seed = SEED.read_text(encoding="utf-8")
    title, _, body = seed.partition("\n")
    responses.get(
        WORLD,
        body=rss(
            "World Desk",
            [
                (title, PACT_PAGE, "w-1", when(2), "Moscow and Tehran expect a deal."),
                ("Old news from last week", "https://world.example/old", "w-2", when(80), "Old."),
                ("A page that is gone", GONE_PAGE, "w-3", when(3), ""),
            ],
        ),
        content_type="application/rss+xml",
        headers={"ETag": '"world-1"'},
    )
    responses.get(PACT_PAGE, body=page(title, body), content_type="text/html")
    responses.get(GONE_PAGE, status=404)
    atom_entry = (
        f"<entry><id>tag:desk,1</id><title>{title}</title>"
        f'<link href="{PACT_PAGE}?utm_source=atom&amp;utm_medium=feed"/>'
        f"<updated>{(NOW - timedelta(hours=1)).isoformat()}</updated>"
        f'<content type="text">{body}</content></entry>'
    )
    responses.get(
        ATOM,
        body=f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>{atom_entry}</feed>',
        content_type="application/atom+xml",
    )
    responses.get(BROKEN, body="<html><body>this is not a feed", content_type="text/html")
    responses.get(
        NOGUID,
        body=rss(
            "Port News",
            [
                (
                    "Ransomware halts Rotterdam terminals",
                    "https://noguid.example/port",
                    None,
                    when(4),
                    PORT_TEXT,
                )
            ],
        ),
        content_type="application/rss+xml",
    )


@pytest.fixture
def config(tmp_path: Path) -> BriefConfig:
    return BriefConfig(
        title="Morning brief",
        audience="the risk desk",
        output_dir=tmp_path / "briefs",
        sources=(
            SourceSpec("feed", (WORLD,), name="World Desk"),
            SourceSpec("feed", (ATOM,)),
            SourceSpec("feed", (BROKEN,)),
            SourceSpec("feed", (NOGUID,)),
        ),
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_path=tmp_path / "state" / "briefer.db")


@responses.activate
def test_a_day_of_feeds_becomes_one_brief(
    config: BriefConfig, settings: Settings, tmp_path: Path
) -> None:
    serve_day()
    result = run_daily(config, settings, now=NOW)
    assert result.status == "partial" and result.exit_code == 3
    assert {f.source for f in result.failures} == {BROKEN, GONE_PAGE}
    brief = result.brief
    assert result.stats["outside_window"] == 1  # last week's item
    assert result.stats["duplicates"] == 1  # the Atom copy of the pact story (tracking params)
    assert brief is not None
    titles = [s.title for s in brief.stories]
    assert titles[0].startswith("Iran, Russia expected to sign") and len(titles) == 2
    pact = brief.stories[0]
    outlets = {brief.sources[n - 1].outlet for n in pact.sources}
    assert outlets == {"World Desk", "Desk"}  # one article, both sources listed
    # The feed carried only a summary: the full page was fetched and summarized.
    assert any("S-400" in r.risk.evidence for r in pact.risks)
    assert [p.name for p in result.outputs] == [
        "2026-11-29.md",
        "2026-11-29.json",
        "2026-11-29.html",
    ]
    md = (config.output_dir / "2026-11-29.md").read_text()
    assert md == (config.output_dir / "latest.md").read_text()
    assert md.startswith("# Morning brief — 2026-11-29\n")
    assert "## Inputs that could not be used" in md and "HTTP 404" in md
    data = json.loads((config.output_dir / "latest.json").read_text())
    assert data["schema_version"] == "1.0" and len(data["sources"]) == 3
    every_citation = {n for s in data["stories"] for kp in s["key_points"] for n in kp["sources"]}
    assert every_citation <= {s["number"] for s in data["sources"]}


@responses.activate
def test_second_run_summarizes_nothing_new_and_says_so(
    config: BriefConfig, settings: Settings
) -> None:
    serve_day()
    quiet = config.with_(sources=config.sources[:2] + config.sources[3:])  # no broken feed
    first = run_daily(quiet, settings, now=NOW)
    assert first.exit_code == 3  # the 404 page
    responses.replace(
        responses.GET, GONE_PAGE, body=page("Back", "It came back with a story about drones.")
    )
    second = run_daily(quiet, settings, now=NOW + timedelta(hours=1))
    assert second.brief is not None
    assert second.status == "ok" and len(second.brief.stories) == 1  # only the item that failed
    third = run_daily(quiet, settings, now=NOW + timedelta(hours=2))
    assert third.status == "nothing-new" and third.exit_code == 0
    assert third.message.startswith("Nothing new to brief (")
    assert "already in earlier briefs" in third.message
    assert sorted(p.name for p in config.output_dir.iterdir()) == [
        "2026-11-29.2.html",
        "2026-11-29.2.json",
        "2026-11-29.2.md",
        "2026-11-29.html",
        "2026-11-29.json",
        "2026-11-29.md",
        "latest.html",
        "latest.json",
        "latest.md",
    ]
    # The feed's ETag went back to the server.
    last_world = [c for c in responses.calls if c.request.url == WORLD][-1]
    assert last_world.request.headers["If-None-Match"] == '"world-1"'
    with Store(settings.cache_path) as store:
        assert [r["status"] for r in store.runs()] == ["nothing-new", "ok", "partial"]


@responses.activate
def test_all_includes_items_already_briefed(config: BriefConfig, settings: Settings) -> None:
    serve_day()
    run_daily(config, settings, now=NOW)
    again = run_daily(config, settings, now=NOW, include_seen=True)
    assert again.brief is not None and len(again.brief.stories) == 2


@responses.activate
def test_window_follows_the_brief_date(config: BriefConfig, settings: Settings) -> None:
    serve_day()
    earlier = run_daily(config, settings, now=NOW, brief_date=date(2026, 11, 26))
    # The window ends on the 26th: every item is later than that.
    assert earlier.status == "error" and earlier.stats["outside_window"] == 5
    assert earlier.message == (
        "No brief written: nothing new from the sources that answered (5 outside the time "
        "window), and 1 input(s) failed."
    )


@responses.activate
def test_failed_write_leaves_no_output_and_no_state(
    config: BriefConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_day()
    import briefer.publish as publish
    from briefer.files import write_temporary as real

    calls = []

    def flaky(path: Path, text: str | bytes) -> Path:
        calls.append(path)
        if path.suffix == ".json":
            raise RenderError(f"{path}: could not be written (No space left on device)")
        return real(path, text)

    monkeypatch.setattr(publish, "write_temporary", flaky)
    with pytest.raises(RenderError):
        run_daily(config, settings, now=NOW)
    assert calls  # the failure came from the write phase
    assert not config.output_dir.exists() or list(config.output_dir.iterdir()) == []
    monkeypatch.setattr(publish, "write_temporary", real)
    retry = run_daily(config, settings, now=NOW)  # nothing was marked seen: all items again
    assert retry.brief is not None and len(retry.brief.stories) == 2


def test_a_second_concurrent_run_exits_75(
    config: BriefConfig, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings.cache_path is not None
    lock_path = settings.cache_path.with_name("briefer.db.lock")
    runner = CliRunner()
    args = [
        "brief",
        str(SEED),
        "--output-dir",
        str(tmp_path / "out"),
        "--cache",
        str(settings.cache_path),
    ]
    with RunLock(lock_path):
        result = runner.invoke(cli, args)
        assert result.exit_code == 75
        assert f"another briefer run (pid {os.getpid()}) holds {lock_path}" in result.stderr
        waited = runner.invoke(cli, [*args, "--wait", "--wait-timeout", "0.3"])
        assert waited.exit_code == 75 and "after waiting 0.3 s" in waited.stderr
    assert not (tmp_path / "out").exists()
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.stderr
    assert (
        done.stdout.startswith(f"Wrote {tmp_path / 'out' / '2026-11-29'}") or "Wrote" in done.stdout
    )


def test_cli_brief_without_config_and_twice(tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "brief",
        str(SEED),
        "--output-dir",
        str(tmp_path / "b"),
        "--cache",
        str(tmp_path / "s.db"),
    ]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.stderr
    assert "1 article(s) in 1 story." in first.stdout
    second = runner.invoke(cli, args)
    assert second.exit_code == 0
    assert second.stdout == (
        "Nothing new to brief (1 item(s) already in earlier briefs); no brief written. "
        "Use --all to include items already briefed.\n"
    )


@responses.activate
@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_a_run_that_ends_in_error_says_so_on_stderr(tmp_path: Path, quiet: list[str]) -> None:
    feed = "https://news.example.org/down.xml"
    responses.get(feed, status=503)
    args = [*quiet, "brief", feed, "--output-dir", str(tmp_path / "b")]
    result = CliRunner().invoke(cli, [*args, "--cache", str(tmp_path / "s.db")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "No brief written: nothing new from the sources that answered, and 1 input(s) failed."
    )


def test_cli_brief_with_no_sources_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["brief"])
    assert result.exit_code == 2
    assert "no sources" in result.stderr


def test_quiet_run_with_a_log_file(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "briefer.log"
    args = [
        "--quiet",
        "--log-file",
        str(log),
        "brief",
        str(SEED),
        "--output-dir",
        str(tmp_path / "b"),
        "--cache",
        str(tmp_path / "s.db"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == ""
    text = log.read_text()
    assert "INFO briefer.daily: window " in text
    assert "INFO briefer: brief finished: Wrote " in text
    # A cron job's log is where its user reads the outcome: it names flags, as stdout does.
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0
    last = log.read_text().splitlines()[-1]
    assert "Nothing new to brief" in last and "Use --all " in last, last
    assert "include_seen" not in last


@responses.activate
def test_items_dated_slightly_in_the_future_still_count_as_today(
    config: BriefConfig, settings: Settings
) -> None:
    body = "Officials said the port reopened after repairs, and shipping resumed on Sunday."
    responses.get(
        WORLD,
        body=rss(
            "World Desk",
            [
                (
                    "Port reopens",
                    "https://world.example/reopen",
                    "f-1",
                    format_datetime(NOW + timedelta(hours=2), usegmt=True),
                    body * 4,
                )
            ],
        ),
        content_type="application/rss+xml",
    )
    result = run_daily(config.with_(sources=config.sources[:1]), settings, now=NOW)
    assert result.status == "ok" and result.stats["outside_window"] == 0
