"""Replies that obey a JSON Schema, for the property test and the repair-rate bench.

Covers the subset the engine sends: objects with required properties and no additional ones,
arrays with minItems/maxItems, strings with minLength/maxLength or an enum, and integers.
"""

from __future__ import annotations

import random
import string
from typing import Any

from hypothesis import strategies as st

_ALPHABET = string.ascii_letters + string.digits + " \t\n.,;:'\"-–—«»“”äöüßéøçñ中文ру€$%<>{}[]\\/"


def strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A hypothesis strategy for values valid under ``schema``."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return st.fixed_dictionaries({name: strategy(sub) for name, sub in props.items()})
    if kind == "array":
        return st.lists(
            strategy(schema["items"]),
            min_size=schema.get("minItems", 0),
            max_size=schema.get("maxItems", 5),
        )
    if kind == "string":
        return st.text(
            min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 10_000)
        )
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**6)), schema.get("maximum", 10**6))
    raise AssertionError(f"schema construct not covered: {schema}")


def instance(schema: dict[str, Any], rng: random.Random) -> Any:
    """One random value valid under ``schema`` (lengths and counts up to their limits)."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return {name: instance(sub, rng) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", 5)
        return [instance(schema["items"], rng) for _ in range(rng.randint(low, high))]
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 50)
        # Mostly short strings, sometimes exactly at the limits.
        size = rng.choice([low, high, rng.randint(low, min(high, low + 80))])
        return "".join(rng.choice(_ALPHABET) for _ in range(size))
    if kind == "integer":
        return rng.randint(schema.get("minimum", 0), schema.get("maximum", 100))
    raise AssertionError(f"schema construct not covered: {schema}")
