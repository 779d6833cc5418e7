"""Reading ``briefer.toml`` (its sections as pydantic models, turned into settings values), and
resolving settings: flag > environment > config file > default.

Unknown keys are errors; ``briefer.configerrors`` words them for a person (file, line,
section, the nearest valid key).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .config import DEFAULT_CONFIG_FILE, BriefConfig, Price, Settings, SourceSpec
from .configerrors import explain, key_lines, source_name
from .declarations import SETTINGS, Setting, environment_values, for_target, in_section
from .errors import ConfigError

log = logging.getLogger("briefer.config")
_noted: set[tuple[str, str | None, str]] = set()  # deprecations already logged, once each

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PriceFile(_Section):
    input: float = Field(ge=0)
    output: float = Field(ge=0)


class _SourceFile(_Section):
    name: str | None = None
    feed: str | None = None
    urls: list[str] | None = None
    path: Path | None = None
    limit: int | None = Field(default=None, ge=1)
    include: list[str] = []
    exclude: list[str] = []
    allow_private: bool | None = None


class _EmailFile(_Section):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(default="briefer@localhost", alias="from")
    to: list[str] = Field(min_length=1)
    starttls: bool = True
    ssl: bool = False
    subject: str = "{title} — {date}"
    cafile: Path | None = None
    attach_pdf: bool = True


class _WebhookFile(_Section):
    url: str


class _DeliveryFile(_Section):
    email: _EmailFile | None = None
    webhook: _WebhookFile | None = None


_TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "file": Path}
_TYPES.update(dir=Path, files=list[Path], words=list[str])


def _annotation(s: Setting) -> Any:
    """The type of a setting's value in the file (always optional: absent means unset)."""
    base: Any = _TYPES.get(s.kind)
    if s.kind == "choice":
        base = Literal.__getitem__(s.choices)
    elif s.kind == "choices":
        base = list[Literal.__getitem__(s.choices)]  # type: ignore[misc]
    return base | None


def _field(s: Setting) -> Any:
    limits: dict[str, float] = {}
    if s.kind == "str":
        if s.low is not None:
            limits["min_length"] = s.low
        if s.high is not None:
            limits["max_length"] = s.high
    else:
        if s.low is not None:
            limits["gt" if s.low_open else "ge"] = s.low
        if s.high is not None:
            limits["le"] = s.high
    return Field(default=None, **limits)  # type: ignore[call-overload]


def _section_model(section: str) -> type[_Section]:
    """The pydantic model of one [section], from the declarations of its keys."""
    spec = {s.name: (_annotation(s), _field(s)) for s in in_section(section)}
    model: type[_Section] = create_model(  # type: ignore[call-overload]
        f"_{section.title()}File", __base__=_Section, **spec
    )
    return model


# The sections made of settings; [prices], [[source]] and [delivery] are tables of their own.
SECTIONS = ("brief", "fetch", "engine", "chunking", "summary", "cache")
_MODELS = {section: _section_model(section) for section in SECTIONS}
_TABLES: dict[str, Any] = {name: (model, model()) for name, model in _MODELS.items()}
_ConfigFile: type[_Section] = create_model(
    "_ConfigFile",
    __base__=_Section,
    **{
        "engine": _TABLES["engine"],
        "chunking": _TABLES["chunking"],
        "summary": _TABLES["summary"],
        "cache": _TABLES["cache"],
        "prices": (dict[str, _PriceFile], {}),
        "brief": _TABLES["brief"],
        "source": (list[_SourceFile], []),
        "fetch": _TABLES["fetch"],
        "delivery": (_DeliveryFile, _DeliveryFile()),
    },
)


