"""A 200-article brief rendered to Markdown, HTML and PDF; target <= 10 s on 2 cores.

Run: .venv/bin/python bench/bench_render.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import article, header, peak_rss_mb  # noqa: E402

from briefer.config import BriefConfig, Settings, SourceSpec  # noqa: E402
from briefer.daily import run_daily  # noqa: E402
from briefer.render import render_brief  # noqa: E402

ARTICLES = 200
TARGET_SECONDS = 10.0


def main() -> None:
    header("rendering a 200-article brief")
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for i in range(ARTICLES):
            (folder / f"a{i:03d}.txt").write_text(article(rng, 500), encoding="utf-8")
        config = BriefConfig(
            output_dir=Path(tmp) / "out",
            formats=("json",),
            # Every article its own story: the heaviest brief 200 articles can make.
            story_threshold=1.0,
            max_stories=ARTICLES,
            per_source_limit=ARTICLES,
            max_top_risks=40,
            sources=(SourceSpec("path", (str(folder),)),),
        )
        start = time.perf_counter()
        result = run_daily(
            config, Settings(cache_path=Path(tmp) / "s.db"), now=datetime.now(timezone.utc)
        )
        build_s = time.perf_counter() - start
        brief = result.brief
        assert brief is not None
        print(
            f"input: {ARTICLES} articles -> {len(brief.stories)} stories, "
            f"{len(brief.top_risks)} top risks, {len(brief.sources)} sources "
            f"(gather + summarize + cluster took {build_s:.2f} s, not counted below)"
        )
        total = 0.0
        for fmt in ("md", "html", "pdf"):
            start = time.perf_counter()
            out = render_brief(brief, fmt)
            seconds = time.perf_counter() - start
            total += seconds
            size = len(out if isinstance(out, bytes) else out.encode())
            extra = ""
            if fmt == "pdf":
                from io import BytesIO

                import pypdf

                extra = f", {len(pypdf.PdfReader(BytesIO(out)).pages)} pages"  # type: ignore[arg-type]
            print(f"{fmt}: {seconds:.2f} s, {size / 1024:.0f} KiB{extra}")
        verdict = "meets" if total <= TARGET_SECONDS else "MISSES"
        print(f"total: {total:.2f} s ({verdict} target {TARGET_SECONDS:.0f} s on 2 cores)")
        print(f"memory: process peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
