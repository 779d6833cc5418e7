"""Each setting is declared once (briefer/declarations.py) and reaches the command line, the
config file, the environment, the example briefer.toml and the README's table."""

from __future__ import annotations

import ast
import dataclasses
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from briefer.cli import cli
from briefer.cli.options import take_settings
from briefer.config import (
    BriefConfig,
    FetchLimits,
    Settings,
)
from briefer.configfile import SECTIONS, parse_file, read_brief_config, read_config_file, resolve
from briefer.declarations import (
    BY_NAME,
    FETCH,
    SETTINGS,
    Setting,
    check_names,
    flag_for,
    markdown_table,
    with_table,
)
from briefer.errors import ConfigError

from .conftest import ROOT

EXAMPLE = ROOT / "briefer" / "data" / "briefer.example.toml"


def command(*path: str) -> click.Command:
    found: click.Command = cli
    for name in path:
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


def other_value(s: Setting) -> Any:
    """A valid value that is not the default, as TOML and as the setting's value."""
    if s.kind == "bool":
        return not s.default
    if s.kind == "choice":
        return next(c for c in s.choices if c != s.default)
    if s.kind == "choices":
        return ("pdf",)
    if s.kind == "int":
        return s.default + 1 if isinstance(s.default, int) else int(s.low or 0) + 1
    if s.kind == "float":
        return 0.25 if s.high is not None else 7.5
    if s.kind == "words":
        return ("Iran",)
    if s.kind == "str":
        return "de"
    return None  # paths: checked separately


def toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return str(value)


def test_a_renamed_field_fails_the_name_check() -> None:
    check_names(Settings, BriefConfig)
    renamed = dataclasses.make_dataclass(
        "Settings",
        [
            (f.name if f.name != "request_timeout" else "timeout", Any)
            for f in dataclasses.fields(Settings)
        ],
    )
    with pytest.raises(TypeError, match=r"undeclared \['timeout'\], unknown \['request_timeout'\]"):
        check_names(renamed, BriefConfig)


def test_defaults_are_the_dataclasses_defaults() -> None:
    assert BY_NAME["max_tokens"].default == Settings().max_tokens == 2000
    assert BY_NAME["near_duplicate"].default == BriefConfig().near_duplicate == 0.8
    for s in SETTINGS:
        owner = BriefConfig() if s.target == "brief" else Settings()
        if s.name == "prices":  # a table of its own: no model has a price unless given one
            assert owner.prices == {} and s.default is None  # type: ignore[union-attr]
            continue
        assert getattr(owner, s.name) == s.default, s.name


def named(s: Setting) -> str:
    return s.name


def in_file(s: Setting) -> str:
    """The setting's value in TOML: not its default (a path: "p")."""
    value = other_value(s)
    return '["p"]' if s.kind == "files" else toml(value) if value is not None else '"p"'


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.flags and not s.hand_written], ids=named)
def test_every_flag_reaches_its_setting(s: Setting, tmp_path: Path) -> None:
    """The flag parses into the setting of the same name, and resolve() puts it in Settings."""
    value = other_value(s)
    if s.kind in ("file", "files"):
        (tmp_path / "x").write_text("")
        value = tmp_path / "x"
    elif s.kind == "dir":
        value = tmp_path
    argv = [s.flags[-1]] if s.kind == "bool" else [s.flags[-1], toml(value).strip('"[]')]
    if s.name == "replace_rules":  # which needs a rules file
        (tmp_path / "rules.toml").write_text("")
        argv += ["--rules", str(tmp_path / "rules.toml")]
    target = ("brief",) if s.target == "brief" else ("summarize",)
    commands = [target] if s.target == "brief" else [("summarize",), ("brief",)]
    for path in commands:
        ctx = command(*path).make_context(path[-1], [*argv, "x.txt"])
        given = take_settings(ctx.params, s.target)
        if s.target == "settings":
            settings = resolve(given)
            got = getattr(settings, s.name)
        else:
            got = given[s.name]
        expected = (value,) if s.kind == "files" else value
        assert got == expected, (path, s.name)


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.section in SECTIONS], ids=named)
def test_every_file_key_reaches_its_setting(s: Setting, tmp_path: Path) -> None:
    value = other_value(s)
    path = tmp_path / "briefer.toml"
    path.write_text(f"[{s.section}]\n{s.name} = {in_file(s)}\n")
    values = read_config_file(path) if s.target == "settings" else None
    got = values[s.name] if values is not None else getattr(read_brief_config(path), s.name)
    if s.kind in ("file", "dir"):
        assert got == tmp_path / "p"  # relative to the file's folder
    elif s.kind == "files":
        assert got == (tmp_path / "p",)
    else:
        assert got == value


@pytest.mark.parametrize(
    "s",
    [s for s in SETTINGS if s.kind in ("int", "float") and s.low is not None],
    ids=named,
)
def test_the_flag_the_file_and_the_library_refuse_the_same_values(
    s: Setting, tmp_path: Path
) -> None:
    assert s.low is not None  # the parameters are the settings with a lower bound
    below = s.low if s.low_open else (s.low - 1 if s.kind == "int" else s.low - 0.001)
    shown = str(int(below)) if s.kind == "int" else repr(below)
    if s.section in SECTIONS:
        path = tmp_path / "briefer.toml"
        path.write_text(f"[{s.section}]\n{s.name} = {shown}\n")
        with pytest.raises(ConfigError, match=s.name):
            parse_file(path)
    if s.flags:
        cmd = command("brief" if s.target == "brief" else "summarize")
        with pytest.raises(click.BadParameter):
            cmd.make_context("x", [s.flags[-1], shown, "x.txt"])
    owner: Callable[..., object] = BriefConfig if s.target == "brief" else Settings
    with pytest.raises(ConfigError, match=f"^{s.name} must be "):
        owner(**{s.name: below})
    edge = s.low if not s.low_open else s.low + 0.5
    overlap = {"overlap": 0} if s.name == "max_tokens" else {}  # at most half of max_tokens
    owner(**{s.name: edge}, **overlap)  # the edge of the range: accepted


