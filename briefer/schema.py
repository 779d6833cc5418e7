"""The structured replies an LLM must give: pydantic models, and the JSON Schema made from them.

One source of truth: the schema sent as ``response_format`` is generated from the very models
that validate the reply (adapted to the strict structured-output subset: every property
required, no additional properties, no ``$ref``), so it carries every length and count limit
the validation enforces. A reply is then salvaged item by item: valid items are kept, invalid
ones dropped with a reason; only a reply with nothing usable left, or without a required part,
is an error (and worth a repair turn).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .models import LIKELIHOODS, SEVERITIES

SCHEMA_NAME = "chunk_findings"
SCHEMA_VERSION = "2"
SYNTHESIS_NAME = "brief_summary"
_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n(.*?)\n\s*```\s*\Z", re.S)

# Limits the model sees in the schema and validation enforces. They also bound the grammar a
# local server (llama.cpp) compiles from the schema, which nests one level per character, and
# an evidence cut at its limit is still a verbatim quote (a prefix of one).
MAX_TEXT = 400
MAX_TITLE = 150
MAX_RATIONALE = 400
MAX_EVIDENCE = 600
MAX_SUMMARY_TEXT = 400
MAX_SUMMARY_STORIES = 10


class ReplyError(ValueError):
    """A reply with nothing usable in it; the message names what failed, for the repair turn."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The quote comes first in each item: a model that has copied its evidence writes a claim
# that stays closer to it (a grammar-constrained local model writes fields in this order).
class KeyPointReply(_Strict):
    evidence: str = Field(min_length=1, max_length=MAX_EVIDENCE)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class _RiskBase(_Strict):
    evidence: str = Field(min_length=1, max_length=MAX_EVIDENCE)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    category: str
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    likelihood: Literal[LIKELIHOODS]  # type: ignore[valid-type]
    rationale: str = Field(min_length=1, max_length=MAX_RATIONALE)


class RiskReply(_RiskBase):
    """A risk as stored and passed on (the category checked against the taxonomy already)."""


class ChunkReply(_Strict):
    """A salvaged chunk reply: only valid items, and why any were dropped."""

    key_points: list[KeyPointReply]
    risks: list[RiskReply]
    dropped: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class ReplySpec:
    """What one chunk reply may hold: the categories and the item counts."""

    categories: tuple[str, ...]
    max_key_points: int
    max_risks: int

    def risk_model(self) -> type[BaseModel]:
        return _risk_model(self.categories)

    def reply_model(self) -> type[BaseModel]:
        """The model of a whole reply, with the count limits; the schema is made from it."""
        return create_model(
            "ChunkFindings",
            __base__=_Strict,
            key_points=(list[KeyPointReply], Field(max_length=self.max_key_points)),
            risks=(list[self.risk_model()], Field(max_length=self.max_risks)),  # type: ignore[misc, arg-type]
        )

    def json_schema(self) -> dict[str, Any]:
        return strict_schema(self.reply_model().model_json_schema())

    def parse(self, content: str | None) -> ChunkReply:
        return parse_reply(content, self)


@lru_cache(maxsize=16)
def _risk_model(categories: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        "RiskItem",
        __base__=_RiskBase,
        category=(Literal[categories], ...),  # type: ignore[arg-type]
    )


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON Schema adapted to strict structured output: refs inlined, every property
    required, no additional properties, no titles or defaults. Limits are kept."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return walk(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]))
        out = {
            k: ({name: walk(sub) for name, sub in v.items()} if k == "properties" else walk(v))
            for k, v in node.items()
            if k not in ("title", "default", "$defs")
        }
        if out.get("type") == "object":
            out["required"] = list(out.get("properties", {}))
            out["additionalProperties"] = False
        if "const" in out:  # a one-member Literal: an enum is the widely supported spelling
            out["enum"] = [out.pop("const")]
        return out

    result: dict[str, Any] = walk(schema)
    return result


def _load(content: str | None) -> Any:
    if content is None or not content.strip():
        raise ReplyError("the reply was empty")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at position {exc.pos})") from None


