"""Transparent risk rules: category lexicons and severity/likelihood cues, read from TOML."""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models import LIKELIHOODS, SEVERITIES, Article, Risk, Span
from .segmentation import Segment
from .taxonomy import categories as builtin_categories

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

BUILTIN_RULES = "risk_rules.toml"


@dataclass(frozen=True)
class Rule:
    """One kind of risk and the cues that point to it."""

    id: str
    category: str
    title: str
    severity: str
    cues: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class RuleSet:
    """Rules plus the shared cue lists that set likelihood and adjust severity."""

    rules: tuple[Rule, ...]
    categories: dict[str, str]
    likelihood_cues: dict[str, re.Pattern[str]]
    default_likelihood: str
    raise_cues: re.Pattern[str]
    lower_cues: re.Pattern[str]


def _cue_regex(cues: Sequence[str], where: str) -> re.Pattern[str]:
    if not cues:
        return re.compile(r"(?!x)x")  # matches nothing
    parts = []
    for cue in cues:
        if not isinstance(cue, str) or not cue.strip(" *"):
            raise ConfigError(f"{where}: every cue must be a non-empty string, got {cue!r}")
        stem = re.escape(cue.strip().rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(stem + (r"[\w-]*" if cue.endswith("*") else ""))
    # Longest first, so "air defense system" wins over "air defense" in the reported cue.
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _read(path: Path | None) -> dict[str, Any]:
    try:
        if path is None:
            raw = (resources.files("briefer") / "data" / BUILTIN_RULES).read_bytes()
            where = "built-in risk rules"
        else:
            raw = path.read_bytes()
            where = str(path)
        return dict(tomllib.loads(raw.decode("utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"{path}: rules file not found; check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc}); fix the file") from None


def load_rules(paths: Sequence[Path] = (), *, replace: bool = False) -> RuleSet:
    """The built-in rules, extended (or replaced) by the given TOML files in order."""
    layers = [] if replace else [("built-in risk rules", _read(None))]
    for path in paths:
        data = _read(path)
        if data.pop("replace", False):
            layers = []
        layers.append((str(path), data))
    # The shared taxonomy first; a rules file may add categories of its own.
    categories: dict[str, str] = builtin_categories()
    likelihood: dict[str, list[str]] = {}
    default_likelihood = "possible"
    severity: dict[str, list[str]] = {"raise": [], "lower": []}
    rules: dict[str, dict[str, Any]] = {}
    for where, data in layers:
        unknown = set(data) - {"version", "categories", "likelihood", "severity", "rule"}
        if unknown:
            raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; see the built-in rules")
        categories.update(data.get("categories", {}))
        for level, cues in data.get("likelihood", {}).items():
            if level == "default":
                default_likelihood = cues
            else:
                likelihood[level] = likelihood.get(level, []) + list(cues)
        for key, cues in data.get("severity", {}).items():
            severity[key] = severity.get(key, []) + list(cues)
        for raw in data.get("rule", []):
            rules[raw.get("id", "")] = {**raw, "_where": where}
    if default_likelihood not in LIKELIHOODS:
        raise ConfigError(f"likelihood default must be one of {', '.join(LIKELIHOODS)}")
    for level in likelihood:
        if level not in LIKELIHOODS:
            raise ConfigError(f"unknown likelihood level {level!r}: use {', '.join(LIKELIHOODS)}")
    compiled = tuple(_rule(raw, categories) for raw in rules.values())
    if not compiled:
        raise ConfigError("no risk rules are defined; add at least one [[rule]]")
    return RuleSet(
        rules=compiled,
        categories=categories,
        likelihood_cues={k: _cue_regex(v, f"likelihood {k}") for k, v in likelihood.items()},
        default_likelihood=default_likelihood,
        raise_cues=_cue_regex(severity.get("raise", []), "severity raise"),
        lower_cues=_cue_regex(severity.get("lower", []), "severity lower"),
    )


def _rule(raw: dict[str, Any], categories: dict[str, str]) -> Rule:
    where = raw.pop("_where")
    rid = str(raw.get("id", ""))
    missing = [k for k in ("id", "category", "title", "cues") if not raw.get(k)]
    if missing:
        raise ConfigError(f"{where}: rule {rid or '(no id)'} lacks {', '.join(missing)}")
    unknown = set(raw) - {"id", "category", "title", "severity", "cues"}
    if unknown:
        raise ConfigError(f"{where}: rule {rid} has unknown keys {sorted(unknown)}")
    if raw["category"] not in categories:
        raise ConfigError(
            f"{where}: rule {rid} uses category {raw['category']!r}, which is not in [categories]"
        )
    severity = raw.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: rule {rid} severity must be one of {', '.join(SEVERITIES)}")
    cues = tuple(raw["cues"])
    return Rule(
        rid, raw["category"], raw["title"], severity, cues, _cue_regex(cues, f"{where}: {rid}")
    )


def _distinct(matches: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for m in matches:
        seen.setdefault(" ".join(m.lower().split()), m)
    return list(seen.values())


def assess(
    article: Article, sentences: Sequence[Segment], rules: RuleSet, *, limit: int
) -> list[Risk]:
    """Risks the rules find in an article, most serious first, each with its evidence."""
    text = article.text
    starts = [s.start for s in sentences]
    risks: list[Risk] = []
    for rule in rules.rules:
        # One scan of the whole text per rule; matches are then filed under their sentence.
        found_in: dict[int, list[str]] = {}
        for match in rule.pattern.finditer(text):
            position = bisect.bisect_right(starts, match.start()) - 1
            if position >= 0 and match.end() <= sentences[position].end:
                found_in.setdefault(position, []).append(match.group(0))
        if not found_in:
            continue
        hits = []
        for position, matches in sorted(found_in.items()):
            found = _distinct(matches)
            hits.append((len(found), -position, sentences[position], found))
        _, _, best, cues = max(hits, key=lambda h: (h[0], h[1]))
        quote = text[best.start : best.end]
        level = SEVERITIES.index(rule.severity)
        raised = _distinct(rules.raise_cues.findall(quote))
        lowered = _distinct(rules.lower_cues.findall(quote))
        level += bool(raised) - bool(lowered)
        severity = SEVERITIES[max(0, min(level, len(SEVERITIES) - 1))]
        likelihood, because = _likelihood(quote, rules)
        all_cues = _distinct([c for h in hits for c in h[3]])
        rationale = _rationale(
            rule, severity, raised, lowered, likelihood, because, all_cues, len(hits)
        )
        risks.append(
            Risk(
                title=rule.title,
                category=rule.category,
                severity=severity,
                likelihood=likelihood,
                rationale=rationale,
                evidence=quote,
                article_id=article.id,
                span=Span(best.start, best.end),
                verified=True,
                cues=tuple(all_cues),
                score=float(len(all_cues) + len(hits)),
            )
        )
    risks.sort(key=lambda r: (-r.rank_value, -r.score, r.span.start if r.span else 0))
    return risks[:limit]


def _likelihood(quote: str, rules: RuleSet) -> tuple[str, str | None]:
    for level in LIKELIHOODS:  # most cautious first
        pattern = rules.likelihood_cues.get(level)
        if pattern is not None:
            match = pattern.search(quote)
            if match:
                return level, match.group(0)
    return rules.default_likelihood, None


def _rationale(
    rule: Rule,
    severity: str,
    raised: list[str],
    lowered: list[str],
    likelihood: str,
    because: str | None,
    cues: list[str],
    sentences: int,
) -> str:
    quoted = ", ".join(f"“{c}”" for c in cues[:6])
    where = "1 sentence" if sentences == 1 else f"{sentences} sentences"
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
