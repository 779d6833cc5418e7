"""Group articles about the same event into stories: shared wording plus shared names.

Each article is a TF-IDF vector over the content terms of its title (weighted up) and lead,
plus the set of names it mentions. Two articles are the same story when
``WORDING * cosine + NAMES * jaccard(names)`` reaches the threshold; stories are the connected
groups of such pairs, found through an inverted index rather than by comparing every pair.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations

from .dedup import _UnionFind
from .text import entities, terms

DEFAULT_STORY_THRESHOLD = 0.2
WORDING = 0.6
NAMES = 0.4
TITLE_WEIGHT = 3
LEAD_WORDS = 150
TOP_TERMS = 12
_MAX_POSTING = 200  # terms shared by more articles than this say nothing about the event


def _lead(text: str) -> str:
    return " ".join(text.split()[:LEAD_WORDS])


def similarity_matrix_inputs(
    docs: Sequence[tuple[str, str]], languages: Sequence[str] | None = None
) -> tuple[list[dict[str, float]], list[frozenset[str]]]:
    """Unit TF-IDF vectors and name sets for (title, text) pairs in the given languages."""
    counts = []
    names = []
    for i, (title, text) in enumerate(docs):
        lead = _lead(text)
        language = languages[i] if languages else "en"
        counts.append(Counter(terms(title, language) * TITLE_WEIGHT + terms(lead, language)))
        names.append(entities(f"{title}.\n{lead}", language))
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    vectors = []
    for c in counts:
        weights = {t: tf * (math.log((n + 1) / (df[t] + 1)) + 1.0) for t, tf in c.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors, names


def similarity(
    a: dict[str, float], b: dict[str, float], names_a: frozenset[str], names_b: frozenset[str]
) -> float:
    """The story score of two articles, between 0 and 1."""
    if len(a) > len(b):
        a, b = b, a
    cosine = sum(w * b.get(t, 0.0) for t, w in a.items())
    union = names_a | names_b
    shared = len(names_a & names_b) / len(union) if union else 0.0
    return WORDING * cosine + NAMES * shared


def story_groups(
    docs: Sequence[tuple[str, str]],
    *,
    threshold: float = DEFAULT_STORY_THRESHOLD,
    languages: Sequence[str] | None = None,
) -> list[list[int]]:
    """Groups of indices of (title, text) pairs that report the same event, in input order.

    ``languages`` gives each document's ISO 639-1 code (English when not given): stopwords,
    word forms and what counts as a name depend on it.
    """
    vectors, names = similarity_matrix_inputs(docs, languages)
    index: dict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        top = sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS]
        for key in {*top, *(f"@{name}" for name in names[i])}:
            index[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for posting in index.values():
        if 1 < len(posting) <= _MAX_POSTING:
            pairs.update(combinations(posting, 2))
    groups = _UnionFind(len(docs))
    for a, b in sorted(pairs):
        if groups.find(a) != groups.find(b) and (
            similarity(vectors[a], vectors[b], names[a], names[b]) >= threshold
        ):
            groups.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        members[groups.find(i)].append(i)
    return [members[root] for root in sorted(members)]


def pair_scores(
    predicted: Sequence[Sequence[int]], truth: Sequence[Sequence[int]]
) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against the true grouping."""

    def same_pairs(groups: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
        return {tuple(sorted(p)) for g in groups for p in combinations(g, 2)}  # type: ignore[misc]

    got, want = same_pairs(predicted), same_pairs(truth)
    precision = len(got & want) / len(got) if got else 1.0
    recall = len(got & want) / len(want) if want else 1.0
    return precision, recall
