"""The wheel must carry the templates, prompts and rules that live outside briefer/ in the repo."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, SEED


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [path] = out.glob("briefer-*.whl")
    return path


def test_wheel_ships_templates_prompts_rules_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"briefer/templates/{template.name}" in names
    for prompt in (ROOT / "prompts").glob("*.md"):
        assert f"briefer/prompts/{prompt.name}" in names
    for rules in (ROOT / "briefer" / "data").glob("risk_rules.*.toml"):
        assert f"briefer/data/{rules.name}" in names
    assert {"briefer/data/risk_rules.en.toml", "briefer/data/risk_rules.de.toml"} <= names
    assert "briefer/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "seeds/", "bench/"))]


def test_installed_layout_finds_its_own_templates(wheel: Path, tmp_path: Path) -> None:
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    script = (
        "import briefer, briefer.resources as r;"
        "print(r.data_dir('templates'));"
        f"print(briefer.render(briefer.summarize([{str(SEED)!r}]), 'md')[:22])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0] == str(tmp_path / "site" / "briefer" / "templates")
    assert lines[1] == "# Summary of 1 article"
