import io
import os
from pathlib import Path
from typing import Any

import pytest

from briefer.config import FetchLimits
from briefer.errors import SourceError
from briefer.models import Article
from briefer.sources import Input, article_id, expand, load

SETTINGS = FetchLimits()

HTML_PAGE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Iran and Russia near a deal | Example News</title>
<meta name="author" content="Jane Analyst">
<meta property="article:published_time" content="2024-06-04T10:00:00Z">
<meta property="og:site_name" content="Example News">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/login">Log in</a></nav>
<article>
<h1>Iran and Russia near a deal</h1>
<p>Russia and Iran are expected to sign a new comprehensive cooperation agreement soon,
according to the Russian Foreign Ministry, which said the text was close to completion.</p>
<p>Officials in Moscow said the agreement would cover security and energy projects, and
analysts expect further cooperation on drones and air defense systems in the coming months.</p>
</article>
<footer>Copyright Example News. All rights reserved.</footer>
</body></html>
"""


def read(path: Path | str, settings: FetchLimits = SETTINGS) -> Article:
    return load(Input(str(path), "file", str(path)), settings)


def test_text_file_becomes_an_article_with_title_and_stable_id(
    seed_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(seed_text, encoding="utf-8")
    article = read(path)
    assert article.title == "Iran, Russia expected to sign new strategic comprehensive agreement"
    assert article.text == seed_text.strip()
    assert article.id == article_id(seed_text)
    assert len(article.id) == 64
    # Re-wrapping the same words or switching to CRLF keeps the id.
    assert article_id(seed_text.replace("\n", "\r\n")) == article.id
    assert article_id(seed_text.replace(" ", "\n", 3)) == article.id


def test_markdown_title_comes_from_the_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("Some preface line\n\n# The real title\n\nBody sentence here.\n")
    article = read(path)
    assert article.title == "The real title"
    assert article.kind == "markdown"


def test_html_file_keeps_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    article = read(path)
    assert "expected to sign a new comprehensive cooperation agreement" in article.text
    assert "Log in" not in article.text and "All rights reserved" not in article.text
    assert article.title == "Iran and Russia near a deal"
    assert article.author == "Jane Analyst"
    assert article.published == "2024-06-04"
    assert article.kind == "html"


def test_directory_is_walked_recursively_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in [
        "one.txt",
        "a/two.md",
        "a/deep/three.html",
        "a/skip.pdf",
        ".hidden/four.txt",
        "a/.dot.txt",
    ]:
        (tmp_path / rel).write_text("content")
    found = [Path(i.location).relative_to(tmp_path).as_posix() for i in expand(str(tmp_path))]
    assert found == ["a/deep/three.html", "a/two.md", "one.txt"]


def test_empty_directory_and_missing_path_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="holds no article files") as err:
        expand(str(tmp_path))
    assert err.value.source == str(tmp_path)
    with pytest.raises(SourceError, match="no such file or directory"):
        expand(str(tmp_path / "missing.txt"))


def test_stdin_text_and_html() -> None:
    item = Input("<stdin>", "stdin", "-")
    text = load(item, SETTINGS, stdin=io.BytesIO(b"Headline\nA sentence of text here."))
    assert text.source == "<stdin>" and text.title == "Headline"
    page = load(item, SETTINGS, stdin=io.BytesIO(HTML_PAGE.encode()))
    assert page.kind == "html" and page.author == "Jane Analyst"


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "is empty"),
        (b"  \n\t \r\n ", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
        (
            bytes(range(128, 256)) * 3 + b"\x81\x8d\x8f\x90\x9d" * 50,
            "encoding could not be recognised",
        ),
    ],
)
def test_unusable_files_get_one_clear_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=reason) as err:
        read(path)
    assert err.value.source == str(path)


def test_legacy_western_encoding_is_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Café déjà vu: the naïve façade of an élan résumé.".encode("cp1252"))
    assert read(path).text == "Café déjà vu: the naïve façade of an élan résumé."


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Привет, мир. Hello world.".encode("utf-16"))
    assert read(path).text == "Привет, мир. Hello world."


def test_oversized_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: the size is real, the disk use is not
    opened: list[Path] = []
    real_open = Path.open

    def recording_open(self: Path, *a: Any, **k: Any) -> Any:
        opened.append(self)
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", recording_open)
    with pytest.raises(SourceError, match="larger than the 1.0 MB limit"):
        read(path, FetchLimits(max_bytes=1024 * 1024))
    assert opened == []


def test_html_without_article_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>x</title></head><body><nav>Menu</nav></body></html>")
    with pytest.raises(SourceError, match="no article text found"):
        read(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("text")
    path.chmod(0)
    with pytest.raises(SourceError, match="permission denied"):
        read(path)


def test_control_characters_are_removed_and_newlines_normalized(tmp_path: Path) -> None:
    path = tmp_path / "ctl.txt"
    path.write_bytes(b"Line one.\r\nLine\x07 two.\rLine three.")
    assert read(path).text == "Line one.\nLine two.\nLine three."
