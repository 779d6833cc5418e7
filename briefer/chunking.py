"""Split an article into token-bounded chunks that map back to its text exactly.

Splits prefer paragraph boundaries, then sentence boundaries, then whitespace between words;
only a single "word" longer than the whole token budget is cut between tokens. Consecutive
chunks may share up to ``overlap`` tokens of whole sentences, so a claim that straddles a
boundary is still seen whole by one chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .defaults import DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP, DEFAULT_TOKENIZER, MIN_MAX_TOKENS
from .errors import ConfigError
from .models import Article, Chunk
from .segmentation import Segment, paragraphs, sentences_in, words_in
from .tokenizer import get_encoding

# A single token decodes to at most this many characters in o200k/cl100k text without
# whitespace; it bounds the search window when a huge word must be cut between tokens.
_MAX_CHARS_PER_TOKEN = 64
_TYPICAL_CHARS_PER_TOKEN = 6
# No token of o200k_base or cl100k_base is longer than 128 bytes, hence 128 characters.
_MAX_TOKEN_BYTES = 128


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


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
    encode = get_encoding(tokenizer).encode_ordinary

    def count(start: int, end: int) -> int:
        return len(encode(text[start:end]))

    # Most articles fit in one chunk: one encode answers that. Long texts skip the check,
    # since packing their units finds the same answer.
    if len(text) <= max_tokens * _TYPICAL_CHARS_PER_TOKEN:
        total = count(0, len(text))
        if total <= max_tokens:
            return [Chunk(article_id, 0, text, 0, len(text), total)]

    units = _units(text, count, max_tokens)
    spans = _pack(text, units, count, max_tokens, overlap)
    return [
        Chunk(article_id, i, text[start:end], start, end, tokens)
        for i, (start, end, tokens) in enumerate(spans)
    ]


def _partition(pieces: list[Segment], start: int, end: int) -> list[tuple[int, int]]:
    # Trimmed pieces become a partition of [start, end): whitespace between two pieces goes
    # with the earlier one, so chunks built from units cover the text with no gaps.
    if not pieces:
        return [(start, end)]
    bounds = [start] + [p.start for p in pieces[1:]] + [end]
    return list(zip(bounds, bounds[1:]))


def _units(text: str, count: Callable[[int, int], int], max_tokens: int) -> list[_Unit]:
    units: list[_Unit] = []

    def split(start: int, end: int, level: int) -> None:
        # A span longer than max_tokens of the longest possible token cannot fit: it is split
        # without encoding it whole (a huge one-line text would cost ~30 bytes per token).
        if end - start <= max_tokens * _MAX_TOKEN_BYTES:
            tokens = count(start, end)
            if tokens <= max_tokens:
                units.append(_Unit(start, end, tokens))
                return
        span = Segment(start, end)
        if level == 0:
            pieces = sentences_in(text, _trim(text, span))
        elif level == 1:
            pieces = words_in(text, span)
        else:
            _cut_between_tokens(start, end)
            return
        parts = _partition(pieces, start, end)
        if len(parts) == 1:
            split(start, end, level + 1)
            return
        for part_start, part_end in parts:
            split(part_start, part_end, level + 1)

    def _cut_between_tokens(start: int, end: int) -> None:
        while start < end:
            lo, hi = start + 1, min(end, start + max_tokens * _MAX_CHARS_PER_TOKEN)
            best = lo
            while lo <= hi:
                mid = (lo + hi) // 2
                if count(start, mid) <= max_tokens:
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            units.append(_Unit(start, best, count(start, best)))
            start = best

    for part_start, part_end in _partition(paragraphs(text), 0, len(text)):
        split(part_start, part_end, 0)
    return units


def _trim(text: str, span: Segment) -> Segment:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Segment(start, end)


def _pack(
    text: str,
    units: list[_Unit],
    count: Callable[[int, int], int],
    max_tokens: int,
    overlap: int,
) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    i = 0  # index of the first whole unit of the chunk being built
    chunk_start = units[0].start
    while i < len(units):
        prefix = count(chunk_start, units[i].start) if chunk_start < units[i].start else 0
        budget = prefix
        j = i
        while j < len(units) and budget + units[j].tokens <= max_tokens:
            budget += units[j].tokens
            j += 1
        # Token counts are not exactly additive across a join, so check the real count.
        exact = count(chunk_start, units[j - 1].end) if j > i else max_tokens + 1
        while exact > max_tokens and j - 1 > i:
            j -= 1
            exact = count(chunk_start, units[j - 1].end)
        if exact > max_tokens:
            # Only the overlap prefix can make a single unit not fit: drop it.
            chunk_start = units[i].start
            continue
        spans.append((chunk_start, units[j - 1].end, exact))
        if j == len(units):
            break
        chunk_start = (
            _overlap_start(text, units, i, j, count, overlap) if overlap else units[j].start
        )
        i = j
    return spans


def _overlap_start(
    text: str,
    units: list[_Unit],
    first: int,
    nxt: int,
    count: Callable[[int, int], int],
    overlap: int,
) -> int:
    """Earliest sentence start after the chunk's first unit whose tail to ``nxt`` fits."""
    boundary = units[nxt].start
    k, tail = nxt - 1, 0
    while k > first and tail + units[k].tokens <= overlap:
        tail += units[k].tokens
        k -= 1
    start = units[k + 1].start if k + 1 < nxt else boundary
    if k > first:
        # The unit straddling the overlap limit may hold sentences that still fit: walk back
        # from its last sentence, and stop at the first that would not.
        spans = sentences_in(text, _trim(text, Segment(units[k].start, units[k].end)))
        for sentence in reversed(spans):
            if sentence.start <= units[k].start or count(sentence.start, boundary) > overlap:
                break
            start = sentence.start
    return start
