"""briefer.toml: mistakes explained by file, line, section and key; allow_private in the file."""

from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from briefer.cli import cli
from briefer.collect import for_source
from briefer.config import FetchLimits, Settings, SourceSpec
from briefer.configerrors import key_lines, ordinal
from briefer.configfile import read_brief_config, read_config_file
from briefer.errors import ConfigError

BRIEF_KEYS = (
    "title, audience, output_dir, formats, page_size, window_hours, since_last_run, "
    "max_articles, per_source_limit, include, exclude, near_duplicate, story_threshold, "
    "max_stories, max_top_risks, summary_items, full_text_below_words, language"
)
SOURCE_KEYS = "name, feed, urls, path, limit, include, exclude, allow_private"


def error_for(tmp_path: Path, text: str) -> str:
    path = tmp_path / "briefer.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_brief_config(path)
    return str(caught.value).replace(str(path), "briefer.toml")


def test_a_typo_names_line_section_nearest_key_and_valid_keys(tmp_path: Path) -> None:
    text = '[brief]\n# the title\ntitel = "Morning brief"\n'
    assert error_for(tmp_path, text) == (
        'briefer.toml, line 3: unknown key "titel" in [brief]; did you mean "title"? '
        f"Valid keys in [brief]: {BRIEF_KEYS}."
    )


def test_a_source_is_named_by_position_and_name_and_url_hints_at_urls(tmp_path: Path) -> None:
    text = (
        '[[source]]\nname = "Inbox"\npath = "inbox"\n\n'
        '[[source]]\nname = "Reading list"\nurl = "https://news.example.org/a.html"\n'
    )
    assert error_for(tmp_path, text) == (
        'briefer.toml, line 7: unknown key "url" in the second [[source]] ("Reading list"); '
        'did you mean "urls"? It takes a list: urls = ["https://…"] '
        '(for a feed: feed = "https://…"). '
        f"Valid keys in [[source]]: {SOURCE_KEYS}."
    )


def test_a_source_without_a_name_and_without_a_location(tmp_path: Path) -> None:
    text = '[[source]]\npath = "inbox"\n\n[[source]]\nlimit = 3\n'
    assert error_for(tmp_path, text) == (
        "briefer.toml, line 4: the second [[source]]: give exactly one of feed, urls or path "
        "(found none of them)."
    )


def test_an_unknown_section_is_matched_to_the_nearest_section(tmp_path: Path) -> None:
    assert error_for(tmp_path, '[breif]\ntitle = "x"\n') == (
        "briefer.toml, line 1: unknown section [breif]; did you mean [brief]? Valid sections: "
        "engine, chunking, summary, cache, prices, brief, source, fetch, delivery."
    )


def test_a_bad_value_shows_the_key_its_value_and_the_rule(tmp_path: Path) -> None:
    text = '[brief]\nformats = ["md", "docx"]\n'
    assert error_for(tmp_path, text) == (
        'briefer.toml, line 2: formats = ["md", "docx"] in [brief]: '
        "input should be 'md', 'json', 'html' or 'pdf'."
    )


def test_a_single_url_given_as_text_shows_the_list_to_write(tmp_path: Path) -> None:
    text = '[[source]]\nname = "Reading list"\nurls = "https://news.example.org/a.html"\n'
    assert error_for(tmp_path, text) == (
        'briefer.toml, line 3: urls = "https://news.example.org/a.html" in the first [[source]] '
        '("Reading list"): input should be a valid list (write a list, even of one: '
        'urls = ["https://news.example.org/a.html"]).'
    )


def test_a_key_outside_any_section_is_pointed_to_its_section(tmp_path: Path) -> None:
    assert error_for(tmp_path, 'title = "Morning brief"\n\n[brief]\naudience = "desk"\n') == (
        'briefer.toml, line 1: "title" is outside any section; it belongs under [brief]. '
        "Sections: engine, chunking, summary, cache, prices, brief, source, fetch, delivery."
    )


def test_a_missing_key_names_its_table(tmp_path: Path) -> None:
    text = '[delivery.email]\nhost = "smtp.example.org"\n'
    assert error_for(tmp_path, text) == 'briefer.toml, line 1: [delivery.email] needs the key "to".'


