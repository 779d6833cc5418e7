"""A 1,000-article day with many near-duplicates through de-duplication and story clustering.

Target: <= 10 s on one core for both steps together. Prints duplicate-detection precision and
recall against the known truth of the generated day, and the clustering figures.

Run: .venv/bin/python bench/bench_dedup_cluster.py
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import header, peak_rss_mb  # noqa: E402

from briefer.cluster import pair_scores, story_groups  # noqa: E402
from briefer.dedup import duplicate_groups  # noqa: E402

ARTICLES = 1000
EVENTS = 150  # distinct events of the day
EDIT_RATES = (0.005, 0.01, 0.02, 0.04)  # share of words changed in a near-duplicate copy
edit_rate: list[float] = []
TARGET_SECONDS = 10.0
ROOT = Path(__file__).resolve().parent.parent


def vocabulary(rng: random.Random) -> list[str]:
    syllables = (
        "ka lo mi ren tus var eno dal fir gon hel ith jor kel lum nar osk per qua rid".split()
    )
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(20000)}
    return sorted(words)


def day(rng: random.Random) -> tuple[list[tuple[str, str, str]], list[int], list[int]]:
    """(title, text, url) per article; which original each copies; which event each reports."""
    words = vocabulary(rng)
    rng.shuffle(words)
    common = words[:400]  # frequent words every article uses
    big_names = [w.capitalize() for w in words[400:430]]  # countries, leaders: in many events
    pool = words[430:]
    articles: list[tuple[str, str, str]] = []
    original: list[int] = []
    event_of: list[int] = []
    events = []
    for e in range(EVENTS):
        # Each event: three names of its own, two widely shared ones, its own topic words.
        own = [w.capitalize() for w in pool[e * 40 : e * 40 + 3]]
        cast = own + rng.sample(big_names, 2)
        topic = pool[e * 40 + 3 : e * 40 + 28]
        events.append((cast, topic))
    while len(articles) < ARTICLES:
        e = rng.randrange(EVENTS)
        cast, topic = events[e]
        if articles and rng.random() < 0.35:
            # A near-duplicate: a syndicated copy with light edits, or a re-post.
            src = rng.choice([i for i, ev in enumerate(event_of) if original[i] == i] or [0])
            title, text, url = articles[src]
            tokens = text.split()
            rate = rng.choice(EDIT_RATES)
            edit_rate.append(rate)
            for _ in range(max(1, round(len(tokens) * rate))):
                tokens[rng.randrange(len(tokens))] = rng.choice(common)
            text = (
                " ".join(tokens) + " " + rng.choice(["Reporting by staff.", "More to follow.", ""])
            )
            articles.append(
                (
                    title,
                    text,
                    f"https://mirror{rng.randrange(50)}.example/{len(articles)}?utm_source=rss",
                )
            )
            original.append(src)
            event_of.append(event_of[src])
            continue
        # An independent report of the event, by another outlet: shared names and topic words.
        sentences = []
        for _ in range(rng.randint(25, 40)):
            pick = (
                [rng.choice(common) for _ in range(10)] + rng.sample(topic, 4) + rng.sample(cast, 2)
            )
            rng.shuffle(pick)
            sentences.append(" ".join(pick).capitalize() + ".")
        title = " ".join([*rng.sample(cast, 2), *rng.sample(topic, 4)])
        articles.append(
            (
                title,
                " ".join(sentences),
                f"https://outlet{rng.randrange(80)}.example/{len(articles)}",
            )
        )
        original.append(len(articles) - 1)
        event_of.append(e)
    return articles, original, event_of


def main() -> None:
    header("de-duplication and story clustering of a 1,000-article day")
    rng = random.Random(2026)
    articles, original, event_of = day(rng)
    words = sum(len(t.split()) for _, t, _ in articles) / len(articles)
    copies = sum(1 for i, o in enumerate(original) if o != i)
    print(
        f"input: {len(articles)} articles ({words:.0f} words on average), "
        f"{copies} near-duplicate copies, {len(set(event_of))} events"
    )

    start = time.perf_counter()
    groups = duplicate_groups([t for _, t, _ in articles], [u for _, _, u in articles])
    dedup_s = time.perf_counter() - start

    truth: dict[int, list[int]] = {}
    for i, o in enumerate(original):
        root = o
        while original[root] != root:
            root = original[root]
        truth.setdefault(root, []).append(i)
    precision, recall = pair_scores(groups, list(truth.values()))
    print(
        f"dedup: {dedup_s:.2f} s, {len(articles) - len(groups)} duplicates merged; "
        f"pairwise precision {precision:.3f}, recall {recall:.3f} (threshold 0.8)"
    )
    group_of = {i: n for n, g in enumerate(groups) for i in g}
    copies_at = [(i, o) for i, o in enumerate(original) if o != i]
    for rate in EDIT_RATES:
        pairs = [(i, o) for (i, o), r in zip(copies_at, edit_rate, strict=True) if r == rate]
        found = sum(1 for i, o in pairs if group_of[i] == group_of[o])
        print(f"  copies with {rate:.1%} of words edited: {found}/{len(pairs)} detected")

    keepers = [g[0] for g in groups]
    start = time.perf_counter()
    stories = story_groups([(articles[i][0], articles[i][1]) for i in keepers])
    cluster_s = time.perf_counter() - start
    events: dict[int, list[int]] = {}
    for n, i in enumerate(keepers):
        events.setdefault(event_of[i], []).append(n)
    s_precision, s_recall = pair_scores(stories, list(events.values()))
    print(
        f"clustering: {cluster_s:.2f} s for {len(keepers)} articles into {len(stories)} stories "
        f"({len(events)} true events); pairwise precision {s_precision:.3f}, recall {s_recall:.3f}"
    )

    total = dedup_s + cluster_s
    verdict = "meets" if total <= TARGET_SECONDS else "MISSES"
    print(f"total: {total:.2f} s ({verdict} target {TARGET_SECONDS:.0f} s on one core)")

    tracemalloc.start()
    duplicate_groups([t for _, t, _ in articles], [u for _, _, u in articles])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory: peak Python allocations in dedup {peak / 1e6:.1f} MB; "
        f"process peak RSS {peak_rss_mb():.0f} MB"
    )

    # The labelled set of real-looking articles that the tests use, for comparison.
    stories_dir = ROOT / "tests" / "data" / "stories"
    docs, labels = [], {}
    for i, path in enumerate(sorted(stories_dir.glob("*.txt"))):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        docs.append((title, body))
        labels.setdefault(path.stem.split("-")[0], []).append(i)
    p, r = pair_scores(story_groups(docs), list(labels.values()))
    same = sum(len(g) * (len(g) - 1) // 2 for g in labels.values())
    print(
        f"labelled set (tests/data/stories, {len(docs)} articles, {same} same-event pairs of "
        f"{len(docs) * (len(docs) - 1) // 2}): clustering precision {p:.2f}, recall {r:.2f}"
    )


if __name__ == "__main__":
    main()
