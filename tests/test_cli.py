import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer import __version__
from briefer.cli import cli

from .conftest import ROOT, SEED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"briefer, version {__version__}\n"


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "briefer", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"briefer, version {__version__}"


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    import click

    def walk(group: click.Group, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, [*path, name])
            else:
                yield [*path, name]

    commands = list(walk(cli, []))
    assert ["batch", "status"] in commands and ["prompts", "show"] in commands
    for command in commands:
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.stdout, command


def test_summarize_seed_prints_markdown(runner: CliRunner, seed_text: str) -> None:
    result = runner.invoke(cli, ["summarize", str(SEED)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("# Summary of 1 article\n")
    assert (
        "## 1. Iran, Russia expected to sign new strategic comprehensive agreement" in result.stdout
    )
    quotes = [line[2:] for line in result.stdout.splitlines() if line.startswith("> ")]
    assert len(quotes) >= 4
    for quote in quotes:
        assert quote in seed_text


def test_one_bad_input_is_reported_and_the_rest_still_summarized(
    runner: CliRunner, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(cli, ["summarize", str(SEED), str(tmp_path / "missing.txt"), str(empty)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'missing.txt'}: no such file or directory; check the path",
        f"Error: {empty}: is empty; there is nothing to summarize",
    ]
    assert "Traceback" not in result.output
    assert "## 1. Iran, Russia expected" in result.stdout
    assert "## Inputs that could not be summarized" in result.stdout


def test_output_file_is_written_and_reported(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "briefs" / "seed.json"
    result = runner.invoke(cli, ["summarize", str(SEED), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"Wrote {out} (1 article(s), json).\n"
    assert json.loads(out.read_text())["articles"][0]["article"]["source"] == str(SEED)


def test_quiet_silences_the_status_line(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "seed.md"
    result = runner.invoke(cli, ["--quiet", "summarize", str(SEED), "-o", str(out)])
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == "" and out.exists()


def test_when_every_input_fails_no_output_is_left(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    result = runner.invoke(cli, ["summarize", str(tmp_path / "nope.txt"), "-o", str(out)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {tmp_path / 'nope.txt'}: no such file or directory; check the path\n"
    )
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_stdin_is_read_with_dash(runner: CliRunner, seed_text: str) -> None:
    result = runner.invoke(cli, ["summarize", "-", "--format", "json"], input=seed_text)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["articles"][0]["article"]["source"] == "<stdin>"


def test_options_reach_the_engine_and_chunker(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "-f",
            "json",
            "-n",
            "2",
            "--max-risks",
            "1",
            "--max-tokens",
            "100",
            "--overlap",
            "20",
            "--tokenizer",
            "cl100k_base",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    article = data["articles"][0]
    assert len(article["key_points"]) == 2 and len(article["risks"]) == 1
    assert len(article["chunks"]) > 3 and all(c["tokens"] <= 100 for c in article["chunks"])
    assert data["settings"]["tokenizer"] == "cl100k_base"


@pytest.mark.parametrize(
    "args,message",
    [
        (["summarize"], "Missing argument 'SOURCES...'"),
        (["summarize", "x.txt", "--format", "docx"], "Invalid value for '-f' / '--format'"),
        (["summarize", "x.txt", "--format", "pdf"], "a PDF is binary: write it to a file, e.g. -o"),
        (["summarize", "x.txt", "--max-tokens", "4"], "Invalid value for '--max-tokens'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_bad_usage_exits_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_invalid_setting_is_one_clean_error_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["summarize", str(SEED), "--max-tokens", "100", "--overlap", "80"])
    assert result.exit_code == 1
    assert result.stderr == "Error: overlap must be between 0 and half of max tokens (50), got 80\n"


def test_bad_rules_file_is_one_clean_error_and_debug_shows_the_traceback(
    runner: CliRunner, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rule]\n")
    result = runner.invoke(cli, ["summarize", str(SEED), "--rules", str(rules)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {rules}: not valid TOML")
    assert len(result.stderr.splitlines()) == 1
    debug = runner.invoke(cli, ["--debug", "summarize", str(SEED), "--rules", str(rules)])
    assert debug.exit_code == 1
    assert type(debug.exception).__name__ == "ConfigError"


MISSING_ENDPOINT = (
    "Error: the openai engine needs an API key or an endpoint, and neither is set: "
    "export OPENAI_API_KEY=... for OpenAI, or pass --base-url (or set OPENAI_BASE_URL, or "
    "base_url in [engine]) for any OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["summarize", str(SEED), "--engine", "openai"],
        ["brief", str(SEED), "--engine", "openai", "--output-dir", "b"],
        ["summarize", str(SEED), "--engine", "openai", "--dry-run"],
        ["batch", "status"],
    ],
)
def test_the_llm_engine_without_key_or_endpoint_stops_before_any_request(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    import socket

    monkeypatch.chdir(tmp_path)
    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: attempts.append(address))
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == MISSING_ENDPOINT
    assert attempts == [] and list(tmp_path.iterdir()) == []


def test_the_engine_from_the_environment_is_checked_too(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFER_ENGINE", "openai")
    result = runner.invoke(cli, ["summarize", str(SEED)])
    assert result.exit_code == 1 and result.stderr == MISSING_ENDPOINT


@pytest.mark.parametrize(
    "name,fmt,start",
    [
        ("seed.html", None, b"<!DOCTYPE html>"),
        ("seed.pdf", None, b"%PDF-"),
        ("seed.markdown", None, b"# Summary of 1 article\n"),
        ("seed.out", "json", b"{"),
        ("seed.txt", None, b"# Summary of 1 article\n"),
    ],
)
def test_summarize_writes_every_format_following_the_extension(
    runner: CliRunner, tmp_path: Path, name: str, fmt: str | None, start: bytes
) -> None:
    out = tmp_path / name
    args = ["summarize", str(SEED), "-o", str(out)] + (["-f", fmt] if fmt else [])
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    shown = fmt or {"seed.html": "html", "seed.pdf": "pdf"}.get(name, "md")
    assert result.stdout == f"Wrote {out} (1 article(s), {shown}).\n"
    assert out.read_bytes().startswith(start)


def test_summarize_refuses_an_extension_it_cannot_write(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "seed.docx"
    result = runner.invoke(cli, ["summarize", str(SEED), "-o", str(out)])
    assert result.exit_code == 2
    assert f"{out}: briefer cannot write .docx files; name it .md, .html, .pdf or .json, or " in (
        result.stderr
    )
    assert not out.exists()
    forced = runner.invoke(cli, ["summarize", str(SEED), "-o", str(out), "-f", "md"])
    assert forced.exit_code == 0 and out.read_bytes().startswith(b"# Summary of 1 article\n")


def test_summarize_html_escapes_article_text(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text(
        "Attack <script>alert(1)</script> on the port\n"
        + "A ransomware attack <b>stopped</b> the port of Rotterdam on Wednesday. " * 5
    )
    result = runner.invoke(cli, ["summarize", str(page), "-f", "html"])
    assert result.exit_code == 0, result.stderr
    assert "<script>" not in result.stdout and "<b>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def test_brief_takes_output_dir_and_format_and_old_o_still_works(
    runner: CliRunner, tmp_path: Path
) -> None:
    args = ["brief", str(SEED), "--cache", str(tmp_path / "s.db"), "--all"]
    new = runner.invoke(cli, [*args, "-d", str(tmp_path / "a"), "-f", "md"])
    assert new.exit_code == 0, new.stderr
    written = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(written) == 2 and written[1] == "latest.md" and written[0].endswith(".md")
    old = runner.invoke(cli, [*args, "-o", str(tmp_path / "b"), "--format", "json"])
    assert old.exit_code == 0, old.stderr
    assert old.stderr.splitlines()[0] == (
        "Note: `brief -o DIR` is deprecated, as -o names a file in `summarize`; "
        "use --output-dir DIR (or -d DIR)."
    )
    assert (tmp_path / "b" / "latest.json").exists()
    both = runner.invoke(cli, [*args, "-o", "x", "-d", "y"])
    assert both.exit_code == 2 and "give the folder once, with --output-dir" in both.stderr


def test_the_library_checks_the_endpoint_before_any_request_too() -> None:
    import briefer
    from briefer.config import MISSING_ENDPOINT
    from briefer.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        briefer.summarize([str(SEED)], briefer.Settings(engine="openai"))
    assert str(caught.value) == MISSING_ENDPOINT
