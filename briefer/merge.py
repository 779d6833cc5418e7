"""Merge per-chunk findings into one article's key points and risks, deterministically."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from .language import detect as detect_language
from .models import Article, KeyPoint, Risk
from .support import boilerplate, checks_for, claim_support, language_code
from .text import SAME_POINT_IN_ARTICLE, same_point, word_set
from .verify import Evidence

Item = TypeVar("Item", KeyPoint, Risk)
log = logging.getLogger(__name__)
CONFIDENT_LANGUAGE = 0.9  # a claim's language guess trusted from this confidence on


def merge_key_points(per_chunk: Sequence[Sequence[KeyPoint]], limit: int) -> list[KeyPoint]:
    """Round-robin over chunks (each chunk's list is ranked), dropping repeats, up to limit."""
    chosen: list[KeyPoint] = []
    seen: list[frozenset[str]] = []
    depth = max((len(points) for points in per_chunk), default=0)
    for rank in range(depth):
        for points in per_chunk:
            if rank >= len(points) or len(chosen) == limit:
                continue
            point = points[rank]
            mine = word_set(point.text)
            if any(same_point(mine, other, SAME_POINT_IN_ARTICLE) for other in seen):
                continue
            seen.append(mine)
            chosen.append(point)
    return chosen


# A model told that "no risk is better than a forced one" sometimes lists its "none" as a risk:
# "No Risks Mentioned", "Keine Risiken", "None". Such an item is not a finding.
_NEGATION = r"^\W*(?:no|none|keine?|kein|aucune?|ningún|ninguna?|nessun[oa]?)\s+"
_DENIAL = re.compile(
    "|".join(
        (
            # "No risks mentioned", "No historical, fictional or metaphorical risks"
            _NEGATION + r"(?:[\w,'’-]+\s+){0,5}?(?:risks|threats|dangers|risiken|gefahren|"
            r"bedrohungen|risques|menaces|riesgos|amenazas|rischi)\b",
            # "No risk identified", "Keine Gefahr" (a singular right after the negation)
            _NEGATION + r"(?:risk|threat|danger|risiko|gefahr|bedrohung|risque|menace|riesgo|"
            r"amenaza|rischio)\b",
            # "None", "N/A", "Nothing"
            r"^\W*(?:none|nothing|n/?a|not applicable|keine|aucun|ninguno|nessuno)\W*$",
        )
    ),
    re.IGNORECASE,
)


def denies_a_risk(title: str) -> bool:
    """Whether a risk's title says there is none ("No risks mentioned", "None")."""
    return bool(_DENIAL.search(title.strip()))


def merge_risks(per_chunk: Sequence[Sequence[Risk]], limit: int) -> list[Risk]:
    """One risk per (category, title) or shared evidence; the most serious copy wins. A "risk"
    whose title says there is none is dropped."""
    merged: list[Risk] = []
    for risks in per_chunk:
        for risk in risks:
            if denies_a_risk(risk.title):
                log.info("dropped a listed risk that says there is none: %r", risk.title)
                continue
            key = (risk.category, " ".join(sorted(word_set(risk.title))))
            for i, other in enumerate(merged):
                same_title = key == (other.category, " ".join(sorted(word_set(other.title))))
                same_evidence = word_set(risk.evidence) == word_set(other.evidence)
                if same_title or same_evidence:
                    if risk.rank_value > other.rank_value:
                        merged[i] = risk
                    break
            else:
                merged.append(risk)
    order = {id(r): i for i, r in enumerate(merged)}
    merged.sort(key=lambda r: (-r.rank_value, order[id(r)]))
    return merged[:limit]


def verify_items(
    article: Article,
    key_points: Sequence[KeyPoint],
    risks: Sequence[Risk],
    *,
    fuzzy_threshold: float,
    strict: bool,
    claim_language: str | None = None,
) -> tuple[list[KeyPoint], list[Risk]]:
    """Two checks per item: its quote is found in the article, and the quote is article text
    that supports the claim. With ``strict``, items failing either are dropped.

    ``claim_language`` is the language the claims were asked in (``--language``); when it is
    not the article's, names and hedges cannot be compared word for word, only numbers."""
    evidence = Evidence(article.text)
    language = article.language if article.language != "und" else "en"
    asked = language_code(claim_language) if claim_language else None
    same = asked is None or asked == language
    log.info(
        "%s: claims checked for %s",
        article.source,
        checks_for(language)
        if same
        else f"numbers only (claims in {asked}, article in {language})",
    )

    def same_language(written: str) -> bool:
        # Without --language a model may still answer in another language than the article's
        # (English for a German article): then only numbers can be compared. Only a confident
        # guess counts, so that a short claim misread does not lose the other checks.
        if not same:
            return False
        if asked is not None:
            return True
        guess = detect_language(written)
        return guess.code in ("und", language) or guess.confidence < CONFIDENT_LANGUAGE

    def check(item: Item, claim: str, likelihood: str | None, written: str) -> Item:
        span, how = evidence.locate(item.evidence, fuzzy_threshold=fuzzy_threshold)
        if span is None:
            return replace(
                item,
                span=None,
                verified=False,
                match=None,
                supported=False,
                issues=("the evidence is not found in the article",),
            )
        issues: list[str] = []
        where = boilerplate(article.text, span.start, span.end, item.evidence, language)
        if where:
            issues.append(where)
        verdict = claim_support(
            claim,
            article.text[span.start : span.end],
            language=language,
            same_language=same_language(written),
            likelihood=likelihood,
        )
        issues.extend(verdict.issues)
        return replace(
            item, span=span, verified=True, match=how, supported=not issues, issues=tuple(issues)
        )

    points = [check(p, p.text, None, p.text) for p in key_points]
    # A risk's title is short: its language is told from the title and the rationale.
    checked = [check(r, r.title, r.likelihood, f"{r.title}. {r.rationale}") for r in risks]
    if strict:
        points = [p for p in points if p.supported]
        checked = [r for r in checked if r.supported]
    return points, checked