def test_a_single_bracket_source_table_is_explained(tmp_path: Path) -> None:
    assert error_for(tmp_path, '[source]\npath = "inbox"\n') == (
        "briefer.toml, line 1: write each source as a [[source]] table (two brackets), "
        "one per source."
    )


def test_a_typo_in_a_quoted_price_table(tmp_path: Path) -> None:
    path = tmp_path / "briefer.toml"
    path.write_text('[prices."gpt-4o-mini"]\ninput = 0.15\noutptu = 0.6\n')
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    assert str(caught.value) == (
        f'{path}, line 3: unknown key "outptu" in [prices.gpt-4o-mini]; did you mean "output"? '
        "Valid keys in [prices.MODEL]: input, output."
    )


def test_the_cli_prints_the_error_once_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "briefer.toml").write_text('[[source]]\nname = "x"\nfolder = "inbox"\n')
    result = CliRunner().invoke(cli, ["brief"])
    assert result.exit_code == 1
    assert result.stderr == (
        'Error: briefer.toml, line 3: unknown key "folder" in the first [[source]] ("x"). '
        'A file or folder is path = "inbox". '
        f"Valid keys in [[source]]: {SOURCE_KEYS}.\n"
    )


def test_key_lines_follow_tables_arrays_and_dotted_keys() -> None:
    text = (
        "top = 1\n[brief]\ntitle = 'x'  # a comment\n[[source]]\npath = 'a'\n"
        "[[source]]\n# feed = 'commented'\nfeed = 'b'\n[prices.\"m-1\"]\ninput = 1\n"
        "[engine]\nbatch.poll = 3\n"
    )
    lines = key_lines(text)
    assert lines[("top",)] == 1
    assert lines[("brief", "title")] == 3
    assert lines[("source", 0)] == 4 and lines[("source", 0, "path")] == 5
    assert lines[("source", 1, "feed")] == 8
    assert lines[("prices", "m-1", "input")] == 10
    assert lines[("engine", "batch", "poll")] == 12


def test_ordinals() -> None:
    assert [ordinal(i) for i in (0, 1, 9, 10, 11, 12, 20, 21)] == [
        "first",
        "second",
        "tenth",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
    ]


def test_allow_private_globally_and_per_source(tmp_path: Path) -> None:
    path = tmp_path / "briefer.toml"
    path.write_text(
        "[fetch]\nallow_private = true\n\n"
        '[[source]]\nname = "Intranet"\nfeed = "http://10.1.2.3/feed.xml"\n\n'
        '[[source]]\nname = "Public"\nfeed = "https://news.example.org/rss.xml"\n'
        "allow_private = false\n"
    )
    assert read_config_file(path)["allow_private"] is True
    sources = read_brief_config(path).sources
    assert [s.allow_private for s in sources] == [None, False]
    on = Settings(allow_private=True)
    assert for_source(on.fetch_limits, sources[0]).allow_private is True
    assert for_source(on.fetch_limits, sources[1]).allow_private is False
    assert for_source(FetchLimits(), SourceSpec("feed", ("x",), allow_private=True)).allow_private


@responses.activate
def test_a_source_allowed_private_is_fetched_and_another_is_refused(tmp_path: Path) -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><item>'
        "<title>Port reopens</title><link>http://wiki.internal/port</link><guid>p-1</guid>"
        "<description>"
        + "The port reopened on Sunday after repairs and shipping resumed. " * 30
        + "</description></item></channel></rss>"
    )
    responses.get("http://wiki.internal/feed.xml", body=rss, content_type="application/rss+xml")
    path = tmp_path / "briefer.toml"
    path.write_text(
        '[brief]\noutput_dir = "briefs"\n\n'
        '[[source]]\nname = "Intranet"\nfeed = "http://wiki.internal/feed.xml"\n'
        "allow_private = true\n\n"
        '[[source]]\nname = "Other"\nfeed = "http://other.internal/feed.xml"\n'
    )
    result = CliRunner().invoke(
        cli, ["--config", str(path), "brief", "--cache", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[0] == (
        "Error: http://other.internal/feed.xml: other.internal is a private address "
        "(10.20.30.40); to fetch from this machine or a private network, use --allow-private "
        "(allow_private = true in the source's [[source]] or in [fetch])"
    )
    assert "1 article(s) in 1 story; 1 input(s) failed." in result.stdout
