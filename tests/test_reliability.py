"""Regression tests for issue 12: slow servers, special files, symlink loops, the output lock,
credentials in --base-url, and the time window."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
import responses
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from briefer.cli import cli
from briefer.config import BriefConfig, FetchLimits, Settings, SourceSpec
from briefer.errors import SourceError
from briefer.fetch import fetch
from briefer.sources import Input, expand, load

from .fake_llm import FakeLLM
from .trickle import TrickleServer

DEADLINE = 1.5


@pytest.fixture
def trickle() -> Iterator[TrickleServer]:
    server = TrickleServer(interval=0.2).start()
    yield server
    server.stop()


# ---- a total deadline per download ------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_trickling_server_is_abandoned_at_the_deadline(trickle: TrickleServer, path: str) -> None:
    # Each byte arrives well within the 30 s read timeout: only a total deadline can end it.
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"did not finish within 1.5 s") as err:
        fetch(trickle.url + path, allow_private=True, deadline=DEADLINE)
    assert time.monotonic() - started < DEADLINE + 1.5
    assert err.value.source == trickle.url + path


def test_a_quick_page_is_unaffected_by_the_deadline(trickle: TrickleServer) -> None:
    download = fetch(trickle.url + "/page", allow_private=True, deadline=DEADLINE)
    assert download.content.startswith(b"Quick news")


def test_summarize_with_a_trickling_url_fails_it_in_one_line_and_keeps_the_others(
    trickle: TrickleServer, tmp_path: Path
) -> None:
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


# ---- only regular files are read ---------------------------------------------------------


T = TypeVar("T")


def within(seconds: float, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``func`` in a thread; fail (instead of hanging the suite) if it blocks."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = func(*args, **kwargs)
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{func.__name__} still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return cast(T, outcome["value"])


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "in" / "zz.txt"
    path.parent.mkdir()
    os.mkfifo(path)
    yield path
    # Release a reader that a regression left blocked on open(), so the thread can end.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_named_directly_is_refused_unread_and_the_others_are_summarized(
    fifo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Port news\nOfficials said drones struck the port on Monday.\n")
    result = within(20, CliRunner().invoke, cli, ["summarize", str(fifo), str(other)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if str(fifo) in line]
    assert (
        len(lines) == 1 and "is a named pipe (FIFO); briefer reads only regular files" in lines[0]
    )
    assert "drones struck the port" in result.stdout


def test_a_fifo_found_in_a_folder_is_skipped_with_a_message(
    fifo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (fifo.parent / "a.txt").write_text("Port news\nOfficials said drones struck the port.\n")
    inputs = within(10, expand, str(fifo.parent))
    assert [Path(i.location).name for i in inputs] == ["a.txt"]
    assert f"{fifo}: skipped: is a named pipe (FIFO)" in caplog.text


def test_the_daily_brief_skips_a_fifo_in_its_source_folder(fifo: Path, tmp_path: Path) -> None:
    from briefer.daily import run_daily

    (fifo.parent / "a.txt").write_text("Port news\nOfficials said drones struck the port.\n")
    config = BriefConfig(
        output_dir=tmp_path / "out",
        formats=("md",),
        sources=(SourceSpec("path", (str(fifo.parent),)),),
    )
    settings = Settings(cache_path=tmp_path / "state.db")
    result = within(30, run_daily, config, settings)
    assert result.status == "ok" and result.stats["articles"] == 1


def test_a_character_device_is_refused_unread() -> None:
    with pytest.raises(SourceError, match="is a character device; briefer reads only regular"):
        within(10, load, Input("/dev/zero", "file", "/dev/zero"), FetchLimits())


def test_a_symlink_loop_is_reported_as_a_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    with pytest.raises(SourceError, match="is a symbolic link loop") as err:
        expand(str(loop))
    assert err.value.source == str(loop)
    with pytest.raises(SourceError, match="is a symbolic link loop"):
        load(Input(str(loop), "file", str(loop)), FetchLimits())
    (tmp_path / "a.txt").write_text("Port news\nOfficials said drones struck the port.\n")
    assert [Path(i.location).name for i in expand(str(tmp_path))] == ["a.txt"]
    assert f"{loop}: skipped: is a symbolic link loop" in caplog.text


def test_a_dangling_symlink_says_so(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing.txt")
    with pytest.raises(SourceError, match="symbolic link to a missing file"):
        expand(str(link))


# ---- the time window -------------------------------------------------------------------


def test_the_window_reaches_window_hours_back_from_now() -> None:
    from briefer.collect import window

    now = datetime(2026, 11, 29, 6, 30, tzinfo=timezone.utc)
    start, end = window(BriefConfig(window_hours=24), now.astimezone().date(), now, None)
    assert start == now - timedelta(hours=24)
    assert end > now  # items dated a little in the future by a skewed clock still count


@responses.activate
def test_items_from_the_last_window_hours_are_gathered_and_older_ones_are_not() -> None:
    from briefer.collect import gather, window

    now = datetime(2026, 11, 29, 6, 30, tzinfo=timezone.utc)
    hours = (1, 12, 20, 23, 25, 30)
    items = "".join(
        f"<item><title>Item {h}</title><link>https://news.example.org/{h}</link>"
        f"<pubDate>{(now - timedelta(hours=h)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>Officials said drones struck port {h}.</description></item>"
        for h in hours
    )
    feed = "https://feeds.example.org/rss.xml"
    responses.get(
        feed,
        body=f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>",
        content_type="application/rss+xml",
    )
    config = BriefConfig(window_hours=24, sources=(SourceSpec("feed", (feed,)),))
    span = window(config, now.astimezone().date(), now, None)
    gathered = gather(config, FetchLimits(), window=span, store=None)
    assert sorted(c.title or "" for c in gathered.candidates) == [
        "Item 1",
        "Item 12",
        "Item 20",
        "Item 23",
    ]
    assert gathered.skipped_window == 2


# ---- credentials in --base-url -----------------------------------------------------------


def test_credentials_in_the_base_url_are_shown_and_stored_nowhere(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Port news\nOfficials said drones struck the port on Monday.\n"
    )
    host = fake_llm.base_url.split("://", 1)[1]
    base_url = f"http://reader:pw-8c1f0e@{host}"
    log = tmp_path / "briefer.log"
    common = ["--base-url", base_url, "--model", "m", "--cache", str(tmp_path / "s.db")]
    runner = CliRunner()
    results = [
        runner.invoke(
            cli,
            ["--debug", "--log-file", str(log), "summarize", str(tmp_path / "in"),
             "--format", "json", *common],
        ),
        runner.invoke(
            cli,
            ["--log-file", str(log), "brief", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
             "--format", "md,json", *common],
        ),
        runner.invoke(cli, ["summarize", str(tmp_path / "in"), "--dry-run", "--no-cache", *common]),
    ]  # fmt: skip
    assert [r.exit_code for r in results] == [0, 0, 0], [r.stderr for r in results]
    data = json.loads(results[0].stdout)
    assert data["engine"]["endpoint"] == fake_llm.base_url.rstrip("/")
    assert data["settings"]["base_url"] == fake_llm.base_url
    assert "DEBUG briefer.engines.transport: POST " in log.read_text()
    for secret in ("pw-8c1f0e", "reader"):
        for result in results:
            assert secret not in result.stdout + result.stderr
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_redact_url_removes_user_info_and_secret_query_values() -> None:
    from briefer.redaction import redact_url

    assert redact_url("https://u:p@host.example:8443/v1") == "https://host.example:8443/v1"
    assert (
        redact_url("https://h.example/f?token=abc&page=2&X-Amz-Signature=zz")
        == "https://h.example/f?token=REDACTED&page=2&X-Amz-Signature=REDACTED"
    )
    assert redact_url("https://h.example/a?q=1") == "https://h.example/a?q=1"


# ---- memory ----------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from(list("ab \n\t\u00a0\u2000e\u0301\u00e9Å")), max_size=60))
def test_article_id_and_word_count_work_in_blocks_with_the_same_result(text: str) -> None:
    import hashlib
    import unicodedata

    import briefer.text as text_module
    from briefer.sources import article_id

    expected = hashlib.sha256(
        " ".join(unicodedata.normalize("NFC", text).split()).encode("utf-8")
    ).hexdigest()
    old = text_module.BLOCK_CHARS
    try:
        for size in (1, 3, 7, old):
            text_module.BLOCK_CHARS = size
            assert article_id(text) == expected
            assert text_module.count_words(text) == len(text.split())
    finally:
        text_module.BLOCK_CHARS = old


def test_no_token_is_longer_than_the_bound_chunking_relies_on() -> None:
    from briefer.chunking import _MAX_TOKEN_BYTES
    from briefer.defaults import TOKENIZERS
    from briefer.tokenizer import get_encoding

    for name in TOKENIZERS:
        assert max(map(len, get_encoding(name).token_byte_values())) <= _MAX_TOKEN_BYTES


def _traced_peak(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Peak bytes allocated by Python while ``func`` runs (deterministic, unlike RSS)."""
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = func(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_reading_and_chunking_a_large_single_line_stays_within_a_few_times_its_size(
    tmp_path: Path,
) -> None:
    from briefer.chunking import chunk_article, chunk_text
    from briefer.language import detect

    # Load the language model and the tokenizer first: their one-off cost is not the input's.
    detect("a sentence long enough to load the language model before measuring")
    chunk_text("warm up", max_tokens=2000)
    sentence = "Officials said drones struck the port and the grid failed again on Monday. "
    path = tmp_path / "line.txt"
    path.write_text(sentence * (2_000_000 // len(sentence)))
    size = path.stat().st_size
    article, peak = _traced_peak(
        load, Input(str(path), "file", str(path)), FetchLimits(max_bytes=100_000_000)
    )
    assert peak < 4 * size, f"reading took {peak / size:.1f}x the input"
    _, peak = _traced_peak(lambda: article.word_count)
    assert peak < size // 2, f"counting words took {peak / size:.1f}x the input"
    chunks, peak = _traced_peak(chunk_article, article, max_tokens=2000, overlap=100)
    assert len(chunks) > 100
    assert peak < 6 * size, f"chunking took {peak / size:.1f}x the input"


def test_every_test_the_readme_cites_for_a_guarantee_exists() -> None:
    import re

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Reliability and security", 1)[1].split("\n## ", 1)[0]
    cited = 0
    for row in section.splitlines():
        module = None
        for ref in re.findall(r"`((?:test_\w+\.py)?(?:::)?…?(?:::)?test_\w+)`", row):
            if ".py::" in ref:
                module, name = ref.split("::")
            else:
                name = ref.split("::")[-1]
            assert module is not None, row
            source = (ROOT / "tests" / module).read_text()
            assert f"def {name}(" in source, f"{module}::{name}"
            cited += 1
    assert cited >= 20


def test_the_fetch_deadline_can_be_set_in_the_config_file(tmp_path: Path) -> None:
    from briefer.configfile import resolve

    config = tmp_path / "briefer.toml"
    config.write_text("[fetch]\ntimeout = 7.5\n")
    assert resolve({}, config_file=config).fetch_timeout == 7.5
    assert resolve({"fetch_timeout": 2.0}, config_file=config).fetch_timeout == 2.0
