"""Hostile inputs: each gets its clear error or a safe result, never a crash or a hang."""

import io
import time
from pathlib import Path
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefer.config import FetchLimits, Settings
from briefer.engines.extractive import ExtractiveEngine
from briefer.errors import SourceError
from briefer.feeds import parse_feed
from briefer.models import Article
from briefer.sources import Input, build_article, expand, load

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(path: Path | str, **kw: Any) -> Article:
    return load(Input(str(path), "file", str(path)), FetchLimits(**kw))


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no disk is used
    start = time.perf_counter()
    with pytest.raises(SourceError, match="larger than the 10.0 MB limit"):
        read(huge)
    assert time.perf_counter() - start < 1.0


def test_a_single_5_mb_line_is_summarized_in_bounded_time(tmp_path: Path) -> None:
    words = "drones sanctions ministry officials said the port was attacked again today".split()
    line = " ".join(words[i % len(words)] for i in range(5 * 1024 * 1024 // 7))[: 5 * 1024 * 1024]
    path = tmp_path / "line.txt"
    path.write_text(line)
    start = time.perf_counter()
    article = read(path)
    points, risks = ExtractiveEngine(Settings()).analyze(article, [])
    assert time.perf_counter() - start < 60
    assert points and points[0].evidence in article.text


def test_deeply_nested_html_is_an_error_or_an_article(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text(
        "<html><body>"
        + "<div>" * 20000
        + "Deep text about drones and a port attack today."
        + "</div>" * 20000
        + "</body></html>"
    )
    try:
        article = read(path)
    except SourceError as exc:
        assert exc.source == str(path)
    else:
        assert "drones" in article.text


@pytest.mark.parametrize(
    "data,expected",
    [
        ("Grüße aus München: die Straße ist gesperrt.".encode("latin-1"), "Grüße aus München"),
        ("Москва заявила, что соглашение будет подписано.".encode("cp1251"), "Москва заявила"),
        ("東京で会議が開かれた。".encode("shift_jis"), None),
    ],
)
def test_legacy_encodings_decode_or_fail_clearly(
    tmp_path: Path, data: bytes, expected: str | None
) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(data)
    try:
        article = read(path)
    except SourceError as exc:
        assert "encoding could not be recognised" in exc.reason
        return
    if expected:
        assert article.text.startswith(expected)


def test_entity_bomb_in_a_feed_is_defused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>t</title><item><title>&lol9;</title><link>https://x.example/a</link></item></channel></rss>"""
    start = time.perf_counter()
    result = parse_feed(bomb, "https://x.example/feed")
    assert time.perf_counter() - start < 2
    assert len(result.items[0].title or "") < 100


def test_entity_declaration_outside_a_doctype_is_refused() -> None:
    with pytest.raises(SourceError, match="declares XML entities"):
        parse_feed(b'<?xml version="1.0"?><!ENTITY x "y"><rss></rss>', "https://x.example/feed")


@pytest.mark.parametrize(
    "url,kind",
    [
        ("http://127.0.0.1:8080/admin", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://localhost/feed.xml", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.5/page", "private"),
        ("http://192.168.1.1/", "private"),
        ("https://intranet.internal/news", "private"),
    ],
)
def test_private_addresses_are_refused_unless_allowed(url: str, kind: str) -> None:
    with pytest.raises(SourceError, match=f"is a {kind} address") as err:
        load(expand(url)[0], FetchLimits())
    assert "use the allow_private setting" in err.value.reason


@responses.activate
def test_allow_private_fetches_from_this_machine() -> None:
    responses.get(
        "http://127.0.0.1:8080/page",
        body="Title\nA local page about drones.",
        content_type="text/plain",
    )
    article = load(expand("http://127.0.0.1:8080/page")[0], FetchLimits(allow_private=True))
    assert "drones" in article.text


@responses.activate
def test_a_redirect_to_a_private_address_is_refused() -> None:
    responses.get(
        "https://news.example.org/a",
        status=302,
        headers={"Location": "http://169.254.169.254/latest/"},
    )
    with pytest.raises(SourceError, match="link-local address"):
        load(expand("https://news.example.org/a")[0], FetchLimits())
    assert len(responses.calls) == 1  # the metadata address was never requested


@responses.activate
def test_a_redirect_to_another_scheme_is_refused() -> None:
    responses.get(
        "https://news.example.org/a", status=301, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(SourceError, match="only http and https"):
        load(expand("https://news.example.org/a")[0], FetchLimits())


@responses.activate
@pytest.mark.parametrize(
    "content_type", ["image/png", "application/octet-stream", "application/zip"]
)
def test_non_text_downloads_are_refused(content_type: str) -> None:
    responses.get(
        "https://news.example.org/x",
        body=b"\x89PNG\r\n\x1a\n" + bytes(100),
        content_type=content_type,
    )
    with pytest.raises(SourceError, match="not a text or HTML page"):
        load(expand("https://news.example.org/x")[0], FetchLimits())


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["text", "markdown", "html"]))
def test_any_bytes_give_an_article_or_a_source_error(data: bytes, kind: str) -> None:
    try:
        article = build_article(data, "fuzz", kind)
    except SourceError as exc:
        assert exc.source == "fuzz" and exc.reason
    else:
        assert article.text and article.text == article.text.strip()


@FUZZ
@given(st.text(max_size=2000), st.sampled_from(["text", "markdown", "html"]))
def test_any_text_gives_an_article_or_a_source_error(text: str, kind: str) -> None:
    try:
        article = build_article(text.encode("utf-8"), "fuzz", kind)
    except SourceError as exc:
        assert exc.source == "fuzz" and exc.reason
    else:
        assert article.text.strip() and len(article.id) == 64


XML_PIECES = st.sampled_from(
    [
        "<rss>",
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<title>",
        "</title>",
        "<link>https://x.example/a</link>",
        "<guid>g</guid>",
        "<description>",
        "</description>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "</feed>",
        "<entry>",
        "</entry>",
        "&amp;",
        "&bogus;",
        "<![CDATA[x]]>",
        "<?xml version='1.0'?>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]>",
        "text",
    ]
)


@FUZZ
@given(st.lists(XML_PIECES, max_size=40))
def test_any_feed_like_document_parses_or_gives_a_source_error(pieces: list[str]) -> None:
    try:
        result = parse_feed("".join(pieces).encode(), "https://x.example/feed")
    except SourceError as exc:
        assert exc.source == "https://x.example/feed"
    else:
        assert all(item.id for item in result.items)


def test_stdin_larger_than_the_cap_is_refused() -> None:
    stream = io.BytesIO(b"x " * (2 * 1024 * 1024))
    with pytest.raises(SourceError, match="larger than the 1.0 MB limit"):
        load(Input("<stdin>", "stdin", "-"), FetchLimits(max_bytes=1024 * 1024), stdin=stream)
