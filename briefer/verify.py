"""Find an evidence quote in its article: verbatim, or after normalizing case, quotes and spaces."""

from __future__ import annotations

from .models import Span

_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "\u00a0": " ",
    }
)


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
    if not quote.strip():
        return None
    at = text.find(quote)
    if at >= 0:
        return Span(at, at + len(quote))
    norm_text, index = _normalize(text)
    norm_quote, _ = _normalize(quote.strip())
    at = norm_text.find(norm_quote)
    if at < 0:
        return None
    return Span(index[at], index[at + len(norm_quote) - 1] + 1)
