"""The offline engine: TextRank-style key sentences and rule-based risks. No model, no network.

Every key point is a sentence of the article, so its evidence is verbatim by construction.
The ranking is a PageRank over a sentence-similarity graph, with the random jump biased toward
the top of the article, because news puts what matters first.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError
from ..grounding import SummaryAnswer
from ..models import (
    Article,
    BatchExport,
    Chunk,
    EngineInfo,
    EngineResult,
    KeyPoint,
    PlannedCall,
    Risk,
    Span,
)
from ..risk import assess
from ..risk_model import RiskModel, builtin_model
from ..rules import DEFAULT_LANGUAGE, RuleBook
from ..segmentation import Segment, sentences
from ..text import terms

DAMPING = 0.85
ITERATIONS = 60
TOLERANCE = 1e-6
MIN_WORDS = 6
MAX_WORDS = 80
REDUNDANCY = 0.5  # Jaccard overlap above which a lower-ranked sentence repeats a chosen one
# Ranking is quadratic in sentences: a huge text ranks its first sentences only (news leads
# with what matters); risk rules still read every sentence.
MAX_RANKED = 400
HEADLINE_WEIGHT = 1.0  # a sentence holding all the headline's words is jumped to twice as often

# What a reader takes from an article is mostly its reported facts, and a fact usually carries a
# figure (a count, an amount, a share); a question, a line that opens a direct quote, a line
# without closing punctuation (a heading, a caption, a teaser) and a sentence in the first
# person (a voice, not the report) rarely are one. Each cue multiplies a sentence's rank score
# by exp(weight). Measured on the evaluation set's development pages (tests/eval): a sentence
# with a figure is a labelled fact about twice as often as one without, a question, a quote
# opener or an unterminated line about a third as often.
FIGURE_WEIGHT = 0.35  # per figure (not a year) in the sentence, counting at most MAX_FIGURES
MAX_FIGURES = 3
AMOUNT_WEIGHT = 0.6  # a share or a sum: "30 per cent", "$160", "2 Milliarden"
FIRST_PERSON_WEIGHT = -0.5
NOT_A_STATEMENT_WEIGHT = -1.0
# A year says when, not how much: "in 2001" is no figure, "20-year" and "6,000" are.
_DIGIT = re.compile(r"\d")
_FIGURE = re.compile(r"(?<![\d.,])(?!(?:1[89]|20)\d\d(?![\d.,]*\d))\d+(?:[.,]\d+)*")
_CLOSERS = "\"'”’»)]"
_QUOTE_OPENERS = '"“„«»'
# Words of amounts and of the first person, by language (lowercased); a language without an
# entry uses only the signs ("%", "$", "€") and no first-person cue.
_AMOUNT_SIGNS = r"%|[$€£¥]"
_AMOUNTS = {
    "en": r"per ?cent|percent|million|billion|trillion",
    "de": r"prozent|millionen|million|milliarden|milliarde|billionen",
    "fr": r"pour ?cent|millions?|milliards?",
    "es": r"por ?ciento|millones|millón|mil millones",
}
_FIRST_PERSON = {
    "en": r"i|we|my|our",
    "de": r"ich|wir|mein\w*|unser\w*",
    "fr": r"je|j|nous|mon|ma|mes|notre|nos",
    "es": r"yo|nosotros|nosotras|mi|mis|nuestr[oa]s?",
}

# Matched against the lowercased sentence: faster than a case-insensitive search.
_BOILERPLATE = re.compile(
    r"all rights reserved|copyright|subscribe|newsletter|sign up|click here|read more|"
    r"cookies?\b|advertisement|follow us|contributed to this report|is a team of journalists|"
    r"for more (news|information)|share this article",
)


def _terms(sentence: str, language: str = "en") -> frozenset[str]:
    return frozenset(terms(sentence, language))


def rank(term_sets: Sequence[frozenset[str]], anchor: frozenset[str] = frozenset()) -> list[float]:
    """PageRank scores of sentences over their similarity graph, lead-biased jumps.

    The random jump favours early sentences and, when an ``anchor`` (the headline's terms) is
    given, sentences that share its words: in a short article the graph alone can crown a
    sentence that merely links two others.
    """
    n = len(term_sets)
    if n == 0:
        return []
    weights = [[0.0] * n for _ in range(n)]
    # Only pairs that share a term have an edge: count shared terms through an inverted index
    # instead of intersecting every pair.
    postings: dict[str, list[int]] = {}
    for i, term_set in enumerate(term_sets):
        for term in term_set:
            postings.setdefault(term, []).append(i)
    # A shared word counts by its rarity in the article (log n/df): a word in every sentence, such
    # as the story's subject, links them all and says nothing about which is central.
    shared: dict[tuple[int, int], float] = {}
    for posting in postings.values():
        if len(posting) == n:
            continue
        rarity = math.log(n / len(posting))
        for x, i in enumerate(posting):
            for j in posting[x + 1 :]:
                shared[i, j] = shared.get((i, j), 0.0) + rarity
    logs = [math.log(len(t) + 1) for t in term_sets]
    for (i, j), common in shared.items():
        weights[i][j] = weights[j][i] = common / (logs[i] + logs[j])
    out_sums = [sum(row) for row in weights]
    # For each node j: the nodes that link to it, and the share of their score that flows to j.
    sources = [[i for i in range(n) if weights[i][j]] for j in range(n)]
    shares = [[weights[i][j] / out_sums[i] for i in sources[j]] for j in range(n)]
    dangling_nodes = [i for i in range(n) if out_sums[i] == 0.0]
    prior = [
        (1.0 / math.sqrt(i + 1)) * (1.0 + HEADLINE_WEIGHT * len(anchor & terms) / len(anchor))
        if anchor
        else 1.0 / math.sqrt(i + 1)
        for i, terms in enumerate(term_sets)
    ]
    total = sum(prior)
    prior = [p / total for p in prior]
    scores = prior[:]
    for _ in range(ITERATIONS):
        dangling = sum(scores[i] for i in dangling_nodes)
        get = scores.__getitem__
        new = [
            (1 - DAMPING) * prior[j]
            + DAMPING
            * (sum(map(operator.mul, map(get, sources[j]), shares[j])) + dangling * prior[j])
            for j in range(n)
        ]
        delta = sum(map(abs, map(operator.sub, new, scores)))
        scores = new
        if delta < TOLERANCE:
            break
    if not anchor:
        return scores
    # Centrality alone favours a sentence that merely links two others; weighting by the
    # prior keeps the lede and headline-bearing sentences ahead in short articles.
    weighted = [s * math.sqrt(p) for s, p in zip(scores, prior, strict=True)]
    total = sum(weighted) or 1.0
    return [w / total for w in weighted]


@dataclass(frozen=True)
class Candidates:
    """An article's candidate key points: spans, text, terms, the headline's terms, centrality."""

    segments: list[Segment]
    quotes: list[str]
    term_sets: list[frozenset[str]]
    headline: frozenset[str]
    scores: list[float]


def cue_weighted(found: Candidates, language: str) -> list[float]:
    """Each candidate's centrality times its fact cues' factor (see FIGURE_WEIGHT)."""
    cues = _Cues.of(language)
    return [s * cues.factor(q) for s, q in zip(found.scores, found.quotes, strict=True)]


class ExtractiveEngine:
    """Deterministic offline engine; see the module docstring."""

    info = EngineInfo(
        name="extractive",
        description="ranked sentences and rule-based risks listed when sure; offline, no LLM",
    )

    def __init__(self, settings: Settings, rules: RuleBook | None = None) -> None:
        self.max_key_points = settings.max_key_points
        self.max_risks = settings.max_risks
        self.rules = rules or RuleBook(settings.rules, replace=settings.replace_rules)
        shipped = builtin_model()
        confidence = settings.risk_confidence
        self.model = shipped if confidence is None else replace(shipped, threshold=confidence)
        self.rules.get(DEFAULT_LANGUAGE)  # a broken rules file fails here, not mid-run

    def analyze_all(
        self,
        items: Iterable[tuple[Article, Sequence[Chunk]]],
        progress: Callable[[int, int, str], None] | None = None,
    ) -> list[EngineResult]:
        """Findings for each article; the whole article is ranked, chunks are not needed."""
        items = list(items)  # the total first, for the progress
        results = []
        for done, (article, chunks) in enumerate(items):
            key_points, risks = self.analyze(article, chunks)
            note = self.risk_note(article)
            results.append(EngineResult(tuple(key_points), tuple(risks), risk_note=note))
            if progress:
                progress(done + 1, len(items), article.source)
        return results

    def risk_note(self, article: Article) -> str | None:
        """Why the article's risks were not assessed; None when they were."""
        if self.rules.get(article.language) is None:
            return f"risks not assessed (language: {article.language})"
        return None

    def plan(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> list[PlannedCall]:
        """No model calls: one free, local step per chunk."""
        return [
            PlannedCall(a.source, c.index + 1, len(cs), 0, 0, False, 0.0)
            for a, cs in items
            for c in cs
        ]

    def export(self, items: Sequence[tuple[Article, Sequence[Chunk]]], path: Path) -> BatchExport:
        raise ConfigError(
            "batch_export writes model requests, and the extractive engine sends none: "
            "set base_url or OPENAI_API_KEY to use the openai engine"
        )

    def synthesize(self, **request: Any) -> SummaryAnswer | None:
        """None: the offline summary (each top story's leading point) is the brief's."""
        return None

    def analyze(
        self, article: Article, chunks: Sequence[Chunk]
    ) -> tuple[list[KeyPoint], list[Risk]]:
        spans = sentences(article.text, article.language)
        key_points = self.key_points(article, spans)
        return key_points, self.risks(article, spans)

    def risks(
        self, article: Article, spans: list[Segment], model: RiskModel | None = None
    ) -> list[Risk]:
        """The article's risks; none when its language has no rules (English cues on another
        language find false risks: :meth:`risk_note` says so instead)."""
        rules = self.rules.get(article.language)
        if rules is None:
            return []
        return assess(
            article,
            self.risk_sentences(article, spans),
            rules,
            limit=self.max_risks,
            model=model or self.model,
        )

    def risk_sentences(self, article: Article, spans: list[Segment]) -> list[Segment]:
        """The sentences the risk scan reads: the headline restates the body, and quoting the
        body is the stronger evidence."""
        return [s for s in spans if not self._is_title(article, s)] or spans

    def key_point_candidates(self, article: Article, spans: list[Segment]) -> Candidates:
        """The sentences a key point may be, with their terms and centrality."""
        text = article.text
        candidates = [s for s in spans if self._eligible(article, s)][:MAX_RANKED]
        if not candidates:
            # A very short article: rank whatever sentences there are rather than say nothing.
            candidates = ([s for s in spans if not self._is_title(article, s)] or spans)[
                :MAX_RANKED
            ]
        language = article.language
        quotes = [text[s.start : s.end] for s in candidates]
        term_sets = [_terms(q, language) for q in quotes]
        anchor = _terms(article.title, language) if article.title else frozenset()
        return Candidates(candidates, quotes, term_sets, anchor, rank(term_sets, anchor))

    def key_points(
        self,
        article: Article,
        spans: list[Segment],
        weigh: Callable[[Candidates, str], list[float]] | None = None,
    ) -> list[KeyPoint]:
        """The candidates ``weigh`` rates highest (centrality times the fact cues by default),
        without repeats, the most central first."""
        found = self.key_point_candidates(article, spans)
        weighted = (weigh or cue_weighted)(found, article.language)
        order = sorted(range(len(weighted)), key=lambda i: (-weighted[i], i))
        chosen: list[int] = []
        for i in order:
            if len(chosen) == self.max_key_points:
                break
            if any(_jaccard(found.term_sets[i], found.term_sets[c]) > REDUNDANCY for c in chosen):
                continue
            chosen.append(i)
        # The cues choose which sentences are facts; the graph's score still orders them, so a
        # story's leading point is its central sentence (usually the lede), not its most numeric.
        chosen.sort(key=lambda i: (-found.scores[i], i))
        points = []
        for i in chosen:
            seg = found.segments[i]
            points.append(
                KeyPoint(
                    text=found.quotes[i],
                    evidence=found.quotes[i],
                    article_id=article.id,
                    span=Span(seg.start, seg.end),
                    verified=True,
                    score=round(found.scores[i], 6),
                )
            )
        return points

    @staticmethod
    def _is_title(article: Article, seg: Segment) -> bool:
        sentence = article.text[seg.start : seg.end]
        return bool(article.title) and sentence.strip().lstrip("#").strip() == article.title

    @classmethod
    def _eligible(cls, article: Article, seg: Segment) -> bool:
        sentence = article.text[seg.start : seg.end]
        if cls._is_title(article, seg) or sentence.lstrip().startswith("#"):
            return False
        words = len(sentence.split())
        return MIN_WORDS <= words <= MAX_WORDS and not _BOILERPLATE.search(sentence.lower())


class _Cues:
    """The fact cues of one language (see FIGURE_WEIGHT): a multiplier per sentence."""

    _cache: dict[str, _Cues] = {}

    def __init__(self, language: str) -> None:
        amounts = _AMOUNTS.get(language)
        self.amount = re.compile(_AMOUNT_SIGNS + (rf"|\b(?:{amounts})\b" if amounts else ""))
        first = _FIRST_PERSON.get(language)
        # Whole words only: "I" must not match inside "i.e." or a name.
        self.first_person = re.compile(rf"\b(?:{first})\b(?!\.)") if first else None

    @classmethod
    def of(cls, language: str) -> _Cues:
        cues = cls._cache.get(language)
        if cues is None:
            cues = cls._cache[language] = cls(language)
        return cues

    def signals(self, sentence: str) -> dict[str, float]:
        """The cues ``sentence`` shows: figures (counted up to MAX_FIGURES), an amount, the
        first person, a question, a line without closing punctuation, a quote's opening."""
        lowered = sentence.lower()
        out: dict[str, float] = {}
        if _DIGIT.search(sentence):
            figures = min(len(_FIGURE.findall(sentence)), MAX_FIGURES)
            if figures:
                out["figures"] = float(figures)
        if self.amount.search(lowered):
            out["amount"] = 1.0
        if self.first_person is not None and self.first_person.search(lowered):
            out["first_person"] = 1.0
        stripped = sentence.strip()
        last = stripped.rstrip(_CLOSERS)[-1:]
        if last == "?":
            out["question"] = 1.0
        elif last not in (".", "!", "…"):
            out["unterminated"] = 1.0
        if stripped[:1] in _QUOTE_OPENERS:
            out["quote_opener"] = 1.0
        return out

    def factor(self, sentence: str) -> float:
        """exp of the summed weights of the cues ``sentence`` shows."""
        cues = self.signals(sentence)
        weight = FIGURE_WEIGHT * cues.get("figures", 0.0)
        weight += AMOUNT_WEIGHT * cues.get("amount", 0.0)
        weight += FIRST_PERSON_WEIGHT * cues.get("first_person", 0.0)
        if cues.keys() & {"question", "unterminated", "quote_opener"}:
            weight += NOT_A_STATEMENT_WEIGHT
        return math.exp(weight)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0
