"""A generated news day of any size: many events, syndicated near-copies, shared big names.

Each event has names and topic words of its own; every article also draws on a pool of
common words and on a few names that appear across many events (countries, leaders), which is
what lets a single-link clustering chain unrelated events into one story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_SYLLABLES = (
    "ka lo mi ren tus var eno dal fir gon hel ith jor kel lum nar osk per qua rid "
    "sab tem ulo vek wim xan yor zel bru cai dro fen gli hux"
).split()
EDIT_RATES = (0.005, 0.01, 0.02, 0.04)  # share of words changed in a near-duplicate copy


@dataclass
class Day:
    articles: list[tuple[str, str, str]]  # (title, text, url)
    original: list[int]  # the article each one copies (itself if none)
    event_of: list[int]  # the event each one reports
    edit_rate: list[float]  # for each copy, in order: the share of words edited


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    out = sorted(words)
    rng.shuffle(out)
    return out


def generate(articles: int, events: int, seed: int = 2026, copy_share: float = 0.35) -> Day:
    """``articles`` articles about ``events`` events, ``copy_share`` of them near-copies."""
    rng = random.Random(seed)
    words = _vocabulary(rng, 430 + events * 28)
    common = words[:400]
    big_names = [w.capitalize() for w in words[400:430]]
    pool = words[430:]
    plots = []
    for e in range(events):
        own = [w.capitalize() for w in pool[e * 28 : e * 28 + 3]]
        plots.append((own + rng.sample(big_names, 2), pool[e * 28 + 3 : e * 28 + 28]))
    day = Day([], [], [], [])
    originals: list[int] = []
    while len(day.articles) < articles:
        if originals and rng.random() < copy_share:
            src = rng.choice(originals)
            title, text, _ = day.articles[src]
            tokens = text.split()
            rate = rng.choice(EDIT_RATES)
            day.edit_rate.append(rate)
            for _ in range(max(1, round(len(tokens) * rate))):
                tokens[rng.randrange(len(tokens))] = rng.choice(common)
            tail = rng.choice(["Reporting by staff.", "More to follow.", ""])
            url = f"https://mirror{rng.randrange(50)}.example/{len(day.articles)}?utm_source=rss"
            day.articles.append((title, " ".join(tokens) + " " + tail, url))
            day.original.append(src)
            day.event_of.append(day.event_of[src])
            continue
        e = rng.randrange(events)
        cast, topic = plots[e]
        sentences = []
        for _ in range(rng.randint(25, 40)):
            pick = [rng.choice(common) for _ in range(10)] + rng.sample(topic, 4)
            pick += rng.sample(cast, 2)
            rng.shuffle(pick)
            sentences.append(" ".join(pick).capitalize() + ".")
        title = " ".join([*rng.sample(cast, 2), *rng.sample(topic, 4)])
        url = f"https://outlet{rng.randrange(80)}.example/{len(day.articles)}"
        originals.append(len(day.articles))
        day.articles.append((title, " ".join(sentences), url))
        day.original.append(len(day.articles) - 1)
        day.event_of.append(e)
    return day


def duplicate_truth(day: Day) -> list[list[int]]:
    """The true duplicate groups: each original with its copies."""
    groups: dict[int, list[int]] = {}
    for i, o in enumerate(day.original):
        groups.setdefault(o, []).append(i)
    return list(groups.values())
