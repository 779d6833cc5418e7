"""Split an article into token-bounded chunks that map back to its text exactly.

Splits prefer paragraph boundaries, then sentence boundaries, then whitespace between words;
only a single "word" longer than the whole token budget is cut between tokens. Consecutive
chunks may share up to ``overlap`` tokens of whole sentences, so a claim that straddles a
boundary is still seen whole by one chunk.

A long text is tokenized once (``TokenSpans``): cuts are planned from that tokenization and
each chunk's exact count costs two tiny encodes of its edges, never a re-encode of the chunk.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from .defaults import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, DEFAULT_TOKENIZER, MIN_MAX_TOKENS
from .errors import ConfigError
from .models import Article, Chunk
from .segmentation import Segment, paragraph_starts, sentences_in, words_in
from .tokenizer import get_encoding
from .tokenspans import TokenSpans

# A single token decodes to at most this many characters in o200k/cl100k text without
# whitespace; it bounds the search window when a huge word must be cut between tokens.
_MAX_CHARS_PER_TOKEN = 64
_TYPICAL_CHARS_PER_TOKEN = 6
# No token of o200k_base or cl100k_base is longer than 128 bytes, hence 128 characters.
_MAX_TOKEN_BYTES = 128
# Units whose estimated count is this close to the limit are counted exactly.
_ESTIMATE_MARGIN = 8


def chunk_article(
    article: Article,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap: int = DEFAULT_OVERLAP,
    tokenizer: str = DEFAULT_TOKENIZER,
) -> list[Chunk]:
    """Chunks of an article's text, each at most ``max_tokens`` tokens."""
    return chunk_text(
        article.text,
        max_tokens=max_tokens,
        overlap=overlap,
        tokenizer=tokenizer,
        article_id=article.id,
    )


def chunk_text(
    text: str,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap: int = DEFAULT_OVERLAP,
    tokenizer: str = DEFAULT_TOKENIZER,
    article_id: str = "",
) -> list[Chunk]:
    """Chunks covering ``text`` in order; ``text[c.start:c.end] == c.text`` for each."""
    if max_tokens < MIN_MAX_TOKENS:
        raise ConfigError(f"max tokens must be at least {MIN_MAX_TOKENS}, got {max_tokens}")
    if not 0 <= overlap <= max_tokens // 2:
        raise ConfigError(f"overlap must be between 0 and {max_tokens // 2}, got {overlap}")
    if not text:
        return []
    # Most articles fit in one chunk: one encode answers that without any planning, and its
    # tokens are reused when they do not fit.
    ids = None
    if len(text) <= max_tokens * _TYPICAL_CHARS_PER_TOKEN:
        ids = get_encoding(tokenizer).encode_ordinary(text)
        if len(ids) <= max_tokens:
            return [Chunk(article_id, 0, text, 0, len(text), len(ids))]
    planner = _Planner(text, TokenSpans(text, tokenizer, ids), max_tokens, overlap)
    return [
        Chunk(article_id, i, text[start:end], start, end, tokens)
        for i, (start, end, tokens) in enumerate(planner.plan())
    ]


def _inner_bounds(pieces: list[Segment]) -> list[int]:
    # Trimmed pieces become a partition of the span they came from: whitespace between two
    # pieces goes with the earlier one, so chunks built from units cover the text with no
    # gaps. Only the inner bounds are returned.
    return [p.start for p in pieces[1:]]


def _trim(text: str, start: int, end: int) -> Segment:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Segment(start, end)


