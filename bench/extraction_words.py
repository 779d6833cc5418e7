"""Extracted words, language, date and extraction note per HTML page, as a Markdown table.

Run: .venv/bin/python bench/extraction_words.py PAGE.html [PAGE.html ...]

Each page goes through the same path as ``briefer summarize page.html`` (no URL, no feed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from briefer.errors import SourceError
from briefer.sources import build_article


def main(paths: list[str]) -> None:
    print("| page | words | language | date | note |")
    print("|---|---:|---|---|---|")
    total = 0
    for name in paths:
        path = Path(name)
        try:
            article = build_article(path.read_bytes(), str(path), "html")
        except SourceError as exc:
            print(f"| {path.stem} | 0 | | | error: {exc.reason} |")
            continue
        total += article.word_count
        note = getattr(article, "extraction_note", None) or ""
        print(
            f"| {path.stem} | {article.word_count} | {article.language} | "
            f"{article.published or ''} | {note} |"
        )
    print(f"| total | {total} | | | |")


if __name__ == "__main__":
    main(sys.argv[1:])
