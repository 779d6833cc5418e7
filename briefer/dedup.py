"""Exact and near-duplicate detection: one article kept, every source that carried it listed.

Exact: the same normalized URL (tracking parameters removed) or the same text (Article.id).
Near: word 5-shingles; a bottom-k MinHash sketch per article finds candidate pairs through an
inverted index, and the exact Jaccard similarity of the shingle sets decides.
"""

from __future__ import annotations

import heapq
import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_NEAR_DUPLICATE = 0.8  # Jaccard similarity of 5-word shingle sets
SHINGLE_WORDS = 5
SKETCH_SIZE = 64
_COMMON_VALUE = 50  # sketch values shared by more articles than this are boilerplate
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|ref|ref_src|"
    r"cmpid|ocid|smid|sr_share|share|rss|s_cid|at_medium|at_campaign|ito|guccounter)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def normalize_url(url: str) -> str:
    """Scheme and host lowercased, default port, fragment and tracking parameters dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    path = re.sub(r"/+$", "", parts.path) or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def shingles(text: str) -> frozenset[int]:
    """Hashes of the text's overlapping word 5-grams (casefolded)."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return frozenset({zlib.crc32(" ".join(words).encode())}) if words else frozenset()
    return frozenset(
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index stays the root: the earliest article represents its group.
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_groups(
    texts: Sequence[str],
    urls: Sequence[str | None] = (),
    *,
    threshold: float = DEFAULT_NEAR_DUPLICATE,
) -> list[list[int]]:
    """Groups of indices that are the same article; each group's first index is the keeper."""
    n = len(texts)
    groups = _UnionFind(n)
    by_url: dict[str, int] = {}
    by_text: dict[str, int] = {}
    for i in range(n):
        url = urls[i] if i < len(urls) else None
        if url:
            key = normalize_url(url)
            if key in by_url:
                groups.union(by_url[key], i)
            else:
                by_url[key] = i
        normalized = " ".join(texts[i].split())
        if normalized in by_text:
            groups.union(by_text[normalized], i)
        else:
            by_text[normalized] = i
    sets = [shingles(t) for t in texts]
    for a, b in _candidates(sets, threshold):
        if groups.find(a) != groups.find(b) and jaccard(sets[a], sets[b]) >= threshold:
            groups.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[groups.find(i)].append(i)
    return [members[root] for root in sorted(members)]


def _candidates(sets: Sequence[frozenset[int]], threshold: float) -> set[tuple[int, int]]:
    # Near-duplicates share most of their smallest shingle hashes; count shared sketch values
    # per pair through an inverted index instead of comparing every pair.
    index: dict[int, list[int]] = defaultdict(list)
    for i, values in enumerate(sets):
        for value in heapq.nsmallest(SKETCH_SIZE, values):
            index[value].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for docs in index.values():
        if 1 < len(docs) <= _COMMON_VALUE:
            for pair in combinations(docs, 2):
                shared[pair] += 1
    # A pair at the threshold shares about threshold * SKETCH_SIZE values; ask for a third of
    # that so that sampling noise does not hide true near-duplicates.
    needed = max(2, int(threshold * SKETCH_SIZE / 3))
    small = {i for i, s in enumerate(sets) if len(s) < SKETCH_SIZE}
    out = {pair for pair, count in shared.items() if count >= needed}
    # Very short texts have tiny sketches: compare them by sketch overlap of any size.
    out |= {
        pair for pair, count in shared.items() if count and (pair[0] in small or pair[1] in small)
    }
    return out
