"""The LLM path keeps the endpoint busy: the first requests go out together (a local server
still settles the mode with one), a refused mode resends only the refused calls, and requests
start while later inputs are still being read. Nothing here is timed: the fake server records
what arrived, and in which order."""

import dataclasses
import hashlib
import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import briefer
from briefer.config import Settings
from briefer.store import Store

from .fake_llm import FakeLLM, article_body, findings_for
from .test_llm_engine import run


@pytest.fixture
def settings(fake_llm: FakeLLM, tmp_path: Path) -> Settings:
    return Settings(
        base_url=fake_llm.base_url,
        model="fake-model",
        cache_path=tmp_path / "cache.db",
        retry_base_delay=0.01,
        max_retry_wait=1.0,
        request_timeout=20.0,
        concurrency=4,
    )


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake server on 127.0.0.1 stands for a remote endpoint (not a local model server)."""
    monkeypatch.setattr("briefer.engines.transport.is_local", lambda url: False)


def stories(tmp_path: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        files.append(tmp_path / f"story{i}.txt")
        files[-1].write_text(f"Story {i}\nOfficials in town number {i} met on Monday.\n")
    return files


def starts_before_first_reply(fake: FakeLLM) -> int:
    kinds = [kind for kind, _ in sorted(fake.events, key=lambda e: e[1]) if kind != "models"]
    return kinds.index("end")


def modes_of(fake: FakeLLM) -> list[str | None]:
    return [(r.get("response_format") or {}).get("type") for r in fake.requests]


def test_the_first_requests_go_out_together_to_a_remote_endpoint(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    fake_llm.hold_until_in_flight = 4  # replies wait until four requests are in flight
    result = run(settings, stories(tmp_path, 6))
    assert not result.failures and len(result.digests) == 6
    assert fake_llm.max_in_flight == 4
    assert starts_before_first_reply(fake_llm) == 4
    assert modes_of(fake_llm) == ["json_schema"] * 6
    assert result.engine.structured_output == "json_schema (detected)"
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "json_schema"


def test_a_local_endpoint_still_settles_the_mode_with_one_request(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path
) -> None:
    fake_llm.reject_modes = {"json_schema"}
    result = run(settings, stories(tmp_path, 6))
    assert not result.failures
    # One request, and its answer, before any other is sent: then four at a time.
    assert starts_before_first_reply(fake_llm) == 1
    assert modes_of(fake_llm) == ["json_schema"] + ["json_object"] * 6
    assert result.engine.structured_output == "json_object (detected)"


def test_a_refused_mode_resends_only_the_refused_calls_in_the_next_mode(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    fake_llm.reject_modes = {"json_schema"}  # a definitive no: HTTP 400
    fake_llm.hold_until_in_flight = 4
    result = run(settings, stories(tmp_path, 6))
    assert not result.failures and len(result.digests) == 6
    modes = modes_of(fake_llm)
    # The first wave of four is refused; each of those four is sent once more, in json_object,
    # and the two calls sent after the refusal go straight to json_object.
    assert modes[:4] == ["json_schema"] * 4
    assert modes.count("json_schema") == 4 and modes.count("json_object") == 6
    sent = [article_body(r["messages"][-1]["content"]) for r in fake_llm.requests]
    assert sorted(sent[4:]) == sorted(set(sent))  # every article once in the settled mode
    assert result.engine.structured_output == "json_object (detected)"
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "json_object"


def test_a_remembered_mode_goes_out_with_the_first_wave(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    with Store(settings.cache_path) as store:
        store.put_mode(fake_llm.base_url, "fake-model", "json_object")
    fake_llm.hold_until_in_flight = 4
    result = run(settings, stories(tmp_path, 5))
    assert starts_before_first_reply(fake_llm) == 4
    assert modes_of(fake_llm) == ["json_object"] * 5
    assert result.engine.structured_output == "json_object (remembered)"


def test_a_remembered_mode_refused_by_the_first_wave_is_forgotten_and_detected_again(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    with Store(settings.cache_path) as store:
        store.put_mode(fake_llm.base_url, "fake-model", "json_object")
    fake_llm.reject_modes = {"json_object"}
    fake_llm.hold_until_in_flight = 4
    result = run(settings, stories(tmp_path, 4))
    assert not result.failures
    assert modes_of(fake_llm) == ["json_object"] * 4 + ["json_schema"] * 4
    assert result.engine.structured_output == "json_schema (detected)"
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "json_schema"


def test_a_call_refused_while_others_succeed_in_that_mode_fails_alone(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    # One article the server rejects whatever the mode (as one too long for the model would
    # be): the others settle json_schema, and only that article fails.
    files = stories(tmp_path, 4)
    files[2].write_text("Story 2\nThis article is far too long for the model, it says.\n")
    fake_llm.hold_until_in_flight = 4  # all four are sent in json_schema before any reply
    real = fake_llm._answer

    def too_long(path: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float]:
        if "far too long" in str(request.get("messages")):
            return 400, {"error": {"message": "context length exceeded"}}, {}, 0.0
        return real(path, request)

    fake_llm._answer = too_long  # type: ignore[method-assign]
    result = run(settings, files)
    assert [f.source for f in result.failures] == [str(files[2])]
    assert "context length exceeded" in result.failures[0].reason
    assert len(result.digests) == 3
    assert result.engine.structured_output == "json_schema (detected)"


class SlowStdin(io.RawIOBase):
    """An input that arrives only after the server got a request (or after 10 s)."""

    def __init__(self, fake: FakeLLM) -> None:
        self.fake = fake
        self.requests_seen_before_read: int | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        for _ in range(1000):
            if self.fake.requests:
                break
            time.sleep(0.01)
        self.requests_seen_before_read = len(self.fake.requests)
        return b"Late story\nThe last input says officials met again on Tuesday.\n"


def test_requests_start_before_the_last_input_is_read(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    stdin = SlowStdin(fake_llm)
    engine = briefer.engines.get_engine(settings)
    result = briefer.summarize(
        [*stories(tmp_path, 2), "-"],
        settings,
        engine=engine,
        stdin=stdin,  # type: ignore[arg-type]
    )
    assert stdin.requests_seen_before_read  # the first stories were sent while it was awaited
    assert [d.article.source for d in result.digests] == [
        str(tmp_path / "story0.txt"),
        str(tmp_path / "story1.txt"),
        "<stdin>",
    ]


def test_results_keep_the_inputs_order_whatever_order_the_replies_come_in(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    def scrambled(request: dict[str, Any]) -> dict[str, Any]:
        body = article_body(request["messages"][-1]["content"])
        time.sleep(hashlib.sha256(body.encode()).digest()[0] / 2550)  # up to 0.1 s, by text
        return findings_for(body)

    fake_llm.responder = scrambled
    files = stories(tmp_path, 12)
    unreadable = tmp_path / "missing.txt"
    first = run(settings.with_(use_cache=False), [*files[:5], unreadable, *files[5:]])
    again = settings.with_(use_cache=False, cache_path=tmp_path / "again.db")  # detects again
    second = run(again, [*files[:5], unreadable, *files[5:]])
    assert [d.article.source for d in first.digests] == [str(f) for f in files]
    assert [f.source for f in first.failures] == [str(unreadable)]
    second = dataclasses.replace(second, generated_at=first.generated_at)
    assert briefer.render(first, "md") == briefer.render(second, "md")


def test_progress_counts_up_to_a_fixed_total_once_it_is_known(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    seen: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def progress(done: int, total: int, stage: str) -> None:
        with lock:
            seen.append((done, total, stage))

    engine = briefer.engines.get_engine(settings.with_(use_cache=False))
    briefer.summarize(stories(tmp_path, 9), settings, engine=engine, progress=progress)
    assert seen and {total for _, total, _ in seen} == {9}
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][:2] == (9, 9) and {stage for _, _, stage in seen} == {"Summarizing"}
