"""The LLM path keeps the endpoint busy: the first requests go out together (a local server
still settles the mode with one), a refused mode resends only the refused calls, and requests
start while later inputs are still being read. Nothing here is timed: the fake server records
what arrived, and in which order."""

import dataclasses
import hashlib
import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import briefer
from briefer.config import Settings
from briefer.engines.llm import LLMEngine
from briefer.errors import LLMError
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


# ---- the mode settles on what the endpoint answers, whatever order the answers come in ----


def test_a_server_that_takes_the_schema_only_in_the_prompt_settles_and_remembers_it(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path, remote: None
) -> None:
    fake_llm.reject_response_format = True  # HTTP 400 to any response_format
    result = run(settings, stories(tmp_path, 3))
    assert not result.failures
    assert result.engine.structured_output == "prompt (detected)"
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "prompt"
    sent = len(fake_llm.requests)
    (tmp_path / "again").mkdir()
    again = run(settings.with_(use_cache=False), stories(tmp_path / "again", 3))
    assert again.engine.structured_output == "prompt (remembered)"
    assert modes_of(fake_llm)[sent:] == [None] * 3  # no refused request any more


def test_a_local_server_that_takes_the_schema_only_in_the_prompt_then_gets_requests_at_once(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path
) -> None:
    fake_llm.reject_response_format = True
    real = fake_llm._answer
    first_reply_sent = threading.Event()
    two_at_once = threading.Event()

    def answer(path: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float]:
        if request.get("response_format") is None:
            if first_reply_sent.is_set():
                # Hold a reply until a second request is in flight: requests sent one at a
                # time would each wait out the bound (once), and show as one in flight.
                for _ in range(500):
                    if fake_llm.in_flight >= 2 or two_at_once.is_set():
                        break
                    time.sleep(0.01)
                two_at_once.set()
            first_reply_sent.set()
        return real(path, request)

    fake_llm._answer = answer  # type: ignore[method-assign]
    (tmp_path / "local").mkdir()
    result = run(settings, stories(tmp_path / "local", 8))
    assert not result.failures
    assert result.engine.structured_output == "prompt (detected)"
    assert modes_of(fake_llm) == ["json_schema", "json_object"] + [None] * 8
    assert fake_llm.max_in_flight > 1  # once settled, no longer one at a time
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "prompt"


class StdinAfter(io.RawIOBase):
    """An input that arrives only once ``ready`` holds for the server (or after 10 s)."""

    def __init__(self, ready: Callable[[], bool], text: bytes) -> None:
        self.ready, self.text = ready, text

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        for _ in range(1000):
            if self.ready():
                break
            time.sleep(0.01)
        text, self.text = self.text, b""
        return text


def test_one_input_refused_in_every_mode_does_not_downgrade_the_mode_of_the_others(
    fake_llm: FakeLLM,
    settings: Settings,
    tmp_path: Path,
    remote: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first story is refused whatever the mode (too long for the model); the second gets
    # its json_schema reply only once a mode was stored or the late story was sent in
    # json_schema. The late story is read while the first story is tried in json_object.
    files = stories(tmp_path, 2)
    files[0].write_text("Story 0\nThis article is far too long for the model, it says.\n")
    late_arrived, release = threading.Event(), threading.Event()
    real = fake_llm._answer
    real_put_mode = Store.put_mode

    def put_mode(self: Store, endpoint: str, model: str, mode: str) -> None:
        real_put_mode(self, endpoint, model, mode)
        release.set()

    monkeypatch.setattr(Store, "put_mode", put_mode)

    def answer(path: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float]:
        fmt = (request.get("response_format") or {}).get("type")
        text = str(request.get("messages"))
        if "far too long" in text:
            if fmt == "json_object":
                late_arrived.wait(10.0)
            return 400, {"error": {"message": "context length exceeded"}}, {}, 0.0
        if "met again on Tuesday" in text:
            late_arrived.set()
            if fmt == "json_schema":
                release.set()
        elif fmt == "json_schema":
            release.wait(10.0)
        return real(path, request)

    fake_llm._answer = answer  # type: ignore[method-assign]

    def bad_tried_in_json_object() -> bool:
        return any(
            "far too long" in str(r.get("messages"))
            and (r.get("response_format") or {}).get("type") == "json_object"
            for r in list(fake_llm.requests)
        )

    stdin = StdinAfter(
        bad_tried_in_json_object,
        b"Late story\nThe last input says officials met again on Tuesday.\n",
    )
    with Store(settings.cache_path) as store:
        engine = briefer.engines.get_engine(settings, store=store)
        result = briefer.summarize(
            [*files, "-"],
            settings,
            engine=engine,
            store=store,
            stdin=stdin,  # type: ignore[arg-type]
        )
    late = [r for r in fake_llm.requests if "met again on Tuesday" in str(r.get("messages"))]
    assert [(r.get("response_format") or {}).get("type") for r in late] == ["json_schema"]
    assert [f.source for f in result.failures] == [str(files[0])]
    assert "context length exceeded" in result.failures[0].reason
    assert len(result.digests) == 2
    assert result.engine.structured_output == "json_schema (detected)"
    with Store(settings.cache_path) as store:
        assert store.get_mode(fake_llm.base_url, "fake-model") == "json_schema"


# ---- a run that stops sends nothing more ----


def held_then_500(fake: FakeLLM, release: threading.Event) -> None:
    """Every request waits for ``release`` (10 s at most, once), then gets an HTTP 500, which
    a client that went on would retry."""

    def answer(path: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str], float]:
        release.wait(10.0)
        release.set()
        return 500, {"error": {"message": "busy"}}, {}, 0.0

    fake._answer = answer  # type: ignore[method-assign]


