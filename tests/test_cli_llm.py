"""The command line with the LLM engine, config file and prompts commands."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefer.cli import cli

from .conftest import SEED
from .fake_llm import FakeLLM

SECRET = "sk-cli-secret-71c3e0d9a8"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cache(tmp_path: Path) -> str:
    return str(tmp_path / "cache.db")


def test_summarize_against_an_openai_compatible_server(
    runner: CliRunner, fake_llm: FakeLLM, cache: str
) -> None:
    result = runner.invoke(
        cli,
        ["summarize", str(SEED), "--base-url", fake_llm.base_url, "--model", "m", "--cache", cache],
    )
    assert result.exit_code == 0, result.stderr
    assert "with the **openai** engine (model m)" in result.stdout
    assert "> Russia and Iran are expected to sign" in result.stdout
    assert "cost $0.0000" in result.stdout  # a server on 127.0.0.1 costs nothing per token
    assert fake_llm.requests[0]["model"] == "m"


def test_environment_selects_the_llm_engine(
    runner: CliRunner, fake_llm: FakeLLM, cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("BRIEFER_MODEL", "env-model")
    result = runner.invoke(cli, ["summarize", str(SEED), "-f", "json", "--cache", cache])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"]["name"] == "openai" and data["engine"]["model"] == "env-model"
    # The flag wins over the environment.
    result = runner.invoke(cli, ["summarize", str(SEED), "--engine", "extractive", "-f", "json"])
    assert json.loads(result.stdout)["engine"]["name"] == "extractive"


def test_config_file_sets_endpoint_model_and_prices_and_flags_win(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text(
        f"""
[engine]
base_url = "{fake_llm.base_url}"
model = "file-model"
concurrency = 2

[cache]
path = "state/cache.db"

