"""The structured reply an LLM must give for one chunk: JSON Schema and pydantic validation."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .models import LIKELIHOODS, SEVERITIES

SCHEMA_NAME = "chunk_findings"
SCHEMA_VERSION = "1"
_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n(.*?)\n\s*```\s*\Z", re.S)


class ReplyError(ValueError):
    """A reply that is not the JSON the schema asks for; the message is fed back for repair."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KeyPointReply(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    evidence: str = Field(min_length=1, max_length=4000)


class RiskReply(_Strict):
    title: str = Field(min_length=1, max_length=300)
    category: str
    severity: Literal["low", "medium", "high", "critical"]
    likelihood: Literal["unlikely", "possible", "likely", "almost certain"]
    rationale: str = Field(min_length=1, max_length=2000)
    evidence: str = Field(min_length=1, max_length=4000)

    @field_validator("severity", "likelihood", "category", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class ChunkReply(_Strict):
    key_points: list[KeyPointReply]
    risks: list[RiskReply]


def json_schema(categories: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema sent as ``response_format`` (strict mode: every field required)."""

    def obj(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    text = {"type": "string"}
    return obj(
        {
            "key_points": {"type": "array", "items": obj({"text": text, "evidence": text})},
            "risks": {
                "type": "array",
                "items": obj(
                    {
                        "title": text,
                        "category": {"type": "string", "enum": list(categories)},
                        "severity": {"type": "string", "enum": list(SEVERITIES)},
                        "likelihood": {"type": "string", "enum": list(LIKELIHOODS)},
                        "rationale": text,
                        "evidence": text,
                    }
                ),
            },
        }
    )


M = TypeVar("M", bound=BaseModel)


def _validated(content: str | None, model: type[M]) -> M:
    """The reply's JSON (a Markdown fence around it is tolerated) validated as ``model``."""
    if content is None or not content.strip():
        raise ReplyError("the reply was empty; reply with the JSON object")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at position {exc.pos})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"{where}: {err['msg']}")
        raise ReplyError("the JSON does not match the schema: " + "; ".join(problems)) from None


def parse_reply(content: str | None, categories: Sequence[str]) -> ChunkReply:
    """Validate a reply's text; raise ReplyError with a message the model can act on."""
    reply = _validated(content, ChunkReply)
    allowed = set(categories)
    for i, risk in enumerate(reply.risks):
        if risk.category not in allowed:
            raise ReplyError(
                f"risks.{i}.category: {risk.category!r} is not one of {', '.join(sorted(allowed))}"
            )
    return reply


SYNTHESIS_NAME = "brief_summary"


class SummaryLine(_Strict):
    text: str = Field(min_length=1, max_length=1000)
    sources: list[int] = Field(min_length=1)


class SynthesisReply(_Strict):
    summary: list[SummaryLine] = Field(min_length=1)


def synthesis_schema() -> dict[str, Any]:
    """The JSON Schema of an executive-summary reply."""
    line = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["text", "sources"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"summary": {"type": "array", "items": line}},
        "required": ["summary"],
        "additionalProperties": False,
    }


def parse_synthesis(content: str | None, valid: set[int]) -> SynthesisReply:
    """Validate an executive summary; every cited number must be a source of the brief."""
    reply = _validated(content, SynthesisReply)
    for i, line in enumerate(reply.summary):
        wrong = [n for n in line.sources if n not in valid]
        if wrong:
            raise ReplyError(
                f"summary.{i}.sources: {wrong} are not source numbers; use only {sorted(valid)}"
            )
    return reply
