"""The README's "first hour" runs as written: every command, and exactly the output it shows.

`briefer` commands run in this process through click's runner, so that `responses` can serve the
feed; other commands (mkdir, sed) run in a real shell. The LLM endpoint is the tests' server on
127.0.0.1, whose port replaces the README's 8080; today's date replaces the README's.
"""

import json
import os
import re
import shlex
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner

from briefer.cli import cli

from .conftest import ROOT
from .fake_llm import FakeLLM

README_DATE = "2026-11-29"
README_ENDPOINT = "127.0.0.1:8080"
FEED = "https://news.example.org/world/feed.json"
PORT_STORY = (
    "A ransomware attack on the terminal operator North Sea Gateway stopped container handling "
    "at two terminals in Rotterdam on Wednesday, the company said. Trucks queued for hours as "
    "gate systems went offline, and shipping lines warned customers of delays of up to three "
    "days. The company said it had informed the national cyber security centre and was "
    "restoring its systems from backups, a process it expected to take until the weekend. A "
    "criminal group known for attacks on logistics firms claimed responsibility on its leak "
    "site and threatened to publish stolen data unless a ransom was paid. Port authorities "
    "rerouted several ships to other terminals, and freight forwarders said the disruption "
    "could spread to rail and barge connections across the region if the terminals remain "
    "offline into next week. Insurers said claims from the attack were likely to be large."
)


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## The first hour\n", 1)[1].split("\n## ", 1)[0]


def steps(section: str) -> list[tuple[str, str, list[str]]]:
    """("run", command, expected lines) and ("toml", text, []) in the order they appear."""
    out: list[tuple[str, str, list[str]]] = []
    for kind, body in re.findall(r"```(console|toml)\n(.*?)```", section, re.S):
        if kind == "toml":
            out.append(("toml", body, []))
            continue
        for line in body.splitlines():
            if line.startswith("$ "):
                out.append(("run", line[2:], []))
            else:
                out[-1][2].append(line)
    return out


def feed_body() -> str:
    published = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "World desk",
            "items": [
                {
                    "id": "port-1",
                    "url": "https://news.example.org/world/port-attack",
                    "title": "Ransomware attack halts Rotterdam terminals",
                    "content_text": PORT_STORY,
                    "date_published": published,
                }
            ],
        }
    )


@responses.activate
def test_the_first_hour_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLM
) -> None:
    # A feed server as most are: it sends an ETag, and answers a request that carries it with
    # 304 Not Modified and no items, which the second `briefer brief` of the walkthrough shows.
    body, etag = feed_body(), '"w1"'

    def serve(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if request.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, ""
        return 200, {"ETag": etag, "Content-Type": "application/feed+json"}, body

    responses.add_callback(responses.GET, FEED, callback=serve)
    endpoint = fake_llm.base_url.split("//", 1)[1].split("/", 1)[0]
    today = datetime.now().astimezone().date().isoformat()
    runner = CliRunner()
    cwd = tmp_path
    ran = 0
    for kind, command, expected in steps(walkthrough()):
        monkeypatch.chdir(cwd)
        if kind == "toml":
            with open("briefer.toml", "a", encoding="utf-8") as handle:
                handle.write("\n" + command)
            continue
        command = command.replace(README_ENDPOINT, endpoint)
        output: list[str] = []
        for part in (p.strip() for p in command.split("&&")):
            args = shlex.split(part)
            if args[0] == "cd":
                cwd = cwd / args[1]
                monkeypatch.chdir(cwd)
            elif args[0] == "export":
                name, _, value = args[1].partition("=")
                monkeypatch.setenv(name, value)
            elif args[0] == "briefer":
                result = runner.invoke(cli, args[1:])
                if result.exception and not isinstance(result.exception, SystemExit):
                    raise result.exception
                # The transcript interleaves both streams; outcomes belong on stdout.
                outcomes = ("Wrote ", "Nothing new ")
                assert not [
                    line for line in result.stderr.splitlines() if line.startswith(outcomes)
                ]
                output += result.output.splitlines()
            else:
                done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True)
                output += (done.stdout + done.stderr).splitlines()
        shown = [line.replace(README_DATE, today) for line in expected]
        assert output == shown, f"$ {command}"
        ran += 1
    assert ran == 10
    conditional = [c.request.headers.get("If-None-Match") for c in responses.calls]
    assert conditional[:2] == [None, etag], "the second brief asked the feed with its ETag"
    assert os.environ["OPENAI_BASE_URL"] == fake_llm.base_url
    assert fake_llm.requests, "the LLM step reached the server"
    assert (cwd / "welcome.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_no_file_of_the_project_holds_merge_conflict_markers() -> None:
    root = ROOT
    marker = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    suffixes = {".py", ".md", ".toml", ".j2", ".cfg", ".txt", ".json", ""}
    offenders = []
    for folder in ("briefer", "prompts", "templates", "tests", "bench", "seeds", ".ci"):
        for path in (root / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in suffixes
                and "eval/pages" not in path.as_posix()
                and marker.search(path.read_text(encoding="utf-8", errors="replace"))
            ):
                offenders.append(path.relative_to(root).as_posix())
    for name in ("README.md", "Makefile", "pyproject.toml"):
        if marker.search((root / name).read_text(encoding="utf-8")):
            offenders.append(name)
    assert offenders == []
