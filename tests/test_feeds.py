from pathlib import Path

import pytest
import responses
from click.testing import Result

from briefer.config import FetchLimits
from briefer.errors import SourceError
from briefer.feeds import fetch_feed, parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example World</title>
<item><title>Iran and Russia near a pact</title>
<link>https://news.example.org/pact?utm_source=rss</link>
<guid isPermaLink="false">ex-1</guid>
<pubDate>Sun, 29 Nov 2026 05:00:00 GMT</pubDate>
<description>&lt;p&gt;Officials &lt;b&gt;expect&lt;/b&gt; a signing soon.&lt;/p&gt;</description></item>
<item><title>No guid here</title><link>https://news.example.org/noguid</link>
<pubDate>Sat, 28 Nov 2026 22:00:00 GMT</pubDate><description>Short.</description></item>
<item><title>Neither guid nor link</title><description>Lost.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title>
<entry><id>tag:atom.example,2026:1</id><title>Port hit by ransomware</title>
<link href="https://atom.example/port"/><updated>2026-11-29T04:00:00Z</updated>
<summary>Short summary.</summary>
<content type="html">&lt;p&gt;The full text of the story is carried in the feed itself.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_items_have_ids_links_dates_and_summaries() -> None:
    result = parse_feed(RSS.encode(), "https://news.example.org/rss")
    assert result.title == "Example World"
    first, second = result.items  # the entry with neither guid nor link is skipped
    assert first.id == "ex-1" and first.link == "https://news.example.org/pact?utm_source=rss"
    assert first.published is not None
    assert first.published.isoformat() == "2026-11-29T05:00:00+00:00"
    assert "<b>expect</b>" in first.summary
    assert second.id == "https://news.example.org/noguid"  # no guid: the link stands in


def test_atom_prefers_full_content_over_summary() -> None:
    [entry] = parse_feed(ATOM.encode(), "https://atom.example/feed").items
    assert entry.id == "tag:atom.example,2026:1"
    assert "full text of the story" in entry.summary
    assert entry.feed_title == "Atom Desk"


def test_malformed_feed_keeps_what_it_can_and_junk_is_an_error() -> None:
    broken = RSS.replace("</channel></rss>", "")  # truncated document
    assert len(parse_feed(broken.encode(), "u").items) == 2
    with pytest.raises(SourceError, match="not a readable RSS, Atom or JSON feed"):
        parse_feed(b"<html><body>Not a feed at all", "https://x.example/page")


@responses.activate
def test_conditional_get_sends_validators_and_understands_304() -> None:
    url = "https://news.example.org/rss"
    responses.get(
        url,
        body=RSS,
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Sun, 29 Nov 2026 05:00:00 GMT"},
    )
    first = fetch_feed(url, FetchLimits())
    assert (first.etag, first.last_modified) == ('"v1"', "Sun, 29 Nov 2026 05:00:00 GMT")
    responses.replace(responses.GET, url, status=304)
    again = fetch_feed(url, FetchLimits(), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.items == ()
    sent = responses.calls[1].request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Sun, 29 Nov 2026 05:00:00 GMT"


@responses.activate
def test_feed_http_errors_name_the_feed() -> None:
    responses.get("https://news.example.org/gone.rss", status=404)
    with pytest.raises(SourceError, match="HTTP 404") as err:
        fetch_feed("https://news.example.org/gone.rss", FetchLimits())
    assert err.value.source == "https://news.example.org/gone.rss"


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON Desk",
    "home_page_url": "https://json.example/",
    "items": [
        {
            "id": "j-1",
            "url": "https://json.example/port",
            "title": "Port hit by ransomware",
            "content_html": "<p>The full text of the story is carried in the feed.</p>",
            "summary": "Short.",
            "date_published": "2026-11-29T04:00:00Z",
        },
        {
            "id": 2,
            "external_url": "https://other.example/story",
            "content_text": "Plain text only.",
            "date_modified": "2026-11-28T22:30:00+01:00",
        },
        {"title": "Neither id nor url"},
        "not an item",
    ],
}


