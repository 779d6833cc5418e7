"""Offline risk findings: rule cues that the article states as a current or future threat.

Precision comes first. The rules find candidates: sentences with a counted cue of a rule. A
cue does not count, and a sentence is no candidate, when:

- the cue is part of a name (a lowercase cue written with a capital mid-sentence: "World War
  One"), inside a quoted title ("“1917”"), or swallowed by a phrase to ignore ("war of words");
- the cue is negated nearby ("no threat", "an attack was ruled out");
- the cue names the point in time that dates something else ("since the pandemic", "the
  2008 financial crisis");
- the sentence is about fiction (a film, a novel) or history (an event dated two or more
  years before the article, a past time such as "last year" or an era such as "colonial", or
  past-tense narration such as "it was the deadliest attack"), and says nothing of now or later.

Whether a candidate of a built-in rule is a finding is decided by ``briefer.risk_model``: a
logistic model, fitted on the labelled evaluation set, over how the cues corroborate each other
and what the sentence and the article say around them. It lists a candidate when its probability
reaches the threshold (the shipped model's, or ``risk_confidence``), or when four distinct cues
(a strong phrase counts two) corroborate each other. A user's own rules keep the documented
test instead: two distinct cues or a strong phrase, and, for weak evidence, a sentence that
(or whose neighbour) speaks of now or later.

A sentence is evidence for one rule only, the one it most surely states; each rule quotes its
most probable sentence. Severity words count only near a cue; likelihood comes from the
sentence's own wording.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .models import LIKELIHOODS, SEVERITIES, Article, Risk, Span
from .risk_model import LIKELIHOOD_FEATURES, RiskModel, builtin_model
from .risk_time import MAX_GAP_CHARS, history, names_a_time, reference_year, words_between
from .rules import Rule, RuleSet, load_rules
from .segmentation import Segment

__all__ = ["Rule", "RuleSet", "assess", "load_rules", "reference_year"]

NEGATION_WINDOW = 4  # words between a negation and the cue it cancels
SEVERITY_WINDOW = 6  # words between a severity word and the cue it qualifies
# What places a sentence in the present or the future, or states an alarm: the kinds that
# keep a sentence told with past wording from being narration of an event that is over.
_NOW_KINDS = frozenset({"present", "ongoing", "alert"})
_HEDGES = frozenset({("likelihood", "possible"), ("likelihood", "likely")})
# A user's rule: evidence weaker than this (a lone strong phrase, two plain cues) must speak
# of now or later, or a sentence next to it must.
CONFIDENT_STRENGTH = 3
# A built-in rule's evidence this strong is listed whatever the model says: four distinct
# cues, a strong phrase counting two.
STANDALONE_STRENGTH = 4
_CUE_KINDS = ("cues", "requires", "strong")
# A quoted span: straight, curly, low-high (German) and angle quotes.
_QUOTED = re.compile(r"[\"“”„«»‹›]\s?([^\"“”„«»‹›]{1,80}?)\s?[\"“”«»‹›]")
_QUOTE_MARK = re.compile(r"[\"“”„«»‹›]")
LEAD_SENTENCES = 3  # the lead of a news story: where it says what matters
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


@dataclass(frozen=True)
class Candidate:
    """A sentence that a rule's counted cues point to, and how sure the model is of it."""

    rule: int  # index into the rule set's rules
    position: int  # index of the sentence
    strength: int  # how the cues corroborate each other (0: a single plain cue)
    cues: tuple[_Hit, ...]
    features: dict[str, float]
    probability: float = 0.0


def assess(
    article: Article,
    sentences: Sequence[Segment],
    rules: RuleSet,
    *,
    limit: int,
    model: RiskModel | None = None,
) -> list[Risk]:
    """Risks the rules find in an article, most serious first, each with its evidence."""
    model = model or builtin_model()
    per_sentence, found, now = candidates(article, sentences, rules)
    listed = [
        c for c in (_scored(c, model) for c in found) if _listed(rules.rules[c.rule], c, model, now)
    ]
    by_rule = _one_rule_per_sentence(rules.rules, listed)
    risks = [
        _risk(article, rules, rules.rules[index], sentences, per_sentence, evidence, now, model)
        for index, evidence in by_rule.items()
    ]
    risks.sort(key=lambda r: (-r.rank_value, -r.score, r.span.start if r.span else 0))
    return risks[:limit]


