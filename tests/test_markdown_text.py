"""Markdown inputs are read as Markdown: plain text for evidence, front matter for metadata."""

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

import briefer
from briefer.cli import cli
from briefer.config import FetchLimits
from briefer.errors import SourceError
from briefer.markdown_text import plain_text
from briefer.models import Article
from briefer.sources import Input, load
from briefer.verify import locate


def read(path: Path) -> Article:
    return load(Input(str(path), "file", str(path)), FetchLimits())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("Prices **rose** sharply.", "Prices rose sharply."),
        ("Prices *rose* sharply.", "Prices rose sharply."),
        ("Prices _rose_ sharply.", "Prices rose sharply."),
        ("Prices ~~fell~~ rose.", "Prices fell rose."),
        ("See [the report](https://example.org/r?id=1 'Report') now.", "See the report now."),
        ("See <https://example.org/r> now.", "See https://example.org/r now."),
        ("Run `briefer brief` daily.", "Run briefer brief daily."),
        ("## Markets ##", "Markets"),
        ("Markets\n-------", "Markets"),
        (
            "> Officials said the talks\n> would continue.",
            "Officials said the talks would continue.",
        ),
        ("Before <!-- an editor's note --> after.", "Before after."),
        ("Before.\n\n<!--\nhidden draft\n-->\n\nAfter.", "Before.\n\nAfter."),
        ("- one\n- two", "one\n\ntwo"),
        ("* one\n* two", "one\n\ntwo"),
        ("1. one\n2. two", "one\n\ntwo"),
        ("- one\n  - nested", "one\n\nnested"),
        ("Wrapped lines\njoin into one paragraph.", "Wrapped lines join into one paragraph."),
        ("![a chart](chart.png) Rates &amp; \\*stars\\*.", "Rates & *stars*."),
        ('<div align="center">Shown <b>text</b><script>x()</script></div>', "Shown text"),
        ("| Year | Rate |\n|---|---|\n| 2024 | 3% |", "Year; Rate\n\n2024; 3%"),
        ("```\ncode line\n```", "code line"),
    ],
)
def test_each_kind_of_markup_becomes_plain_text(markdown: str, plain: str) -> None:
    assert plain_text(markdown)[0] == plain


def test_a_markdown_file_is_read_as_plain_paragraphs_with_its_heading_as_title(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "note.md",
        "# Port **strike** ends\n\n"
        "Dock workers in [Rotterdam](https://example.org/rdam) returned on Monday.\n"
        "The union said `wages` would rise.\n\n"
        "- Ships queued for days.\n"
        "* Freight rates rose.\n"
        "1. Talks resume in May.\n",
    )
    article = read(path)
    assert article.kind == "markdown"
    assert article.title == "Port strike ends"
    assert article.text == (
        "Port strike ends\n\n"
        "Dock workers in Rotterdam returned on Monday. The union said wages would rise.\n\n"
        "Ships queued for days.\n\nFreight rates rose.\n\nTalks resume in May."
    )


def test_the_first_level_one_heading_is_the_title_not_a_subheading(tmp_path: Path) -> None:
    article = read(write(tmp_path, "n.md", "## Section\n\nText here.\n\n# The title\n\nMore.\n"))
    assert article.title == "The title"


def test_yaml_front_matter_gives_the_metadata_and_is_not_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "fm.md",
        "---\n"
        'title: "Grid operator warns of outages"\n'
        "date: 2024-05-03\n"
        "author: [Ann Lee, {name: Bo Chen}]\n"
        "url: https://example.org/grid\n"
        "tags: [energy]\n"
        "---\n"
        "# A heading that is not the title\n\n"
        "The grid operator warned of rolling outages this summer.\n",
    )
    article = read(path)
    assert article.title == "Grid operator warns of outages"
    assert article.published == "2024-05-03"
    assert article.author == "Ann Lee, Bo Chen"
    assert article.url == "https://example.org/grid"
    assert article.text == (
        "A heading that is not the title\n\n"
        "The grid operator warned of rolling outages this summer."
    )


