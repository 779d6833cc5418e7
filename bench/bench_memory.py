"""Peak memory (RSS) of `briefer summarize` on a large text file and a large single-line file.

Each run is a fresh process, measured by the kernel (getrusage of the child), so imports and
the engine count as they would for a user. Not part of the tests: it takes minutes.

    .venv/bin/python bench/bench_memory.py                # 200 MB text and 50 MB single line
    .venv/bin/python bench/bench_memory.py --sizes 20,5   # smaller, quicker
    .venv/bin/python bench/bench_memory.py --source ../old-checkout   # another version
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, header

WORDS = (
    "the port officials said drones struck grid power failed north engineers market prices "
    "rose sharply after talks collapsed between ministers on monday"
).split()


def write_text(path: Path, megabytes: int, *, one_line: bool) -> None:
    rng = random.Random(1)
    limit = megabytes * 1024 * 1024
    written = 0
    with path.open("w", encoding="utf-8") as out:
        if not one_line:
            written += out.write("Big report\n")
        while written < limit:
            sentences = " ".join(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."
                for _ in range(5)
            )
            written += out.write(sentences + (" " if one_line else "\n\n"))


def child_peak(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Run a child; its peak RSS in MB, its wall time and its exit code."""
    started = time.monotonic()
    proc = subprocess.run(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd, check=False
    )
    elapsed = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        print(proc.stderr.decode(errors="replace").strip()[-500:], file=sys.stderr)
    return usage.ru_maxrss / 1024, elapsed, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,50", help="MB of text, MB of single line")
    parser.add_argument(
        "--source", type=Path, help="measure the briefer package in this source tree instead"
    )
    options = parser.parse_args()
    # The child runs in a scratch folder: `python -m` would put the current folder first on
    # sys.path, ahead of PYTHONPATH, and import whatever briefer is there.
    env = {**os.environ, "PYTHONPATH": str((options.source or ROOT).resolve())}
    text_mb, line_mb = (int(x) for x in options.sizes.split(","))
    header("peak memory of briefer summarize on large inputs")
    briefer = [sys.executable, "-m", "briefer", "summarize"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = folder / "small.txt"
        small.write_text("Port news\nOfficials said drones struck the port on Monday.\n")
        cases = [("baseline: a 60-byte article", small, 0)]
        for megabytes, one_line in ((text_mb, False), (line_mb, True)):
            path = folder / f"{megabytes}mb{'-one-line' if one_line else ''}.txt"
            write_text(path, megabytes, one_line=one_line)
            kind = "single-line file" if one_line else "text file"
            cases.append((f"{megabytes} MB {kind}", path, megabytes))
        # Each case in its own child: RUSAGE_CHILDREN's peak is the largest child so far, so
        # the cases run from smallest to largest.
        baseline = 0.0
        for label, path, megabytes in sorted(cases, key=lambda c: c[2]):
            size = path.stat().st_size
            rss, elapsed, code = child_peak(
                [*briefer, str(path), "--max-bytes", str(size + 1), "-o", str(folder / "o.md")],
                env,
                folder,
            )
            if not megabytes:
                baseline = rss
            ratio = (
                f" ({rss - baseline:.0f} MB above the baseline, "
                f"{(rss - baseline) / megabytes:.1f}x the input)"
                if megabytes
                else ""
            )
            print(f"{label}: peak RSS {rss:.0f} MB{ratio}, {elapsed:.0f} s, exit {code}")


if __name__ == "__main__":
    main()
