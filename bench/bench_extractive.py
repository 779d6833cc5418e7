"""Extractive-engine throughput on ~800-word articles, one core.

Targets: the engine (ranking and risk rules) >= 300 articles/s; the whole per-article pipeline
(decode, clean, detect the language, chunk, engine) >= 100 articles/s.

Run: .venv/bin/python bench/bench_extractive.py
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import article, header, peak_rss_mb  # noqa: E402

from briefer.chunking import chunk_article  # noqa: E402
from briefer.config import Settings  # noqa: E402
from briefer.engines.extractive import ExtractiveEngine  # noqa: E402
from briefer.sources import build_article  # noqa: E402

TARGET = 300  # the engine
PIPELINE_TARGET = 100  # decoding, cleaning, language detection and chunking included
ARTICLES = 300


def main() -> None:
    header("extractive engine throughput")
    rng = random.Random(11)
    raw = [article(rng, 800).encode() for _ in range(ARTICLES)]
    articles = [build_article(data, f"bench-{i}.txt", "text") for i, data in enumerate(raw)]
    words = sum(a.word_count for a in articles) / len(articles)
    print(f"input: {ARTICLES} articles, {words:.0f} words on average")
    engine = ExtractiveEngine(Settings())
    engine.analyze(articles[0], [])  # load rules and the tokenizer outside the timing

    start = time.perf_counter()
    for a in articles:
        engine.analyze(a, [])
    engine_s = time.perf_counter() - start

    start = time.perf_counter()
    for i, data in enumerate(raw):
        a = build_article(data, f"bench-{i}.txt", "text")
        engine.analyze(a, chunk_article(a))
    full_s = time.perf_counter() - start

    for label, seconds, target in (
        ("engine (rank + risk rules)", engine_s, TARGET),
        ("article pipeline (decode, clean, chunk, engine)", full_s, PIPELINE_TARGET),
    ):
        rate = ARTICLES / seconds
        verdict = "meets" if rate >= target else "MISSES"
        print(
            f"{label}: {rate:.0f} articles/s, {seconds / ARTICLES * 1000:.2f} ms/article "
            f"({verdict} target {target} articles/s)"
        )
    tracemalloc.start()
    for a in articles[:50]:
        engine.analyze(a, [])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory: peak Python allocations during analysis {peak / 1e6:.2f} MB; "
        f"process peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
