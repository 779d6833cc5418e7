"""Find an evidence quote in its article: verbatim, normalized, or fuzzily above a threshold.

The cheap checks come first: a verbatim ``str.find``, then one over the normalized text
(worked out once per article). Only a quote found by neither is searched fuzzily, and that
search compares at most ``MAX_FUZZY_CANDIDATES`` passages character by character.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Sequence

from .defaults import DEFAULT_FUZZY_THRESHOLD
from .models import Span
from .segmentation import Segment, sentences

_QUOTES = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
        "–": "-", "—": "-", "‑": "-", "\u00a0": " ",
    }
)  # fmt: skip
_WORDS = re.compile(r"\w+")
_MAX_WINDOW = 3  # a quote may run across up to this many consecutive sentences


def _normalize(text: str) -> tuple[str, list[int]]:
    """Casefolded text with unified quotes and collapsed spaces, and each char's source index."""
    out: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            index.append(i - 1)
            pending_space = False
        folded = ch.casefold()
        out.extend(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def find_span(text: str, quote: str) -> Span | None:
    """Where ``quote`` occurs in ``text``, verbatim first, then normalized; None if absent."""
    span, _ = locate(text, quote, fuzzy_threshold=None)
    return span


def locate(
    text: str, quote: str, *, fuzzy_threshold: float | None = DEFAULT_FUZZY_THRESHOLD
) -> tuple[Span | None, str | None]:
    """The quote's span and how it was found: "exact", "normalized", "fuzzy" or (None, None)."""
    return Evidence(text).locate(quote, fuzzy_threshold=fuzzy_threshold)


class Evidence:
    """One article's text, for checking many quotes: the normalized form and the sentences
    are worked out once, and only when a quote is not found verbatim."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._normalized: tuple[str, list[int]] | None = None
        # Per sentence: its bounds in the normalized text and its set of words (worked out
        # once, on the first quote that needs the fuzzy search).
        self._sentences: list[tuple[int, int, set[str]]] | None = None

    def locate(
        self, quote: str, *, fuzzy_threshold: float | None = DEFAULT_FUZZY_THRESHOLD
    ) -> tuple[Span | None, str | None]:
        """Like ``locate``, for this article."""
        if not quote.strip():
            return None, None
        at = self.text.find(quote)
        if at >= 0:
            return Span(at, at + len(quote)), "exact"
        if self._normalized is None:
            self._normalized = _normalize(self.text)
        norm_text, index = self._normalized
        norm_quote, _ = _normalize(quote.strip())
        at = norm_text.find(norm_quote)
        if at >= 0:
            return Span(index[at], index[at + len(norm_quote) - 1] + 1), "normalized"
        if fuzzy_threshold is None:
            return None, None
        if self._sentences is None:
            self._sentences = _sentence_words(norm_text, index, sentences(self.text))
        found = _fuzzy(norm_text, index, norm_quote, fuzzy_threshold, self._sentences)
        return (found, "fuzzy") if found else (None, None)


MAX_FUZZY_CANDIDATES = 12  # passages compared character by character, at most, per quote
MAX_FUZZY_QUOTE = 2000  # characters; a longer quote is not searched fuzzily at all


def _sentence_words(
    norm_text: str, index: list[int], spans: Sequence[Segment]
) -> list[tuple[int, int, set[str]]]:
    out = []
    for s in spans:
        start, end = bisect.bisect_left(index, s.start), bisect.bisect_left(index, s.end)
        out.append((start, end, set(_WORDS.findall(norm_text[start:end]))))
    return out


def _fuzzy(
    norm_text: str,
    index: list[int],
    norm_quote: str,
    threshold: float,
    sentence_words: Sequence[tuple[int, int, set[str]]],
) -> Span | None:
    # Compare the quote with windows of one to three consecutive sentences: find where in the
    # window the quote sits, and accept when that passage and the quote are at least
    # `threshold` alike (difflib's ratio: twice the shared characters over both lengths).
    # The cost is bounded: windows are ranked by the quote words they share (a set lookup per
    # word), and only the best few get the quadratic character comparison.
    quote_words = set(_WORDS.findall(norm_quote))
    if not quote_words or len(norm_quote) > MAX_FUZZY_QUOTE:
        return None
    bounds = [(start, end) for start, end, _ in sentence_words]
    shared_by_sentence = [quote_words & words for _, _, words in sentence_words]
    candidates: list[tuple[int, int, int]] = []
    for first in range(len(bounds)):
        shared: set[str] = set()
        for last in range(first, min(first + _MAX_WINDOW, len(bounds))):
            shared |= shared_by_sentence[last]
            if len(shared) >= threshold * len(quote_words) * 0.8:
                candidates.append((len(shared), first, last))
    candidates.sort(key=lambda c: (-c[0], c[2] - c[1], c[1]))
    best: tuple[float, int, Span] | None = None
    for _, first, last in candidates[:MAX_FUZZY_CANDIDATES]:
        start, end = bounds[first][0], bounds[last][1]
        window = norm_text[start:end]
        matcher = difflib.SequenceMatcher(None, norm_quote, window, autojunk=False)
        # Runs of 4+ shared characters mark where the quote sits in the window; stray
        # single letters matched far away would stretch the region for nothing.
        blocks = [b for b in matcher.get_matching_blocks() if b.size >= 4]
        if not blocks:
            continue
        lo, hi = start + blocks[0].b, start + blocks[-1].b + blocks[-1].size
        likeness = difflib.SequenceMatcher(None, norm_quote, norm_text[lo:hi], autojunk=False)
        covered = likeness.ratio()
        if covered < threshold:
            continue
        span = Span(index[lo], index[hi - 1] + 1)
        key = (covered, -(span.end - span.start), span)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None
