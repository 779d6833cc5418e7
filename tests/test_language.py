import pytest

from briefer.language import UNKNOWN, LanguageGuess, detect
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


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every text whose language is detected while an article is read."""
    import briefer.extract
    import briefer.sources

    seen: list[str] = []

    def counted(text: str) -> LanguageGuess:
        seen.append(text)
        return detect(text)

    monkeypatch.setattr(briefer.sources, "detect_language", counted)
    monkeypatch.setattr(briefer.extract, "detect_language", counted)
    return seen


_GERMAN = "Die Bundesregierung will das Recycling von Batterien deutlich verbessern. " * 5


def test_a_text_article_has_its_language_detected_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    article = build_article(("Batterien\n" + _GERMAN).encode(), "a.txt", "text")
    assert article.language == "de"
    assert seen == [article.text]


def test_a_page_has_its_language_detected_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    html = f"<html><body><article><p>{_GERMAN}</p></article></body></html>"
    article = build_article(html.encode(), "page.html", "html")
    assert article.language == "de"
    assert seen == [article.text]


def test_the_language_is_that_of_the_text_left_after_boilerplate_is_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _counting(monkeypatch)
    # The copyright line goes; the guess made with it is not reused for the text without it.
    data = ("Batterien\n" + _GERMAN + "\n© 2026 Example News").encode()
    article = build_article(data, "a.txt", "text")
    assert "©" not in article.text
    assert article.language == detect(article.text).code == "de"
    assert seen[-1] == article.text and len(seen) == 2
