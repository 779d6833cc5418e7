"""The module map holds: every module sits in one layer and imports only its own layer or below.

The table is the map ARCHITECTURE.md draws. A new module goes into the layer of its stage; an
import that runs up a layer is either a design mistake or an entry in EXCEPTIONS with its reason.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "briefer"

# Bottom to top, in the direction the data flows. A module may import its own layer and the
# layers below it. Names are relative to ``briefer``; "engines" and "cli" mean the whole folder.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "_version", "errors", "defaults", "files", "configerrors", "resources", "deadline",
            "ratelimit", "lock", "text", "grouping", "language", "stopwords", "segmentation",
            "boilerplate", "pagemeta", "taxonomy",
        ),
    ),
    (
        "values",
        (
            "models", "redaction", "declarations", "config", "configfile", "store", "records",
            "tokenizer", "tokenspans",
        ),
    ),
    ("sources", ("fetch", "feeds", "extract", "markdown_text", "sources", "dedup", "cluster", "chunking")),
    ("findings", ("prompts", "schema", "verify", "support", "rules", "risk_model", "risk_time", "risk", "merge", "grounding")),
    ("engines", ("engines",)),
    ("brief", ("synthesis", "charts", "render", "pdf", "publish", "deliver")),
    ("orchestration", ("pipeline", "collect", "outcome", "outputs", "daily")),
    ("facade", ("__init__",)),
    ("cli", ("cli", "__main__")),
)  # fmt: skip

# Upward imports that are known and owned, each with why it is still there.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("configfile", "deliver"): "the [delivery] section is built into deliver's target values",
}

# Not loaded by ``import briefer``: each waits until a function needs it (start-up time; a
# library user who never renders a PDF never pays for weasyprint). tests/test_imports.py checks
# the command line's own start-up.
NOT_ON_IMPORT = ("openai", "click", "weasyprint", "jinja2", "requests")

# Third-party packages only these layers (or modules) may import.
ONLY_IN = {
    "click": ("cli",),
    "openai": ("engines",),
    "weasyprint": ("pdf",),
    "sqlite3": ("store",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path) -> Iterator[tuple[str, bool]]:
    """(imported name, is it briefer's) for every import of a module, lazy ones included."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "__init__":
        package = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                inner = alias.name.startswith("briefer.") or alias.name == "briefer"
                yield alias.name.removeprefix("briefer").lstrip(".") or "__init__", inner
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            if node.module:
                yield ".".join([*base, node.module]) or "__init__", True
            else:  # from . import a, b: each may be a module
                for alias in node.names:
                    yield ".".join([*base, alias.name]), True
        elif isinstance(node, ast.ImportFrom) and node.module:
            inner = node.module == "briefer" or node.module.startswith("briefer.")
            yield (node.module.removeprefix("briefer").lstrip(".") or "__init__"), inner


def layer_of(name: str) -> int | None:
    """The layer index of a module (or of a name inside a module), or None if undeclared."""
    parts = name.split(".")
    for prefix in (".".join(parts[:i]) for i in range(len(parts), 0, -1)):
        for index, (_, members) in enumerate(LAYERS):
            if prefix in members:
                return index
    return None


def test_every_module_is_in_exactly_one_layer() -> None:
    declared = [m for _, members in LAYERS for m in members]
    assert len(declared) == len(set(declared)), "a module is declared in two layers"
    found = modules()
    undeclared = sorted(m for m in found if layer_of(m) is None)
    assert undeclared == [], f"add these modules to a layer in LAYERS: {undeclared}"
    stale = sorted(m for m in declared if not any(f == m or f.startswith(m + ".") for f in found))
    assert stale == [], f"LAYERS names modules that no longer exist: {stale}"


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for name, path in modules().items():
        mine = layer_of(name)
        for target, inner in imports(name, path):
            theirs = layer_of(target) if inner else None
            if mine is not None and theirs is not None and theirs > mine:
                found.add((name, target))
    return found


def test_imports_only_run_down_the_layers() -> None:
    upward = upward_imports()
    unexplained = sorted(upward - EXCEPTIONS.keys())
    named = [f"{a} -> {b} ({LAYERS[layer_of(a) or 0][0]} -> {LAYERS[layer_of(b) or 0][0]})"
             for a, b in unexplained]  # fmt: skip
    assert named == [], "imports that run up a layer (see ARCHITECTURE.md)"
    gone = sorted(EXCEPTIONS.keys() - upward)
    assert gone == [], f"these exceptions are no longer needed; remove them: {gone}"


def test_nothing_imports_the_command_line() -> None:
    users = sorted(
        name
        for name, path in modules().items()
        if layer_of(name) != layer_of("cli")
        for target, inner in imports(name, path)
        if inner and (target == "cli" or target.startswith("cli."))
    )
    assert users == []


def test_third_party_packages_stay_in_their_layer() -> None:
    misplaced = sorted(
        (name, target)
        for name, path in modules().items()
        for target, inner in imports(name, path)
        if not inner
        and target.split(".")[0] in ONLY_IN
        and not any(
            name == allowed or name.startswith(allowed + ".")
            for allowed in ONLY_IN[target.split(".")[0]]
        )
    )
    assert misplaced == []


def test_the_architecture_document_names_every_module_of_the_map() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w./]+?)(?:\.py|/)?`", text))
    missing = sorted(
        m for _, members in LAYERS for m in members if m not in named and m != "__init__"
    )
    assert missing == [], f"ARCHITECTURE.md does not mention: {missing}"
    for title, _ in LAYERS:
        assert f"**{title}**" in text, title


def test_importing_the_package_stays_light() -> None:
    code = "import sys, briefer; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "briefer" in loaded
    assert sorted(loaded & set(NOT_ON_IMPORT)) == []
