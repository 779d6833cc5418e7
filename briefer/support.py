"""Does an evidence quote support its claim? Numbers, names, dates, negations and hedges.

Finding the quote in the article (``verify``) shows only that the quote exists. This module
checks what the claim adds: every number, name and date of the claim must be in its evidence,
a negation must not appear or vanish, and a hedge of the evidence ("expected to", "reportedly")
must survive in the claim. It also refuses evidence that is not article text: a "Read more"
line, a link caption or a heading. Hedge and negation words are known for English and German;
for other languages only numbers, names and dates are checked, and ``checks_for`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .boilerplate import is_boilerplate
from .text import CLAIM_WORD, entities, terms

_NUMBER = re.compile(r"\d+(?:[.,'\u00a0\u202f]\d+)*")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12",
    "ein": "1", "eine": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "zehn": "10",
}  # fmt: skip
_DATES = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday januar februar märz mai juni juli
    oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag""".split()
)
_HEDGES = {
    "en": r"expected to|expects? to|reportedly|allegedly|alleged|may|might|could|would|"
    r"possibl[ey]|probabl[ey]|likely|plans? to|planned|planning to|intends? to|set to|aims? to|"
    r"suspected|believed to|apparently|potential(?:ly)?|proposed|rumou?red|unconfirmed|"
    r"estimated|nearly|almost|up to|at least|more than|roughly|approximately|seeks? to|"
    r"considering|requested|threatened to|is said to|are said to",
    "de": r"soll|sollen|sollte|voraussichtlich|angeblich|möglicherweise|könnte|könnten|dürfte|"
    r"dürften|wahrscheinlich|vermutlich|plant|planen|geplant|erwartet|laut|rund|etwa|fast|"
    r"bis zu|mindestens|mehr als",
}
_NEGATIONS = {
    "en": r"not|no|never|none|neither|nor|cannot|without|\w+n['’]t|denied|denies|den(?:y|ying)",
    "de": r"nicht|kein|keine|keinen|keinem|keiner|nie|niemals|ohne|weder",
}
SAME_TOPIC = 0.34  # share of a key point's content words its evidence must contain
_CAPTION_WORDS = 12  # a line this short with no sentence ending reads as a caption or a link


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'’])(?:" + pattern + r")(?![\w'’])", re.IGNORECASE)


_HEDGE_RE = {lang: _cue(p) for lang, p in _HEDGES.items()}
# Hedges on an amount ("at least 12 killed") qualify a number, not whether the event happens:
# they must be kept in a claim, but they do not make a risk's likelihood less than certain.
_AMOUNT_HEDGES = _cue(
    r"nearly|almost|up to|at least|more than|roughly|approximately|estimated|"
    r"rund|etwa|fast|bis zu|mindestens|mehr als"
)
_NEGATION_RE = {lang: _cue(p) for lang, p in _NEGATIONS.items()}


LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish",
    "tr": "Turkish", "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "zh": "Chinese",
    "ja": "Japanese", "ko": "Korean",
}  # fmt: skip


def language_code(value: str) -> str:
    """An ISO 639-1 code for a code or an English language name ("German" -> "de")."""
    key = value.strip().lower()
    for code, name in LANGUAGE_NAMES.items():
        if key in (code, name.lower()):
            return code
    return key


def language_name(value: str) -> str:
    """An English name for a language code or name, for a prompt ("de" -> "German")."""
    return LANGUAGE_NAMES.get(language_code(value), value.strip())


@dataclass(frozen=True)
class Support:
    """The verdict on one claim: supported, or the reasons it is not."""

    supported: bool
    issues: tuple[str, ...] = ()


def checks_for(language: str) -> str:
    """What the claim check covers for an article language."""
    if language in _HEDGES:
        return "numbers, names, dates, negations and hedges"
    return f"numbers, names and dates only (no hedge or negation words for {language!r})"


def _numbers(text: str) -> set[str]:
    found = set()
    for raw in _NUMBER.findall(text):
        digits = re.sub(r"[,'\u00a0\u202f]", "", raw)
        found.add(digits)
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):  # 1.000 is a thousand in German
            found.add(raw.replace(".", ""))
        if "," in raw and re.fullmatch(r"\d+,\d{1,2}", raw):  # 1,5 is one and a half there
            found.add(raw.replace(",", "."))
    for word in CLAIM_WORD.findall(text.casefold()):
        if word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
    return found


def _claim_numbers(text: str) -> set[str]:
    return {re.sub(r"[,'\u00a0\u202f]", "", raw) for raw in _NUMBER.findall(text)}


