from briefer.language import UNKNOWN, detect
from briefer.sources import build_article


def test_detects_the_four_languages_the_brief_supports() -> None:
    samples = {
        "en": "Russia and Iran are expected to sign a new cooperation agreement soon, officials said.",
        "de": "Das war ein schwerer Fehler der Regierung, sagte der Minister am Montag in Berlin.",
        "fr": "Le gouvernement a annoncé mardi une nouvelle réforme des retraites, très contestée.",
        "es": "El presidente dijo que la economía del país crecerá este año más de lo previsto.",
    }
    for code, text in samples.items():
        assert detect(text).code == code, text


def test_too_little_text_is_undetermined_not_english() -> None:
    assert detect("OK 12").code == UNKNOWN
    assert detect("").code == UNKNOWN


def test_articles_carry_their_language() -> None:
    html = (
        "<html><head><title>Recycling</title></head><body><article><p>"
        + "Die Bundesregierung will das Recycling von Batterien deutlich verbessern. " * 5
        + "</p></article></body></html>"
    )
    article = build_article(html.encode(), "page.html", "html")
    assert article.language == "de"