def _why(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "(item)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _lower(item: Any) -> Any:
    # Enum values in another case are the same answer; the schema's enums are lowercase.
    if not isinstance(item, dict):
        return item
    enums = ("category", "severity", "likelihood")
    return {
        k: v.strip().lower() if k in enums and isinstance(v, str) else v for k, v in item.items()
    }


def _salvage(
    data: dict[str, Any], field: str, model: type[BaseModel], limit: int, dropped: list[str]
) -> list[Any]:
    raw = data.get(field)
    if not isinstance(raw, list):
        raise ReplyError(f"`{field}` must be a list (it may be empty)")
    kept: list[Any] = []
    for i, item in enumerate(raw):
        if len(kept) == limit:
            dropped.append(f"{field}.{i}: beyond the limit of {limit}")
            continue
        try:
            kept.append(model.model_validate(_lower(item)))
        except ValidationError as exc:
            dropped.append(f"{field}.{i}: {_why(exc)}")
    return kept


_FIELDS = ("key_points", "risks")


def parse_reply(content: str | None, spec: ReplySpec) -> ChunkReply:
    """The usable part of a reply; ReplyError when nothing is usable or a part is missing."""
    data = _load(content)
    if not isinstance(data, dict):
        raise ReplyError("the reply must be one JSON object with `key_points` and `risks`")
    missing = [f for f in ("key_points", "risks") if f not in data]
    if missing:
        raise ReplyError(f"the reply lacks {' and '.join(f'`{m}`' for m in missing)}")
    dropped = [f"{key}: not a field of the reply" for key in data if key not in _FIELDS]
    points = _salvage(data, "key_points", KeyPointReply, spec.max_key_points, dropped)
    risks = _salvage(data, "risks", spec.risk_model(), spec.max_risks, dropped)
    offered = len(data["key_points"]) + len(data["risks"])
    if offered and not points and not risks:
        raise ReplyError("no item was valid: " + "; ".join(dropped[:4]))
    return ChunkReply(
        key_points=points,
        risks=[RiskReply.model_validate(r.model_dump()) for r in risks],
        dropped=dropped,
    )


# ---- the executive summary ------------------------------------------------------------------


class SummaryLine(_Strict):
    text: str = Field(min_length=1, max_length=MAX_SUMMARY_TEXT)
    stories: list[int] = Field(min_length=1, max_length=MAX_SUMMARY_STORIES)


class SynthesisReply(_Strict):
    summary: list[SummaryLine]
    dropped: list[str] = Field(default_factory=list)


@lru_cache(maxsize=16)
def _line_model(stories: int) -> type[BaseModel]:
    number = Annotated[int, Field(ge=1, le=max(1, stories))]
    return create_model(
        "SummaryLine",
        __base__=_Strict,
        text=(str, Field(min_length=1, max_length=MAX_SUMMARY_TEXT)),
        stories=(list[number], Field(min_length=1, max_length=MAX_SUMMARY_STORIES)),
    )


def synthesis_model(max_lines: int, stories: int) -> type[BaseModel]:
    """The model of an executive-summary reply: at most ``max_lines`` lines, each citing
    story numbers from 1 to ``stories``."""
    return create_model(
        "BriefSummary",
        __base__=_Strict,
        summary=(list[_line_model(stories)], Field(min_length=1, max_length=max_lines)),  # type: ignore[misc, arg-type]
    )


def synthesis_schema(max_lines: int, stories: int) -> dict[str, Any]:
    """The JSON Schema of an executive-summary reply, made from its model."""
    return strict_schema(synthesis_model(max_lines, stories).model_json_schema())


def parse_synthesis(content: str | None, stories: int, max_lines: int) -> SynthesisReply:
    """The usable summary lines (valid, citing real story numbers); invalid ones are dropped."""
    data = _load(content)
    if not isinstance(data, dict) or not isinstance(data.get("summary"), list):
        raise ReplyError("the reply must be one JSON object with a `summary` list")
    dropped: list[str] = []
    lines = _salvage(data, "summary", _line_model(stories), max_lines, dropped)
    if not lines:
        raise ReplyError(
            f"no summary line was usable ({'; '.join(dropped[:3]) or 'the list was empty'}); "
            f"cite only story numbers from 1 to {stories}"
        )
    kept = [SummaryLine.model_validate(line.model_dump()) for line in lines]
    return SynthesisReply(summary=kept, dropped=dropped)


__all__ = [
    "LIKELIHOODS",
    "SEVERITIES",
    "ChunkReply",
    "KeyPointReply",
    "ReplyError",
    "ReplySpec",
    "RiskReply",
    "SummaryLine",
    "SynthesisReply",
    "parse_reply",
    "parse_synthesis",
    "strict_schema",
    "synthesis_schema",
]
