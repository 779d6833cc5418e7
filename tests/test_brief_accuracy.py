"""The brief says what it used and counts what it says: fallbacks, sources, changes, tables."""

import dataclasses
import io
import json
import re
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import responses

from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.models import Brief, Cited
from briefer.render import render_brief

from .conftest import STORY_RISK_CONFIDENCE

STORIES = Path(__file__).parent / "data" / "stories"
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)
FEED = "https://desk.example/rss.xml"
GONE = "https://desk.example/gone"
SUMMARY = (
    "Rail operators in northern Italy suspended freight services on Tuesday after a signalling "
    "fault, officials said, and expected repairs to take two days."
)
NOTE = (
    "the page could not be downloaded (the server answered HTTP 404 Not Found; check the "
    "address or try again later); the feed's summary was used"
)


def rss(items: Iterable[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=2), usegmt=True)}</pubDate>"
        f"<description>{d}</description></item>"
        for t, link, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{body}</channel></rss>'


def day(
    tmp_path: Path, *names: str, formats: tuple[str, ...] = ("md", "json", "html")
) -> BriefConfig:
    folder = tmp_path / "inbox"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(STORIES / name, folder / name)
    return BriefConfig(
        output_dir=tmp_path / "briefs",
        formats=formats,
        sources=(SourceSpec("feed", (FEED,), name="Desk"), SourceSpec("path", (str(folder),))),
    )


@responses.activate
def test_a_page_that_failed_says_the_feed_summary_was_used_in_every_output(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    import pypdf

    responses.get(
        FEED, body=rss([("Freight halted", GONE, SUMMARY)]), content_type="application/rss+xml"
    )
    responses.get(GONE, status=404)
    config = day(tmp_path, "port-1.txt", "quake-1.txt", formats=("md", "json", "html", "pdf"))
    result = run_daily(
        config,
        Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE),
        now=NOW,
    )
    assert result.status == "ok", result.failures
    assert result.brief is not None
    [ref] = [s for s in result.brief.sources if s.url == GONE]
    assert ref.note == NOTE
    others = [s.note for s in result.brief.sources if s.url != GONE]
    assert others == [None, None]
    out = tmp_path / "briefs"
    md = (out / "latest.md").read_text()
    assert f"— _{NOTE}_" in md.replace("\\", "")  # Markdown escapes the parentheses' contents
    html = (out / "latest.html").read_text()
    assert f'<em class="note">— {NOTE.replace(chr(39), "&#39;")}</em>' in html
    data = json.loads((out / "latest.json").read_text())
    assert [s["note"] for s in data["sources"] if s["url"] == GONE] == [NOTE]
    pdf = pypdf.PdfReader(io.BytesIO((out / "latest.pdf").read_bytes()))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "the feed's summary was used" in text.replace("’", "'")


@responses.activate
def test_the_header_counts_configured_sources_not_items(tmp_path: Path) -> None:
    responses.get(
        FEED,
        body=rss(
            [("Freight halted", GONE, SUMMARY), ("Second", "https://desk.example/2", SUMMARY)]
        ),
        content_type="application/rss+xml",
    )
    responses.get(GONE, status=404)
    responses.get("https://desk.example/2", status=404)
    config = day(tmp_path, "port-1.txt", "quake-1.txt", "pact-1.txt")
    result = run_daily(
        config,
        Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE),
        now=NOW,
    )
    brief = result.brief
    # The two feed items carry the same text: one article with both as its sources, so five
    # numbered sources for four articles, from two configured sources.
    assert brief is not None
    assert len(brief.sources) == 5
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert md.splitlines()[2] == (
        f"_4 article(s) in {len(brief.stories)} stories from 2 source(s); engine **extractive**. "
        "Generated 2026-11-29T06:00:00Z._"
    )
    html = (tmp_path / "briefs" / "latest.html").read_text()
    assert f"4 article(s) in {len(brief.stories)} stories from 2 source(s)." in html


