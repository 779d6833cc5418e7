"""Extraction checks: short extractions retried and flagged, boilerplate dropped, the page's own date."""

import json
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
import responses
from click.testing import CliRunner
from lxml import etree

from briefer.boilerplate import is_boilerplate, looks_like_consent, strip_boilerplate
from briefer.cli import cli
from briefer.collect import Candidate, read_candidate
from briefer.config import BriefConfig, FetchLimits, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.engines.extractive import ExtractiveEngine
from briefer.errors import SourceError
from briefer.extract import INCOMPLETE, _text, extract_html
from briefer.sources import build_article

BODY = [
    "The harbour authority of Porto Velho said on Tuesday that the northern quay will close "
    "for six weeks while engineers replace the cranes that failed during the January storms.",
    "Shipping lines were told to divert container traffic to the southern terminal, where "
    "night shifts will be added from next Monday to absorb the extra vessels.",
    "Local hauliers warned that the detour adds forty minutes to every trip and asked the city "
    "council to open a temporary truck lane along the river road.",
    "The authority said the new cranes were ordered last year and that the repair budget of "
    "twelve million euros had already been approved by the regional government.",
    "Dock workers' unions welcomed the investment but said they expected talks on overtime "
    "pay before the extra night shifts begin.",
]
CAPTION = (
    "Cranes stand idle at the northern quay of Porto Velho on Monday, a day after the harbour "
    "authority announced that the quay would close for six weeks. Photo: Reuters"
)
ARTICLE_TEXT = " ".join(BODY)


def html(body: str, head: str = "") -> str:
    return f"<html><head><title>Porto Velho quay to close</title>{head}</head><body>{body}</body></html>"


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def pictured(caption: str) -> str:
    """A lead picture shown twice (wide and narrow layouts), as some outlets do: only its caption
    is visible text."""
    pic = f'<div class="image"><img src="q.jpg" alt="{caption}"><div class="image__title">{caption}</div></div>'
    return f'<div class="article"><div class="head">{pic}</div><div class="main">{pic}</div></div>'


def paragraphs(lines: Iterable[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


# ---- a page whose body is only in JSON-LD ------------------------------------------------------


def test_a_page_whose_body_is_only_in_json_ld_is_read_from_its_article_body() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://port.example/quay"},
            {
                "@type": "NewsArticle",
                "headline": "Porto Velho quay to close",
                "datePublished": "2024-03-05T08:00:00+01:00",
                "articleBody": "\n".join(BODY),
            },
        ],
    }
    page = html(pictured(CAPTION), jsonld(graph))
    found = extract_html(page, "quay.html")
    assert found.method == "json-ld"
    assert found.note is None
    assert found.text.split("\n") == BODY
    assert found.published == "2024-03-05"


def test_json_ld_in_a_list_with_markup_in_the_body_and_a_type_list() -> None:
    data = [
        {"@type": "Organization", "name": "Port News"},
        {
            "@type": ["OpinionNewsArticle"],
            "articleBody": "".join(f"<p>{line.replace('and', '&amp;')}</p>" for line in BODY),
        },
    ]
    page = html(pictured(CAPTION), jsonld(data))
    article = build_article(page.encode(), "quay.html", "html")
    assert article.extraction_note is None
    assert "replace the cranes that failed" in article.text
    assert "&amp;" not in article.text and "<p>" not in article.text
    assert article.language == "en"


def test_a_short_extraction_is_retried_in_recall_mode() -> None:
    # A template that puts the story in an <aside>: the precise pass keeps only the lead.
    lead = "<p>The northern quay closes for six weeks.</p>"
    page = html(f"<article>{lead}</article><aside>{paragraphs(BODY)}</aside>")
    found = extract_html(page, "quay.html")
    assert found.method == "trafilatura-recall"
    assert found.note is None
    assert found.text.split("\n")[-len(BODY) :] == BODY


