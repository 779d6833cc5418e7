"""`briefer init` works from an empty folder; `briefer cron` reflects the config it schedules."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import cli

EXE = Path(sys.executable).parent / "briefer"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_init_then_brief_works_in_an_empty_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Wrote briefer.toml and inbox/welcome.md. Save articles in inbox/ or add a feed to "
        "briefer.toml, then run: briefer brief\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefer.toml", "inbox"]
    brief = runner.invoke(cli, ["brief"])
    assert brief.exit_code == 0, brief.stderr
    day = brief.stdout.split("briefs/")[1][:10]
    assert brief.stdout == (
        f"Wrote briefs/{day}.md, briefs/{day}.json, briefs/{day}.html: 1 article(s) in 1 story.\n"
    )
    text = (tmp_path / "briefs" / "latest.md").read_text()
    assert "### 1. Welcome to your briefer inbox" in text


def test_init_keeps_an_existing_config_and_inbox(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "mine.txt").write_text("my notes")
    assert runner.invoke(cli, ["init"]).stdout == (
        "Wrote briefer.toml. Save articles in inbox/ or add a feed to briefer.toml, then run: "
        "briefer brief\n"
    )
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == ["mine.txt"]
    again = runner.invoke(cli, ["init"])
    assert again.exit_code == 1
    assert again.stderr == "Error: briefer.toml already exists; pass --force to overwrite it\n"


def test_the_sample_config_shows_a_commented_feed(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["init"])
    text = (tmp_path / "briefer.toml").read_text()
    assert '\n# feed = "https://news.example.org/world/rss.xml"' in text
    assert '\npath = "inbox"' in text


CONFIG = """\
[fetch]
allow_private = false

[[source]]
name = "Inbox"
path = "inbox"

[[source]]
name = "Intranet"
feed = "http://10.0.0.5/feed.xml"
allow_private = true

[[source]]
name = "Lab wiki"
feed = "http://wiki.internal/feed.json"
"""


def test_cron_lists_the_sources_and_warns_about_a_refused_private_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "briefer.toml").write_text(CONFIG)
    result = runner.invoke(cli, ["cron", "--at", "05:45"])
    assert result.exit_code == 0, result.stderr
    head = result.stdout.split("\n\n")[0].splitlines()
    assert head == [
        f"# {tmp_path / 'briefer.toml'}: 3 source(s)",
        f"#   Inbox: files {tmp_path / 'inbox'}",
        "#   Intranet: feed http://10.0.0.5/feed.xml (private address, allowed)",
        "#   Lab wiki: feed http://wiki.internal/feed.json",
        '# WARNING: "Lab wiki" is on a private address and will be refused; add allow_private '
        "= true to its [[source]], or pass --allow-private",
        "# crontab -e  (exit 3: partial brief, 75: previous run still going)",
        f"45 5 * * * cd {tmp_path} && {EXE} --config {tmp_path / 'briefer.toml'} --quiet "
        f"--log-file {tmp_path / 'briefs' / 'briefer.log'} brief",
    ]
    assert "OnCalendar=*-*-* 05:45:00" in result.stdout


def test_cron_takes_what_a_real_crontab_line_needs(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "briefer.toml").write_text(CONFIG)
    result = runner.invoke(
        cli,
        [
            "cron",
            "--at",
            "07:05",
            "--days",
            "mon-fri",
            "--env-file",
            "briefer.env",
            "--log-file",
            "logs/run.log",
            "--allow-private",
            "--wait",
        ],
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "WARNING" not in result.stdout
    assert "#   Lab wiki: feed http://wiki.internal/feed.json (private address, allowed)" in lines
    assert (
        f"5 7 * * mon-fri cd {tmp_path} && set -a && . {tmp_path / 'briefer.env'} && set +a && "
        f"{EXE} --config {tmp_path / 'briefer.toml'} --quiet "
        f"--log-file {tmp_path / 'logs' / 'run.log'} brief --allow-private --wait"
    ) in lines
    assert f"EnvironmentFile={tmp_path / 'briefer.env'}" in lines
    assert "OnCalendar=Mon..Fri *-*-* 07:05:00" in lines


def test_cron_says_when_the_shell_has_what_cron_will_not(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "briefer.toml").write_text('[[source]]\npath = "inbox"\n')
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    result = runner.invoke(cli, ["cron"])
    assert (
        "# OPENAI_BASE_URL is set here but cron will not see it: put base_url in [engine]"
        in result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--at", "25:00"], "Error: Invalid value for --at: use HH:MM, e.g. 06:30\n"),
        (
            ["--days", "weekdays"],
            "Error: Invalid value for --days: day names, e.g. mon-fri, sat,sun or *\n",
        ),
    ],
)
def test_cron_bad_usage(runner: CliRunner, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "briefer.toml").write_text('[[source]]\npath = "inbox"\n')
    result = runner.invoke(cli, ["cron", *args])
    assert result.exit_code == 2 and result.stderr.endswith(message)
