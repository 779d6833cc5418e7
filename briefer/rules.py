"""Risk rules per language, read from TOML and compiled into one pattern per rule set.

A rule set holds every word list the risk scan needs (rule cues, severity and likelihood
wording, negations, history, fiction and ongoing markers). They are compiled together into a
single alternation, longest phrase first, with one named group per distinct phrase, so an
article is scanned once and each match says at once which roles it plays.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models import LIKELIHOODS, SEVERITIES
from .taxonomy import categories as builtin_categories

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_LANGUAGE = "en"
_BUILTIN = "risk_rules.{}.toml"
# Lists under [context]: each names a role a phrase can play next to the rules' cues.
CONTEXT_ROLES = (
    "negation",
    "negation_after",
    "history",
    "ongoing",
    "fiction",
    "ignore",
    "time_anchor",
    "past",
    "present",
    "alert",
)
_TOP_KEYS = {"version", "language", "replace", "categories", "likelihood", "severity", "context"}
_TOP_KEYS |= {"rule"}
_RULE_KEYS = {"id", "category", "title", "severity", "cues", "requires", "strong"}


@dataclass(frozen=True)
class Rule:
    """One kind of risk and the cues that point to it.

    A sentence with a counted cue is a candidate. Its cues corroborate each other when it holds
    one ``strong`` phrase, or two distinct ``cues`` and ``requires`` phrases with at least one of
    each kind when ``requires`` is not empty; whether it is listed is ``briefer.risk``'s call.
    """

    id: str
    category: str
    title: str
    severity: str
    cues: tuple[str, ...]
    requires: tuple[str, ...] = ()
    strong: tuple[str, ...] = ()
    user: bool = False  # from a user's rules file: it wins a sentence shared with a built-in


@dataclass(frozen=True)
class RuleSet:
    """The rules of one language and the single pattern that finds all their phrases."""

    language: str
    rules: tuple[Rule, ...]
    categories: dict[str, str]
    default_likelihood: str
    pattern: re.Pattern[str]
    # For each named group of ``pattern``: the phrase as written and the roles it plays, as
    # ("cues" | "requires" | "strong", rule index) or (role,) or ("likelihood", level).
    roles: dict[str, tuple[str, tuple[tuple[str, ...], ...]]]
    kinds: dict[str, frozenset[str]]  # for each named group: the first item of its roles
    year_lead: re.Pattern[str]  # what makes a year date an event: "in 1939", "in July 2022"


def builtin_languages() -> tuple[str, ...]:
    """The languages that have built-in risk rules."""
    names = [p.name for p in (resources.files("briefer") / "data").iterdir()]
    found = [n.split(".")[1] for n in names if n.startswith("risk_rules.") and n.endswith(".toml")]
    return tuple(sorted(c for c in found if len(c) == 2))


def _read(path: Path | None, language: str) -> dict[str, Any] | None:
    where = f"built-in risk rules ({language})" if path is None else str(path)
    try:
        if path is None:
            resource = resources.files("briefer") / "data" / _BUILTIN.format(language)
            if not resource.is_file():
                return None
            raw = resource.read_bytes()
        else:
            raw = path.read_bytes()
        data = dict(tomllib.loads(raw.decode("utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"{path}: rules file not found; check the path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc}); fix the file") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; see the built-in rules")
    data["_where"] = where
    data["_builtin"] = path is None
    return data


def file_language(path: Path) -> str:
    """The language a user rules file is for: its ``language`` key, English by default."""
    data = _read(path, "")
    return str((data or {}).get("language", DEFAULT_LANGUAGE))


def load_rules(
    paths: Sequence[Path] = (), *, replace: bool = False, language: str = DEFAULT_LANGUAGE
) -> RuleSet:
    """The built-in rules of ``language`` extended (or replaced) by the files meant for it."""
    rules = rules_for(paths, replace=replace, language=language)
    if rules is None:
        raise ConfigError(f"no risk rules are defined for language {language!r}")
    return rules


class RuleBook:
    """Rule sets by language, each loaded and compiled on first use."""

    def __init__(self, paths: Sequence[Path] = (), *, replace: bool = False) -> None:
        self.paths = tuple(paths)
        self.replace = replace
        self._loaded: dict[str, RuleSet | None] = {}
        for path in self.paths:  # fail early on a broken file, not at the first article
            self.get(file_language(path))

    def get(self, language: str) -> RuleSet | None:
        """The rules for ``language``; None when there are none."""
        if language not in self._loaded:
            self._loaded[language] = rules_for(self.paths, replace=self.replace, language=language)
        return self._loaded[language]


def rules_for(
    paths: Sequence[Path] = (), *, replace: bool = False, language: str = DEFAULT_LANGUAGE
) -> RuleSet | None:
    """Like :func:`load_rules`, but None when neither the built-ins nor a file cover it."""
    builtin = None if replace else _read(None, language)
    layers = [builtin] if builtin else []
    for path in paths:
        data = _read(path, language)
        assert data is not None
        if str(data.get("language", DEFAULT_LANGUAGE)) != language:
            continue
        if data.get("replace", False):
            layers = []
        layers.append(data)
    if not layers:
        return None
    return _compile(layers, language)


def _compile(layers: list[dict[str, Any]], language: str) -> RuleSet:
    # The shared taxonomy first; a rules file may add categories of its own.
    categories: dict[str, str] = builtin_categories()
    lists: dict[tuple[str, ...], list[str]] = {}
    default_likelihood = "possible"
    prepositions: list[str] = []
    raw_rules: dict[str, dict[str, Any]] = {}
    for data in layers:
        where = data["_where"]
        categories.update(data.get("categories", {}))
        for level, cues in data.get("likelihood", {}).items():
            if level == "default":
                default_likelihood = cues
            elif level in LIKELIHOODS:
                lists.setdefault(("likelihood", level), []).extend(cues)
            else:
                raise ConfigError(f"{where}: unknown likelihood level {level!r}: use {LIKELIHOODS}")
        for key, cues in data.get("severity", {}).items():
            if key not in ("raise", "lower"):
                raise ConfigError(f"{where}: [severity] takes raise and lower, not {key!r}")
            lists.setdefault((key,), []).extend(cues)
        for key, cues in data.get("context", {}).items():
            if key == "year_prepositions":
                prepositions.extend(cues)
            elif key in CONTEXT_ROLES:
                lists.setdefault((key,), []).extend(cues)
            else:
                raise ConfigError(
                    f"{where}: [context] takes {', '.join(CONTEXT_ROLES)}, year_prepositions"
                )
        for raw in data.get("rule", []):
            raw_rules[str(raw.get("id", ""))] = {
                **raw,
                "_where": where,
                "_user": not data["_builtin"],
            }
    if default_likelihood not in LIKELIHOODS:
        raise ConfigError(f"likelihood default must be one of {', '.join(LIKELIHOODS)}")
    rules = tuple(_rule(raw, categories) for raw in raw_rules.values())
    if not rules:
        raise ConfigError(f"no risk rules are defined for {language}; add at least one [[rule]]")
    for index, rule in enumerate(rules):
        for kind in ("cues", "requires", "strong"):
            lists.setdefault((kind, str(index)), []).extend(getattr(rule, kind))
    pattern, roles = _combined(lists)
    return RuleSet(
        language=language,
        rules=rules,
        categories=categories,
        default_likelihood=default_likelihood,
        pattern=pattern,
        roles=roles,
        kinds={name: frozenset(r[0] for r in found) for name, (_, found) in roles.items()},
        year_lead=_year_pattern(prepositions),
    )


def _rule(raw: dict[str, Any], categories: dict[str, str]) -> Rule:
    where = raw.pop("_where")
    user = bool(raw.pop("_user", False))
    rid = str(raw.get("id", ""))
    missing = [k for k in ("id", "category", "title") if not raw.get(k)]
    if not raw.get("cues") and not raw.get("strong"):
        missing.append("cues")
    if missing:
        raise ConfigError(f"{where}: rule {rid or '(no id)'} lacks {', '.join(missing)}")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"{where}: rule {rid} has unknown keys {sorted(unknown)}")
    if raw["category"] not in categories:
        raise ConfigError(
            f"{where}: rule {rid} uses category {raw['category']!r}, which is not in [categories]"
        )
    severity = raw.get("severity", "medium")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where}: rule {rid} severity must be one of {', '.join(SEVERITIES)}")
    phrases = {k: tuple(raw.get(k, ())) for k in ("cues", "requires", "strong")}
    for kind, items in phrases.items():
        for cue in items:
            if not isinstance(cue, str) or not cue.strip(" *"):
                raise ConfigError(f"{where}: rule {rid}: every {kind} entry must be a phrase")
    return Rule(rid, raw["category"], raw["title"], severity, **phrases, user=user)


def _phrase_regex(phrase: str) -> str:
    stem = re.escape(phrase.strip().rstrip("*")).replace(r"\ ", r"\s+")
    return stem + (r"[\w-]*" if phrase.endswith("*") else "")


_SPACE, _ANY_ENDING = r"\s+", r"[\w-]*"


def _tokens(phrase: str) -> list[str]:
    """A phrase as regex pieces: one per character, a run of spaces, a wildcard ending."""
    text = " ".join(phrase.lower().split())
    wildcard = text.endswith("*")
    pieces = [_SPACE if c == " " else re.escape(c) for c in text.rstrip("*").rstrip()]
    return pieces + ([_ANY_ENDING] if wildcard else [])


def _trie_regex(node: dict[str, Any]) -> str:
    # Longer phrases first: literal continuations, then a wildcard ending, then the end of
    # the phrase here. The caller's closing word boundary makes the engine backtrack to a
    # shorter phrase when a longer one does not end on a word boundary.
    branches = [
        piece + _trie_regex(child)
        for piece, child in sorted(node.items(), key=lambda kv: (kv[0] == _ANY_ENDING, kv[0]))
        if piece != ""
    ]
    if "" in node:
        branches.append(f"(?P<{node['']}>)")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _combined(
    lists: dict[tuple[str, ...], list[str]],
) -> tuple[re.Pattern[str], dict[str, tuple[str, tuple[tuple[str, ...], ...]]]]:
    """One pattern for every phrase, as a prefix tree: an article is read once, quickly.

    Each phrase ends in an empty named group; ``match.lastgroup`` names the phrase found.
    """
    by_phrase: dict[str, tuple[str, list[tuple[str, ...]]]] = {}
    for role, phrases in lists.items():
        for phrase in phrases:
            if not isinstance(phrase, str) or not phrase.strip(" *"):
                raise ConfigError(f"{' '.join(role)}: every entry must be a phrase, got {phrase!r}")
            key = " ".join(phrase.lower().split())
            by_phrase.setdefault(key, (phrase.strip(), []))[1].append(role)
    if not by_phrase:
        return re.compile(r"(?!x)x"), {}
    roles: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
    trie: dict[str, Any] = {}
    for i, (key, (phrase, phrase_roles)) in enumerate(sorted(by_phrase.items())):
        node = trie
        for piece in _tokens(key):
            node = node.setdefault(piece, {})
        node[""] = f"g{i}"
        roles[f"g{i}"] = (phrase, tuple(phrase_roles))
    body = _trie_regex(trie)
    return re.compile(r"(?<![\w-])" + body + r"(?![\w-])", re.IGNORECASE), roles


def _year_pattern(prepositions: Sequence[str]) -> re.Pattern[str]:
    """What must come right before a year for it to date an event: "in", "in early July".

    Matched against the text that ends where the year starts (``endpos``), so it is anchored
    at the end: a preposition, up to three words without digits, perhaps a day.
    """
    preps = "|".join(_phrase_regex(p) for p in sorted(set(prepositions), key=len, reverse=True))
    if not preps:
        return re.compile(r"(?!x)x")
    return re.compile(
        rf"(?<![\w-])(?:{preps})\s+(?:[^\W\d]+\.?\s+){{0,3}}?(?:\d{{1,2}}\.?\s+)?\Z",
        re.IGNORECASE,
    )
