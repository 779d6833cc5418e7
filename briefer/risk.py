"""Offline risk findings: rule cues that the article states as a current or future threat.

Precision comes first. A rule fires on a sentence only when its cues are corroborated (two
distinct cues, or one strong phrase) and none of these holds:

- the cue is part of a name (a lowercase cue written with a capital mid-sentence: "World War
  One"), inside a quoted title ("“1917”"), or swallowed by a phrase to ignore ("war of words");
- the cue is negated nearby ("no threat", "an attack was ruled out");
- the sentence is about fiction (a film, a novel) or history (an event dated years before the
  article, or an era such as "colonial"), and says nothing of now or later.

Severity words count only near a cue; likelihood comes from the sentence's own wording.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .models import LIKELIHOODS, SEVERITIES, Article, Risk, Span
from .rules import Rule, RuleSet, load_rules
from .segmentation import Segment

__all__ = ["Rule", "RuleSet", "assess", "load_rules"]

NEGATION_WINDOW = 4  # words between a negation and the cue it cancels
_MAX_GAP_CHARS = 200  # beyond this many characters two phrases are never "near"
SEVERITY_WINDOW = 6  # words between a severity word and the cue it qualifies
HISTORY_YEARS = 5  # an event dated this many years before the article is history
# News states its main risk up front: a lede sentence that looks ahead is quoted even when a
# later one holds more cues; a lede that narrates a past event is not preferred.
LEDE_SENTENCES = 2
# Wording that looks ahead: a hedge or an expectation ("could", "fears", "will"), or a marker
# of now ("still").
_FORWARD = frozenset({("likelihood", "possible"), ("likelihood", "likely"), ("ongoing",)})
_CUE_KINDS = ("cues", "requires", "strong")
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s")
# A year, with the word before it when that makes it a target ("by 2030"), not a date.
_YEAR = re.compile(r"(?:(?:by|until|bis)\s+)?(?<![\w-])((?:1[5-9]|20)\d\d)(?![\w-])", re.I)
# A year, a decade ("1990s") or a range ("1904-1908"): the latest year it covers is group 3,
# or group 1 with a decade's "s" in group 2.
_DATE = re.compile(r"((?:1[5-9]|20)\d\d)(s?)(?:\s?[-–]\s?((?:1[5-9]|20)\d\d))?")
# A quoted span: straight, curly, low-high (German) and angle quotes.
_QUOTED = re.compile(r"[\"“”„«»‹›]\s?([^\"“”„«»‹›]{1,80}?)\s?[\"“”«»‹›]")
_FIRST_WORD = re.compile(r"[^\W_]")
_SMALL_WORDS = frozenset(
    "a an the of and or in on at to for with from by der die das und von".split()
)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    phrase: str  # as written in the rules, to tell cues apart
    found: str  # as written in the article, to quote
    roles: tuple[tuple[str, ...], ...]
    kinds: frozenset[str]  # the first item of each role

    def has(self, role: str) -> bool:
        return role in self.kinds


def reference_year(article: Article) -> int | None:
    """The year the article speaks from: its publication date, else the latest year it names.

    A target year ("by 2030", "bis 2030") is not a year the article speaks from.
    """
    if article.published and article.published[:4].isdigit():
        return int(article.published[:4])
    years = [
        int(m.group(1))
        for m in _YEAR.finditer(article.text)
        if not m.group(0).lower().startswith(("by", "until", "bis"))
    ]
    return max(years) if years else None


def assess(
    article: Article, sentences: Sequence[Segment], rules: RuleSet, *, limit: int
) -> list[Risk]:
    """Risks the rules find in an article, most serious first, each with its evidence."""
    text = article.text
    year = reference_year(article)
    per_sentence, kinds = _hits_by_sentence(text, sentences, rules)
    history = _history(text, sentences, kinds, rules, year)
    # For each rule: (strength, -position, position, counted cue hits) of every sentence.
    found: dict[int, list[tuple[int, int, int, list[_Hit]]]] = {}
    for position, hits in per_sentence.items():
        here = kinds[position]
        if here.isdisjoint(_CUE_KINDS) or "fiction" in here or position in history:
            continue
        segment = sentences[position]
        titles = _title_spans(text, segment)
        negations = "negation" in here or "negation_after" in here
        for index, cues in _counted_cues(text, hits, titles, negations).items():
            strength = _strength(rules.rules[index], cues)
            if strength:
                counted = [hit for _, hit in cues]
                found.setdefault(index, []).append((strength, -position, position, counted))
    risks = [
        _risk(article, rules, rules.rules[index], sentences, per_sentence, evidence)
        for index, evidence in found.items()
    ]
    risks.sort(key=lambda r: (-r.rank_value, -r.score, r.span.start if r.span else 0))
    return risks[:limit]


def _hits_by_sentence(
    text: str, sentences: Sequence[Segment], rules: RuleSet
) -> tuple[dict[int, list[_Hit]], dict[int, set[str]]]:
    """The phrases found in each sentence, and the roles they play there taken together."""
    starts = [s.start for s in sentences]
    out: dict[int, list[_Hit]] = {}
    together: dict[int, set[str]] = {}
    kinds = rules.kinds
    headline: dict[int, bool] = {}
    for match in rules.pattern.finditer(text):
        position = bisect.bisect_right(starts, match.start()) - 1
        if position < 0 or match.end() > sentences[position].end:
            continue
        name = match.lastgroup or ""
        phrase, roles = rules.roles[name]
        found = match.group(0)
        capitalized = not found.islower() and phrase.islower()
        if capitalized and not _case_fits(
            text, match.start(), sentences[position], position, headline
        ):
            continue
        out.setdefault(position, []).append(
            _Hit(match.start(), match.end(), phrase, found, roles, kinds[name])
        )
        together.setdefault(position, set()).update(kinds[name])
    return out, together


def _case_fits(
    text: str, start: int, sentence: Segment, position: int, headline: dict[int, bool]
) -> bool:
    """A phrase written in lowercase matches a capitalized word only where any word would be.

    "war" is a cue; "War" in "World War One" is part of a name. Capitals are fine at the
    start of a sentence and in a headline set in title case or capitals.
    """
    first = _FIRST_WORD.search(text, sentence.start, sentence.end)
    if first is None or start <= first.start():
        return True
    if position not in headline:
        words = text[sentence.start : sentence.end].split()
        capitalized = sum(1 for w in words if w[:1].isupper())
        headline[position] = capitalized >= 0.7 * len(words)
    return headline[position]


def _title_spans(text: str, sentence: Segment) -> list[tuple[int, int]]:
    """Quoted spans that read as titles ("“1917,”", "“Little Women”"), not quoted speech."""
    spans = []
    for match in _QUOTED.finditer(text, sentence.start, sentence.end):
        words = [w for w in match.group(1).split() if w.lower() not in _SMALL_WORDS]
        if not words or len(words) > 6:
            continue
        titled = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
        if titled == len(words):
            spans.append((match.start(), match.end()))
    return spans


def _words_between(text: str, start: int, end: int) -> int | None:
    """Words between two positions in one clause; None when a clause break separates them."""
    if end - start > _MAX_GAP_CHARS:
        return None  # far apart: no need to count (and a giant sentence stays linear)
    gap = text[start:end]
    if _CLAUSE_BREAK.search(gap):
        return None
    return len(gap.split())


class _Negations:
    """Where the negations of one sentence are, to test a cue against the nearest ones."""

    def __init__(self, hits: Sequence[_Hit]) -> None:
        self.before = [h.end for h in hits if h.has("negation")]
        self.after = [h.start for h in hits if h.has("negation_after")]
        self.before.sort()
        self.after.sort()

    def cancel(self, text: str, cue: _Hit) -> bool:
        i = bisect.bisect_right(self.before, cue.start) - 1
        if i >= 0:
            gap = _words_between(text, self.before[i], cue.start)
            if gap is not None and gap <= NEGATION_WINDOW:
                return True
        j = bisect.bisect_left(self.after, cue.end)
        if j < len(self.after):
            gap = _words_between(text, cue.end, self.after[j])
            if gap is not None and gap <= NEGATION_WINDOW:
                return True
        return False


def _counted_cues(
    text: str, hits: Sequence[_Hit], titles: Sequence[tuple[int, int]], negations: bool
) -> dict[int, list[tuple[str, _Hit]]]:
    """The cue hits of each rule that count, with their kind: not in a title, not negated."""
    out: dict[int, list[tuple[str, _Hit]]] = {}
    negated = _Negations(hits) if negations else None
    for hit in hits:
        kinds = [r for r in hit.roles if r[0] in _CUE_KINDS]
        if not kinds:
            continue
        if any(a <= hit.start and hit.end <= b for a, b in titles):
            continue
        if negated and negated.cancel(text, hit):
            continue
        for role in kinds:
            out.setdefault(int(role[1]), []).append((role[0], hit))
    return out


def _strength(rule: Rule, cues: Sequence[tuple[str, _Hit]]) -> int:
    """How strongly the counted cues of one sentence support the rule; 0 when they don't."""
    kinds: dict[str, set[str]] = {k: set() for k in _CUE_KINDS}
    for kind, hit in cues:
        kinds[kind].add(hit.phrase.lower())
    strong, weak, required = kinds["strong"], kinds["cues"], kinds["requires"]
    score = 2 * len(strong) + len(weak | required)
    if strong:
        return score
    if rule.requires and (not required or not weak - required):
        return 0
    return score if len(weak | required) >= 2 else 0