def test_a_caption_with_no_fallback_is_marked_incomplete() -> None:
    page = html(
        f"<article><h1>Porto Velho quay to close</h1><p>{BODY[0]}</p><p>{CAPTION}</p></article>"
    )
    article = build_article(page.encode(), "quay.html", "html")
    # The caption line (it ends in a photo credit) is gone; the headline and sentence stay.
    assert article.text.split("\n")[-1] == BODY[0] and "Photo" not in article.text
    words = len(article.text.split())
    assert article.extraction_note == f"{INCOMPLETE}: only {words} words extracted"


def test_a_long_enough_extraction_carries_no_note() -> None:
    article = build_article(html(f"<article>{paragraphs(BODY)}</article>").encode(), "q", "html")
    assert article.extraction_note is None
    assert article.text.split("\n") == BODY


def test_a_teaser_shorter_than_the_body_json_ld_declares_is_flagged() -> None:
    data = {"@type": "NewsArticle", "wordCount": 900, "isAccessibleForFree": "False"}
    page = html(f"<article>{paragraphs(BODY[:3])}</article>", jsonld(data))
    article = build_article(page.encode(), "quay.html", "html")
    words = len(" ".join(BODY[:3]).split())
    assert article.text.split("\n") == BODY[:3]
    assert article.extraction_note == (
        f"{INCOMPLETE}: only {words} words extracted where the page suggests about 900"
    )


def test_a_consent_wall_is_flagged_and_never_summarized_as_the_article() -> None:
    wall = (
        "We value your privacy. We and our partners use cookies and similar technologies to "
        "store and access information on your device, to show personalised ads and to measure "
        "content. By clicking Accept all you consent to this processing. You can change your "
        "choices at any time in the privacy settings. Our vendors may process data on the basis "
        "of legitimate interest. See our privacy policy for details on tracking."
    )
    page = html(f"<div class='wall'><p>{wall}</p><button>Accept all</button></div>")
    article = build_article(page.encode(), "wall.html", "html")
    assert looks_like_consent(article.text)
    assert article.extraction_note is not None
    assert "cookie or consent notice" in article.extraction_note


def test_the_first_page_of_a_paginated_article_is_flagged() -> None:
    head = (
        '<link rel="canonical" href="https://port.example/news/quay">'
        '<link rel="next" href="https://port.example/news/quay/seite-2">'
    )
    article = build_article(
        html(f"<article>{paragraphs(BODY)}</article>", head).encode(), "q", "html"
    )
    assert article.extraction_note == (
        f"{INCOMPLETE}: the page holds only the first page of a longer article"
    )
    # A link to the next article (another path) is not pagination.
    other = head.replace("quay/seite-2", "another-story")
    article = build_article(
        html(f"<article>{paragraphs(BODY)}</article>", other).encode(), "q", "html"
    )
    assert article.extraction_note is None


# ---- a feed item's content as the fallback -------------------------------------------------------


@responses.activate
def test_a_feed_items_content_replaces_a_caption_page() -> None:
    link = "https://port.example/quay"
    responses.get(link, body=html(f"<article><p>{CAPTION}</p><p>{BODY[0]}</p></article>"))
    spec = SourceSpec("feed", ("https://port.example/rss.xml",))
    summary = "".join(f"<p>{line}</p>" for line in BODY[:4])  # under 120 words: the page is fetched
    cand = Candidate(
        "url:quay", link, spec, title="Porto Velho quay to close", link=link, summary=summary
    )
    article, note = read_candidate(cand, BriefConfig(sources=(spec,)), FetchLimits())
    assert note is None  # the page was read; its text was too short, not missing
    assert len(responses.calls) == 1
    assert article.extraction_note is None
    assert article.text.split("\n") == BODY[:4]
    assert article.title == "Porto Velho quay to close"


# ---- boilerplate ---------------------------------------------------------------------------------


