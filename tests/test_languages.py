"""Language-aware steps: sentences, stopwords, ranking terms, names, clustering, and a brief
over English, German and French pages that keeps unrelated stories apart."""

import json
from datetime import datetime, timezone
from pathlib import Path

from briefer.cluster import story_groups
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.segmentation import sentences
from briefer.text import entities, terms

from .conftest import STORY_RISK_CONFIDENCE

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc)

SCANDAL_DE = (
    "Die Krise beim Magazin",
    "Die Krise der Redaktion ist tief. Der Reporter Claas Relotius hat Reportagen gefälscht, "
    "teilte das Magazin am Mittwoch mit. Die Chefredaktion entschuldigte sich bei den Lesern. "
    "Ein Kollege hatte die Fälschungen aufgedeckt. Die Krise trifft das Haus in Hamburg.",
)
BATTERIES_DE = (
    "Die Krise beim Recycling von Batterien",
    "Die Krise der Batterieindustrie ist ein Problem für das Recycling. Ein Verfahren der Firma "
    "Duesenfeld soll Lithium aus alten Akkus zurückgewinnen. Die Anlage steht in "
    "Niedersachsen. Der Prozess spart Energie, sagte ein Sprecher. Die Forscher sind "
    "zufrieden.",
)
RAIL_FR = (
    "La grève paralyse les trains",
    "La grève des cheminots paralyse le trafic ferroviaire en France depuis lundi. Le "
    "gouvernement appelle les syndicats au dialogue. Les voyageurs sont invités à reporter "
    "leurs déplacements. La SNCF prévoit un trafic très perturbé jusqu'à jeudi.",
)
PORT_EN = (
    "Ransomware attack halts Rotterdam container terminal",
    "A ransomware attack on terminal operator North Sea Gateway halted container traffic at "
    "Rotterdam on Monday, the company said. Trucks queued for hours outside the port. The "
    "operator said its systems were being restored and that no data had been stolen.",
)


def test_sentences_follow_the_language() -> None:
    german = "Am 3. Oktober kam er z.B. mit dem Zug. Das war im 19. Jahrhundert. Dann ging er."
    assert [german[s.start : s.end] for s in sentences(german, "de")] == [
        "Am 3. Oktober kam er z.B. mit dem Zug.",
        "Das war im 19. Jahrhundert.",
        "Dann ging er.",
    ]
    french = "M. Dupont a parlé mardi. Le texte sera voté."
    assert len(sentences(french, "fr")) == 2
    spanish = "El Sr. García dijo que no. ¿Qué pasará? ¡Nadie lo sabe!"
    assert [spanish[s.start : s.end] for s in sentences(spanish, "es")] == [
        "El Sr. García dijo que no.",
        "¿Qué pasará?",
        "¡Nadie lo sabe!",
    ]
    english = "No. 10 Downing Street said no. He left."
    assert len(sentences(english, "en")) == 2


def test_stopwords_and_word_forms_follow_the_language() -> None:
    assert terms("Die Bundesregierung will das Recycling von Batterien verbessern", "de") == [
        "bundesregierung",
        "recycling",
        "batterie",
        "verbessern",
    ]
    assert "les" not in terms("Les syndicats et le gouvernement", "fr")
    assert "los" not in terms("Los sindicatos y el gobierno", "es")
    # English keeps "die" and "war": they are content words there.
    assert {"die", "war"} <= set(terms("Soldiers die in the war", "en"))


def test_capitalized_german_nouns_are_not_names() -> None:
    names = entities(SCANDAL_DE[1], "de")
    assert not names & {"der", "die", "ein", "krise", "die krise", "redaktion"}
    assert "claas relotius" in names
    assert "relotius" in names


def test_unrelated_german_stories_that_share_capitalized_nouns_stay_apart() -> None:
    docs = [SCANDAL_DE, BATTERIES_DE, RAIL_FR, PORT_EN]
    languages = ["de", "de", "fr", "en"]
    assert story_groups(docs, languages=languages) == [[0], [1], [2], [3]]


def test_a_brief_over_english_german_and_french_pages(tmp_path: Path) -> None:
    """HTML pages, read as any page is: extracted, language detected, clustered, briefed."""
    paths = []
    for name, (title, body) in {
        "scandal.html": SCANDAL_DE,
        "batteries.html": BATTERIES_DE,
        "rail.html": RAIL_FR,
        "port.html": PORT_EN,
    }.items():
        path = tmp_path / name
        paragraphs = "".join(f"<p>{line}.</p>" for line in body.split(". "))
        path.write_text(
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>",
            encoding="utf-8",
        )
        paths.append(str(path))
    config = BriefConfig(
        output_dir=tmp_path / "briefs", sources=(SourceSpec("path", tuple(paths)),)
    )
    brief = run_daily(
        config,
        Settings(cache_path=tmp_path / "s.db", risk_confidence=STORY_RISK_CONFIDENCE),
        now=NOW,
    ).brief
    assert brief is not None
    assert len(brief.stories) == 4
    languages = {s.location.rsplit("/", 1)[-1]: s.language for s in brief.sources}
    assert languages == {
        "scandal.html": "de",
        "batteries.html": "de",
        "rail.html": "fr",
        "port.html": "en",
    }
    notes = {s.location.rsplit("/", 1)[-1]: s.risk_note for s in brief.sources}
    assert notes["rail.html"] == "risks not assessed (language: fr)"
    assert notes["port.html"] is None and notes["scandal.html"] is None
    assert [r.risk.category for r in brief.top_risks] == ["cyber"]
    md = (tmp_path / "briefs" / "latest.md").read_text()
    assert "language: fr; risks not assessed (language: fr)" in md
    assert "language: de" in md and "language: en" in md
    html = (tmp_path / "briefs" / "latest.html").read_text()
    assert "risks not assessed (language: fr)" in html
    data = json.loads((tmp_path / "briefs" / "latest.json").read_text())
    assert {s["language"] for s in data["sources"]} == {"de", "fr", "en"}
    assert [s["risk_note"] for s in data["sources"] if s["language"] == "fr"] == [
        "risks not assessed (language: fr)"
    ]


def test_a_summary_names_each_language_and_what_was_not_assessed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from briefer.cli import cli

    rail, port = tmp_path / "rail.txt", tmp_path / "port.txt"
    rail.write_text("\n".join(RAIL_FR) + "\n", encoding="utf-8")
    port.write_text("\n".join(PORT_EN) + "\n", encoding="utf-8")
    runner = CliRunner()
    lists = ["--risk-confidence", str(STORY_RISK_CONFIDENCE)]
    result = runner.invoke(cli, ["summarize", str(rail), str(port), *lists])
    assert result.exit_code == 0, result.output
    assert "- **Language:** fr" in result.stdout and "- **Language:** en" in result.stdout
    assert "_No risks listed: risks not assessed (language: fr);" in result.stdout
    out = tmp_path / "run.json"
    result = runner.invoke(
        cli, ["summarize", str(rail), str(port), *lists, "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = tmp_path / "run.html"
    result = runner.invoke(cli, ["summarize", str(rail), str(port), *lists, "-o", str(html)])
    assert result.exit_code == 0, result.output
    assert "No risks listed: risks not assessed (language: fr);" in html.read_text()
    items = {a["article"]["language"]: a for a in json.loads(out.read_text())["articles"]}
    assert items["fr"]["risk_note"] == "risks not assessed (language: fr)"
    assert items["fr"]["risks"] == []
    assert items["en"]["risk_note"] is None and items["en"]["risks"]
