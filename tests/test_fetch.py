from typing import Any

import pytest
import requests
import responses

from briefer.config import FetchLimits
from briefer.errors import SourceError
from briefer.fetch import USER_AGENT, fetch
from briefer.models import Article
from briefer.sources import expand, load

from .test_sources import HTML_PAGE

URL = "https://news.example.org/world/iran-russia.html"


def load_url(url: str, settings: FetchLimits | None = None) -> Article:
    return load(expand(url)[0], settings or FetchLimits())


@responses.activate
def test_html_page_is_fetched_with_timeouts_user_agent_and_metadata() -> None:
    responses.get(URL, body=HTML_PAGE, content_type="text/html; charset=utf-8")
    article = load_url(URL)
    assert "expected to sign a new comprehensive cooperation agreement" in article.text
    assert article.url == URL and article.source == URL
    assert article.author == "Jane Analyst"
    request = responses.calls[0].request
    assert request.headers["User-Agent"] == USER_AGENT
    sent: dict[str, Any] = request.req_kwargs  # type: ignore[attr-defined]  # set by responses
    assert sent["timeout"] == (10.0, 30.0)
    assert sent["stream"] is True


@responses.activate
def test_charset_from_the_header_is_honoured() -> None:
    body = "Москва и Тегеран готовят новое соглашение о стратегическом партнёрстве.\nВторая строка."
    responses.get(
        URL, body=body.encode("windows-1251"), content_type="text/plain; charset=windows-1251"
    )
    assert load_url(URL).text == body


@responses.activate
def test_charset_is_guessed_when_the_header_is_silent() -> None:
    body = "Café déjà vu: the naïve façade of an élan résumé, reported on Tuesday."
    responses.get(URL, body=body.encode("cp1252"), content_type="text/plain")
    assert load_url(URL).text == body


@responses.activate
def test_redirects_are_followed_and_the_final_url_kept() -> None:
    responses.get(URL, status=301, headers={"Location": URL + "?page=1"})
    responses.get(
        URL + "?page=1", body="Title\nA short article body sentence.", content_type="text/plain"
    )
    assert load_url(URL).url == URL + "?page=1"


@responses.activate
def test_redirect_loop_is_bounded() -> None:
    responses.get(URL, status=302, headers={"Location": URL})
    with pytest.raises(SourceError, match="more than 5 redirects") as err:
        load_url(URL)
    assert err.value.source == URL
    assert len(responses.calls) == 6


@responses.activate
@pytest.mark.parametrize(
    "kwargs,reason",
    [
        ({"status": 404}, "HTTP 404 Not Found"),
        ({"status": 503}, "HTTP 503"),
        ({"body": requests.exceptions.ConnectionError("refused")}, "could not connect"),
        ({"body": requests.exceptions.ConnectTimeout()}, "could not connect within 10 s"),
        ({"body": requests.exceptions.ReadTimeout()}, "sent nothing for 30 s"),
        (
            {"body": b"%PDF-1.7", "content_type": "application/pdf"},
            "application/pdf, not a text or HTML",
        ),
        (
            {"body": "<?xml version='1.0'?><rss></rss>", "content_type": "application/rss+xml"},
            "RSS/Atom feed",
        ),
    ],
)
def test_failures_name_the_url_and_the_reason(kwargs: dict[str, Any], reason: str) -> None:
    responses.get(URL, **kwargs)
    with pytest.raises(SourceError, match=reason) as err:
        load_url(URL)
    assert err.value.source == URL


@responses.activate
def test_declared_size_over_the_cap_is_refused_without_reading() -> None:
    responses.get(
        URL,
        body="x" * 10,
        headers={"Content-Length": str(50 * 1024 * 1024)},
        auto_calculate_content_length=False,
    )
    with pytest.raises(SourceError, match="50.0 MB, over the 1.0 MB limit"):
        load_url(URL, FetchLimits(max_bytes=1024 * 1024))


@responses.activate
def test_streamed_body_over_the_cap_is_cut_off() -> None:
    responses.get(URL, body=b"a " * (600 * 1024), content_type="text/plain")
    with pytest.raises(SourceError, match="over the 1.0 MB limit"):
        load_url(URL, FetchLimits(max_bytes=1024 * 1024))


def test_only_http_and_https_are_fetched() -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/a.txt", "gopher://example.org/"):
        with pytest.raises(SourceError, match="only http and https"):
            load_url(url)


@responses.activate
def test_credentials_in_the_url_never_appear_in_errors() -> None:
    responses.get("https://news.example.org/private", status=401)
    with pytest.raises(SourceError) as err:
        fetch("https://reader:hunter2@news.example.org/private")
    assert "hunter2" not in str(err.value) and "reader" not in str(err.value)
    assert err.value.source == "https://news.example.org/private"