def test_a_read_more_line_is_neither_article_text_nor_a_key_point() -> None:
    teaser = "Read more: Storm damage closes three ports along the coast"
    lines = [*BODY[:2], teaser, *BODY[2:], "Sign up for our newsletter to get the port news first."]
    article = build_article(html(f"<article>{paragraphs(lines)}</article>").encode(), "q", "html")
    assert "Read more" not in article.text and "newsletter" not in article.text
    assert article.text.split("\n") == BODY
    points, _ = ExtractiveEngine(Settings(max_key_points=8)).analyze(article, [])
    assert points and all("Read more" not in p.evidence for p in points)


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("Read more: Looted art to be returned next year", "en"),
        ("Submit your letter to the editor via this form. Read more Letters to the Editor.", "en"),
        ("Sign up for our newsletter", "en"),
        ("Share this article", "en"),
        ("Advertisement", "en"),
        ("Related: Ports brace for another storm", "en"),
        ("Related", "en"),
        ("(Credit: Jane Doe / Port News)", "en"),
        ("Workers repair a crane on Monday. Photo: AP", "en"),
        ("© 2024 Port News Network", "en"),
        ("This article originally appeared on Port News UK.", "en"),
        ("The post Quay to close appeared first on Port News.", "en"),
        ("Additional reporting by Ana Lima; Editing by Tom Reed", "en"),
        ("Workers repair a crane. (Photo by Ana Lima/Getty Images)", "en"),
        ("— Jane Doe (@janedoe) March 5, 2024", "en"),
        ("Lesen Sie auch: Sturm legt Häfen lahm", "de"),
        ("Mehr zum Thema", "de"),
        ("Anzeige", "de"),
        ("Melden Sie sich für unseren Newsletter an", "de"),
        ("Arbeiter reparieren einen Kran. Foto: dpa", "de"),
        ("Den kompletten Beitrag lesen Sie in der neuen Ausgabe.", "de"),
        ("À lire aussi : les ports face à la tempête", "fr"),
        ("Publicité", "fr"),
        ("Inscrivez-vous à notre newsletter", "fr"),
        ("Lee también: La tormenta cierra tres puertos", "es"),
        ("Publicidad", "es"),
        ("Suscríbete a nuestro boletín", "es"),
        ("Read more: Storm closes ports", "und"),  # unknown language: every rule applies
    ],
)
def test_boilerplate_lines_in_four_languages(line: str, language: str) -> None:
    assert is_boilerplate(line, language)


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Readers who share the port's concerns wrote to the council on Monday.", "en"),
        ("Shares of the port operator fell 4% after the announcement.", "en"),
        ("Related charges were filed against two managers of the terminal.", "en"),
        ("The advertisement campaign cost the city two million euros last year.", "en"),
        ("The photo shows the damaged crane, officials said.", "en"),
        ("Writing by hand is still taught in the port's schools.", "en"),
        ("Il a publié une photo de la grue via son compte, dit le syndicat.", "fr"),
        (BODY[0], "en"),
        ("Die Anzeige wurde am Montag bei der Polizei erstattet, sagte ein Sprecher.", "de"),
        ("Lesen und Schreiben lernen die Kinder in der ersten Klasse.", "de"),
        ("La publicité pour le port a coûté deux millions d'euros.", "fr"),
        ("Lee el informe quien quiera entender la tormenta de enero.", "es"),
        # A prompt-like opening in a long paragraph is prose, not a line of navigation.
        ("Read more widely, the report says, " + " ".join(BODY), "en"),
        # A German "Read more" is not boilerplate in an English article's rules.
        ("Mehr zum Thema", "en"),
    ],
)
def test_article_sentences_are_not_boilerplate(sentence: str, language: str) -> None:
    assert not is_boilerplate(sentence, language)


def test_strip_boilerplate_keeps_every_other_line_as_it_was() -> None:
    text = "First line.\n\nAdvertisement\nSecond  line, spaced.\n"
    assert strip_boilerplate(text, "en") == ("First line.\n\nSecond  line, spaced.\n", 1)


# ---- the page's own date, not a teaser's -------------------------------------------------------


