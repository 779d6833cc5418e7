"""The risk categories, read from ``briefer/data/categories.toml``: one taxonomy for all engines."""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib import resources

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CATEGORIES_FILE = "categories.toml"
OTHER = "other"


@lru_cache(maxsize=1)
def _builtin() -> tuple[tuple[str, str], ...]:
    raw = (resources.files("briefer") / "data" / CATEGORIES_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a broken install
        raise ConfigError(f"built-in {CATEGORIES_FILE}: not valid TOML ({exc})") from None
    table = data.get("categories")
    if not isinstance(table, dict) or OTHER not in table:
        raise ConfigError(f"built-in {CATEGORIES_FILE}: [categories] must list {OTHER!r}")
    return tuple((str(k), str(v)) for k, v in table.items())


def categories() -> dict[str, str]:
    """Category id -> label, in file order, "other" included."""
    return dict(_builtin())
