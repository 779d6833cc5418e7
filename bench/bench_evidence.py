"""Evidence matching cost: verbatim, normalized, and fabricated quotes against a long article.

Verbatim and normalized quotes are found by string search; only a quote found by neither is
searched fuzzily, comparing at most 12 passages character by character. Target: 100 quotes,
a third of each kind, against a ~550 KB article in under 5 s on one core.

Run: .venv/bin/python bench/bench_evidence.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SEED, header  # noqa: E402

from briefer.verify import Evidence  # noqa: E402

TARGET_SECONDS = 5.0


def main() -> None:
    header("Evidence matching: 100 quotes against a ~550 KB article")
    text = SEED.read_text(encoding="utf-8")
    article = "\n".join(text for _ in range(200))
    rng = random.Random(3)
    sentences = [s for s in text.replace("\n", " ").split(". ") if len(s) > 40]
    words = text.split()
    kinds = {
        "verbatim": [rng.choice(sentences) for _ in range(34)],
        "normalized": [rng.choice(sentences).upper().replace("'", "’") for _ in range(33)],
        "fabricated": [" ".join(rng.sample(words, 25)) for _ in range(33)],
    }
    evidence = Evidence(article)
    total = 0.0
    for kind, quotes in kinds.items():
        started = time.perf_counter()
        found = [evidence.locate(q)[1] for q in quotes]
        elapsed = time.perf_counter() - started
        total += elapsed
        how = sorted(set(map(str, found)))
        print(f"{kind:11s} {len(quotes)} quotes in {elapsed:.3f} s; matched as {how}")
    verdict = "PASS" if total <= TARGET_SECONDS else "FAIL"
    print(f"{verdict}: {total:.2f} s in all (target <= {TARGET_SECONDS:g} s)")


if __name__ == "__main__":
    main()