TEASERS = (
    "<aside class='related'><a href='/storm'><h2>Storm closes three ports"
    "<span class='date'>01.08.2025</span></h2><p>Earlier coverage of the storm.</p></a></aside>"
    "<div class='more'><a href='/cranes'><h2>New cranes ordered"
    "<time datetime='2025-07-30'>30 July 2025</time></h2></a></div>"
)


def test_a_teasers_date_is_not_the_articles_date() -> None:
    body = (
        "<article><header><h1>Porto Velho quay to close</h1>"
        "<time datetime='2024-03-05T08:00:00+01:00'>5 March 2024</time></header>"
        f"{paragraphs(BODY)}</article>{TEASERS}"
    )
    article = build_article(html(body).encode(), "quay.html", "html")
    assert article.published == "2024-03-05"


def test_without_a_date_of_its_own_a_page_gets_none_rather_than_a_teasers() -> None:
    body = f"<article><h1>Porto Velho quay to close</h1>{paragraphs(BODY)}</article>{TEASERS}"
    article = build_article(html(body).encode(), "quay.html", "html")
    assert article.published is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2024-03-04T22:10:00Z">', "2024-03-04"),
        ('<meta name="date" content="2024-02-29">', "2024-02-29"),
        ("", "2023-06-10"),  # the date in the page's own title, as some outlets write it
    ],
)
def test_the_date_comes_from_the_pages_own_metadata(head: str, expected: str) -> None:
    page = (
        f"<html><head><title>Porto Velho quay | Port News | 10.06.2023</title>{head}</head>"
        f"<body><article>{paragraphs(BODY)}</article>{TEASERS}</body></html>"
    )
    assert build_article(page.encode(), "quay.html", "html").published == expected


# ---- every output says so ------------------------------------------------------------------------

GERMAN = (
    "Der Hafen von Porto Velho schließt den Nordkai für sechs Wochen, teilte die Hafenbehörde am "
    "Dienstag mit. Die Reedereien sollen ihre Containerschiffe zum Südterminal umleiten, wo ab "
    "Montag zusätzliche Nachtschichten geplant sind. Die Spediteure warnten vor längeren Fahrten "
    "und baten die Stadt um eine vorübergehende Spur für Lastwagen entlang der Uferstraße.\n"
)


@pytest.fixture(scope="module")
def short_page_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    page = html(
        f"<article><h1>Porto Velho quay to close</h1><p>{BODY[0]}</p><p>{CAPTION}</p></article>"
    )
    (folder / "quay.html").write_text(page, encoding="utf-8")
    (folder / "hafen.txt").write_text(
        f"Nordkai in Porto Velho schließt\n{GERMAN}", encoding="utf-8"
    )
    return folder


def test_summarize_shows_the_note_and_the_language_in_every_format(
    short_page_folder: Path, tmp_path: Path
) -> None:
    quay = str(short_page_folder / "quay.html")
    md = CliRunner().invoke(cli, ["summarize", quay])
    assert md.exit_code == 0, md.output
    assert "- **Language:** en" in md.output
    assert f"- **Warning:** {INCOMPLETE}: only " in md.output
    data = json.loads(CliRunner().invoke(cli, ["summarize", quay, "--format", "json"]).output)
    article = data["articles"][0]["article"]
    assert article["language"] == "en"
    assert article["extraction_note"].startswith(f"{INCOMPLETE}: only ")
    page = CliRunner().invoke(cli, ["summarize", quay, "--format", "html"])
    assert "Language: en." in page.output and f"Warning: {INCOMPLETE}: only " in page.output
    pdf = tmp_path / "summary.pdf"
    assert CliRunner().invoke(cli, ["summarize", quay, "-o", str(pdf)]).exit_code == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(pdf).pages)
    assert f"Warning: {INCOMPLETE}: only " in text and "Language: en." in text


