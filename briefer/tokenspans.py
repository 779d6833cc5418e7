"""Token counts of any span of a text from one tokenization of the whole text.

tiktoken splits text into regex pieces and runs BPE inside each piece, so the tokens of a
span are the whole text's tokens between two piece boundaries, except near the span's two
edges where the span's own pieces can differ ("Next" alone is not the " Next" of the text;
trailing spaces group differently at the end of a string). A position where a non-space
character is followed by a space or tab is a piece boundary in every scan of o200k_base and
cl100k_base (no piece holds both), and the scan of a span agrees with the scan of the whole
text between two such positions. So the exact count of ``text[a:b]`` is: encode the short head
``text[a:x]`` up to the first such position, take the whole text's tokens from ``x`` to the
last such position ``y``, and encode the short tail ``text[y:b]``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING

from .tokenizer import get_encoding, token_byte_lengths

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# A non-space character followed by a space or tab: the space starts a new piece. Python's
# \s is a superset of the tokenizer's, so \S here is never whitespace to the tokenizer.
_PIECE_EDGE = re.compile(r"\S[ \t]")
# Spans shorter than this are encoded directly: no saving to be had.
_DIRECT_CHARS = 96
_TAIL_WINDOWS = (64, 512, 4096)


class TokenSpans:
    """Exact token counts of spans of ``text``, after a single encode of the whole text."""

    def __init__(self, text: str, tokenizer: str, ids: list[int] | None = None) -> None:
        """``ids``, when given, must be ``encode_ordinary(text)``: it is not encoded again."""
        import numpy as np

        encoding = get_encoding(tokenizer)
        self._text = text
        self._encode = encoding.encode_ordinary
        self._exact_only = False
        tokens: npt.NDArray[np.uint32]
        try:
            if ids is None:
                tokens = encoding.encode_to_numpy(text, disallowed_special=())
            else:
                text.encode("utf-8")  # the same check tiktoken makes before encoding
                tokens = np.asarray(ids, dtype=np.uint32)
        except UnicodeEncodeError:
            # Lone surrogates: tiktoken replaces them before encoding, which shifts offsets.
            # Spans are then counted by encoding them; the estimates below stay usable.
            tokens = np.asarray(ids if ids is not None else self._encode(text), dtype=np.uint32)
            self._exact_only = True
        self.total = int(tokens.size)
        starts = np.zeros(tokens.size + 1, dtype=np.int64)
        np.cumsum(token_byte_lengths(tokenizer)[tokens], dtype=np.int64, out=starts[1:])
        self._starts = starts
        # Byte offset of a character = its index + the extra UTF-8 bytes of the characters
        # before it. Mostly-ASCII text keeps only its few wide characters; other text gets a
        # full table.
        self._wide_at: list[int] = []
        self._wide_extra: list[int] = []
        self._byte_of: npt.NDArray[np.int64] | None = None
        utf8_size = len(text)
        if not text.isascii():
            utf8 = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
            utf8_size = utf8.size
            if utf8_size - len(text) <= len(text) // 50:
                # The lead byte of each wide character gives its width; its character index
                # is its byte offset less the extra bytes of the wide characters before it.
                leads = np.flatnonzero(utf8 >= 0xC0)
                width = 2 + (utf8[leads] >= 0xE0).astype(np.int64) + (utf8[leads] >= 0xF0)
                extra = np.cumsum(width - 1)
                self._wide_at = (leads - (extra - (width - 1))).tolist()
                self._wide_extra = extra.tolist()
            else:
                self._byte_of = np.append(np.flatnonzero((utf8 & 0xC0) != 0x80), utf8.size)
        if utf8_size != int(starts[-1]):
            self._exact_only = True
        self._heads: dict[int, int] = {}
        self._tails: dict[int, int] = {}
        self._last_edges: dict[int, int] = {}

    def _byte(self, position: int) -> int:
        if self._byte_of is not None:
            return int(self._byte_of[position])
        if not self._wide_at:
            return position
        k = bisect_left(self._wide_at, position)
        return position + (self._wide_extra[k - 1] if k else 0)

    def index(self, position: int) -> int:
        """How many of the whole text's tokens start before character ``position``."""
        return int(self._starts.searchsorted(self._byte(position)))

    def indices(self, positions: list[int]) -> list[int]:
        """``index`` of each position, computed together."""
        import numpy as np

        if self._byte_of is not None:
            at = self._byte_of[np.asarray(positions, dtype=np.int64)]
        elif self._wide_at:
            at = np.asarray([self._byte(p) for p in positions], dtype=np.int64)
        else:
            at = np.asarray(positions, dtype=np.int64)
        found: list[int] = self._starts.searchsorted(at).tolist()
        return found

    def estimate(self, start: int, end: int) -> int:
        """The whole text's tokens that start inside the span: within a few of the count."""
        return self.index(end) - self.index(start)

    def count(self, start: int, end: int) -> int:
        """Exactly ``len(encode_ordinary(text[start:end]))``."""
        text = self._text
        if end - start <= _DIRECT_CHARS or self._exact_only:
            return len(self._encode(text[start:end]))
        first = _PIECE_EDGE.search(text, start, end)
        last = self._last_edge(start, end)
        if first is None or last is None or last < first.start() + 1:
            return len(self._encode(text[start:end]))
        x = first.start() + 1
        head = self._heads.get(start)
        if head is None:
            head = len(self._encode(text[start:x]))
            self._heads[start] = head
        tail = self._tails.get(end)
        if tail is None:
            tail = len(self._encode(text[last:end]))
            self._tails[end] = tail
        return head + self.index(last) - self.index(x) + tail

    def _last_edge(self, start: int, end: int) -> int | None:
        # The last piece edge y with start < y < end, searched in growing windows.
        cached = self._last_edges.get(end)
        if cached is not None:
            return cached if cached >= start + 1 else None
        text = self._text
        for window in _TAIL_WINDOWS:
            lo = max(start, end - window)
            found: re.Match[str] | None = None
            for match in _PIECE_EDGE.finditer(text, lo, end):
                found = match
            if found is not None:
                edge = found.start() + 1
                self._last_edges[end] = edge
                return edge
            if lo == start:
                return None
        return None