def _history(
    text: str,
    sentences: Sequence[Segment],
    kinds: dict[int, set[str]],
    rules: RuleSet,
    year: int | None,
) -> set[int]:
    """Positions of sentences that narrate events that are over.

    A sentence is history when it names an era ("colonial") or dates its event years before
    the article, and has no marker of now or later ("still", "will"). A sentence that dates
    nothing inherits the verdict of the sentence before it in the same paragraph: "In 1998,
    X happened. In retaliation, Y struck." are both history.
    """
    years = _dated_years(text, sentences, rules)
    out: set[int] = set()
    previous = False
    for position, segment in enumerate(sentences):
        here = kinds.get(position, set())
        if position and "\n" in text[sentences[position - 1].end : segment.start]:
            previous = False  # a new paragraph starts a new time frame
        dated = years.get(position, [])
        if "ongoing" in here:
            verdict = False
        elif "history" in here:
            verdict = True
        elif dated and year is not None:
            verdict = max(dated) <= year - HISTORY_YEARS
        elif dated:
            verdict = False
        else:
            verdict = previous
        if verdict:
            out.add(position)
        previous = verdict
    return out


def _dated_years(text: str, sentences: Sequence[Segment], rules: RuleSet) -> dict[int, list[int]]:
    """For each sentence, the years that date what it tells: "in 1939", "1904-1908", "1990s"."""
    starts = [s.start for s in sentences]
    out: dict[int, list[int]] = {}
    for match in _DATE.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "-_"):
            continue
        end = match.end()
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            continue
        if match.group(3):
            year = int(match.group(3))  # a range is dated by the year it ended
        elif match.group(2):
            year = int(match.group(1)) + 9  # a decade by its last year
        elif rules.year_lead.search(text, max(0, start - 40), start):
            year = int(match.group(1))
        else:
            continue  # "the 2001 agreement" names a thing, it does not date the sentence
        where = bisect.bisect_right(starts, start) - 1
        if where >= 0 and end <= sentences[where].end:
            out.setdefault(where, []).append(year)
    return out