def test_the_brief_shows_the_note_and_languages_in_every_format(
    short_page_folder: Path, tmp_path: Path
) -> None:
    config = BriefConfig(
        output_dir=tmp_path / "out",
        formats=("md", "json", "html", "pdf"),
        sources=(SourceSpec("path", (str(short_page_folder),)),),
    )
    result = run_daily(config, Settings(cache_path=tmp_path / "s.db", use_cache=False))
    assert result.status == "ok", result.failures
    out = tmp_path / "out"
    data = json.loads((out / "latest.json").read_text())
    by_location = {s["location"]: s for s in data["sources"]}
    quay = by_location[str(short_page_folder / "quay.html")]
    assert quay["language"] == "en" and quay["extraction_note"].startswith(INCOMPLETE)
    hafen = by_location[str(short_page_folder / "hafen.txt")]
    assert hafen["language"] == "de" and hafen["extraction_note"] is None
    md = (out / "latest.md").read_text()
    assert f"**Warning:** {INCOMPLETE}: only " in md and "language: de" in md
    assert f"_Warning for [{quay['number']}]: {INCOMPLETE}" in md
    page = (out / "latest.html").read_text()
    assert f"Warning: {INCOMPLETE}: only " in page and "language: de" in page
    reader = pypdf.PdfReader(out / "latest.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert f"Warning: {INCOMPLETE}: only " in text and "language: en" in text


def test_text_inputs_lose_their_boilerplate_lines_too() -> None:
    text = "\n".join([BODY[0], "Advertisement", BODY[1], "Share this article"])
    article = build_article(text.encode(), "quay.txt", "text")
    assert article.text.split("\n") == BODY[:2]
    with pytest.raises(SourceError, match="only navigation or boilerplate"):
        build_article(b"Advertisement\nShare this article\n", "ad.txt", "text")


def test_a_news_story_about_cookie_rules_is_not_a_consent_wall() -> None:
    story = (
        "The data protection authority fined three retailers on Tuesday for setting tracking "
        "cookies before visitors gave consent. The regulator said the shops' privacy policy "
        "pages named partners that were never disclosed, and that vendors received data even "
        "when customers refused. The retailers have a month to appeal."
    )
    assert not looks_like_consent(story)


def test_related_articles_listed_in_json_ld_lend_the_page_no_date() -> None:
    related = {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "NewsArticle", "headline": "Storm", "datePublished": "2025-08-01"}
        ],
    }
    page = html(f"<article>{paragraphs(BODY)}</article>", jsonld(related))
    assert build_article(page.encode(), "quay.html", "html").published is None


def test_a_paragraph_wrapped_in_the_page_source_is_one_line_of_text() -> None:
    # trafilatura keeps the source's newlines inside a paragraph on some pages (its fallback
    # extractors do); a sentence must not come out in fragments.
    body = etree.fromstring(
        "<body><p>Seit\ndie Aktivistin mit Zügen reist,\n   träumen <hi>viele\nMenschen</hi> "
        "davon.</p><p>Zweiter Absatz.</p><code>x = 1\ny = 2</code></body>"
    )
    text = _text(SimpleNamespace(body=body, text="unused"))
    assert text.split("\n") == [
        "Seit die Aktivistin mit Zügen reist, träumen viele Menschen davon.",
        "Zweiter Absatz.",
        "x = 1",
        "y = 2",
    ]


def test_a_utc_timestamp_a_day_after_the_date_in_the_pages_url_takes_the_urls_day() -> None:
    head = (
        '<link rel="canonical" href="https://news.example/2023/01/16/quay">'
        '<meta property="article:published_time" content="2023-01-17T00:30:41+00:00">'
    )
    page = html(f"<article>{paragraphs(BODY)}</article>", head)
    assert build_article(page.encode(), "quay.html", "html").published == "2023-01-16"
    # When the day in the URL is further off, the metadata's own day stands.
    other = head.replace("2023/01/16", "2023/01/10")
    page = html(f"<article>{paragraphs(BODY)}</article>", other)
    assert build_article(page.encode(), "quay.html", "html").published == "2023-01-17"
