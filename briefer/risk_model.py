"""How sure the offline engine is that a sentence states a risk: a small logistic model.

The risk rules find candidate sentences: a rule's cues, counted (not negated, not in a title,
not naming a date), in a sentence that is neither fiction nor history. Whether a candidate is a
risk the article states is then decided by a logistic model over what the rules saw, never over
the article's words themselves, so the model is the same for every language with rules:

- how the cues corroborate each other (one cue, two, three or more; a strong phrase);
- what the sentence says about them: an alarm ("threat"), a hedge or expectation, a marker that
  the matter goes on, present or past wording, severity words, a negation elsewhere in it;
- where the sentence is and how the article treats the topic: the share of its sentences with
  cues of the same category, the headline, the lead, a quotation, the neighbours' alarms;
- the category itself (some categories' cues are more often incidental than others).

The weights are fitted on the hand-labelled evaluation set (``tests/eval``) by
``python -m tests.eval.train_risk`` and shipped in ``briefer/data/risk_model.json`` together
with the threshold, the pages they were fitted on and the cross-validated figures. A candidate
is listed when its probability reaches the threshold, or when four distinct cues corroborate
each other (``briefer.risk``); a user's own rules are not weighed by the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import ConfigError
from .taxonomy import categories

MODEL_FILE = "risk_model.json"
LIKELIHOOD_FEATURES = {
    "unlikely": "says_unlikely",
    "possible": "says_possible",
    "likely": "says_likely",
    "almost certain": "says_certain",
}


def feature_names() -> tuple[str, ...]:
    """Every feature, in the order the weights are stored."""
    base = (
        "one_cue",
        "two_cues",
        "three_cues",
        "strong_phrase",
        "rule_corroborated",
        "alert",
        *LIKELIHOOD_FEATURES.values(),
        "ongoing",
        "present",
        "past",
        "raises_severity",
        "lowers_severity",
        "negation_elsewhere",
        "quotation",
        "number",
        "neighbour_alert",
        "topic_sentences_log",
        "topic_share",
        "topic_in_headline",
        "lead",
        "position",
        "length_log",
        "other_topics",
    )
    return base + tuple(f"category_{c}" for c in categories())


@dataclass(frozen=True)
class RiskModel:
    """Logistic weights over :func:`feature_names`, and the probability a finding needs."""

    weights: Mapping[str, float]
    bias: float
    threshold: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


def model_from(data: Mapping[str, Any], where: str) -> RiskModel:
    """A model from its JSON form; a wrong file is a clear error, never a silent zero."""
    missing = [k for k in ("weights", "bias", "threshold") if k not in data]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}; reinstall briefer")
    try:
        weights = {str(k): float(v) for k, v in dict(data["weights"]).items()}
        bias = float(data["bias"])
        threshold = float(data["threshold"])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: not a risk model ({exc}); reinstall briefer") from None
    names = set(feature_names())
    if set(weights) != names:
        unknown, absent = sorted(set(weights) - names), sorted(names - set(weights))
        raise ConfigError(
            f"{where}: its features do not match this version's (unknown {unknown}, missing "
            f"{absent}); refit it with python -m tests.eval.train_risk, or reinstall briefer"
        )
    if not all(math.isfinite(v) for v in (bias, threshold, *weights.values())):
        raise ConfigError(f"{where}: holds a value that is not a finite number; reinstall briefer")
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"{where}: threshold must be between 0 and 1, got {threshold}")
    return RiskModel(weights, bias, threshold)


@lru_cache(maxsize=1)
def builtin_model() -> RiskModel:
    """The shipped model (read once)."""
    where = f"built-in {MODEL_FILE}"
    try:
        raw = (resources.files("briefer") / "data" / MODEL_FILE).read_text(encoding="utf-8")
        data = json.loads(raw)
    except OSError as exc:  # pragma: no cover - a broken install
        raise ConfigError(f"{where}: cannot be read ({exc}); reinstall briefer") from None
    except json.JSONDecodeError as exc:  # pragma: no cover - a broken install
        raise ConfigError(f"{where}: not valid JSON ({exc}); reinstall briefer") from None
    if not isinstance(data, dict):  # pragma: no cover - a broken install
        raise ConfigError(f"{where}: not a risk model; reinstall briefer")
    return model_from(data, where)
