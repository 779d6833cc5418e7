"""Brief assembly: numbered citations, risk ranking, changes since the previous brief, and the
LLM-written executive summary against the tests' chat-completions server."""

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.models import LIKELIHOODS, SEVERITIES

from .conftest import STORY_RISK_CONFIDENCE
from .fake_llm import FakeLLM, article_body, findings_for

STORIES = Path(__file__).parent / "data" / "stories"
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)


def config(tmp_path: Path, *names: str) -> BriefConfig:
    return BriefConfig(
        output_dir=tmp_path / "briefs",
        sources=tuple(SourceSpec("path", (str(STORIES / n),)) for n in names),
    )


def test_citations_point_at_real_sources_and_risks_are_ranked(tmp_path: Path) -> None:
    cfg = config(tmp_path, "pact-1.txt", "pact-2.txt", "redsea-1.txt", "port-1.txt")
    result = run_daily(
        cfg, Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE), now=NOW
    )
    brief = result.brief
    assert brief is not None
    numbers = {s.number for s in brief.sources}
    assert numbers == {1, 2, 3, 4}
    cited = {n for s in brief.stories for kp in s.key_points for n in kp.sources}
    cited |= {n for line in brief.executive_summary for n in line.sources}
    cited |= {n for r in brief.top_risks for n in r.sources}
    assert cited <= numbers
    values = [
        (SEVERITIES.index(r.risk.severity) + 1) * (LIKELIHOODS.index(r.risk.likelihood) + 1)
        for r in brief.top_risks
    ]
    assert values == sorted(values, reverse=True)
    assert brief.changes.previous_date is None
    assert (
        "_This is the first brief: nothing to compare with._"
        in (tmp_path / "briefs" / "latest.md").read_text()
    )


def test_changes_since_the_previous_brief(tmp_path: Path) -> None:
    settings = Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE)
    run_daily(config(tmp_path, "port-1.txt", "pact-1.txt"), settings, now=NOW)
    # Next day: the port story continues (another outlet), and a new one brings a new risk.
    second = run_daily(config(tmp_path, "port-2.txt", "quake-1.txt"), settings, now=NOW)
    assert second.brief is not None
    changes = second.brief.changes
    assert changes.previous_date == "2026-11-29"
    assert "Natural hazards and disasters" in changes.new_risks
    assert any(title.startswith("Cyber attack disrupts Rotterdam") for title in changes.continuing)
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert "- **New risks:** " in md and "- **Continuing stories:** " in md
    assert "(continuing)" in md


def test_severity_moves_are_reported(tmp_path: Path) -> None:
    # About how a brief reports a move, not about the model: every candidate is listed.
    settings = Settings(cache_path=tmp_path / "s.db", risk_confidence=0.01)
    calm = tmp_path / "calm.txt"
    calm.write_text(
        "Port update\nOfficials said a ransomware incident was reported at the port on Monday.\n"
    )
    worse = tmp_path / "worse.txt"
    worse.write_text(
        "Port update\nOfficials said the significant ransomware attack on the port's systems "
        "encrypted its servers on Tuesday.\n"
    )
    run_daily(
        BriefConfig(output_dir=tmp_path / "b", sources=(SourceSpec("path", (str(calm),)),)),
        settings,
        now=NOW,
    )
    result = run_daily(
        BriefConfig(output_dir=tmp_path / "b", sources=(SourceSpec("path", (str(worse),)),)),
        settings,
        now=NOW,
    )
    assert result.brief is not None
    assert result.brief.changes.raised == ("Cyber attacks and intrusions (medium → high)",)


def test_llm_summary_lines_are_grounded_in_the_stories_they_cite(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    tried: list[bool] = []

    def responder(request: dict[str, Any]) -> dict[str, Any]:
        system, user = request["messages"][0]["content"], request["messages"][1]["content"]
        data = article_body(user)
        if "executive summary" in system:
            stories = json.loads(data)["stories"]
            if not tried:
                tried.append(True)
                return {"summary": [{"text": "Invented citation.", "stories": [99]}]}
            first, second = stories[0], stories[1]
            return {
                "summary": [
                    {"text": first["key_points"][0], "stories": [first["story"]]},
                    # A claim no finding makes: a new number and a new hedge.
                    {
                        "text": second["key_points"][0].rstrip(".")
                        + ", which may cost 4,000 lives.",
                        "stories": [second["story"]],
                    },
                ]
            }
        return findings_for(data)

    fake_llm.responder = responder
    settings = Settings(
        cache_path=tmp_path / "s.db",
        risk_confidence=STORY_RISK_CONFIDENCE,
        base_url=fake_llm.base_url,
        model="m",
    )
    result = run_daily(
        config(tmp_path, "pact-1.txt", "pact-2.txt", "quake-1.txt"), settings, now=NOW
    )
    brief = result.brief
    assert brief is not None
    assert len(brief.stories) == 2
    assert brief.summary_method == "llm"
    llm_line, offline = brief.executive_summary
    assert llm_line.evidence is None and set(llm_line.sources) == set(brief.stories[0].sources)
    # The distorted line is dropped; the second story's offline line takes its place.
    assert offline == brief.stories[1].key_points[0] and offline.evidence
    [why] = brief.dropped
    assert "4000 is in no finding it cites" in why and "'may' is in no finding" in why
    synthesis = [r for r in fake_llm.requests if "executive summary" in r["messages"][0]["content"]]
    assert len(synthesis) == 2  # the invented story number got a repair turn
    assert (
        "summary.0: stories.0: Input should be less than or equal to 2"
        in synthesis[1]["messages"][-1]["content"]
    )
    assert "brief_synthesis@2" in brief.engine.prompts
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert "Offline summary" not in md and "engine **openai** (model m)" in md
    assert "1 summary line(s) dropped as not grounded" in md
    section = md.split("## Executive summary\n\n", 1)[1].split("\n## ", 1)[0]
    assert [line[:2] for line in section.strip().splitlines() if line] == ["- ", "- "]
    data = json.loads((tmp_path / "briefs" / "latest.json").read_text())
    assert "brief_synthesis@2" in data["engine"]["prompts"] and data["dropped"] == [why]
