"""Regression tests for issue 12: slow servers, special files, symlink loops, the output lock,
credentials in --base-url, and the time window."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.errors import SourceError
from briefer.fetch import fetch

from .trickle import TrickleServer

DEADLINE = 1.5


@pytest.fixture
def trickle():
    server = TrickleServer(interval=0.2).start()
    yield server
    server.stop()


# ---- a total deadline per download ------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_trickling_server_is_abandoned_at_the_deadline(trickle, path):
    # Each byte arrives well within the 30 s read timeout: only a total deadline can end it.
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"did not finish within 1.5 s") as err:
        fetch(trickle.url + path, allow_private=True, deadline=DEADLINE)
    assert time.monotonic() - started < DEADLINE + 1.5
    assert err.value.source == trickle.url + path


def test_a_quick_page_is_unaffected_by_the_deadline(trickle):
    download = fetch(trickle.url + "/page", allow_private=True, deadline=DEADLINE)
    assert download.content.startswith(b"Quick news")


def test_summarize_with_a_trickling_url_fails_it_in_one_line_and_keeps_the_others(
    trickle, tmp_path
):
    local = tmp_path / "local.txt"
    local.write_text("Local news\nOfficials said the bridge closed on Friday for repairs.\n")
    args = [
        "summarize",
        trickle.url + "/slow-body",
        trickle.url + "/page",
        str(local),
        "--allow-private",
        "--fetch-timeout",
        str(DEADLINE),
        "--format",
        "json",
    ]
    started = time.monotonic()
    result = CliRunner().invoke(cli, args)
    assert time.monotonic() - started < DEADLINE + 10  # 10 s of slack for a loaded machine
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "/slow-body" in line]
    assert len(errors) == 1 and "did not finish within 1.5 s" in errors[0]
    data = json.loads(result.stdout)
    sources = {a["article"]["source"] for a in data["articles"]}
    assert sources == {trickle.url + "/page", str(local)}
