"""Batch mode against the tests' server on 127.0.0.1, extended with /v1/files and /v1/batches."""

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

import briefer
from briefer.cli import cli
from briefer.config import Settings
from briefer.engines.llm import LLMEngine
from briefer.errors import ConfigError, LLMError
from briefer.models import SummaryRun
from briefer.store import Store

from .fake_llm import FakeLLM
from .test_faults import articles


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    return articles(tmp_path / "in", 4)


@pytest.fixture
def settings(fake_llm: FakeLLM, tmp_path: Path) -> Settings:
    return Settings(
        base_url=fake_llm.base_url,
        model="m",
        cache_path=tmp_path / "s.db",
        batch=True,
        batch_poll_interval=0.01,
        retry_base_delay=0.01,
    )


def run(
    settings: Settings, sources: Iterable[Path], sleep: Callable[[float], None] | None = None
) -> SummaryRun:
    with Store(settings.cache_path) as store:
        engine = LLMEngine(settings, store=store, sleep=sleep or (lambda s: None))
        return briefer.summarize([str(s) for s in sources], settings, engine=engine, store=store)


def test_full_batch_round_trip(fake_llm: FakeLLM, settings: Settings, inputs: list[Path]) -> None:
    result = run(settings, inputs)
    assert not result.failures and len(result.digests) == 4
    assert fake_llm.requests == []  # nothing went through interactive chat completions
    [(batch_id, batch)] = fake_llm.batches.items()
    lines = [json.loads(line) for line in fake_llm.files[batch["input"]].decode().splitlines()]
    assert len(lines) == 4
    first = lines[0]
    assert first["method"] == "POST" and first["url"] == "/v1/chat/completions"
    assert first["custom_id"].startswith("a") and "-c0-" in first["custom_id"]
    assert (
        first["body"]["model"] == "m" and first["body"]["response_format"]["type"] == "json_schema"
    )
    assert first["body"]["messages"][0]["role"] == "system"
    assert all(p.verified for d in result.digests for p in d.key_points)
    assert result.usage.prompt_tokens == 400 and result.usage.calls == 0
    with Store(settings.cache_path) as store:
        assert store.count_replies() == 4
        assert [b["status"] for b in store.batches()] == ["completed"]
    # Everything is cached now: a second run submits no batch.
    again = run(settings, inputs)
    assert len(fake_llm.batches) == 1 and again.usage.cached == 4


def test_failed_batch_lines_are_retried_interactively(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path]
) -> None:
    fake_llm.batch_line_error = lambda record: "Report 2 " in json.dumps(record)
    result = run(settings, inputs)
    assert not result.failures and len(result.digests) == 4
    assert len(fake_llm.requests) == 1  # only the failed line, sent interactively
    assert "Report 2 " in fake_llm.requests[0]["messages"][1]["content"]


def test_invalid_batch_replies_are_not_cached(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path]
) -> None:
    fake_llm.responder = lambda request: {"key_points": [{"text": "no evidence"}], "risks": []}
    result = run(settings.with_(repair_retries=0, max_retries=0), inputs)
    assert len(result.failures) == 4 and result.digests == ()
    with Store(settings.cache_path) as store:
        assert store.count_replies() == 0


def test_an_interrupted_wait_resumes_the_same_batch(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path]
) -> None:
    fake_llm.batch_polls_in_progress = 3
    with pytest.raises(LLMError, match="is still in_progress after 0 s; run again later"):
        run(settings.with_(batch_max_wait=0), inputs)
    assert len(fake_llm.batches) == 1
    result = run(settings, inputs)
    assert len(fake_llm.batches) == 1  # picked up, not submitted again
    assert not result.failures and len(result.digests) == 4
    submissions = [p for m, p in fake_llm.batch_requests if m == "POST" and p.endswith("/batches")]
    assert len(submissions) == 1