def test_toml_front_matter_is_read_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "fm.md",
        '+++\ntitle = "Floods close roads"\ndate = 2024-06-01T08:30:00Z\n+++\n\nRoads were closed.\n',
    )
    article = read(path)
    assert (article.title, article.published, article.text) == (
        "Floods close roads",
        "2024-06-01",
        "Roads were closed.",
    )


def test_malformed_front_matter_is_one_warning_naming_the_file_and_the_text_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path,
        "broken.md",
        '---\ntitle: "Unclosed\ndate: [2024\n---\n# Real heading\n\nThe text is still read.\n',
    )
    with caplog.at_level(logging.WARNING):
        article = read(path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}: its YAML front matter could not be read (line ")
    assert article.title == "Real heading"
    assert article.published is None
    assert article.text == "Real heading\n\nThe text is still read."


def test_front_matter_values_that_are_not_usable_are_named_in_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "v.md", "---\ndate: next Tuesday\nurl: ftp://x\n---\nText here.\n")
    with caplog.at_level(logging.WARNING):
        article = read(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: front matter value ignored: date (not a YYYY-MM-DD date), "
        "url (not an http(s) address)"
    ]
    assert (article.published, article.url, article.text) == (None, None, "Text here.")


def test_prose_between_two_rules_is_text_not_front_matter(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        article = read(write(tmp_path, "r.md", "---\nA paragraph between rules.\n---\n\nMore.\n"))
    assert article.text == "A paragraph between rules.\n\nMore."
    assert caplog.records == []


def test_a_file_of_only_front_matter_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.md", "---\ntitle: Nothing\n---\n<!-- draft -->\n")
    with pytest.raises(SourceError) as caught:
        read(path)
    assert str(path) in str(caught.value)
    assert "holds only front matter and markup" in str(caught.value)


def test_text_files_keep_their_characters(tmp_path: Path) -> None:
    raw = "---\ntitle: x\n---\nA **plain** text with [brackets](here) and # hashes.\n"
    article = read(write(tmp_path, "plain.txt", raw))
    assert article.kind == "text"
    assert article.text == raw.strip()


def test_evidence_from_a_markdown_file_is_verbatim_plain_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "story.md",
        "---\ntitle: Refinery fire\ndate: 2024-02-10\n---\n"
        "# Refinery **fire** forces evacuation\n\n"
        "A fire at the [Pernis refinery](https://example.org/pernis) forced the *evacuation* of "
        "two hundred workers on Saturday, the operator said.\n\n"
        "- Firefighters contained the blaze after **six hours** of work.\n"
        "- Authorities warned residents to keep windows closed because of the smoke.\n\n"
        "> The cause of the fire is not yet known, a spokesperson for the operator said.\n",
    )
    run = briefer.summarize([str(path)], briefer.Settings(use_cache=False))
    (digest,) = run.digests
    text = digest.article.text
    assert digest.article.title == "Refinery fire"
    assert digest.key_points
    quotes = [(p.evidence, p.span) for p in digest.key_points]
    quotes += [(r.evidence, r.span) for r in digest.risks]
    for evidence, span in quotes:
        assert "**" not in evidence and "](" not in evidence
        assert span is not None
        assert text[span.start : span.end] == evidence
        assert locate(text, evidence) is not None


def test_a_brief_of_a_markdown_file_has_no_markup_from_it(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write(
        tmp_path / "in",
        "story.md",
        "# Bridge **closed** after crack found\n\n"
        "Engineers closed the [Hollandse bridge](https://example.org/hidden-target) on Friday "
        "after finding a _crack_ in a main girder, the transport ministry said.\n\n"
        "* Traffic was diverted over two `ring road` exits for at least a week.\n"
        "<!-- editor: check the girder number -->\n",
    )
    result = CliRunner().invoke(
        cli,
        [
            "brief",
            str(tmp_path / "in"),
            "--cache",
            str(tmp_path / "s.db"),
            "-d",
            str(tmp_path / "out"),
            "-f",
            "md,html",
        ],
    )
    assert result.exit_code == 0, result.stderr
    for name in ("latest.md", "latest.html"):
        written = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "Bridge closed after crack found" in written
        for markup in ("**closed**", "_crack_", "`ring road`", "](", "hidden-target", "editor:"):
            assert markup not in written, (name, markup)
