"""Group articles about the same event into stories: shared wording plus shared names.

Each article is a TF-IDF vector over the content terms of its title (weighted up) and lead,
plus the set of names it mentions. Two articles are the same story when
``WORDING * cosine + NAMES * jaccard(names)`` reaches the threshold. Candidate pairs come from
an inverted index rather than from comparing every pair; pairs are then merged strongest
first, and two groups join only when their average score over all cross pairs still reaches
the threshold. That average keeps a chain of pairwise-similar articles (A like B, B like C,
C like D) from gluing unrelated events into one story, which single-link grouping does more
often the more articles a day has.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING

from .defaults import DEFAULT_STORY_THRESHOLD
from .grouping import UnionFind
from .text import entities, terms

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

WORDING = 0.6
NAMES = 0.4
TITLE_WEIGHT = 3
LEAD_WORDS = 150
TOP_TERMS = 12
_MIN_SHARED_KEYS = 2  # a pair must share two top terms or names to be scored at all
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
    cosine = _dot(a, b)
    union = names_a | names_b
    shared = len(names_a & names_b) / len(union) if union else 0.0
    return WORDING * cosine + NAMES * shared


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    # Only shared terms contribute: intersect the key sets in C, then multiply those few.
    return sum(a[t] * b[t] for t in a.keys() & b.keys())


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
    edges = _scored_pairs(vectors, names, threshold)
    return _Linkage(vectors, names, threshold).merge(edges)


def _scored_pairs(
    vectors: list[dict[str, float]], names: list[frozenset[str]], threshold: float
) -> list[tuple[float, int, int]]:
    """(score, a, b) for candidate pairs a < b that reach the threshold, strongest first."""
    import numpy as np

    index: dict[str, list[int]] = defaultdict(list)
    keys: list[list[str]] = []
    for i, vector in enumerate(vectors):
        top = sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS]
        own = sorted({*top, *(f"@{name}" for name in names[i])})
        keys.append(own)
        for key in own:
            index[key].append(i)
    terms_of, weights_of = _arrays(vectors)
    dense = np.zeros(max((int(t.max()) for t in terms_of if t.size), default=0) + 1)
    edges: list[tuple[float, int, int]] = []
    # One article at a time, against later articles only: memory holds the pairs that reach
    # the threshold, never the set of every candidate pair. The cosines of one article with
    # all its candidates are one gather and one segmented sum over their sparse vectors.
    for a, own in enumerate(keys):
        later: Counter[int] = Counter()
        for key in own:
            posting = index[key]
            if 1 < len(posting) <= _MAX_POSTING:
                later.update(posting[bisect_right(posting, a) :])
        partners = sorted(b for b, shared in later.items() if shared >= _MIN_SHARED_KEYS)
        if not partners:
            continue
        dense[terms_of[a]] = weights_of[a]
        sizes = np.fromiter((terms_of[b].size for b in partners), np.int64, len(partners))
        gathered = dense[np.concatenate([terms_of[b] for b in partners])]
        # A trailing zero keeps every offset inside the array, even after empty vectors.
        products = np.append(gathered * np.concatenate([weights_of[b] for b in partners]), 0.0)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        cosines = np.add.reduceat(products, offsets)
        cosines[sizes == 0] = 0.0
        dense[terms_of[a]] = 0.0
        names_a = names[a]
        for b, cosine in zip(partners, cosines.tolist()):
            union = names_a | names[b]
            shared_names = len(names_a & names[b]) / len(union) if union else 0.0
            score = WORDING * cosine + NAMES * shared_names
            if score >= threshold:
                edges.append((score, a, b))
    edges.sort(key=lambda e: (-e[0], e[1], e[2]))
    return edges


def _arrays(
    vectors: list[dict[str, float]],
) -> tuple[list[npt.NDArray[np.int64]], list[npt.NDArray[np.float64]]]:
    """Each vector as (term ids, weights): the sparse rows of the day's term matrix."""
    import numpy as np

    ids: dict[str, int] = {}
    terms_of, weights_of = [], []
    for vector in vectors:
        terms_of.append(
            np.fromiter((ids.setdefault(t, len(ids)) for t in vector), np.int64, len(vector))
        )
        weights_of.append(np.fromiter(vector.values(), np.float64, len(vector)))
    return terms_of, weights_of


class _Linkage:
    """Average-linkage merging over a sparse set of scored pairs."""

    def __init__(
        self, vectors: list[dict[str, float]], names: list[frozenset[str]], threshold: float
    ) -> None:
        self.vectors, self.names, self.threshold = vectors, names, threshold
        self.groups = UnionFind(len(vectors))
        self.members: dict[int, list[int]] = {}
        self.sums: dict[int, dict[str, float]] = {}

    def _members(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def _sum(self, root: int) -> dict[str, float]:
        return self.sums.get(root) or self.vectors[root]

    def average(self, ra: int, rb: int) -> float:
        """The mean score over every pair with one article in each group."""
        left, right = self._members(ra), self._members(rb)
        pairs = len(left) * len(right)
        # Vectors are unit length, so the mean cosine is the dot product of the two sums.
        cosine = _dot(self._sum(ra), self._sum(rb)) / pairs
        names = self.names
        shared = 0.0
        for a in left:
            names_a = names[a]
            for b in right:
                union = names_a | names[b]
                if union:
                    shared += len(names_a & names[b]) / len(union)
        return WORDING * cosine + NAMES * shared / pairs

    def merge(self, edges: list[tuple[float, int, int]]) -> list[list[int]]:
        """Merge along ``edges`` (strongest first); groups of indices in input order."""
        find = self.groups.find
        refused: dict[tuple[int, int], tuple[int, int]] = {}
        for _, a, b in edges:
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            pair = (min(ra, rb), max(ra, rb))
            sizes = (len(self._members(pair[0])), len(self._members(pair[1])))
            if sizes != (1, 1):
                # A pair refused before is asked again only once either group has changed.
                if refused.get(pair) == sizes:
                    continue
                if self.average(ra, rb) < self.threshold:
                    refused[pair] = sizes
                    continue
            self._join(*pair)
        return self.groups.groups()

    def _join(self, keep: int, gone: int) -> None:
        total = dict(self._sum(keep))
        for term, weight in self._sum(gone).items():
            total[term] = total.get(term, 0.0) + weight
        self.members[keep] = self._members(keep) + self._members(gone)
        self.sums[keep] = total
        self.members.pop(gone, None)
        self.sums.pop(gone, None)
        self.groups.union(keep, gone)


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