def test_changes_list_risks_that_are_gone_when_this_brief_has_none(tmp_path: Path) -> None:
    settings = Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE)

    def brief(*names: str) -> Brief | None:
        sources = tuple(SourceSpec("path", (str(STORIES / n),)) for n in names)
        return run_daily(
            BriefConfig(output_dir=tmp_path / "b", sources=sources), settings, now=NOW
        ).brief

    before = brief("pact-1.txt", "redsea-1.txt")
    assert before is not None
    assert len(before.top_risks) == 3
    after = brief("rates-1.txt")
    assert after is not None
    assert after.top_risks == ()
    gone = (
        "Strategic alignment between states; Shipping and trade-route disruption; "
        "Arms and drone transfers"
    )
    md = (tmp_path / "b" / "latest.md").read_text()
    section = md.split("## Changes since the previous brief\n\n")[1].split("\n## ")[0]
    # Both briefs are of the same day: the earlier one is named with its time.
    assert re.fullmatch(
        r"_Compared with the brief of 2026-11-29, \d\d:\d\d UTC\._\n\n"
        + re.escape(f"- **No longer among the top risks:** {gone}\n"),
        section,
    ), section
    html = (tmp_path / "b" / "latest.html").read_text()
    assert f"<li><strong>No longer among the top risks:</strong> {gone}</li>" in html
    assert "No change in the ranked risks" not in html


def seven_stories(tmp_path: Path) -> Brief:
    names = ("pact-1", "port-1", "redsea-1", "iaea-1", "quake-1", "factory-1", "pipeline-1")
    sources = tuple(SourceSpec("path", (str(STORIES / f"{n}.txt"),)) for n in names)
    config = BriefConfig(output_dir=tmp_path / "b", sources=sources, formats=("md",))
    brief = run_daily(
        config,
        Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE),
        now=NOW,
    ).brief
    assert brief is not None
    return brief


def test_every_risk_table_has_the_story_column(tmp_path: Path) -> None:
    brief = seven_stories(tmp_path)
    html = render_brief(brief, "html")
    assert isinstance(html, str)
    table = html.split('<table class="top-risks" id="risk-table">')[1].split("</table>")[0]
    assert re.findall(r"<th>([^<]*)</th>", table) == [
        "#",
        "Risk",
        "Story",
        "Category",
        "Severity",
        "Likelihood",
        "Sources",
    ]
    rows = re.findall(
        r"<strong dir=\"auto\">([^<]*)</strong></a></td>\s*<td dir=\"auto\">([^<]*)", table
    )
    assert [(title, story) for title, story in rows] == [
        (r.risk.title, r.story.replace("'", "&#39;")) for r in brief.top_risks
    ]
    same = [story for title, story in rows if title == "Arms and drone transfers"]
    assert len(same) == 2 and len(set(same)) == 2  # the same title, told apart by its story
    md = render_brief(brief, "md")
    assert "| # | Risk | Story | Category | Severity | Likelihood | Sources |" in md


@pytest.mark.parametrize("lines", [5, 18, 31])
def test_the_pdf_risk_matrix_stays_on_the_page_of_its_table(tmp_path: Path, lines: int) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    brief = seven_stories(tmp_path)
    # With this many summary lines the matrix ends at the foot of a page and, without the
    # print rule that keeps it with the table, the table starts on the next page.
    summary = tuple(Cited(f"Summary line {i} " + "word " * 30, (1,)) for i in range(lines))
    html = render_brief(dataclasses.replace(brief, executive_summary=summary), "html")
    document = weasyprint.HTML(string=html).render()
    first_page: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    assert first_page["risk-matrix"] == first_page["risk-table"]


@responses.activate
def test_after_a_304_the_hint_names_all_whatever_the_window(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from briefer.cli import cli

    text = SUMMARY + " " + SUMMARY * 10
    fresh = datetime.now(timezone.utc) - timedelta(hours=1)
    body = rss([("Freight halted", "https://desk.example/1", text)]).replace(
        format_datetime(NOW - timedelta(hours=2), usegmt=True), format_datetime(fresh, usegmt=True)
    )
    responses.get(FEED, body=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})
    config = tmp_path / "briefer.toml"
    config.write_text(f'[brief]\noutput_dir = "b"\n\n[[source]]\nfeed = "{FEED}"\n')
    args = ["--config", str(config), "brief", "--cache", str(tmp_path / "s.db")]
    runner = CliRunner()
    assert runner.invoke(cli, args).exit_code == 0
    responses.replace(responses.GET, FEED, status=304)
    again = runner.invoke(cli, [*args, "--window-hours", "200000"])
    assert again.exit_code == 0
    assert responses.calls[-1].request.headers["If-None-Match"] == '"v1"'
    assert again.stdout == (
        "Nothing new to brief (1 feed(s) unchanged since the last run); no brief written. "
        "Use --all to fetch unchanged feeds again and include items already briefed.\n"
    )
    responses.replace(
        responses.GET, FEED, body=body, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    everything = runner.invoke(cli, [*args, "--all"])
    assert everything.exit_code == 0 and "1 article(s) in 1 story." in everything.stdout