def failing_third_input(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    """Reading the third story raises ``error`` once the first two stories' requests are in
    flight."""
    import briefer.sources

    real = briefer.sources.load

    def load(item: Any, *args: Any, **kwargs: Any) -> Any:
        if "story2" in str(item.location):
            for _ in range(1000):
                if fake.in_flight >= 2:
                    break
                time.sleep(0.01)
            raise error
        return real(item, *args, **kwargs)

    monkeypatch.setattr(briefer.sources, "load", load)


def test_an_interrupt_while_reading_reaches_the_caller_without_waiting_for_the_requests(
    fake_llm: FakeLLM,
    settings: Settings,
    tmp_path: Path,
    remote: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    held_then_500(fake_llm, release)
    failing_third_input(fake_llm, monkeypatch, KeyboardInterrupt())
    before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        run(settings, stories(tmp_path, 6))
    assert not release.is_set()  # the two requests in flight were not waited for
    assert len(fake_llm.requests) == 2
    release.set()
    for thread in set(threading.enumerate()) - before:
        thread.join(10.0)
    assert len(fake_llm.requests) == 2  # their HTTP 500 was not retried after the interrupt


def test_an_error_while_reading_sends_no_retry_of_the_requests_in_flight(
    fake_llm: FakeLLM,
    settings: Settings,
    tmp_path: Path,
    remote: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    held_then_500(fake_llm, release)
    failing_third_input(fake_llm, monkeypatch, RuntimeError("the disk went away"))
    with Store(settings.cache_path) as store:
        engine = LLMEngine(settings, store=store, sleep=lambda seconds: None)

        def answer_once_stopped() -> None:
            engine.transport.stopped.wait(10.0)
            release.set()

        threading.Thread(target=answer_once_stopped, daemon=True).start()
        with pytest.raises(RuntimeError, match="the disk went away"):
            briefer.summarize(stories(tmp_path, 6), settings, engine=engine, store=store)
    assert len(fake_llm.requests) == 2  # their HTTP 500 was not retried


def test_after_a_fatal_error_no_further_call_is_sent(
    fake_llm: FakeLLM,
    settings: Settings,
    tmp_path: Path,
    remote: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second story is read only once the first call has raised its error.
    futures: list[Future[Any]] = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = super().submit(fn, *args, **kwargs)
            futures.append(future)
            return future

    monkeypatch.setattr("briefer.engines.llm.ThreadPoolExecutor", Recording)
    import briefer.sources

    real = briefer.sources.load

    def load(item: Any, *args: Any, **kwargs: Any) -> Any:
        if "story1" in str(item.location):
            for _ in range(1000):
                if futures and futures[0].done():
                    break
                time.sleep(0.01)
        return real(item, *args, **kwargs)

    monkeypatch.setattr(briefer.sources, "load", load)
    fake_llm.error(401)
    with pytest.raises(LLMError, match="refused the API key"):
        run(settings, stories(tmp_path, 3))
    assert len(futures) == 1  # the second story's call was not even handed to a thread
    assert len(fake_llm.requests) == 1


def test_a_run_with_nothing_readable_reports_the_inputs_without_starting_the_engine(
    fake_llm: FakeLLM, settings: Settings, tmp_path: Path
) -> None:
    # With batch_export set, starting the engine's analysis would be a ConfigError.
    missing, requests_file = tmp_path / "missing.txt", tmp_path / "requests.jsonl"
    result = run(settings.with_(batch_export=requests_file), [missing])
    assert [f.source for f in result.failures] == [str(missing)]
    assert not result.digests
    assert not fake_llm.requests and not requests_file.exists()