def test_the_price_flags_reach_the_prices_of_the_model(tmp_path: Path) -> None:
    """--input-price and --output-price, written by hand, set [prices] for --model."""
    result = CliRunner().invoke(
        cli,
        [
            "summarize",
            str(ROOT / "seeds"),
            "--engine",
            "openai",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "--input-price",
            "0.5",
            "--output-price",
            "2",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "at most $" in result.stdout  # a cost bound: the model has a price
    for name in ("summarize", "brief"):
        flags = {o for p in command(name).params for o in p.opts}
        assert set(BY_NAME["prices"].flags) <= flags


def test_every_variable_reaches_its_setting(tmp_path: Path) -> None:
    declared = [s for s in SETTINGS if s.env]
    assert {s.env for s in declared} == {
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "BRIEFER_ENGINE",
        "BRIEFER_MODEL",
        "BRIEFER_CACHE",
    }
    for s in declared:
        value = "openai" if s.kind == "choice" else "x"
        assert s.env is not None
        got = getattr(resolve({}, env={s.env: value}), s.name)
        assert got == (Path(value) if s.kind == "file" else value), s.name


def example_keys() -> set[tuple[str, str]]:
    """(section, key) of every key the example file shows, commented out or not."""
    keys: set[tuple[str, str]] = set()
    section = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"^#\s?", "", line)
        if header := re.match(r"\[+([\w.\"-]+)\]+", line):
            section = header.group(1).split(".")[0]
        elif key := re.match(r"(\w+)\s*=", line):
            keys.add((section, key.group(1)))
    return keys


def test_the_example_config_shows_every_key_and_reads_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shown = example_keys()
    for s in SETTINGS:
        if s.section in SECTIONS:
            assert (s.section, s.name) in shown, s.name
    copy = tmp_path / "briefer.toml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"))
    with caplog.at_level(logging.WARNING):
        read_config_file(copy)
        read_brief_config(copy)
    assert caplog.records == []


def test_the_readme_table_is_the_declarations() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_table(readme) == readme, "run: make settings-table"
    for s in SETTINGS:
        assert f"`{s.name}`" in markdown_table()


def test_the_readme_config_uses_current_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### briefer.toml\n", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    path = tmp_path / "briefer.toml"
    path.write_text(block.group(1))
    with caplog.at_level(logging.WARNING):
        read_config_file(path)
    assert caplog.records == []


@pytest.mark.parametrize("s", [s for s in SETTINGS if s.old_key], ids=named)
def test_an_old_key_still_works_with_a_deprecation_note(
    s: Setting, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    value = other_value(s)
    path = tmp_path / "briefer.toml"
    path.write_text(f"[{s.section}]\n{s.old_key} = {in_file(s)}\n")
    with caplog.at_level(logging.WARNING):
        got = read_config_file(path)[s.name]
    assert got == (value if value is not None else tmp_path / "p")
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}, line 2: [{s.section}] {s.old_key} is deprecated; write {s.name} = … "
        "(the old name still works for now)"
    ]
    path.write_text(f"[{s.section}]\n{s.old_key} = {in_file(s)}\n{s.name} = {in_file(s)}\n")
    with pytest.raises(ConfigError, match=f"has both {s.old_key} .* keep {s.name}"):
        read_config_file(path)


def test_flag_for_names_the_flag_of_a_setting() -> None:
    assert flag_for("max_tokens") == "--max-tokens"
    assert flag_for("request_timeout") == "--timeout"
    assert flag_for("max_key_points") == "--max-key-points"
    assert flag_for("connect_timeout") is None


def test_help_is_grouped_by_concern_most_used_first() -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["summarize", "--help"]).stdout
    headings = re.findall(r"^(\w[\w ]*) options:$", text, re.M)
    assert headings == [
        "Output",
        "Engine",
        "Findings",
        "Cost",
        "Batch",
        "LLM requests",
        "Fetch",
        "Chunking",
        "Cache",
        "Other",  # --help
    ]
    engine = text.split("Engine options:")[1].split("Findings options:")[0]
    assert "--base-url" in engine and "--max-tokens" not in engine
    brief = runner.invoke(cli, ["brief", "--help"]).stdout
    assert re.findall(r"^(\w[\w ]*) options:$", brief, re.M)[:3] == ["Brief", "Run", "Engine"]


@pytest.mark.parametrize("name", ["status", "cancel"])
def test_batch_commands_take_only_what_they_use(name: str) -> None:
    params = {p.name for p in command("batch", name).params if isinstance(p, click.Option)}
    assert params == {
        "base_url",
        "api_key",
        "model",
        "request_timeout",
        "max_retries",
        "cache_path",
    }


def test_fetching_gets_the_fetch_settings_only() -> None:
    """Sources, fetch, feeds and collect see FetchLimits: the settings of the Fetch concern."""
    limits = {f.name: f.default for f in dataclasses.fields(FetchLimits)}
    assert set(limits) == {s.name for s in SETTINGS if s.concern == FETCH}
    assert limits == {name: BY_NAME[name].default for name in limits}
    assert Settings(max_bytes=5, allow_private=True).fetch_limits == FetchLimits(
        max_bytes=5, allow_private=True
    )
    for module in ("sources", "fetch", "feeds", "collect"):
        tree = ast.parse((ROOT / "briefer" / f"{module}.py").read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert "Settings" not in imported, module