def _scored(candidate: Candidate, model: RiskModel) -> Candidate:
    return replace(candidate, probability=model.probability(candidate.features))


def _listed(rule: Rule, candidate: Candidate, model: RiskModel, now: set[int]) -> bool:
    """Whether a candidate is a finding.

    A built-in rule's candidate is when the model is sure enough, or when its cues corroborate
    each other so much (four distinct cues, a strong phrase counting two) that the rule stands
    on its own. A rule from the user's own file keeps the documented test instead (the model
    was fitted on the built-in rules): a strong phrase, or three distinct cues, or two in a
    sentence that, or whose neighbour, speaks of now.
    """
    if not rule.user:
        return candidate.probability >= model.threshold or candidate.strength >= STANDALONE_STRENGTH
    if not candidate.strength:
        return False
    strong = candidate.features["strong_phrase"] > 0
    current = not now.isdisjoint(
        (candidate.position - 1, candidate.position, candidate.position + 1)
    )
    return strong or candidate.strength >= CONFIDENT_STRENGTH or current


def _one_rule_per_sentence(
    rules: Sequence[Rule], listed: Sequence[Candidate]
) -> dict[int, list[Candidate]]:
    """Each sentence stays evidence for one rule only: the one it most surely states.

    A sentence that fits two rules ("conflicts are raging ... arms shipments") is one finding,
    not two. A rule from the user's own file wins over a built-in one, then the rule whose cues
    corroborate each other more (cues tell categories apart; the model mostly weighs the
    sentence), then the more probable finding, then the rule listed first.
    """
    owner: dict[int, Candidate] = {}

    def claim(c: Candidate) -> tuple[bool, int, float, int]:
        return (rules[c.rule].user, c.strength, c.probability, -c.rule)

    for candidate in listed:
        held = owner.get(candidate.position)
        if held is None or claim(candidate) > claim(held):
            owner[candidate.position] = candidate
    kept: dict[int, list[Candidate]] = {}
    for candidate in owner.values():
        kept.setdefault(candidate.rule, []).append(candidate)
    return kept


def candidates(
    article: Article, sentences: Sequence[Segment], rules: RuleSet
) -> tuple[dict[int, list[_Hit]], list[Candidate], set[int]]:
    """The phrases of each sentence, every candidate finding, and the sentences that speak of
    now or later.

    A candidate is a sentence with at least one counted cue of a rule, in a sentence that is
    neither about fiction nor history; its features are what the model weighs.
    """
    text = article.text
    year = reference_year(article)
    per_sentence, kinds = _hits_by_sentence(text, sentences, rules)
    now = {p for p, hits in per_sentence.items() if _speaks_of_now(hits, kinds[p])}
    past = history(text, sentences, kinds, rules, year, now)
    document = _Document.of(article, sentences, per_sentence, rules)
    found: list[Candidate] = []
    for position, hits in per_sentence.items():
        here = kinds[position]
        if here.isdisjoint(_CUE_KINDS) or "fiction" in here or position in past:
            continue
        segment = sentences[position]
        titles = _title_spans(text, segment)
        negations = "negation" in here or "negation_after" in here
        counted = _counted_cues(text, hits, titles, negations)
        for index, cues in counted.items():
            rule = rules.rules[index]
            others = sum(1 for i in counted if i != index and i in document.builtin)
            strength = _strength(rule, cues)
            features = document.features(rule, position, cues, strength, hits, here, kinds, others)
            found.append(
                Candidate(index, position, strength, tuple(hit for _, hit in cues), features)
            )
    return per_sentence, found, now


