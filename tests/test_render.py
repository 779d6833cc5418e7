import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import briefer
from briefer.errors import RenderError
from briefer.files import write_atomic
from briefer.models import KeyPoint, Risk, SummaryRun
from briefer.render import md_code, md_escape, render, safe_url

from .conftest import SEED

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def seed_run() -> SummaryRun:
    return briefer.summarize([SEED], now=NOW)


def test_markdown_quotes_every_evidence_verbatim(seed_run: SummaryRun, seed_text: str) -> None:
    md = render(seed_run, "md")
    digest = seed_run.digests[0]
    items: list[KeyPoint | Risk] = [*digest.key_points, *digest.risks]
    for item in items:
        assert item.evidence in seed_text
        assert item.evidence in md
    assert "**extractive** engine" in md
    assert "Generated 2026-11-29T06:00:00Z" in md
    assert "| 1 | Support for armed proxies and terrorist groups | terrorism | high |" in md


def test_json_carries_the_same_data_with_a_schema_version(
    seed_run: SummaryRun, seed_text: str
) -> None:
    data = json.loads(render(seed_run, "json"))
    assert data["schema_version"] == "1.0"
    assert data["engine"]["name"] == "extractive"
    [article] = data["articles"]
    assert article["article"]["title"].startswith("Iran, Russia expected")
    assert "text" not in article["article"]
    for kp in article["key_points"]:
        assert seed_text[kp["span"]["start"] : kp["span"]["end"]] == kp["evidence"]
    md = render(seed_run, "md")
    for risk in article["risks"]:
        assert risk["title"] in md and risk["evidence"] in md
    assert data["failures"] == []


def test_untrusted_text_is_escaped_in_markdown(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "<script>alert(1)</script> [click](javascript:alert(1)) headline\n"
        "Officials said the ![pixel](https://evil.example/p.png) drones were *very* close "
        "to <b>attack</b>.\n"
        "Analysts flagged the | pipe, the &amp; entity and `code` near the drones today.\n"
    )
    md = render(briefer.summarize([hostile], now=NOW), "md")
    assert "<script>" not in md and "<b>" not in md
    assert "[click](javascript:" not in md and "![pixel](" not in md
    assert "\\<script\\>" in md and "\\[click\\]" in md and "\\*very\\*" in md
    assert "\\&amp;" in md and "\\| pipe" in md
    # Backticks that pair up are the writer's code marks: a code span, shown literally.
    assert " `code` near" in md and "\\`" not in md


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("a*b_c", "a\\*b_c"),
        ("_a_", "\\_a\\_"),
        ("# title", "\\# title"),
        ("1. item", "1\\. item"),
        ("x\n\ny", "x y"),
    ],
)
def test_md_escape(raw: str, expected: str) -> None:
    assert md_escape(raw) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("seeds/a_b.txt", "`seeds/a_b.txt`"),
        ("odd`name", "`` odd`name ``"),
        ("a``b", "``` a``b ```"),
    ],
)
def test_md_code_fences_outgrow_backticks_inside(raw: str, expected: str) -> None:
    assert md_code(raw) == expected


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://example.org/a?b=1", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://example.org/a)(b", False),
        ("https:///nohost", False),
    ],
)
def test_only_http_links_become_links(url: str, ok: bool) -> None:
    assert (safe_url(url) == url) is ok


def test_user_templates_override_and_missing_variables_fail_loudly(
    seed_run: SummaryRun, tmp_path: Path
) -> None:
    (tmp_path / "summary.md.j2").write_text(
        "{{ run.engine.name }} :: {{ run.articles | length }}\n"
    )
    assert render(seed_run, "md", templates_dir=tmp_path) == "extractive :: 1\n"
    (tmp_path / "summary.md.j2").write_text("{{ run.no_such_field }}\n")
    with pytest.raises(RenderError, match="no_such_field"):
        render(seed_run, "md", templates_dir=tmp_path)


def test_atomic_write_leaves_no_temp_files_and_keeps_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "brief.md"
    write_atomic(target, "first\n")
    assert target.read_text() == "first\n"

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(RenderError, match="No space left on device"):
        write_atomic(target, "second\n")
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["brief.md"]
