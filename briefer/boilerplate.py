"""Navigation and boilerplate lines that extraction lets through: never article text.

"Read more: …", "Submit your letter …", newsletter and share prompts, "Advertisement", "Related",
photo credits, copyright and syndication lines: a page's furniture, not what its article says.
They must not become key points or evidence, so they are removed from extracted text
(``strip_boilerplate``) and ``is_boilerplate`` lets other steps refuse a sentence that is one.

Rules exist for English, German, French and Spanish; credits, copyright lines and embed
signatures are language-independent. For any other language (or ``und``) every rule applies:
the phrases are specific enough that a rule of another language does not fire on article prose.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "is_boilerplate", "looks_like_consent", "strip_boilerplate"]

# Longer lines are prose even when they open like a prompt ("Read more about why …" rarely
# runs to 40 words); this bound keeps a rule from ever removing a paragraph.
MAX_WORDS = 40

_FLAGS = re.IGNORECASE | re.UNICODE
_END = r"\s*[.!:…]*\s*$"  # what may follow a phrase that must be the whole line


def _opening(*phrases: str) -> re.Pattern[str]:
    """Lines that open with one of ``phrases`` (regex fragments)."""
    return re.compile(r"^[\s\W]{0,3}(?:" + "|".join(phrases) + r")", _FLAGS)


def _whole(*phrases: str) -> re.Pattern[str]:
    """Lines that are only one of ``phrases``."""
    return re.compile(r"^[\s\W]{0,3}(?:" + "|".join(phrases) + r")" + _END, _FLAGS)


_RULES: dict[str, tuple[re.Pattern[str], ...]] = {
    "en": (
        _opening(
            r"read (?:more|also|next)\b",
            r"also read\b",
            r"see also\s*:",
            r"related\s*(?:articles?|stories|coverage|content|reading|links?)?\s*:",
            r"more (?:on this|from|about this)\b.{0,60}:",
            r"recommended(?: for you)?\s*:",
            r"(?:watch|listen)\s*:",
            r"click here\b",
            r"(?:please )?(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletter|updates|alerts)",
            r"(?:get|receive) (?:our|the) .{0,40}newsletter",
            r"follow us (?:on|at)\b",
            r"share (?:this|on|via)\b",
            r"submit (?:your|a) letter\b",
            r"send (?:us )?(?:your|a) letter\b",
            r"letters? to the editor\s*:",
            r"(?:additional )?(?:reporting|writing|editing|compiled) by (?-i:[A-Z])",
            r"our standards\s*:",
            r"this (?:article|story|piece|post) (?:was )?(?:originally|first) "
            r"(?:appeared|published)",
            r"(?:originally|first) published (?:on|in|at|by)\b",
            r"a version of this (?:article|story) (?:appeared|was published)",
            r"the post .{1,200} appeared first on\b",  # what blog feeds append to each item
            r"story continues below\b",
            r"continue reading\b",
            r"skip (?:advertisement|ad)\b",
        ),
        _whole(
            r"advertisement",
            r"sponsored(?: content)?",
            r"related",
            r"recommended",
            r"most (?:read|popular|viewed)",
            r"trending(?: now)?",
            r"top stories",
            r"share(?: this (?:article|story))?",
            r"read more",
        ),
    ),
    "de": (
        _opening(
            r"lesen sie (?:auch|mehr|hier|weiter)\b",
            r"(?:den|die|das) (?:ganzen?|vollständigen?|kompletten?) "
            r"(?:artikel|beitrag|text|geschichte)\b.{0,40}\blesen sie",
            r"mehr (?:zum thema|dazu|zu diesem thema)\b",
            r"auch interessant\b",
            r"das könnte sie auch interessieren\b",
            r"zum thema\s*:",
            r"weiterlesen\b",
            r"(?:jetzt )?(?:den )?newsletter (?:abonnieren|bestellen)\b",
            r"(?:melden sie sich|abonnieren sie)\b.{0,60}\bnewsletter",
            r"(?:diesen )?artikel teilen\b",
            r"teilen sie (?:diesen|den) artikel\b",
            r"folgen sie uns\b",
            r"(?:schreiben sie (?:uns )?(?:einen )?leserbrief|leserbrief schreiben)\b",
            r"dieser (?:artikel|text|beitrag) (?:ist|erschien) zuerst\b",
            r"mitarbeit\s*:",
        ),
        _whole(
            r"anzeige", r"werbung", r"mehr zum thema", r"teilen", r"weiterlesen", r"meistgelesen"
        ),
    ),
    "fr": (
        _opening(
            r"(?:à |a )?lire (?:aussi|également|la suite|plus)\b",
            r"voir aussi\b",
            r"en savoir plus\b",
            r"sur le même (?:sujet|thème)\b",
            r"(?:abonnez-vous|inscrivez-vous)\b.{0,80}\b(?:newsletter|lettre d['’]information)",
            r"recevez (?:notre|la) .{0,40}(?:newsletter|lettre d['’]information)",
            r"partager (?:cet article|sur)\b",
            r"suivez-nous\b",
            r"cet article a (?:été )?(?:initialement|d['’]abord) (?:été )?publié",
        ),
        _whole(r"publicité", r"partager", r"lire aussi", r"les plus lus"),
    ),
    "es": (
        _opening(
            r"(?:lee|lea|leer) (?:también|más|además)\b",
            r"ver también\b",
            r"te puede interesar\b",
            r"(?:noticias|artículos) relacionad[oa]s\b",
            r"relacionad[oa]s?\s*:",
            r"(?:suscríbete|suscríbase|regístrate|regístrese)\b.{0,80}\b(?:newsletter|boletín)",
            r"(?:comparte|compartir) (?:este artículo|en)\b",
            r"síguenos\b",
            r"este artículo (?:fue publicado|se publicó) (?:originalmente|primero)\b",
        ),
        _whole(r"publicidad", r"compartir", r"lo más leído"),
    ),
}
LANGUAGES = tuple(_RULES)

_ANY_LANGUAGE = (
    # Copyright lines: "© 2019 Science X Network", "Copyright 2020 Reuters".
    re.compile(r"^[\s(]*(?:©|\(c\)\s*\d{4}|copyright\b)", _FLAGS),
    # A credit that is the whole line: "(Credit: Clayton Aldern / Grist)", "Foto: dpa".
    re.compile(
        r"^[\s(\[]*(?:photo(?:graph)?s?|pictures?|images?|credits?|photo credit|image credit|"
        r"foto(?:s|grafie)?|bild(?:er)?|bildquelle|crédits?(?: photo)?|photographie|"
        r"fotografía|imagen(?:es)?|crédito)\s?:.{1,120}$",
        _FLAGS,
    ),
    # A caption that ends in a credit: "… on December 29. Photo: AP", "… (Foto: dpa)".
    re.compile(
        r"(?:[.!?)\]»”\"]\s+|\s[(\[])(?:Photo(?:graph)?|Picture|Image|Credit|Foto|Bild|"
        r"Crédits?(?: photo)?|Photo credit|Fotografía|Imagen|Crédito)\s?:\s*[^.!?:]{1,80}[)\]]?\s*$"
    ),
    re.compile(
        r"(?:^|[(\[]|[.!?]\s)\s*(?:photo|foto)\s+(?:by|von|de|par)\b.{1,60}(?:/|\bvia\b).{1,40}$",
        _FLAGS,
    ),
    # The signature line of an embedded post: "— Dave Schukin (@schukin) July 3, 2019".
    re.compile(r"^\s*[—–-]+\s*.{1,80}\(@\w{1,30}\)\s+.{3,20}\d{4}\s*$"),
)

_CONSENT = re.compile(
    r"\b(cookies?|consent\w*|einwilligung\w*|zustimm\w*|consentement|consentimiento|"
    r"accept all|alle akzeptieren|tout accepter|aceptar todo|"
    r"privacy (?:settings|preferences|policy)|datenschutz\w*|confidentialité|privacidad|"
    r"(?:our |unsere[n]? |nos )?(?:partners|partner|partenaires|socios)|vendors?|"
    r"personali[sz]ed (?:ads|advertising)|tracking)\b",
    _FLAGS,
)
# What a consent notice asks the reader to do; an article about cookie rules rarely says it.
_CONSENT_ACTION = re.compile(
    r"\b(accept all|accept (?:all )?cookies|i accept|i agree|by clicking|by continuing|"
    r"manage (?:preferences|settings|options|choices)|alle akzeptieren|akzeptieren und weiter|"
    r"zustimmen und weiter|einverstanden|tout accepter|j['’]accepte|en cliquant|aceptar todo|"
    r"acepto|al hacer clic)\b",
    _FLAGS,
)
# A text this short that names this many different consent terms is a consent wall.
CONSENT_MAX_WORDS = 300
CONSENT_MIN_TERMS = 3


def _rules(language: str) -> tuple[re.Pattern[str], ...]:
    if language in _RULES:
        return _RULES[language] + _ANY_LANGUAGE
    return tuple(rule for rules in _RULES.values() for rule in rules) + _ANY_LANGUAGE


def is_boilerplate(sentence: str, language: str) -> bool:
    """True when ``sentence`` (or a line) is navigation or boilerplate, not article text."""
    # A long line is article text. Split it no further than it takes to know: a huge line
    # split into all its words would cost about ten times its size in memory.
    if len(sentence.split(None, MAX_WORDS)) > MAX_WORDS:
        return False
    text = " ".join(sentence.split())
    if not text:
        return False
    return any(rule.search(text) for rule in _rules(language))


def strip_boilerplate(text: str, language: str) -> tuple[str, int]:
    """``text`` without its boilerplate lines, and how many lines were removed."""
    kept: list[str] = []
    removed = 0
    for line in text.split("\n"):
        if line.strip() and is_boilerplate(line, language):
            removed += 1
            continue
        kept.append(line)
    return "\n".join(kept), removed


def looks_like_consent(text: str) -> bool:
    """True when a short text is mostly a cookie or consent notice, not an article."""
    if len(text.split()) > CONSENT_MAX_WORDS:
        return False
    if not _CONSENT_ACTION.search(text):
        return False
    terms = {m.group(1).casefold() for m in _CONSENT.finditer(text)}
    return len(terms) >= CONSENT_MIN_TERMS and any(
        t.startswith(("cookie", "consent", "einwillig", "zustimm")) for t in terms
    )
