"""Offline language identification for articles.

py3langid ships its model inside the wheel (it is what trafilatura uses), so detection works
with no network. The model loads on first use (~1 s), not at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Detection reads at most this many characters: enough for a stable guess, bounded in cost.
SAMPLE_CHARS = 4000
# Below this many letters a guess is noise; the language is then reported as unknown.
MIN_LETTERS = 20
# py3langid's normalized probability under which the guess is not trusted.
MIN_CONFIDENCE = 0.5
UNKNOWN = "und"  # ISO 639-2 "undetermined"

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    """An ISO 639-1 code (or ``und``) and the detector's confidence in it (0..1)."""

    code: str
    confidence: float


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> LanguageGuess:
    """Guess the language of ``text``; ``und`` when it is too short or too mixed to tell."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return LanguageGuess(UNKNOWN, 0.0)
    code, confidence = _identifier().classify(sample)
    confidence = float(confidence)
    if confidence < MIN_CONFIDENCE:
        return LanguageGuess(UNKNOWN, confidence)
    return LanguageGuess(str(code), confidence)
