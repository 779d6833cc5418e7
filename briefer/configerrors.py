"""Config-file mistakes in words a person can act on.

pydantic reports ``('source', 0, 'url'): Extra inputs are not permitted``; a reader needs the
file, the line, the section (a source by its position and name), the key, the nearest valid key
and the list of valid ones. This module turns the first kind into the second.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
)
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(.+?)\s*\]\]")
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_NAME = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(r""""([^"]*)"|'([^']*)'|([^.\s]+)""")
# Keys people reach for that are spelled differently here, and what to write instead.
_HINTS = {
    ("source", "url"): 'it takes a list: urls = ["https://…"] (for a feed: feed = "https://…")',
    ("source", "rss"): 'a feed is feed = "https://…/rss.xml"',
    ("source", "folder"): 'a file or folder is path = "inbox"',
    ("source", "dir"): 'a file or folder is path = "inbox"',
}


def ordinal(index: int) -> str:
    """'first', 'second', … for a 0-based index; '11th' beyond ten."""
    if index < len(_ORDINALS):
        return _ORDINALS[index]
    n = index + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def source_name(index: int, name: object = None) -> str:
    """A [[source]] entry as a reader counts it: 'the second [[source]] ("Reading list")'."""
    label = f"the {ordinal(index)} [[source]]"
    return f'{label} ("{name}")' if isinstance(name, str) and name else label


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(a or b or c for a, b, c in _PART.findall(dotted))


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """1-based line of every table header and key, by path: ('source', 1, 'urls') -> 14."""
    lines: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[Any, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if match := _ARRAY_HEADER.match(line):
            name = _parts(match.group(1))
            counts[name] = counts.get(name, -1) + 1
            table = (*name, counts[name])
            lines.setdefault(name, number)
        elif match := _HEADER.match(line):
            table = _parts(match.group(1))
        elif match := _KEY.match(line):
            lines.setdefault((*table, *_parts(match.group(1))), number)
            continue
        else:
            continue
        lines.setdefault(table, number)
    return lines


def _unwrap(annotation: Any) -> Any:
    """The type inside ``X | None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if args else annotation
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _split(loc: Sequence[Any], root: type[BaseModel]) -> tuple[tuple[Any, ...], type[BaseModel]]:
    """The table part of an error location and the model of that table."""
    table: tuple[Any, ...] = ()
    model: type[BaseModel] = root
    annotation: Any = root
    for i, part in enumerate(loc):
        current = _model(annotation)
        if current is not None:
            table, model = tuple(loc[:i]), current
            annotation = _field(current, str(part))
            if annotation is None:
                break
            continue
        inner = _unwrap(annotation)
        args = typing.get_args(inner)
        if typing.get_origin(inner) is dict and len(args) == 2:
            annotation = args[1]
        elif typing.get_origin(inner) is list and args:
            annotation = args[0]
        else:
            break
    return table, model


def _section(table: Sequence[Any], raw: Mapping[str, Any]) -> str:
    if len(table) == 2 and table[0] == "source" and isinstance(table[1], int):
        entries = raw.get("source")
        entry = entries[table[1]] if isinstance(entries, list) else {}
        return source_name(table[1], entry.get("name") if isinstance(entry, dict) else None)
    shown = [f'"{p}"' if not re.fullmatch(r"[A-Za-z0-9_\-]+", str(p)) else str(p) for p in table]
    return f"[{'.'.join(shown)}]"


def _generic(table: Sequence[Any]) -> str:
    """The section as a heading, whichever entry it is: [[source]], [prices.MODEL]."""
    if table and table[0] == "source":
        return "[[source]]"
    if table and table[0] == "prices":
        return "[prices.MODEL]"
    return f"[{'.'.join(str(p) for p in table)}]"


def explain(
    path: Path,
    text: str,
    raw: Mapping[str, Any],
    error: Mapping[str, Any],
    root: type[BaseModel],
) -> str:
    """One message for pydantic's first error: where it is, what is wrong, what to write."""
    loc = tuple(error["loc"])
    table, model = _split(loc, root)
    key = str(loc[len(table)]) if len(loc) > len(table) else ""
    lines = key_lines(text)
    line = lines.get((*table, key)) or lines.get(tuple(table))
    where = f"{path}, line {line}" if line else str(path)
    valid = _keys(model)
    if error["type"] == "extra_forbidden":
        if not table and not isinstance(raw.get(key), (dict, list)):
            homes = [
                f"[{name}]"
                for name, info in root.model_fields.items()
                if (inner := _model(info.annotation)) is not None and key in _keys(inner)
            ]
            home = f"; it belongs under {' or '.join(homes)}." if homes else "."
            return f'{where}: "{key}" is outside any section{home} Sections: {", ".join(valid)}.'
        if not table:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            guess = f"; did you mean [{close[0]}]?" if close else "."
            return f"{where}: unknown section [{key}]{guess} Valid sections: {', '.join(valid)}."
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        message = f'{where}: unknown key "{key}" in {_section(table, raw)}'
        message += f'; did you mean "{close[0]}"?' if close else "."
        hint = _HINTS.get((str(table[0]), key))
        if hint:
            message += f" {hint[0].upper()}{hint[1:]}."
        return f"{message} Valid keys in {_generic(table)}: {', '.join(valid)}."
    section = _section(table, raw)
    if error["type"] == "missing":
        return f'{where}: {section} needs the key "{key}".'
    if loc == ("source",):
        return f"{where}: write each source as a [[source]] table (two brackets), one per source."
    message = str(error["msg"])
    message = message[:1].lower() + message[1:]
    value: Any = raw
    for part in (*table, key):
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            value = error.get("input")
            break
    if error["type"] == "list_type":
        message += f" (write a list, even of one: {key} = [{_toml(value)}])"
    return f"{where}: {key} = {_toml(value)} in {section}: {message}."


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)
