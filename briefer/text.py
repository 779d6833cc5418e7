"""Words, content terms and named-entity-like phrases, shared by ranking and clustering.

Both depend on the article's language (ISO 639-1): stopwords differ, inflected languages fold
word forms through simplemma's dictionaries, and German capitalizes every noun, so a
capitalized word is a name there only when it is not a common word of the language.

The text helpers every stage shares live here, among them three word patterns, each for its own
job (they differ on purpose): ``WORD`` (runs of word characters) for shingles and "the same
point"; ``_WORD`` keeps "S-400" and "Putin's" whole for terms; ``CLAIM_WORD`` keeps "didn't"
whole but splits at hyphens, for checking that a claim's words are in its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .stopwords import ANY_LANGUAGE, STOPWORDS, stopwords

# Languages whose word forms are folded to a dictionary form (English folds plurals only,
# which is faster and enough for it).
_LEMMATIZED = frozenset({"de", "fr", "es", "it", "pt", "nl"})
# Languages that capitalize common nouns: a lone capitalized word there is not a name.
_NOUNS_CAPITALIZED = frozenset({"de", "lb"})
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
WORD = re.compile(r"\w+")
CLAIM_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# Word-set Jaccard from which two key points state the same thing. Within one article, chunks
# overlap and repeat a sentence almost word for word; across outlets the same fact is reworded.
SAME_POINT_IN_ARTICLE = 0.9
SAME_POINT_ACROSS_OUTLETS = 0.75
# Capitalized runs ("Vladimir Putin", "Red Sea") and designators with digits ("S-400", "F-35").
_ENTITY = re.compile(
    r"\b(?:[A-Z][\w’'-]*[a-z0-9][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+|the\s+)?(?:[A-Z][\w’'-]+|[A-Z]{2,}))*"
    r"|\b[A-Z]+-\d+\w*"
)
# Capitalized words that are not names in any language: weekdays and months.
_NOT_ENTITIES = ANY_LANGUAGE | frozenset(
    """meanwhile monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december montag dienstag
    mittwoch donnerstag freitag samstag sonntag januar februar märz mai juni juli oktober
    dezember lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril
    juin juillet août septembre octobre novembre décembre lunes martes miércoles jueves
    viernes sábado domingo enero febrero marzo abril mayo junio julio agosto septiembre
    octubre noviembre diciembre""".split()
)

# Kept for callers that want the English list.
STOPWORDS_EN = STOPWORDS["en"]


@lru_cache(maxsize=200_000)
def _lemma(word: str, language: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(word, lang=language)).lower()


@lru_cache(maxsize=200_000)
def _is_common_word(word: str, language: str) -> bool:
    import simplemma

    return bool(simplemma.is_known(word, lang=language))


def words(text: str) -> list[str]:
    """The casefolded runs of word characters of a text, in order."""
    return WORD.findall(text.casefold())


def word_set(text: str) -> frozenset[str]:
    """The casefolded word set of a text: what "saying the same thing" is judged on."""
    return frozenset(words(text))


def same_point(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Two word sets state the same point: Jaccard at least ``threshold``, same figures."""
    # Different figures are different facts, however alike the wording.
    if {w for w in a if w.isdigit()} != {w for w in b if w.isdigit()}:
        return False
    union = a | b
    return bool(union) and len(a & b) / len(union) >= threshold


def terms(text: str, language: str = "en") -> list[str]:
    """Content terms: lowercased words without stopwords, word forms folded."""
    cache = _TERMS.setdefault(language, {})
    if len(cache) > _TERM_CACHE_SIZE:
        cache.clear()
    out = []
    for word in _WORD.findall(text.lower()):
        term = cache.get(word)
        if term is None:
            term = cache[word] = _term(word, language)
        if term:
            out.append(term)
    return out


# Each word's term, by language: news repeats its words, so most words are looked up once.
_TERMS: dict[str, dict[str, str]] = {}
_TERM_CACHE_SIZE = 200_000


def _term(word: str, language: str) -> str:
    """The term a lowercased word stands for; empty when it is not a content word."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 3 or word in stopwords(language) or word.isdigit():
        return ""
    if language in _LEMMATIZED:
        return _lemma(word, language)
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def entities(text: str, language: str = "en") -> frozenset[str]:
    """Names and designators, lowercased: capitalized phrases, their words, codes like S-400.

    A lone capitalized word that only ever opens a sentence ("Among", "Very") is not a name;
    in German, neither is a capitalized common noun ("Krise").
    """
    found: set[str] = set()
    initial_only: dict[str, bool] = {}
    nouns_capitalized = language in _NOUNS_CAPITALIZED
    for match in _ENTITY.finditer(text):
        # Acronyms stay even when they spell a function word elsewhere: "UN", "EU".
        words = [
            w
            for w in match.group(0).split()
            if (w.isupper() and len(w) > 1) or w.lower() not in _NOT_ENTITIES
        ]
        if nouns_capitalized:
            words = _uncommon_run(words, language)
        if not words:
            continue
        before = text[: match.start()].rstrip()
        at_start = not before or before[-1] in ".!?:\n\"“”'„"
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


def _uncommon_run(words: list[str], language: str) -> list[str]:
    """The part of a capitalized run that can be a name where nouns are capitalized.

    Common words are trimmed from both ends ("Reporter Claas Relotius" is the name "Claas
    Relotius"); a run of common words only keeps its acronyms and designators ("Die Krise"
    is no name, "EU" is).
    """

    def common(word: str) -> bool:
        return (
            not word.isupper()
            and not any(c.isdigit() for c in word)
            and (_is_common_word(word, language))
        )

    start, end = 0, len(words)
    while start < end and common(words[start]):
        start += 1
    while end > start and common(words[end - 1]):
        end -= 1
    return words[start:end]


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
