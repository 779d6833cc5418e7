"""When a sentence's events happen: history, past narration and crises named as dates.

The risk scan asks this module which sentences narrate events that are over, and whether a
cue names the point in time that dates something else ("since the pandemic").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .models import Article
from .rules import RuleSet
from .segmentation import Segment

HISTORY_YEARS = 2  # an event dated this many years before the article is history
MAX_GAP_CHARS = 200  # beyond this many characters two phrases are never "near"
TIME_ANCHOR_WINDOW = 2  # words between "since the"... and the cue it turns into a date
# A year just before a cue names an event of that year ("the 2008 financial crisis").
_YEAR_BEFORE = re.compile(r"(?<![\w-])(?:1[5-9]|20)\d\d(?:'s|’s)?\s+(?:[^\W\d]+\s+)?\Z")
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s")
# A year, with the word before it when that makes it a target ("by 2030"), not a date.
_YEAR = re.compile(r"(?:(?:by|until|bis)\s+)?(?<![\w-])((?:1[5-9]|20)\d\d)(?![\w-])", re.I)
# A year, a decade ("1990s") or a range ("1904-1908"): the latest year it covers is group 3,
# or group 1 with a decade's "s" in group 2.
_DATE = re.compile(r"((?:1[5-9]|20)\d\d)(s?)(?:\s?[-–]\s?((?:1[5-9]|20)\d\d))?")


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


def words_between(text: str, start: int, end: int) -> int | None:
    """Words between two positions in one clause; None when a clause break separates them."""
    if end - start > MAX_GAP_CHARS:
        return None  # far apart: no need to count (and a giant sentence stays linear)
    gap = text[start:end]
    if _CLAUSE_BREAK.search(gap):
        return None
    return len(gap.split())


def names_a_time(text: str, start: int, anchors: Sequence[int]) -> bool:
    """Whether a cue names the event that dates something else, not a threat.

    "Since the pandemic", "after the war", "the 2008 financial crisis": a time anchor or a year
    within a few words before the cue, in the same clause.
    """
    for end in anchors:
        if end <= start:
            gap = words_between(text, end, start)
            if gap is not None and gap <= TIME_ANCHOR_WINDOW:
                return True
    return bool(_YEAR_BEFORE.search(text, max(0, start - 40), start))


def history(
    text: str,
    sentences: Sequence[Segment],
    kinds: dict[int, set[str]],
    rules: RuleSet,
    year: int | None,
    now: set[int],
) -> set[int]:
    """Positions of sentences that narrate events that are over.

    A sentence is history when it names an era or a past time ("colonial", "last year") or
    dates its event two or more years before the article, and has no marker of now or later
    ("still", "will"). A sentence that dates nothing inherits the verdict of the sentence
    before it in the same paragraph: "In 1998, X happened. In retaliation, Y struck." are both
    history. A sentence told with past wording ("was", "had") and nothing of now (``now``:
    "is", "on Monday", "could", "fears") is over too, but dates nothing after it.
    """
    years = dated_years(text, sentences, rules)
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
        elif "past" in here and position not in now:
            out.add(position)  # told in the past tense: over, but it dates nothing after it
            verdict = previous
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


def dated_years(text: str, sentences: Sequence[Segment], rules: RuleSet) -> dict[int, list[int]]:
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