@dataclass(frozen=True)
class _Document:
    """What the model needs to know of the whole article around a sentence."""

    text: str
    sentences: Sequence[Segment]
    topic_sentences: dict[str, int]  # category -> sentences with a cue of it
    headline_topics: frozenset[str]
    builtin: frozenset[int]  # the rules the model was fitted with: what the topic counts read

    @classmethod
    def of(
        cls,
        article: Article,
        sentences: Sequence[Segment],
        per_sentence: dict[int, list[_Hit]],
        rules: RuleSet,
    ) -> _Document:
        # Only the built-in rules count here: the model was fitted with them, and a user's rule
        # must not move the built-in findings' probabilities.
        categories = tuple(r.category for r in rules.rules)
        builtin = frozenset(i for i, r in enumerate(rules.rules) if not r.user)
        topics: dict[str, int] = {}
        for hits in per_sentence.values():
            for category in _topics(hits, categories, builtin):
                topics[category] = topics.get(category, 0) + 1
        headline: set[str] = set()
        if article.title:
            for match in rules.pattern.finditer(article.title):
                _, roles = rules.roles[match.lastgroup or ""]
                headline.update(
                    categories[int(r[1])]
                    for r in roles
                    if r[0] in _CUE_KINDS and int(r[1]) in builtin
                )
        return cls(article.text, sentences, topics, frozenset(headline), builtin)

    def features(
        self,
        rule: Rule,
        position: int,
        cues: Sequence[tuple[str, _Hit]],
        strength: int,
        hits: Sequence[_Hit],
        here: set[str],
        kinds: dict[int, set[str]],
        other_rules: int,
    ) -> dict[str, float]:
        segment = self.sentences[position]
        sentence = self.text[segment.start : segment.end]
        distinct = {hit.phrase.lower() for _, hit in cues}
        levels = {r[1] for h in hits for r in h.roles if r[0] == "likelihood"}
        neighbours = kinds.get(position - 1, set()) | kinds.get(position + 1, set())
        topic = self.topic_sentences.get(rule.category, 0)
        words = max(1, len(sentence.split()))
        out: dict[str, float] = {
            "one_cue": float(len(distinct) == 1),
            "two_cues": float(len(distinct) == 2),
            "three_cues": float(len(distinct) >= 3),
            "strong_phrase": float(any(kind == "strong" for kind, _ in cues)),
            "rule_corroborated": float(bool(strength)),
            "alert": float("alert" in here),
            "ongoing": float("ongoing" in here),
            "present": float("present" in here),
            "past": float("past" in here),
            "raises_severity": float("raise" in here),
            "lowers_severity": float("lower" in here),
            "negation_elsewhere": float("negation" in here or "negation_after" in here),
            "quotation": float(bool(_QUOTE_MARK.search(sentence))),
            "number": float(any(c.isdigit() for c in sentence)),
            "neighbour_alert": float("alert" in neighbours),
            "topic_sentences_log": math.log1p(topic),
            "topic_share": topic / max(1, len(self.sentences)),
            "topic_in_headline": float(rule.category in self.headline_topics),
            "lead": float(position < LEAD_SENTENCES),
            "position": position / max(1, len(self.sentences)),
            "length_log": math.log(words),
            "other_topics": float(other_rules),
            f"category_{rule.category}": 1.0,
        }
        for level, name in LIKELIHOOD_FEATURES.items():
            out[name] = float(level in levels)
        return out


def _topics(hits: Sequence[_Hit], categories: Sequence[str], rules: frozenset[int]) -> set[str]:
    """The categories of ``rules`` whose cues are among ``hits``."""
    return {
        categories[int(r[1])]
        for h in hits
        for r in h.roles
        if r[0] in _CUE_KINDS and int(r[1]) in rules
    }


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
            gap = words_between(text, self.before[i], cue.start)
            if gap is not None and gap <= NEGATION_WINDOW:
                return True
        j = bisect.bisect_left(self.after, cue.end)
        if j < len(self.after):
            gap = words_between(text, cue.end, self.after[j])
            if gap is not None and gap <= NEGATION_WINDOW:
                return True
        return False