def _near(text: str, hit: _Hit, cue_starts: Sequence[int], cue_ends: Sequence[int]) -> bool:
    """Whether ``hit`` is a cue or within a few words of one (starts and ends sorted)."""
    j = bisect.bisect_left(cue_starts, hit.start)
    if j < len(cue_starts) and cue_starts[j] == hit.start:
        return True  # matches never overlap: this is the cue itself ("deployed against")
    i = bisect.bisect_right(cue_ends, hit.start) - 1  # the nearest cue ending before it
    if i >= 0 and _close(text, cue_ends[i], hit.start):
        return True
    j = bisect.bisect_left(cue_starts, hit.end)  # the nearest cue starting after it
    return j < len(cue_starts) and _close(text, hit.end, cue_starts[j])


def _close(text: str, start: int, end: int) -> bool:
    return end - start <= _MAX_GAP_CHARS and len(text[start:end].split()) <= SEVERITY_WINDOW


def _distinct(found: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for f in found:
        seen.setdefault(" ".join(f.lower().split()), f)
    return list(seen.values())


def _risk(
    article: Article,
    rules: RuleSet,
    rule: Rule,
    sentences: Sequence[Segment],
    per_sentence: dict[int, list[_Hit]],
    evidence: list[tuple[int, int, int, list[_Hit]]],
) -> Risk:
    text = article.text
    lede = [
        e
        for e in evidence
        if e[2] < LEDE_SENTENCES
        and any(not _FORWARD.isdisjoint(h.roles) for h in per_sentence[e[2]])
    ]
    _, _, position, cues = max(lede or evidence, key=lambda e: (e[0], e[1]))
    best = sentences[position]
    hits = per_sentence[position]
    starts, ends = sorted(c.start for c in cues), sorted(c.end for c in cues)
    negated = _Negations(hits)
    near = [h for h in hits if _near(text, h, starts, ends) and not negated.cancel(text, h)]
    raised = _distinct([h.found for h in near if h.has("raise")])
    lowered = _distinct([h.found for h in near if h.has("lower")])
    level = SEVERITIES.index(rule.severity) + bool(raised) - bool(lowered)
    severity = SEVERITIES[max(0, min(level, len(SEVERITIES) - 1))]
    likelihood, because = rules.default_likelihood, None
    for wanted in LIKELIHOODS:  # most cautious first, so hedges are never overstated
        match = next((h for h in hits if ("likelihood", wanted) in h.roles), None)
        if match:
            likelihood, because = wanted, match.found
            break
    all_cues = _distinct([c.found for e in sorted(evidence, key=lambda e: e[2]) for c in e[3]])
    return Risk(
        title=rule.title,
        category=rule.category,
        severity=severity,
        likelihood=likelihood,
        rationale=_rationale(
            rule, severity, raised, lowered, likelihood, because, all_cues, evidence
        ),
        evidence=text[best.start : best.end],
        article_id=article.id,
        span=Span(best.start, best.end),
        verified=True,
        cues=tuple(all_cues),
        score=float(len(all_cues) + len(evidence)),
    )


def _rationale(
    rule: Rule,
    severity: str,
    raised: list[str],
    lowered: list[str],
    likelihood: str,
    because: str | None,
    cues: list[str],
    evidence: Sequence[object],
) -> str:
    quoted = ", ".join(f"“{c}”" for c in cues[:6])
    where = "1 sentence" if len(evidence) == 1 else f"{len(evidence)} sentences"
    parts = [f"Cues {quoted} in {where}."]
    why = f"Severity {severity}: base {rule.severity} for this rule"
    if raised and not lowered:
        why += f", raised by “{raised[0]}”"
    elif lowered and not raised:
        why += f", lowered by “{lowered[0]}”"
    parts.append(why + ".")
    if because:
        parts.append(f"Likelihood {likelihood}: the evidence says “{because}”.")
    else:
        parts.append(f"Likelihood {likelihood}: no wording in the evidence says more.")
    return " ".join(parts)
