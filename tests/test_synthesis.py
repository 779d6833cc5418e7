"""Brief assembly: numbered citations, risk ranking, changes since the previous brief, and the
LLM-written executive summary against the tests' chat-completions server."""

import json
from datetime import datetime, timezone
from pathlib import Path

from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.models import LIKELIHOODS, SEVERITIES

from .fake_llm import ARTICLE, findings_for

STORIES = Path(__file__).parent / "data" / "stories"
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)


def config(tmp_path, *names):
    return BriefConfig(
        output_dir=tmp_path / "briefs",
        sources=tuple(SourceSpec("path", (str(STORIES / n),)) for n in names),
    )


def test_citations_point_at_real_sources_and_risks_are_ranked(tmp_path):
    cfg = config(tmp_path, "pact-1.txt", "pact-2.txt", "redsea-1.txt", "port-1.txt")
    result = run_daily(cfg, Settings(cache_path=tmp_path / "s.db"), now=NOW)
    brief = result.brief
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


def test_changes_since_the_previous_brief(tmp_path):
    settings = Settings(cache_path=tmp_path / "s.db")
    run_daily(config(tmp_path, "port-1.txt", "pact-1.txt"), settings, now=NOW)
    # Next day: the port story continues (another outlet), and a new one brings a new risk.
    second = run_daily(config(tmp_path, "port-2.txt", "quake-1.txt"), settings, now=NOW)
    changes = second.brief.changes
    assert changes.previous_date == "2026-11-29"
    assert "Natural hazards and disasters" in changes.new_risks
    assert any(title.startswith("Cyber attack disrupts Rotterdam") for title in changes.continuing)
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert "- **New risks:** " in md and "- **Continuing stories:** " in md
    assert "(continuing)" in md


def test_severity_moves_are_reported(tmp_path):
    settings = Settings(cache_path=tmp_path / "s.db")
    calm = tmp_path / "calm.txt"
    calm.write_text(
        "Port update\nOfficials said a ransomware incident was reported at the port on Monday.\n"
    )
    worse = tmp_path / "worse.txt"
    worse.write_text(
        "Port update\nOfficials said the ransomware attack on the port was a significant threat "
        "to shipping on Tuesday.\n"
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
    assert result.brief.changes.raised == ("Cyber attacks and intrusions (medium → high)",)


def test_llm_writes_the_executive_summary_with_valid_citations(tmp_path, fake_llm):
    def responder(request):
        system, user = request["messages"][0]["content"], request["messages"][1]["content"]
        data = ARTICLE.search(user).group(1)
        if "executive summary" in system:
            findings = json.loads(data)
            first = findings["stories"][0]
            if not getattr(responder, "tried", False):
                responder.tried = True
                return {"summary": [{"text": "Invented citation.", "sources": [99]}]}
            return {"summary": [{"text": f"Lead: {first['title']}", "sources": first["sources"]}]}
        return findings_for(data)

    fake_llm.responder = responder
    settings = Settings(cache_path=tmp_path / "s.db", base_url=fake_llm.base_url, model="m")
    result = run_daily(
        config(tmp_path, "pact-1.txt", "pact-2.txt", "quake-1.txt"), settings, now=NOW
    )
    brief = result.brief
    assert brief.summary_method == "llm"
    [line] = brief.executive_summary
    assert line.text.startswith("Lead: ") and set(line.sources) <= {1, 2, 3}
    synthesis = [r for r in fake_llm.requests if "executive summary" in r["messages"][0]["content"]]
    assert len(synthesis) == 2  # the invented source number got a repair turn
    assert "[99] are not source numbers" in synthesis[1]["messages"][-1]["content"]
    assert brief.engine.name == "openai"
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert "Offline summary" not in md and "engine **openai** (model m)" in md