def _counted_cues(
    text: str, hits: Sequence[_Hit], titles: Sequence[tuple[int, int]], negations: bool
) -> dict[int, list[tuple[str, _Hit]]]:
    """The cue hits of each rule that count, with their kind: not in a title, not negated."""
    out: dict[int, list[tuple[str, _Hit]]] = {}
    negated = _Negations(hits) if negations else None
    anchors = [h.end for h in hits if h.has("time_anchor")]
    for hit in hits:
        kinds = [r for r in hit.roles if r[0] in _CUE_KINDS]
        if not kinds:
            continue
        if any(a <= hit.start and hit.end <= b for a, b in titles):
            continue
        if negated and negated.cancel(text, hit):
            continue
        if names_a_time(text, hit.start, anchors):
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


def _speaks_of_now(hits: Sequence[_Hit], kinds: set[str]) -> bool:
    """Whether a sentence places what it tells now or ahead, or raises an alarm about it."""
    if not kinds.isdisjoint(_NOW_KINDS):
        return True
    return "likelihood" in kinds and any(not _HEDGES.isdisjoint(h.roles) for h in hits)


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
    return end - start <= MAX_GAP_CHARS and len(text[start:end].split()) <= SEVERITY_WINDOW


def _distinct(found: Sequence[str]) -> list[str]:
    """Each phrase once, the first way it was written: case, spacing and a plural "s" aside
    ("drone" and "drones", "air defense system" and "air defense systems")."""
    seen: dict[str, str] = {}
    for f in found:
        key = " ".join(f.lower().split())
        singular = key[:-1] if key.endswith("s") and len(key) > 3 else key
        if key in seen or singular in seen or key + "s" in seen:
            continue
        seen[key] = f
    return list(seen.values())


def _risk(
    article: Article,
    rules: RuleSet,
    rule: Rule,
    sentences: Sequence[Segment],
    per_sentence: dict[int, list[_Hit]],
    evidence: list[Candidate],
    now: set[int],
    model: RiskModel,
) -> Risk:
    text = article.text
    # The most probable sentence, then the stronger cues, then one that speaks of now, then
    # the first.
    best_candidate = max(
        evidence, key=lambda c: (c.probability, c.strength, c.position in now, -c.position)
    )
    position, cues = best_candidate.position, best_candidate.cues
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
    all_cues = _distinct(
        [h.found for c in sorted(evidence, key=lambda c: c.position) for h in c.cues]
    )
    return Risk(
        title=rule.title,
        category=rule.category,
        severity=severity,
        likelihood=likelihood,
        rationale=_rationale(
            rule,
            severity,
            raised,
            lowered,
            likelihood,
            because,
            all_cues,
            evidence,
            None if rule.user else _confidence(best_candidate, model),
        ),
        evidence=text[best.start : best.end],
        article_id=article.id,
        span=Span(best.start, best.end),
        verified=True,
        cues=tuple(all_cues),
        score=round(best_candidate.probability, 4),
    )


def _confidence(candidate: Candidate, model: RiskModel) -> str:
    """How sure the model is, in words a reader can check against the threshold."""
    said = f"Confidence {candidate.probability:.2f}"
    if candidate.probability >= model.threshold:
        return f"{said} (lists from {model.threshold:.2f})."
    return f"{said}, below {model.threshold:.2f}, but its cues corroborate each other enough."


def _rationale(
    rule: Rule,
    severity: str,
    raised: list[str],
    lowered: list[str],
    likelihood: str,
    because: str | None,
    cues: list[str],
    evidence: Sequence[object],
    confidence: str | None,
) -> str:
    quoted = ", ".join(f"“{c}”" for c in cues[:6])
    where = "1 sentence" if len(evidence) == 1 else f"{len(evidence)} sentences"
    parts = [f"Cues {quoted} in {where}."]
    if confidence is not None:
        parts.append(confidence)
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
