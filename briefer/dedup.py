"""Exact and near-duplicate detection: one article kept, every source that carried it listed.

Exact: the same normalized URL (tracking parameters removed) or the same text (Article.id).
Near: word 5-shingles; a bottom-k MinHash sketch per article finds candidate pairs through an
inverted index, and the exact Jaccard similarity of the shingle sets decides. Only the
sketches (64 numbers an article) are kept for the whole day: the shingle sets of a candidate
pair are rebuilt from the two texts when the pair is checked.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING
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
_MIX = 0x9E3779B97F4A7C15  # an odd 64-bit constant: shingle hash = polynomial in word hashes
_CACHED_SETS = 256  # shingle sets kept while checking candidate pairs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


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


def shingles(text: str) -> npt.NDArray[np.uint64]:
    """Sorted distinct 64-bit hashes of the text's overlapping word 5-grams (casefolded)."""
    import numpy as np

    words = _WORD.findall(text.casefold())
    if not words:
        return np.zeros(0, dtype=np.uint64)
    if len(words) < SHINGLE_WORDS:
        return np.array([zlib.crc32(" ".join(words).encode())], dtype=np.uint64)
    codes = np.fromiter((zlib.crc32(w.encode()) for w in words), np.uint64, len(words))
    count = len(words) - SHINGLE_WORDS + 1
    hashes = codes[:count].copy()
    for j in range(1, SHINGLE_WORDS):
        hashes *= np.uint64(_MIX)  # wraps modulo 2**64, as intended
        hashes += codes[j : j + count]
    return np.unique(hashes)


def jaccard(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> float:
    """Jaccard similarity of two sorted distinct hash arrays."""
    import numpy as np

    if not a.size and not b.size:
        return 1.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared)


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
    by_text: dict[bytes, int] = {}
    for i in range(n):
        url = urls[i] if i < len(urls) else None
        if url:
            key = normalize_url(url)
            if key in by_url:
                groups.union(by_url[key], i)
            else:
                by_url[key] = i
        # A digest, not the text: the day's texts are not copied into this table.
        normalized = hashlib.blake2b(" ".join(texts[i].split()).encode(), digest_size=16).digest()
        if normalized in by_text:
            groups.union(by_text[normalized], i)
        else:
            by_text[normalized] = i
    sketches: list[list[int]] = []
    small: set[int] = set()
    for i, text in enumerate(texts):
        values = shingles(text)
        sketches.append(values[:SKETCH_SIZE].tolist())
        if values.size < SKETCH_SIZE:
            small.add(i)
    cache: OrderedDict[int, npt.NDArray[np.uint64]] = OrderedDict()

    def shingle_set(i: int) -> npt.NDArray[np.uint64]:
        if i in cache:
            cache.move_to_end(i)
            return cache[i]
        cache[i] = shingles(texts[i])
        if len(cache) > _CACHED_SETS:
            cache.popitem(last=False)
        return cache[i]

    for a, b in sorted(_candidates(sketches, small, threshold)):
        if (
            groups.find(a) != groups.find(b)
            and jaccard(shingle_set(a), shingle_set(b)) >= threshold
        ):
            groups.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[groups.find(i)].append(i)
    return [members[root] for root in sorted(members)]


def _candidates(
    sketches: Sequence[list[int]], small: set[int], threshold: float
) -> set[tuple[int, int]]:
    # Near-duplicates share most of their smallest shingle hashes; count shared sketch values
    # per pair through an inverted index instead of comparing every pair.
    index: dict[int, list[int]] = defaultdict(list)
    for i, values in enumerate(sketches):
        for value in values:
            index[value].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for docs in index.values():
        if 1 < len(docs) <= _COMMON_VALUE:
            for pair in combinations(docs, 2):
                shared[pair] += 1
    # A pair at the threshold shares about threshold * SKETCH_SIZE values; ask for a third of
    # that so that sampling noise does not hide true near-duplicates.
    needed = max(2, int(threshold * SKETCH_SIZE / 3))
    out = {pair for pair, count in shared.items() if count >= needed}
    # Very short texts have tiny sketches: compare them by sketch overlap of any size.
    out |= {
        pair for pair, count in shared.items() if count and (pair[0] in small or pair[1] in small)
    }
    return out