def test_export_then_import_finishes_without_calling(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path], tmp_path: Path
) -> None:
    requests_file = tmp_path / "requests.jsonl"
    exported, _ = briefer.pipeline.export_batch(
        [str(s) for s in inputs], settings.with_(batch=False, batch_export=requests_file)
    )
    assert exported is not None
    assert exported.count == 4 and "vllm run-batch -i" in exported.message
    lines = [json.loads(line) for line in requests_file.read_text().splitlines()]
    assert len(lines) == 4
    # What `vllm run-batch` (or the OpenAI Batch API) writes back, made here by the fake model.
    results = []
    for line in lines[:3]:
        status, body, _, _ = fake_llm._answer("/v1/chat/completions", line["body"])
        results.append(
            {
                "id": "x",
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "body": body},
                "error": None,
            }
        )
    results_file = tmp_path / "results.jsonl"
    results_file.write_text("".join(json.dumps(r) + "\n" for r in results))
    imported = run(settings.with_(batch=False, batch_import=results_file), inputs)
    assert fake_llm.requests == [] and fake_llm.batches == {}
    assert len(imported.digests) == 3
    [failure] = imported.failures  # the line missing from the results is reported, not sent
    assert "no result for this request in the batch output" in failure.reason


def test_cli_export_status_and_cancel(
    fake_llm: FakeLLM, tmp_path: Path, inputs: list[Path]
) -> None:
    runner = CliRunner()
    flags = ["--base-url", fake_llm.base_url, "--model", "m", "--cache", str(tmp_path / "s.db")]
    out = tmp_path / "req.jsonl"
    exported = runner.invoke(
        cli, ["summarize", str(tmp_path / "in"), "--batch-export", str(out), *flags]
    )
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout.startswith(f"Wrote 4 batch request(s) to {out}")
    fake_llm.batch_polls_in_progress = 100
    waited = runner.invoke(
        cli,
        [
            "brief",
            str(tmp_path / "in"),
            "-o",
            str(tmp_path / "b"),
            "--batch",
            "--batch-poll",
            "0.01",
            "--batch-wait",
            "0.05",
            *flags,
        ],
    )
    assert waited.exit_code == 1 and "run again later to pick it up" in waited.stderr
    status = runner.invoke(cli, ["batch", "status", *flags])
    assert status.exit_code == 0 and status.stdout.startswith("batch_1\tin_progress, 0/4 done")
    cancelled = runner.invoke(cli, ["batch", "cancel", "batch_1", *flags])
    assert cancelled.stdout == "batch_1: cancelled\n"


def test_batch_settings_come_from_the_config_file(tmp_path: Path) -> None:
    from briefer.configfile import read_config_file

    config = tmp_path / "briefer.toml"
    config.write_text(
        "[engine]\nbatch = true\nbatch_poll = 5\nbatch_wait = 60\nbatch_price_factor = 0.5\n"
    )
    values = read_config_file(config)
    assert values["batch"] is True and values["batch_poll_interval"] == 5
    assert values["batch_max_wait"] == 60 and values["batch_price_factor"] == 0.5


def test_library_messages_name_settings_and_the_cli_shows_flags(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path]
) -> None:
    with pytest.raises(ConfigError) as err:
        run(settings.with_(use_cache=False), inputs)
    assert str(err.value) == "batch mode keeps replies in the store: keep the use_cache setting on"
    flags = ["--base-url", fake_llm.base_url, "--model", "m", "--batch", "--no-cache"]
    result = CliRunner().invoke(cli, ["summarize", str(inputs[0]), *flags])
    assert result.exit_code == 1
    assert result.stderr == "Error: batch mode keeps replies in the store: drop --no-cache\n"


def test_analyzing_with_batch_export_set_refuses_to_send(
    fake_llm: FakeLLM, settings: Settings, inputs: list[Path], tmp_path: Path
) -> None:
    exporting = settings.with_(batch=False, batch_export=tmp_path / "requests.jsonl")
    with pytest.raises(ConfigError, match="writes the requests instead of sending them"):
        run(exporting, inputs)
    assert fake_llm.requests == [] and fake_llm.batches == {}