@pytest.mark.parametrize("version", ["1", "1.1"])
@responses.activate
def test_json_feed_items_are_read_through_requests(version: str) -> None:
    import json

    url = "https://json.example/feed.json"
    feed = {**JSON_FEED, "version": f"https://jsonfeed.org/version/{version}"}
    responses.get(url, json=feed, content_type="application/feed+json", headers={"ETag": '"j"'})
    result = fetch_feed(url, FetchLimits())
    assert "application/feed+json" in responses.calls[0].request.headers["Accept"]
    assert result.title == "JSON Desk" and result.etag == '"j"'
    first, second = result.items
    assert (first.id, first.link, first.title) == (
        "j-1",
        "https://json.example/port",
        "Port hit by ransomware",
    )
    assert first.summary == "<p>The full text of the story is carried in the feed.</p>"
    assert first.published is not None
    assert first.published.isoformat() == "2026-11-29T04:00:00+00:00"
    assert (second.id, second.link, second.title) == ("2", "https://other.example/story", None)
    assert second.summary == "Plain text only."
    assert second.published is not None
    assert second.published.isoformat() == "2026-11-28T22:30:00+01:00"
    assert parse_feed(json.dumps(feed).encode(), url).items == result.items


@pytest.mark.parametrize(
    "body,reason",
    [
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": [',
            "not a readable JSON Feed (invalid JSON); check the address",
        ),
        (
            b'{"title": "no version", "items": []}',
            "not a JSON Feed (no jsonfeed.org version); check the address",
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}',
            "the JSON Feed has no list of items; check the address",
        ),
    ],
)
def test_a_broken_json_feed_is_one_clear_error(body: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(body, "https://json.example/feed.json")
    assert str(caught.value) == f"https://json.example/feed.json: {reason}"


@responses.activate
def test_a_json_feed_named_on_the_command_line_is_recognised_as_a_feed(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from click.testing import CliRunner

    from briefer.cli import cli

    now = datetime.now(timezone.utc).isoformat()
    text = "A ransomware attack stopped container handling at two terminals on Wednesday. " * 20
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Desk",
        "items": [
            {
                "id": "a",
                "url": "https://json.example/a",
                "title": "Port attack",
                "content_text": text,
                "date_published": now,
            }
        ],
    }
    # Served as plain JSON: recognised by its version, not its media type.
    responses.get("https://json.example/feed", json=feed)
    result = CliRunner().invoke(
        cli,
        [
            "brief",
            "https://json.example/feed",
            "-d",
            str(tmp_path / "b"),
            "--cache",
            str(tmp_path / "s.db"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "1 article(s) in 1 story." in result.stdout
    assert "Port attack" in (tmp_path / "b" / "latest.md").read_text()


# ---- a feed named to `briefer summarize` ------------------------------------------------------

SUMMARIZE_FEED = "https://desk.example/feed.xml"
PORT = (
    "A ransomware attack stopped container handling at two terminals in the port of {where} "
    "on Wednesday, the operator said. Trucks queued for hours as gate systems went offline. "
)


def desk_feed(
    count: int, *, short: frozenset[int] = frozenset(), oldest_first: bool = False
) -> str:
    """An RSS feed of ``count`` items, item 0 the newest; the items in ``short`` carry only a
    link to their page, the others their whole story."""
    items = []
    for i in reversed(range(count)) if oldest_first else range(count):
        where = f"Harbour{i}"
        text = "" if i in short else (PORT.format(where=where) * 12)
        items.append(
            f"<item><title>Port {i} attacked</title><link>https://desk.example/{i}</link>"
            f"<guid>desk-{i}</guid><pubDate>{29 - i:02d} Nov 2026 06:00:00 GMT</pubDate>"
            f"<description>{text}</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
        + "".join(items)
        + "</channel></rss>"
    )


def invoke_summarize(*args: str) -> Result:
    from click.testing import CliRunner

    from briefer.cli import cli

    return CliRunner().invoke(cli, ["summarize", SUMMARIZE_FEED, *args])


@responses.activate
def test_summarize_reads_a_feeds_newest_items_as_brief_does() -> None:
    # Served as application/xml with the oldest item first: the dates decide what is newest.
    body = desk_feed(3, short=frozenset({1}), oldest_first=True)
    responses.get(SUMMARIZE_FEED, body=body, content_type="application/xml")
    page = (
        f"<html><body><article><p>{PORT.format(where='Harbour1') * 12}</p></article></body></html>"
    )
    responses.get("https://desk.example/1", body=page, content_type="text/html")
    result = invoke_summarize("--feed-items", "2")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("# Summary of 2 articles\n")
    assert "## 1. Port 0 attacked" in result.stdout and "## 2. Port 1 attacked" in result.stdout
    assert "Harbour1" in result.stdout  # its short item was read from its page
    assert "Port 2 attacked" not in result.stdout
    fetched = [call.request.url for call in responses.calls]
    assert fetched == [SUMMARIZE_FEED, "https://desk.example/1"]


@responses.activate
def test_summarize_takes_ten_feed_items_unless_told() -> None:
    from briefer.defaults import DEFAULT_FEED_ITEMS

    responses.get(
        SUMMARIZE_FEED, body=desk_feed(DEFAULT_FEED_ITEMS + 2), content_type="application/rss+xml"
    )
    result = invoke_summarize("--format", "json")
    assert result.exit_code == 0, result.stderr
    import json

    titles = [a["article"]["title"] for a in json.loads(result.stdout)["articles"]]
    assert DEFAULT_FEED_ITEMS == 10
    assert titles == [f"Port {i} attacked" for i in range(10)]


@responses.activate
def test_a_feed_item_that_fails_is_reported_and_the_others_summarized() -> None:
    responses.get(
        SUMMARIZE_FEED, body=desk_feed(2, short=frozenset({0})), content_type="application/rss+xml"
    )
    responses.get("https://desk.example/0", status=404)
    result = invoke_summarize()
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: https://desk.example/0: ")
    assert "HTTP 404" in result.stderr
    assert "# Summary of 1 article\n" in result.stdout and "Port 1 attacked" in result.stdout


@responses.activate
def test_a_feed_without_items_is_one_clear_error() -> None:
    empty = '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title></channel></rss>'
    responses.get(SUMMARIZE_FEED, body=empty, content_type="application/rss+xml")
    result = invoke_summarize()
    assert result.exit_code == 1 and result.stdout == ""
    assert (
        result.stderr == f"Error: {SUMMARIZE_FEED}: the feed lists no items; nothing to summarize\n"
    )


def test_summarize_help_says_how_many_feed_items() -> None:
    from click.testing import CliRunner

    from briefer.cli import cli

    shown = " ".join(CliRunner().invoke(cli, ["summarize", "--help"]).stdout.split())
    assert "--feed-items N" in shown
    assert (
        "A feed URL stands for its N newest items (by date, undated last). [default: 10;" in shown
    )


@responses.activate
def test_brief_reads_a_page_it_sniffed_as_summarize_does(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from briefer.cli import cli

    url = "https://desk.example/report.pdf"
    responses.get(url, body=b"%PDF-1.7 binary", content_type="application/pdf")
    args = ["brief", url, "-d", str(tmp_path / "b"), "--cache", str(tmp_path / "s.db")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: {url}: the server sent application/pdf, not a text or HTML page"
    )
    assert len(responses.calls) == 1  # sniffed once, not downloaded again


@responses.activate
def test_an_item_read_from_the_feeds_text_says_so_in_the_summary() -> None:
    lines = "".join(f"Port {n} closed after the attack, the operator said. " for n in range(8))
    body = desk_feed(1).replace(PORT.format(where="Harbour0") * 12, lines)
    responses.get(SUMMARIZE_FEED, body=body, content_type="application/rss+xml")
    responses.get("https://desk.example/0", status=404)
    result = invoke_summarize()
    assert result.exit_code == 0, result.stderr
    warning = "- **Warning:** the page could not be downloaded (the server answered HTTP 404"
    assert warning in result.stdout
    assert "; the feed's summary was used\n" in result.stdout
