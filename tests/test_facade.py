"""The public face: what the command line may import, the engine contract, the errors."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import briefer
import briefer.errors
from briefer.config import Settings
from briefer.engines import Engine, get_engine
from briefer.engines.extractive import ExtractiveEngine
from briefer.engines.llm import LLMEngine

PACKAGE = Path(briefer.__file__).parent
# The settings declarations: click options made from the settings, not a call into the library.
DECLARATIONS = {"options.py"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in a file, nested ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (PACKAGE / "cli").glob("*.py") if p.name not in DECLARATIONS),
    ids=lambda p: p.name,
)
def test_the_cli_imports_only_briefer_and_its_own_modules(path: Path) -> None:
    library = [
        f"{'.' * level}{module}"
        for level, module in _imports(path)
        if level > 1 or (level == 0 and module.startswith("briefer."))
    ]
    assert library == []


def test_the_cli_names_no_private_helper_of_another_cli_module() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert private == [], path.name


def test_every_public_name_resolves_and_every_library_error_is_exported() -> None:
    for name in briefer.__all__:
        assert getattr(briefer, name) is not None, name
    errors = {
        name
        for name, value in vars(briefer.errors).items()
        if inspect.isclass(value) and issubclass(value, briefer.BrieferError)
    }
    assert errors <= set(briefer.__all__)
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                assert not bases & errors, f"{path.name}: {node.name} belongs in errors.py"


def test_importing_briefer_loads_no_llm_stack() -> None:
    code = (
        "import sys, briefer; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openai' "
        "or m.startswith('briefer.engines')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_both_engines_offer_the_whole_contract() -> None:
    members = [name for name in dir(Engine) if not name.startswith("_")]
    assert set(members) == {"info", "plan", "analyze_all", "export", "synthesize"}
    for engine_class in (ExtractiveEngine, LLMEngine):
        for name in members:
            assert hasattr(engine_class, name), (engine_class.__name__, name)


def test_the_extractive_engine_plans_free_calls_and_writes_no_summary(tmp_path: Path) -> None:
    engine = get_engine(Settings())
    article = briefer.Article(id="a", text="Officials met on Monday.", source="a.txt")
    [call] = engine.plan(
        [(article, briefer.chunk_text("Officials met on Monday.", max_tokens=200, overlap=0))]
    )
    assert (call.input_tokens, call.cached, call.cost_bound) == (0, False, 0.0)
    assert (
        engine.synthesize(
            title="t", audience=None, findings={}, valid_stories=set(), summary_items=3
        )
        is None
    )
    with pytest.raises(briefer.ConfigError, match="batch_export"):
        engine.export([], tmp_path / "requests.jsonl")