def _same_word(a: str, b: str) -> bool:
    """The same name, inflected or not: Russia/Russian, Iran/Iranian, Berlin/Berliner."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short[: max(4, len(short) - 1)])


def _cues(pattern: re.Pattern[str], text: str) -> list[str]:
    # "May" the month is not the hedge "may": only a lowercase "may" hedges.
    return [m.group(0).lower() for m in pattern.finditer(text) if m.group(0) != "May"]


@dataclass(frozen=True)
class _Missing:
    """What a claim names that its source does not: numbers, single-word names, dates."""

    numbers: list[str]
    names: list[str]
    dates: list[str]
    words: list[str]  # the source's words, for the callers' own checks


def _missing(claim: str, source: str, *, names: bool = True) -> _Missing:
    words = CLAIM_WORD.findall(source.casefold())
    have = _numbers(source)
    absent = sorted(
        name
        for name in (entities(claim) if names else ())
        if " " not in name
        and not any(c.isdigit() for c in name)
        and not any(_same_word(name, w) for w in words)
    )
    dates = {w for w in CLAIM_WORD.findall(claim.casefold()) if w in _DATES} - set(words)
    return _Missing(
        sorted(n for n in _claim_numbers(claim) if n not in have), absent, sorted(dates), words
    )


def _shared(mine: set[str], words: list[str]) -> int:
    """How many of a claim's content words the source has, inflected or not."""
    return sum(1 for t in mine if any(_same_word(t, w) for w in words))


def claim_support(
    claim: str,
    evidence: str,
    *,
    language: str = "en",
    same_language: bool = True,
    likelihood: str | None = None,
) -> Support:
    """Whether ``evidence`` supports ``claim``; ``likelihood`` is checked for a risk."""
    issues: list[str] = []
    if claim.strip() == evidence.strip():
        return Support(True)
    # A Title Case Heading capitalizes every word: capitals there do not mark names.
    capitals = [w for w in claim.split() if w[:1].isupper()]
    title_case = len(claim.split()) >= 2 and len(capitals) * 2 > len(claim.split())
    missing = _missing(claim, evidence, names=not title_case)
    if missing.numbers:
        issues.append(f"number {', '.join(missing.numbers)} not in the evidence")
    if same_language:
        if missing.names:
            issues.append(f"name {', '.join(missing.names[:3])} not in the evidence")
        if missing.dates:
            issues.append(f"date {', '.join(missing.dates)} not in the evidence")
        mine = set(terms(claim))
        if likelihood is None and len(mine) >= 3:  # a key point; a risk title abstracts
            shared = _shared(mine, missing.words)
            if shared < SAME_TOPIC * len(mine):
                issues.append(
                    f"the evidence is about something else ({shared} of the claim's "
                    f"{len(mine)} content words are in it)"
                )
    hedge = _HEDGE_RE.get(language) if same_language else None
    negation = _NEGATION_RE.get(language) if same_language else None
    if negation is not None:
        in_evidence, in_claim = _cues(negation, evidence), _cues(negation, claim)
        if in_evidence and not in_claim:
            issues.append(f"negation dropped (the evidence says {in_evidence[0]!r})")
        elif in_claim and not in_evidence:
            issues.append(f"negation added ({in_claim[0]!r} is not in the evidence)")
    if hedge is not None:
        hedged = _cues(hedge, evidence)
        if likelihood is None and hedged and not _cues(hedge, claim):
            issues.append(f"hedge dropped (the evidence says {hedged[0]!r})")
        doubts = [h for h in hedged if not _AMOUNT_HEDGES.fullmatch(h)]
        if likelihood == "almost certain" and doubts:
            issues.append(f"likelihood 'almost certain' but the evidence says {doubts[0]!r}")
    return Support(not issues, tuple(issues))


def boilerplate(text: str, start: int, end: int, evidence: str, language: str = "en") -> str | None:
    """Why the evidence at ``text[start:end]`` is not article text, or None if it is: the
    reader's own boilerplate rules (``briefer.boilerplate``) on the quote and on its line."""
    if is_boilerplate(evidence, language) or re.search(r"\bread more:", evidence, re.IGNORECASE):
        return "the evidence is a navigation line, not article text"
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if is_boilerplate(line, language):
        return "the evidence is a navigation line, not article text"
    if len(line.split()) <= _CAPTION_WORDS and not re.search(r"[.!?…\"”»)]\s*$", line):
        return "the evidence is a heading, caption or link, not a sentence of the article"
    return None


GROUNDED_TERMS = 0.6  # share of a summary line's content words its findings must contain


def grounded(line: str, source: str, *, language: str = "en") -> Support:
    """Whether a summary line rests on ``source`` (the supported findings it cites): its
    numbers, names, dates, hedges and negations all appear there, and most of its words."""
    issues: list[str] = []
    missing = _missing(line, source)
    if missing.numbers:
        issues.append(f"number {', '.join(missing.numbers)} is in no finding it cites")
    if missing.names:
        issues.append(f"name {', '.join(missing.names[:3])} is in no finding it cites")
    if missing.dates:
        issues.append(f"date {', '.join(missing.dates)} is in no finding it cites")
    for table, kind in ((_HEDGE_RE, "hedge"), (_NEGATION_RE, "negation")):
        pattern = table.get(language)
        if pattern is None:
            continue
        extra = sorted(set(_cues(pattern, line)) - set(_cues(pattern, source)))
        if extra:
            issues.append(f"{kind} {extra[0]!r} is in no finding it cites")
    mine = set(terms(line))
    if mine:
        found = _shared(mine, missing.words)
        if found < GROUNDED_TERMS * len(mine):
            issues.append(
                f"only {found} of its {len(mine)} content words are in the findings it cites"
            )
    return Support(not issues, tuple(issues))
