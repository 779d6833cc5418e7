"""The PDF is compact: the top stories in full, the rest one row each, the appendix last."""

import importlib
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pypdf
import pytest

from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.models import Brief
from briefer.render import render_brief

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
PLACES = ["Rotterdam", "Gdansk", "Valencia", "Piraeus", "Antwerp", "Hamburg", "Genoa"]


@pytest.fixture
def brief(tmp_path: Path) -> Brief:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, place in enumerate(PLACES):
        (folder / f"{i}.txt").write_text(
            f"Port of {place} closes berth {i}\n"
            f"The port authority of {place} closed berth {i} after a crane failure on Monday. "
            f"Operators in {place} said ships would wait {i + 2} days for repairs.\n",
            encoding="utf-8",
        )
    config = BriefConfig(
        output_dir=tmp_path / "out",
        formats=("json",),
        story_threshold=1.0,  # every article its own story
        max_stories=len(PLACES),
        per_source_limit=len(PLACES),
        sources=(SourceSpec("path", (str(folder),)),),
    )
    result = run_daily(config, Settings(cache_path=tmp_path / "s.db"), now=NOW)
    assert result.brief is not None and len(result.brief.stories) == len(PLACES)
    return result.brief


def test_pdf_shows_top_stories_in_full_and_the_rest_as_rows(
    brief: Brief, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module, not the function of the same name that the package exports.
    monkeypatch.setattr(importlib.import_module("briefer.render"), "PDF_FULL_STORIES", 3)
    pdf = render_brief(brief, "pdf")
    assert isinstance(pdf, bytes)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(BytesIO(pdf)).pages]
    text = " ".join(pages)
    assert "More stories" in text
    for n, place in enumerate(PLACES):
        # Every story is there; only the first three carry their second point (and evidence).
        assert f"Port of {place} closes berth {n}" in text
        assert (f"Operators in {place} said" in text) == (n < 3), place
    # The appendix (sources, then the run) ends the document.
    assert "Made by briefer" in pages[-1]


def test_html_keeps_every_story_in_full(brief: Brief) -> None:
    html = render_brief(brief, "html")
    assert isinstance(html, str)
    assert "More stories" not in html
    assert html.count('<div class="story">') == len(PLACES)