[prices."file-model"]
input = 1000.0
output = 1000.0
"""
    )
    result = runner.invoke(cli, ["--config", str(config), "summarize", str(SEED), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"]["model"] == "file-model"
    assert data["usage"]["cost"] == pytest.approx((100 + 20) * 1000.0 / 1e6)
    assert (tmp_path / "state" / "cache.db").exists()
    result = runner.invoke(
        cli,
        ["--config", str(config), "summarize", str(SEED), "-f", "json", "--model", "flag-model"],
    )
    assert json.loads(result.stdout)["engine"]["model"] == "flag-model"


@pytest.mark.parametrize(
    "content,message",
    [
        (
            "[engine]\nmodle = 'x'\n",
            'line 2: unknown key "modle" in [engine]; did you mean "model"?',
        ),
        (
            "[engine]\nconcurrency = 0\n",
            "line 2: concurrency = 0 in [engine]: input should be greater than or equal to 1.",
        ),
        ("[engine]\napi_key = 'sk-1'\n", "api_key does not belong in a config file"),
        ("[engine\n", "not valid TOML"),
    ],
)
def test_bad_config_file_is_one_clear_error(
    runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text(content)
    result = runner.invoke(cli, ["--config", str(config), "summarize", str(SEED)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {config}")
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_dry_run_prints_calls_tokens_and_cost_without_calling(
    runner: CliRunner, fake_llm: FakeLLM, cache: str
) -> None:
    result = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "--base-url",
            fake_llm.base_url,
            "--model",
            "m",
            "--cache",
            cache,
            "--dry-run",
            "--input-price",
            "2.5",
            "--output-price",
            "10",
            "--max-tokens",
            "200",
            "--overlap",
            "0",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert fake_llm.requests == []
    lines = result.stdout.splitlines()
    assert lines[0] == f"Engine openai: model m at {fake_llm.base_url}"
    calls = [ln for ln in lines if "chunk " in ln]
    assert len(calls) >= 3 and all("(would send)" in ln for ln in calls)
    assert "up to 2000 output tokens, at most $0.0" in calls[0]
    assert lines[-1].startswith(f"Total: {len(calls)} call(s) to send, 0 cached; ")


def test_dry_run_shows_cached_chunks(runner: CliRunner, fake_llm: FakeLLM, cache: str) -> None:
    args = [
        "summarize",
        str(SEED),
        "--base-url",
        fake_llm.base_url,
        "--model",
        "m",
        "--cache",
        cache,
    ]
    assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, [*args, "--dry-run"])
    assert "(cached, not sent)" in result.stdout
    assert "Total: 0 call(s) to send, 1 cached" in result.stdout


def test_max_cost_needs_a_price(runner: CliRunner, fake_llm: FakeLLM, cache: str) -> None:
    result = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "--api-key",
            "k",
            "--model",
            "gpt-x",
            "--max-cost",
            "1",
            "--cache",
            cache,
        ],
    )
    assert result.exit_code == 1
    assert "--max-cost needs a price for model 'gpt-x'" in result.stderr


def test_the_api_key_is_never_printed_logged_or_stored(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.db"
    out = tmp_path / "out.json"
    base = [
        "--debug",
        "summarize",
        str(SEED),
        "--base-url",
        fake_llm.base_url,
        "--api-key",
        SECRET,
        "--cache",
        str(cache),
    ]
    runs = [
        runner.invoke(cli, [*base, "-f", "json", "-o", str(out)]),
        runner.invoke(cli, [*base, "--dry-run"]),
    ]
    fake_llm.error(401)
    runs.append(runner.invoke(cli, [*base, "--no-cache", "--structured-output", "json_schema"]))
    assert fake_llm.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"
    for result in runs:
        assert SECRET not in result.stdout and SECRET not in result.stderr
        assert SECRET not in repr(result.exception)
    assert SECRET not in out.read_text()
    for path in tmp_path.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path


def test_prompts_list_and_show(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["prompts", "list"])
    assert result.exit_code == 0
    names = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert names == ["brief_synthesis", "chunk_findings", "consolidate_findings"]
    shown = runner.invoke(cli, ["prompts", "show", "chunk_findings"])
    assert shown.exit_code == 0 and shown.stdout.startswith("---\nname: chunk_findings\n")
    missing = runner.invoke(cli, ["prompts", "show", "nope"])
    assert missing.exit_code == 1
    assert (
        missing.stderr
        == "Error: no prompt named 'nope'; `briefer prompts list` shows the prompts\n"
    )


def test_prompts_can_be_overridden_from_a_folder(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path, cache: str
) -> None:
    mine = tmp_path / "prompts"
    mine.mkdir()
    (mine / "custom.md").write_text(
        "---\nname: chunk_findings\nversion: 7-local\nschema: chunk_findings\n---\n"
        "Be brief. At most {{ max_key_points }} points.\n\n# INPUT\n\nDate {{ run_date }}\n"
    )
    listed = runner.invoke(cli, ["prompts", "list", "--prompts", str(mine)])
    assert f"chunk_findings\t7-local\t{mine / 'custom.md'}\t" in listed.stdout
    result = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "--base-url",
            fake_llm.base_url,
            "--prompts",
            str(mine),
            "--cache",
            cache,
            "-n",
            "3",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert fake_llm.requests[0]["messages"][0]["content"] == "Be brief. At most 3 points.\n"
    assert "prompts chunk_findings@7-local" in result.stdout


def test_a_prompt_with_an_unknown_variable_fails_loudly(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path, cache: str
) -> None:
    mine = tmp_path / "prompts"
    mine.mkdir()
    (mine / "p.md").write_text(
        "---\nname: chunk_findings\nversion: 2\nschema: chunk_findings\n---\n"
        "{{ nonsense }}\n# INPUT\nx\n"
    )
    result = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "--base-url",
            fake_llm.base_url,
            "--prompts",
            str(mine),
            "--cache",
            cache,
        ],
    )
    assert result.exit_code == 1
    assert "the system part failed to render: 'nonsense' is undefined" in result.stderr


def test_brief_dry_run_plans_without_sending_writing_or_remembering(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    args = [
        "brief",
        str(SEED),
        "-o",
        str(tmp_path / "b"),
        "--cache",
        str(db),
        "--base-url",
        fake_llm.base_url,
        "--model",
        "m",
    ]
    result = runner.invoke(cli, [*args, "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Engine openai: model m at {fake_llm.base_url}\n")
    assert "Total: 1 call(s) to send, 0 cached" in result.stdout
    assert fake_llm.requests == [] and not (tmp_path / "b").exists()
    # Nothing was marked seen: the real run still has the article.
    real = runner.invoke(cli, args)
    assert real.exit_code == 0 and "1 article(s) in 1 story" in real.stdout


def test_the_structured_output_mode_is_on_stderr_and_no_cache_keeps_it(
    runner: CliRunner, fake_llm: FakeLLM, cache: str
) -> None:
    fake_llm.reject_json_schema = True
    args = ["summarize", str(SEED), "--base-url", fake_llm.base_url, "--model", "m"]
    first = runner.invoke(cli, [*args, "--cache", cache, "--no-cache"])
    assert first.exit_code == 0, first.stderr
    assert "Structured output: json_object (detected)\n" in first.stderr
    assert "structured output json_object (detected)" in first.stdout
    fake_llm.requests.clear()
    second = runner.invoke(cli, [*args, "--cache", cache, "--no-cache"])
    assert "Structured output: json_object (remembered)" in second.stderr
    assert [r["response_format"]["type"] for r in fake_llm.requests] == ["json_object"]
    quiet = runner.invoke(cli, ["--quiet", *args, "--cache", cache, "--no-cache"])
    assert "Structured output" not in quiet.stderr


def test_brief_shows_the_mode_and_language_comes_from_the_config(
    runner: CliRunner, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    config = tmp_path / "briefer.toml"
    config.write_text(
        f'[brief]\nlanguage = "fr"\noutput_dir = "out"\n[engine]\nbase_url = "{fake_llm.base_url}"\n'
        f'model = "m"\n[cache]\npath = "state.db"\n[[source]]\npath = "{SEED}"\n'
    )
    result = runner.invoke(cli, ["--config", str(config), "brief"])
    assert result.exit_code == 0, result.stderr
    assert "Structured output: json_schema (detected)" in result.stderr
    system = fake_llm.requests[0]["messages"][0]["content"]
    assert "in French; `evidence` stays in the" in system
    flagged = runner.invoke(
        cli,
        [
            "summarize",
            str(SEED),
            "--base-url",
            fake_llm.base_url,
            "--language",
            "de",
            "--cache",
            str(tmp_path / "c.db"),
        ],
    )
    assert flagged.exit_code == 0
    assert "in German; `evidence`" in fake_llm.requests[-1]["messages"][0]["content"]