def _upgrade(path: Path, text: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Earlier key names read as the current ones, each with a deprecation note in the log."""
    lines = key_lines(text)
    for s in SETTINGS:
        if s.section is None or s.old_key is None:
            continue
        table = raw.get(s.section)
        if not isinstance(table, dict) or s.old_key not in table:
            continue
        line = lines.get((s.section, s.old_key))
        where = f"{path}, line {line}" if line else str(path)
        if s.name in table:
            raise ConfigError(
                f"{where}: [{s.section}] has both {s.old_key} (its old name) and {s.name}; "
                f"keep {s.name}"
            )
        if (str(path), s.section, s.old_key) not in _noted:
            _noted.add((str(path), s.section, s.old_key))
            log.warning(
                "%s: [%s] %s is deprecated; write %s = … (the old name still works for now)",
                where,
                s.section,
                s.old_key,
                s.name,
            )
        table = {(s.name if k == s.old_key else k): v for k, v in table.items()}
        raw = {**raw, s.section: table}
    return raw


def parse_file(path: Path) -> Any:
    """The validated contents of a config file; ConfigError says what to fix and where."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; check the path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
    if "api_key" in raw.get("engine", {}):
        raise ConfigError(
            f"{path}: api_key does not belong in a config file; set OPENAI_API_KEY instead"
        )
    raw = _upgrade(path, text, raw)
    try:
        return _ConfigFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key also leaves a required one missing: the typo is the one to report.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise ConfigError(explain(path, text, raw, first, _ConfigFile)) from None


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings fields from a ``briefer.toml``; relative paths are taken from its folder."""
    parsed = parse_file(path)
    base = Path(path).resolve().parent
    values = _from_sections(parsed, "settings", base)
    if parsed.prices:
        values["prices"] = {m: Price(p.input, p.output) for m, p in parsed.prices.items()}
    return values


def _rel(base: Path, path: Path) -> Path:
    """A path from the config file, taken from the file's folder when relative."""
    return path if path.is_absolute() else base / path


def _from_sections(parsed: Any, target: str, base: Path) -> dict[str, Any]:
    """The values the file gives for Settings or BriefConfig fields, by declaration."""
    values: dict[str, Any] = {}
    for s in for_target(target):
        if s.section not in SECTIONS:
            continue
        value = getattr(getattr(parsed, s.section), s.name)
        if value is None:
            continue
        if s.kind in ("file", "dir"):
            value = _rel(base, value)
        elif s.kind == "files":
            value = tuple(_rel(base, p) for p in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[s.name] = value
    return values


def read_brief_config(path: Path | None) -> BriefConfig:
    """The [brief] section and [[source]] list of a config file (defaults without a file)."""
    if path is None:
        return BriefConfig()
    parsed = parse_file(path)
    base = Path(path).resolve().parent
    sources = []
    for i, s in enumerate(parsed.source):
        given = [k for k in ("feed", "urls", "path") if getattr(s, k)]
        if len(given) != 1:
            found = " and ".join(given) if given else "none of them"
            line = key_lines(Path(path).read_text(encoding="utf-8")).get(("source", i))
            where = f"{path}, line {line}" if line else str(path)
            raise ConfigError(
                f"{where}: {source_name(i, s.name)}: give exactly one of feed, urls or path "
                f"(found {found})."
            )
        locations: tuple[str, ...]
        if s.feed:
            kind, locations = "feed", (s.feed,)
        elif s.urls:
            kind, locations = "urls", tuple(s.urls)
        else:
            assert s.path is not None
            kind, locations = "path", (str(_rel(base, s.path)),)
        sources.append(
            SourceSpec(
                kind,
                locations,
                s.name,
                s.limit,
                tuple(s.include),
                tuple(s.exclude),
                s.allow_private,
            )
        )
    values = _from_sections(parsed, "brief", base)
    values["sources"] = tuple(sources)
    from .deliver import EmailTarget, WebhookTarget

    email = parsed.delivery.email
    if email is not None:
        cafile = None if email.cafile is None else _rel(base, email.cafile)
        values["email"] = EmailTarget(
            host=email.host,
            port=email.port,
            sender=email.sender,
            to=tuple(email.to),
            starttls=email.starttls,
            ssl=email.ssl,
            subject=email.subject,
            cafile=str(cafile) if cafile else None,
            attach_pdf=email.attach_pdf,
        )
    if parsed.delivery.webhook is not None:
        values["webhook"] = WebhookTarget(parsed.delivery.webhook.url)
    return BriefConfig(**{k: v for k, v in values.items() if v is not None})


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings fields from the variables declared in ``briefer.declarations`` (OPENAI_API_KEY,
    OPENAI_BASE_URL, BRIEFER_ENGINE, BRIEFER_MODEL, BRIEFER_CACHE)."""
    return environment_values(os.environ if env is None else env)


def find_config_file(explicit: Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: --config, else $BRIEFER_CONFIG, else ./briefer.toml if present."""
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    if env.get("BRIEFER_CONFIG"):
        return Path(env["BRIEFER_CONFIG"])
    local = Path(DEFAULT_CONFIG_FILE)
    return local if local.is_file() else None


def resolve(
    flags: Mapping[str, Any],
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from flags (None = not given) over environment over file over defaults."""
    known = {f.name for f in fields(Settings)}
    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(read_config_file(config_file))
    merged.update(from_environment(env))
    merged.update({k: v for k, v in flags.items() if v is not None})
    unknown = set(merged) - known
    if unknown:  # a programming error, not a user one
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    return Settings(**merged)
