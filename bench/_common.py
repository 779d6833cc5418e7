"""Shared helpers for the benchmarks: a reproducible corpus and a description of the machine."""

from __future__ import annotations

import os
import platform
import random
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_1786c7b9cbb94b69.txt"

_FILLER = [
    "officials",
    "analysts",
    "ministry",
    "statement",
    "regional",
    "security",
    "energy",
    "market",
    "shipping",
    "route",
    "sanctions",
    "drones",
    "missiles",
    "reactor",
    "talks",
    "delegation",
    "summit",
    "border",
    "investment",
    "pipeline",
    "cyber",
    "network",
    "ransomware",
    "outage",
    "refugees",
    "aid",
    "convoy",
    "ceasefire",
    "parliament",
    "election",
]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores visible, "
        f"Python {platform.python_version()}"
    )


def header(title: str) -> None:
    print(f"# {title}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {machine()}")


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_sentences() -> list[str]:
    from briefer.segmentation import sentences

    text = SEED.read_text(encoding="utf-8")
    return [text[s.start : s.end] for s in sentences(text)][1:]


def article(rng: random.Random, words: int = 800) -> str:
    """A news-like article of about ``words`` words: seed sentences, reordered and varied."""
    pool = seed_sentences()
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(1, 3)):
            base = rng.choice(pool).split()
            # Swap a few words so that articles differ and ranking has real work to do.
            for _ in range(3):
                base[rng.randrange(len(base))] = rng.choice(_FILLER)
            sentences.append(" ".join(base).rstrip(".") + ".")
            count += len(base)
        paragraphs.append(" ".join(sentences))
    title = " ".join(rng.sample(_FILLER, 6)).capitalize()
    return title + "\n" + "\n".join(paragraphs) + "\n"
