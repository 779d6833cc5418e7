"""Paragraph and sentence boundaries as character offsets into the original text.

Offsets, not copies: every span maps back to the article exactly, which is what lets evidence
quotes and chunks be checked against the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .stopwords import stopwords

# Titles and abbreviations that end in a period without ending a sentence, by language.
# A language without its own list uses the shared one: initials, "etc", "e.g"...
_SHARED = "etc e.g i.e u.s u.k u.n a.m p.m dr prof vs ca cf approx"
_ABBREVIATIONS = {
    code: frozenset((_SHARED + " " + words).split())
    for code, words in {
        "en": """mr mrs ms sr jr st mt gen col lt sgt capt cmdr adm gov sen rep pres supt rev
        hon inc ltd co corp bros al dept est fig vol op jan feb mar apr jun jul aug sep
        sept oct nov dec""",
        "de": """z.b bzw usw vgl ggf evtl inkl hr fr dipl ing mio mrd jh jhd str abs
        bspw d.h u.a o.ä s.o u.ä sog z.t zzt allg gmbh jan feb mär apr jun jul aug sep sept
        okt nov dez""",
        "fr": """m mm mme mlle mgr st ste av apr j.-c p.ex cie éd vol janv févr avr juil
        sept oct nov déc""",
        "es": """sr sra srta sres dña ud uds vd vds av avda pág dto ee.uu
        cía ltda s.a ene feb mar abr jun jul ago sep sept oct nov dic""",
        "": "",
    }.items()
}
# Abbreviations of "number", which only hold before one: "No. 10", but "said no. He left".
_NUMBER_WORDS = frozenset({"no", "nos", "nr", "núm", "nro", "n°", "art"})
# Languages that write ordinals with a period: "am 3. Oktober", "im 19. Jahrhundert".
_ORDINAL_PERIOD = frozenset({"de", "da", "no", "nb", "fi", "cs", "sk", "hu", "pl", "sl", "hr"})
_NEXT_WORD = re.compile(r"\s+[\"'“‘«(\[]*(\w+)")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NEWLINE = re.compile(r"\n\s*")
# A sentence ends at . ! ? or … (possibly repeated), then closing quotes or brackets, then
# whitespace, and the next sentence starts with something that can open one.
_SENTENCE_END = re.compile(
    r"""[.!?…]+["'”’»)\]]*(?=\s+["'“‘«(\[]*[^\s\w]*[\w"“‘«(\[])""",
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Segment:
    """A half-open character range ``[start, end)`` of a text."""

    start: int
    end: int


def _looks_hard_wrapped(text: str) -> bool:
    # Plain-text files wrapped at ~72 columns use a single newline inside paragraphs; most
    # web and feed text uses one newline per paragraph. Tell them apart by line lengths.
    every = text.splitlines()
    # Fast answer for long web text: a non-blank line over 100 characters means not wrapped.
    longest_any = max(every, key=len, default="")
    if len(longest_any) > 100 and longest_any.strip():
        return False
    lines = [ln for ln in every if ln.strip()]
    if len(lines) < 4:
        return False
    longest = max(len(ln) for ln in lines)
    if longest > 100:
        return False
    wrapped = sum(1 for ln in lines if len(ln) >= 0.6 * longest)
    unterminated = sum(1 for ln in lines if ln.rstrip()[-1:] not in ".!?:\"”'’")
    return wrapped >= 0.6 * len(lines) and unterminated >= 0.4 * len(lines)


def paragraphs(text: str) -> list[Segment]:
    """Paragraph spans, trimmed of surrounding whitespace, in order."""
    separator = _BLANK_LINE if _looks_hard_wrapped(text) else _NEWLINE
    spans: list[Segment] = []
    pos = 0
    for match in separator.finditer(text):
        _append_trimmed(text, pos, match.start(), spans)
        pos = match.end()
    _append_trimmed(text, pos, len(text), spans)
    return spans


def paragraph_starts(text: str) -> list[int]:
    """Where each paragraph after the first starts: ``[p.start for p in paragraphs(text)[1:]]``."""
    separator = _BLANK_LINE if _looks_hard_wrapped(text) else _NEWLINE
    # Both separators end by consuming all whitespace, so each one that is not at the very end
    # is followed by a paragraph; the first is skipped when only whitespace comes before it.
    starts = [m.end() for m in separator.finditer(text)]
    if starts and starts[-1] == len(text):
        starts.pop()
    first = separator.search(text)
    if starts and first is not None and not text[: first.start()].strip():
        starts.pop(0)
    return starts


def _append_trimmed(text: str, start: int, end: int, out: list[Segment]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Segment(start, end))


def _is_abbreviation(text: str, period: int, language: str) -> bool:
    match = _WORD_BEFORE.search(text, max(0, period - 20), period)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS.get(language, _ABBREVIATIONS[""]):
        return True
    if word in _NUMBER_WORDS:
        after = _NEXT_WORD.match(text, period + 1)
        return after is not None and after.group(1)[:1].isdigit()
    if language in _ORDINAL_PERIOD and word.isdigit() and len(word) <= 2:
        # "am 3. Oktober", "im 19. Jahrhundert": an ordinal, unless the next word is one that
        # opens sentences ("Der", "Sie"), which nouns after an ordinal are not.
        after = _NEXT_WORD.match(text, period + 1)
        return after is not None and after.group(1).lower() not in stopwords(language)
    # A single capital letter before a period is an initial ("John F. Kennedy").
    return len(word) == 1 and text[period - 1].isupper()


def _continues_lowercase(text: str, end: int) -> bool:
    after = _NEXT_WORD.match(text, end)
    return after is not None and after.group(1)[0].islower()


def sentences_in(text: str, span: Segment, language: str = "en") -> list[Segment]:
    """Sentence spans inside one paragraph span."""
    out: list[Segment] = []
    pos = span.start
    for match in _SENTENCE_END.finditer(text, span.start, span.end):
        single_period = text[match.start()] == "." and match.end() - match.start() == 1
        if single_period and _is_abbreviation(text, match.start(), language):
            continue
        if text[match.start()] in "?!" and _continues_lowercase(text, match.end()):
            # '"Why?" he asked.', 'the "a-ha!" moment': a quoted question or exclamation in
            # the middle of a sentence; a new sentence would start with a capital.
            continue
        _append_trimmed(text, pos, match.end(), out)
        pos = match.end()
    _append_trimmed(text, pos, span.end, out)
    return out


def sentences(text: str, language: str = "en") -> list[Segment]:
    """Sentence spans of a whole text; a sentence never crosses a paragraph boundary.

    ``language`` (ISO 639-1) chooses the abbreviations that do not end a sentence.
    """
    out: list[Segment] = []
    for para in paragraphs(text):
        out.extend(sentences_in(text, para, language))
    return out


def words_in(text: str, span: Segment) -> list[Segment]:
    """Word spans (maximal runs of non-whitespace) inside a span."""
    return [Segment(m.start(), m.end()) for m in _WORD.finditer(text, span.start, span.end)]
