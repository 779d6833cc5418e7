"""Chunking throughput in tokens per second, one core; target >= 2 M tokens/s.

Run: .venv/bin/python bench/bench_chunking.py
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import article, header, peak_rss_mb  # noqa: E402

from briefer.chunking import chunk_text  # noqa: E402
from briefer.tokenizer import get_encoding  # noqa: E402

TARGET = 2_000_000
REPEATS = 5


def main() -> None:
    header("chunking throughput")
    rng = random.Random(7)
    # A long document (a report, a transcript) is where chunking does real work.
    text = "\n\n".join(article(rng, 800) for _ in range(250))
    encoding = get_encoding("o200k_base")
    tokens = len(encoding.encode_ordinary(text))
    print(f"input: {len(text):,} characters, {tokens:,} o200k_base tokens")
    for max_tokens, overlap in ((2000, 100), (512, 50)):
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            chunks = chunk_text(text, max_tokens=max_tokens, overlap=overlap)
            times.append(time.perf_counter() - start)
        best = min(times)
        rate = tokens / best
        verdict = "meets" if rate >= TARGET else "MISSES"
        print(
            f"max_tokens={max_tokens} overlap={overlap}: {len(chunks)} chunks, best of {REPEATS} "
            f"{best * 1000:.0f} ms, {rate / 1e6:.2f} M tokens/s ({verdict} target "
            f"{TARGET / 1e6:.0f} M tokens/s)"
        )
    # Baseline in the same run: the bare tokenizer, which chunking cannot beat.
    start = time.perf_counter()
    encoding.encode_ordinary(text)
    bare = time.perf_counter() - start
    print(f"baseline: tiktoken encode alone {tokens / bare / 1e6:.2f} M tokens/s")
    tracemalloc.start()
    chunk_text(text, max_tokens=512, overlap=50)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory: peak Python allocations while chunking {peak / 1e6:.1f} MB "
        f"(input {len(text.encode()) / 1e6:.1f} MB); process peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
