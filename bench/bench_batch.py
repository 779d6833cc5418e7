"""Batch mode for 1,000 chunks: request file size, time to build it, time to ingest results.

Targets: building and ingesting each <= 5 s on one core. No server is contacted: the request
file is built from planned calls and the results file is synthesized in the format the OpenAI
Batch API and `vllm run-batch` write.

Run: .venv/bin/python bench/bench_batch.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import article, header, peak_rss_mb  # noqa: E402

from briefer.chunking import chunk_article  # noqa: E402
from briefer.config import Settings  # noqa: E402
from briefer.engines import batch  # noqa: E402
from briefer.engines.llm import LLMEngine  # noqa: E402
from briefer.sources import build_article  # noqa: E402
from briefer.store import Store  # noqa: E402

CHUNKS = 1000
TARGET_SECONDS = 5.0


def main() -> None:
    header("batch request file and results ingestion, 1,000 chunks")
    rng = random.Random(3)
    items = []
    while sum(len(c) for _, c in items) < CHUNKS:
        a = build_article(article(rng, 400).encode(), f"a{len(items)}.txt", "text")
        items.append((a, chunk_article(a, max_tokens=400, overlap=0)))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store:
        # The endpoint is never contacted: building and ingesting are local work.
        settings = Settings(base_url="http://127.0.0.1:9/v1", model="m", batch=True)
        engine = LLMEngine(settings, store=store)
        calls = engine.calls(items)[:CHUNKS]

        start = time.perf_counter()
        lines = engine.batches.request_lines(calls, "json_schema")
        build_s = time.perf_counter() - start
        size = sum(len(line.encode()) + 1 for line in lines)

        results = []
        for call in calls:
            first = call.chunk.text.split(". ")[0].strip() if call.chunk else ""
            reply = {"key_points": [{"text": first, "evidence": first}], "risks": []}
            body = {
                "id": "c", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": json.dumps(reply)}}],
                "usage": {"prompt_tokens": call.input_tokens, "completion_tokens": 60},
            }  # fmt: skip
            results.append(
                json.dumps(
                    {
                        "id": "r",
                        "custom_id": batch.custom_id(call),
                        "response": {"status_code": 200, "body": body},
                    }
                )
            )

        start = time.perf_counter()
        found, problems = engine.batches.ingest(calls, results)
        ingest_s = time.perf_counter() - start

    print(
        f"requests: {len(lines)} lines, {size / 1e6:.2f} MB "
        f"({size / len(lines) / 1024:.1f} KiB per request: system prompt, schema, chunk)"
    )
    for label, seconds in (
        ("build the request file", build_s),
        ("ingest the results (validate + cache)", ingest_s),
    ):
        verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
        print(f"{label}: {seconds:.2f} s ({verdict} target {TARGET_SECONDS:.0f} s on one core)")
    print(f"ingested: {len(found)} valid, {len(problems)} to retry or report")
    print(f"memory: process peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
