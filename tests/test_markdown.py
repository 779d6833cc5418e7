"""The Markdown outputs read back with a CommonMark parser (tables and strikethrough on, as
GitHub renders them): untrusted text renders as itself and never as markup, and lists are tight."""

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

import briefer
from briefer.config import BriefConfig, Settings, SourceSpec
from briefer.daily import run_daily
from briefer.render import md_escape, render, render_brief

from .conftest import SEED

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def loose_lists(markdown: str) -> list[str]:
    """The first line of every list item whose paragraphs are shown as blocks (a loose list)."""
    found = []
    parents: list[Token] = []
    for token in PARSER.parse(markdown):
        if token.nesting == -1:
            parents.pop()
            continue
        in_item = parents and parents[-1].type == "list_item_open"
        if token.type == "paragraph_open" and in_item and not token.hidden and token.map:
            found.append(markdown.splitlines()[token.map[0]])
        if token.nesting == 1:
            parents.append(token)
    return found


def shown_text(inline: Token) -> str:
    """What a reader sees of an inline run: its text and code, markup removed."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


@pytest.fixture(scope="module")
def seed_brief(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("brief")
    config = BriefConfig(
        output_dir=folder / "b", sources=(SourceSpec("path", (str(SEED),)),), formats=("md",)
    )
    brief = run_daily(config, Settings(cache_path=folder / "s.db")).brief
    assert brief is not None
    return brief


def test_the_seed_brief_has_only_tight_lists(seed_brief: Any) -> None:
    md = render_brief(seed_brief, "md")
    assert isinstance(md, str)
    assert loose_lists(md) == []
    # Every top risk still quotes its evidence, inside its item.
    assert len(seed_brief.top_risks) >= 4
    assert md.count("\n  > ") >= len(seed_brief.top_risks)


def test_a_brief_of_several_stories_has_only_tight_lists(tmp_path: Path) -> None:
    stories = Path(__file__).parent / "data" / "stories"
    names = ("pact-1", "port-1", "redsea-1", "iaea-1", "quake-1")
    sources = tuple(SourceSpec("path", (str(stories / f"{n}.txt"),)) for n in names)
    config = BriefConfig(output_dir=tmp_path / "b", sources=sources, formats=("md",))
    brief = run_daily(config, Settings(cache_path=tmp_path / "s.db")).brief
    assert brief is not None and len(brief.sources) == len(names)
    md = render_brief(brief, "md")
    assert isinstance(md, str)
    assert loose_lists(md) == []
    tokens = PARSER.parse(md)
    ordered = [t for t in tokens if t.type == "ordered_list_open"]
    assert len(ordered) == 1  # the sources: one list, numbered from 1
    start = tokens.index(ordered[0])
    end = next(i for i, t in enumerate(tokens) if i > start and t.type == "ordered_list_close")
    items = [t for t in tokens[start:end] if t.type == "list_item_open"]
    assert len(items) == len(names)  # one item per source, not run together on one line


def test_summary_lists_are_tight_when_a_key_point_quotes_its_evidence() -> None:
    run = briefer.summarize([SEED])
    digest = run.digests[0]
    # As an LLM writes them: the point in its own words, the evidence quoted below it.
    points = tuple(dataclasses.replace(kp, text=f"In short: {kp.text}") for kp in digest.key_points)
    run = dataclasses.replace(run, digests=(dataclasses.replace(digest, key_points=points),))
    md = render(run, "md")
    assert md.count("\n   > ") == len(points)
    assert loose_lists(md) == []


# (untrusted text, what a reader must see of it)
HOSTILE = [
    ("<script>alert(1)</script> <b>bold</b> <!-- c -->", None),
    ("[click](javascript:alert(1)) ![pixel](https://evil.example/p.png)", None),
    ("[x]: https://evil.example/ref", None),
    ("<https://evil.example/auto> and <me@evil.example>", None),
    ("# Breaking", None),
    ("1. first", None),
    ("2) second", None),
    ("- item", None),
    ("+ item", None),
    ("* item", None),
    ("> quoted", None),
    ("=== under", None),
    ("---", None),
    ("```python", None),
    ("~~~ fence", None),
    ("a | b || c", None),
    ("AT&T said &amp; and &#60;b&#62; and &copy; and & alone", None),
    ("snake_case_name, __init__, _private and ~5% with a > b and 3 * 4", None),
    ("*very* _very_ **bold** __bold__ ~~struck~~ ~struck~", None),
    ("don`t, ``nested ` tick``, and `a|b`", None),
    ("``a ` b`` and `c`", "a ` b and c"),
    ("run `ls -l` with `<b>` and `*x*` now", "run ls -l with <b> and *x* now"),
    ("a trailing backslash \\", None),
    ("escaped \\*star\\* and \\[bracket\\]", None),
]


@pytest.mark.parametrize("raw,seen", HOSTILE, ids=[h[0][:20] for h in HOSTILE])
def test_untrusted_text_renders_as_itself_in_every_place(raw: str, seen: str | None) -> None:
    value = md_escape(raw)
    # At the start of a line, in a list item before a citation, in a quote, in a table cell.
    doc = (
        f"{value}\n\n- {value} [1]\n- next\n\n> {value}\n\n"
        f"| a | b |\n|---|---|\n| {value} | x |\n\nend\n"
    )
    tokens = PARSER.parse(doc)
    kinds = [t.type for t in tokens]
    assert kinds == [
        "paragraph_open", "inline", "paragraph_close",
        "bullet_list_open",
        "list_item_open", "paragraph_open", "inline", "paragraph_close", "list_item_close",
        "list_item_open", "paragraph_open", "inline", "paragraph_close", "list_item_close",
        "bullet_list_close",
        "blockquote_open", "paragraph_open", "inline", "paragraph_close", "blockquote_close",
        "table_open", "thead_open", "tr_open",
        "th_open", "inline", "th_close", "th_open", "inline", "th_close",
        "tr_close", "thead_close", "tbody_open", "tr_open",
        "td_open", "inline", "td_close", "td_open", "inline", "td_close",
        "tr_close", "tbody_close", "table_close",
        "paragraph_open", "inline", "paragraph_close",
    ]  # fmt: skip
    inline = [t for t in tokens if t.type == "inline"]
    markup = {
        c.type
        for t in inline
        for c in t.children or []
        if c.type not in ("text", "code_inline", "softbreak")
    }
    assert markup == set(), raw
    expected = seen or " ".join(raw.split())
    assert shown_text(inline[0]) == expected
    assert shown_text(inline[1]) == f"{expected} [1]"
    assert shown_text(inline[3]) == expected
    assert shown_text(inline[6]) == expected  # the table cell: its pipes are text


@pytest.mark.parametrize(
    "raw,escaped",
    [
        ("snake_case_name", "snake_case_name"),
        ("AT&T and R&D", "AT&T and R&D"),
        ("&amp; &#60; &#x3c;", "\\&amp; \\&#60; \\&#x3c;"),
        ("3 * 4, x - y, 1.5", "3 * 4, x - y, 1.5"),
        ("don`t", "don\\`t"),
        ("run `ls -l` now", "run `ls -l` now"),
        ("`a|b`", "\\`a\\|b\\`"),
        ("don`t `x`", "don\\`t \\`x\\`"),
        ("a*b_c", "a\\*b_c"),
        ("> quote", "\\> quote"),
        ("~5%", "\\~5%"),
    ],
)
def test_only_what_could_be_markup_is_escaped(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_a_summary_of_hostile_text_keeps_the_templates_structure(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "\n".join(
            f"Officials said the drones {raw} were close to the port today." for raw, _ in HOSTILE
        )
    )
    md = render(briefer.summarize([hostile]), "md")
    tokens = PARSER.parse(md)
    headings = [shown_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Summary of 1 article", f"1. {hostile}", "Key points", "Risks"]
    found = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert found.isdisjoint({"html_inline", "link_open", "image"})
    assert "html_block" not in {t.type for t in tokens}
    assert loose_lists(md) == []