class _Planner:
    """Units (paragraphs, or finer pieces of paragraphs too long for a chunk), then chunks.

    ``bounds[k]`` is where unit ``k`` starts (the last entry is the text's end) and
    ``marks[k]`` how many of the whole text's tokens start before it, so the estimated size
    of any run of units is a subtraction and the longest run that fits is a bisection.
    """

    def __init__(self, text: str, spans: TokenSpans, max_tokens: int, overlap: int) -> None:
        self.text = text
        self.spans = spans
        self.max_tokens = max_tokens
        self.overlap = overlap
        bounds = [0, *paragraph_starts(text), len(text)]
        marks = spans.indices(bounds)
        limit = max_tokens - _ESTIMATE_MARGIN
        if any(b - a > limit for a, b in zip(marks, marks[1:])):
            bounds, marks = self._refine(bounds, marks)
        self.bounds = bounds
        self.marks = marks

    def _refine(self, bounds: list[int], marks: list[int]) -> tuple[list[int], list[int]]:
        limit = self.max_tokens - _ESTIMATE_MARGIN
        out = [0]
        for k in range(len(bounds) - 1):
            if marks[k + 1] - marks[k] > limit:
                out.extend(self._split(bounds[k], bounds[k + 1], 0))
            out.append(bounds[k + 1])
        return out, self.spans.indices(out)

    def _split(self, start: int, end: int, level: int) -> list[int]:
        """Inner cut points that make ``[start, end)`` units that each fit in a chunk."""
        # A span longer than max_tokens of the longest possible token cannot fit: it is split
        # without being counted (counting a huge one-line span would encode all of it).
        fits = end - start <= self.max_tokens * _MAX_TOKEN_BYTES
        if fits and self.spans.count(start, end) <= self.max_tokens:
            return []
        if level == 0:
            pieces = sentences_in(self.text, _trim(self.text, start, end))
        elif level == 1:
            pieces = words_in(self.text, Segment(start, end))
        else:
            return self._cut_between_tokens(start, end)
        inner = _inner_bounds(pieces)
        if not inner:
            return self._split(start, end, level + 1)
        cuts: list[int] = []
        edges = [start, *inner, end]
        for a, b in zip(edges, edges[1:]):
            if a > start:
                cuts.append(a)
            cuts.extend(self._split(a, b, level + 1))
        return cuts

    def _cut_between_tokens(self, start: int, end: int) -> list[int]:
        count = self.spans.count
        cuts: list[int] = []
        longest = self.max_tokens * _MAX_TOKEN_BYTES  # a longer rest cannot fit: not counted
        while end - start > longest or count(start, end) > self.max_tokens:
            lo, hi = start + 1, min(end, start + self.max_tokens * _MAX_CHARS_PER_TOKEN)
            best = lo
            while lo <= hi:
                mid = (lo + hi) // 2
                if count(start, mid) <= self.max_tokens:
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            cuts.append(best)
            start = best
        return cuts

    def _split_unit(self, k: int) -> None:
        # A unit whose estimate fitted but whose exact count does not: cut it finer.
        inner = self._split(self.bounds[k], self.bounds[k + 1], 0)
        self.bounds[k + 1 : k + 1] = inner
        self.marks[k + 1 : k + 1] = self.spans.indices(inner) if inner else []

    def plan(self) -> list[tuple[int, int, int]]:
        """(start, end, exact tokens) of each chunk, in order."""
        count, bounds, marks = self.spans.count, self.bounds, self.marks
        spans: list[tuple[int, int, int]] = []
        i = 0  # the first whole unit of the chunk being built
        chunk_start = bounds[0]
        while i < len(bounds) - 1:
            units = len(bounds) - 1
            base = marks[i] if chunk_start == bounds[i] else self.spans.index(chunk_start)
            # Units i .. j-1 fit by estimate; the exact count decides, stepping back if needed.
            j = max(i + 1, min(units, bisect_right(marks, base + self.max_tokens, i + 1) - 1))
            exact = count(chunk_start, bounds[j])
            while exact > self.max_tokens and j - 1 > i:
                j -= 1
                exact = count(chunk_start, bounds[j])
            if exact > self.max_tokens:
                if chunk_start < bounds[i]:
                    chunk_start = bounds[i]  # only the overlap prefix made it not fit: drop it
                else:
                    self._split_unit(i)
                continue
            spans.append((chunk_start, bounds[j], exact))
            if j == units:
                break
            chunk_start = self._overlap_start(i, j) if self.overlap else bounds[j]
            i = j
        return spans

    def _overlap_start(self, first: int, nxt: int) -> int:
        """Earliest sentence start after the chunk's first unit whose tail to ``nxt`` fits."""
        bounds, marks, count = self.bounds, self.marks, self.spans.count
        boundary = bounds[nxt]
        k = bisect_left(marks, marks[nxt] - self.overlap, first + 1, nxt)
        while k < nxt and count(bounds[k], boundary) > self.overlap:
            k += 1
        start = bounds[k]
        if k - 1 > first:
            # The unit straddling the overlap limit may hold sentences that still fit: walk back
            # from its last sentence, and stop at the first that would not.
            straddler = _trim(self.text, bounds[k - 1], bounds[k])
            for sentence in reversed(sentences_in(self.text, straddler)):
                if sentence.start <= bounds[k - 1]:
                    break
                if count(sentence.start, boundary) > self.overlap:
                    break
                start = sentence.start
        return start
