"""Words, content terms and named-entity-like phrases, shared by ranking and clustering."""

from __future__ import annotations

import re
from collections.abc import Iterator

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours said
    says told according since however among very still well""".split()
)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Capitalized runs ("Vladimir Putin", "Red Sea") and designators with digits ("S-400", "F-35").
_ENTITY = re.compile(
    r"\b(?:[A-Z][\w’'-]*[a-z0-9][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+|the\s+)?(?:[A-Z][\w’'-]+|[A-Z]{2,}))*"
    r"|\b[A-Z]+-\d+\w*"
)
_NOT_ENTITIES = frozenset(
    """the a an in on at for and but or of to as by with from this that these those it its
    he she they we i his her their our after before when while also however meanwhile
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)


def terms(text: str) -> list[str]:
    """Content terms: lowercased words without stopwords, possessives and plural -s folded."""
    out = []
    for word in _WORD.findall(text.lower()):
        word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 3 or word in STOPWORDS or word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def entities(text: str) -> frozenset[str]:
    """Names and designators, lowercased: capitalized phrases, their words, codes like S-400.

    A lone capitalized word that only ever opens a sentence ("Among", "Very") is not a name.
    """
    found: set[str] = set()
    initial_only: dict[str, bool] = {}
    for match in _ENTITY.finditer(text):
        words = [w for w in match.group(0).split() if w.lower() not in _NOT_ENTITIES]
        if not words:
            continue
        before = text[: match.start()].rstrip()
        at_start = not before or before[-1] in ".!?:\n\"“”'"
        names = [" ".join(words)] + (words if len(words) > 1 else [])
        for name in names:
            phrase = name.lower().replace("’", "'").removesuffix("'s")
            if len(phrase) < 2:
                continue
            lone = " " not in phrase and not any(c.isdigit() for c in phrase)
            if lone and at_start and len(words) == 1:
                initial_only.setdefault(phrase, True)
                continue
            if lone:
                initial_only[phrase] = False
            found.add(phrase)
    found.update(p for p, only in initial_only.items() if not only)
    return frozenset(found)


BLOCK_CHARS = 1 << 16
_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")


def whitespace_blocks(text: str) -> Iterator[str]:
    """``text`` in consecutive pieces of about BLOCK_CHARS that start at whitespace, so that
    word-level work (split, NFC) on each piece adds up to the same work on the whole, without
    a list of every word of a huge text in memory at once."""
    size, start = BLOCK_CHARS, 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            last = _LAST_SPACE.search(text, start, end)
            if last is not None and last.start() > start:
                end = last.start()
            else:
                following = _SPACE.search(text, end)
                end = following.start() if following else len(text)
        yield text[start:end]
        start = end


def count_words(text: str) -> int:
    """``len(text.split())``, in bounded memory."""
    return sum(len(block.split()) for block in whitespace_blocks(text))
