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
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .defaults import DEFAULT_NEAR_DUPLICATE
from .grouping import UnionFind
from .text import words

SHINGLE_WORDS = 5
SKETCH_SIZE = 64
_COMMON_VALUE = 50  # sketch values shared by more articles than this are boilerplate
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|ref|ref_src|"
    r"cmpid|ocid|smid|sr_share|share|rss|s_cid|at_medium|at_campaign|ito|guccounter)$",
    re.IGNORECASE,
)
_MIX = 0x9E3779B97F4A7C15  # an odd 64-bit constant: shingle hash = polynomial in word hashes
_CACHED_SETS = 256  # shingle sets kept while checking candidate pairs
_MAX_WORD_CODES = 500_000  # words whose hash is remembered across articles

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


def shingles(text: str, word_codes: dict[str, int] | None = None) -> npt.NDArray[np.uint64]:
    """Sorted distinct 64-bit hashes of the text's overlapping word 5-grams (casefolded).

    ``word_codes`` caches each word's hash across calls: a day's articles share most words.
    """
    import numpy as np

    tokens = words(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    if len(tokens) < SHINGLE_WORDS:
        return np.array([zlib.crc32(" ".join(tokens).encode())], dtype=np.uint64)
    table = {} if word_codes is None else word_codes
    if len(table) > _MAX_WORD_CODES:
        table.clear()
    for word in set(tokens).difference(table):
        table[word] = zlib.crc32(word.encode())
    codes = np.fromiter(map(table.__getitem__, tokens), np.uint64, len(tokens))
    count = len(tokens) - SHINGLE_WORDS + 1
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


def duplicate_groups(
    texts: Sequence[str],
    urls: Sequence[str | None] = (),
    *,
    threshold: float = DEFAULT_NEAR_DUPLICATE,
) -> list[list[int]]:
    """Groups of indices that are the same article; each group's first index is the keeper."""
    n = len(texts)
    groups = UnionFind(n)
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
    word_codes: dict[str, int] = {}
    sketches: list[npt.NDArray[np.uint64]] = []
    small: set[int] = set()
    for i, text in enumerate(texts):
        values = shingles(text, word_codes)
        sketches.append(values[:SKETCH_SIZE].copy())  # a copy: the full set is let go
        if values.size < SKETCH_SIZE:
            small.add(i)
    cache: OrderedDict[int, npt.NDArray[np.uint64]] = OrderedDict()

    def shingle_set(i: int) -> npt.NDArray[np.uint64]:
        if i in cache:
            cache.move_to_end(i)
            return cache[i]
        cache[i] = shingles(texts[i], word_codes)
        if len(cache) > _CACHED_SETS:
            cache.popitem(last=False)
        return cache[i]

    for a, b in _candidates(sketches, small, threshold):
        if (
            groups.find(a) != groups.find(b)
            and jaccard(shingle_set(a), shingle_set(b)) >= threshold
        ):
            groups.union(a, b)
    return groups.groups()


def _candidates(
    sketches: Sequence[npt.NDArray[np.uint64]], small: set[int], threshold: float
) -> list[tuple[int, int]]:
    """Pairs (a < b, in order) that share enough sketch values to be worth an exact check."""
    import numpy as np

    n = len(sketches)
    if n < 2:
        return []
    # Near-duplicates share most of their smallest shingle hashes. Sort every (value, article)
    # entry by value: the articles that share a value are then one run, and each run of 2 to
    # _COMMON_VALUE articles gives its pairs; counting equal pairs counts shared values.
    sizes = np.fromiter(map(len, sketches), np.int64, n)
    values = np.concatenate(sketches)
    docs = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.lexsort((docs, values))
    values, docs = values[order], docs[order]
    if not values.size:
        return []
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    lengths = np.diff(np.append(starts, values.size))
    keys = []
    for size in np.unique(lengths).tolist():
        if not 1 < size <= _COMMON_VALUE:
            continue
        members = docs[starts[lengths == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        # An article holds a value once, and runs are sorted by article: first < second.
        keys.append(members[:, first].ravel() * n + members[:, second].ravel())
    if not keys:
        return []
    pairs, counts = np.unique(np.concatenate(keys), return_counts=True)
    # A pair at the threshold shares about threshold * SKETCH_SIZE values; ask for a third of
    # that so that sampling noise does not hide true near-duplicates.
    needed = max(2, int(threshold * SKETCH_SIZE / 3))
    keep = counts >= needed
    if small:
        # Very short texts have tiny sketches: compare them by sketch overlap of any size.
        tiny = np.fromiter(small, np.int64, len(small))
        keep |= np.isin(pairs // n, tiny) | np.isin(pairs % n, tiny)
    return [(int(p // n), int(p % n)) for p in pairs[keep].tolist()]
