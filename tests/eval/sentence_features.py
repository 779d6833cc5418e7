"""Features of a candidate key point that say nothing of its words: for ``train_facts``.

Centrality (the engine's PageRank score against the article's average, its rank), position
(relative, the first sentence, the first three, a paragraph's start), the share of the
headline's terms it holds, its overlap with the lead sentence, the engine's fact cues one by
one, a quotation inside it, its length and its capitalised words against the article's own
(German capitalises every noun, so only the difference says "names").
"""

from __future__ import annotations

import math
import re
from typing import Any

FEATURES = (
    "centrality_log",
    "centrality_rank",
    "most_central",
    "position",
    "first",
    "first_three",
    "index_log",
    "paragraph_start",
    "headline_share",
    "lead_overlap",
    "figures",
    "amount",
    "question",
    "quote_opener",
    "quotation",
    "first_person",
    "unterminated",
    "length_log",
    "length_relative",
    "names_relative",
)

_QUOTE_MARKS = re.compile('["“”„«»]')
_WORD = re.compile(r"\w+")


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _names_share(sentence: str) -> float:
    words = _WORD.findall(sentence)[1:]
    return sum(w[0].isupper() for w in words) / len(words) if words else 0.0


def features(found: Any, language: str, text: str) -> list[dict[str, float]]:
    """One feature dict per candidate of ``found`` (the engine's ``Candidates``) in ``text``."""
    from briefer.engines.extractive import _Cues
    from briefer.segmentation import paragraphs

    quotes, term_sets, scores = found.quotes, found.term_sets, found.scores
    n = len(quotes)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    rank_of = {i: r for r, i in enumerate(order)}
    lengths = [max(len(q.split()), 1) for q in quotes]
    mean_log_length = sum(math.log(x) for x in lengths) / n
    names = [_names_share(q) for q in quotes]
    mean_names = sum(names) / n
    starts = {p.start for p in paragraphs(text)}
    cues = _Cues.of(language)
    headline = found.headline
    rows = []
    for i, quote in enumerate(quotes):
        row = cues.signals(quote)
        if "quote_opener" not in row and _QUOTE_MARKS.search(quote):
            row["quotation"] = 1.0
        row["centrality_log"] = math.log(max(scores[i] * n, 1e-6))
        row["centrality_rank"] = rank_of[i] / n
        row["most_central"] = float(rank_of[i] == 0)
        row["position"] = i / n
        row["first"] = float(i == 0)
        row["first_three"] = float(i < 3)
        row["index_log"] = math.log(1 + i)
        row["paragraph_start"] = float(found.segments[i].start in starts)
        if headline:
            row["headline_share"] = len(headline & term_sets[i]) / len(headline)
        if i:
            row["lead_overlap"] = _jaccard(term_sets[i], term_sets[0])
        row["length_log"] = math.log(lengths[i])
        row["length_relative"] = math.log(lengths[i]) - mean_log_length
        row["names_relative"] = names[i] - mean_names
        rows.append(row)
    return rows
