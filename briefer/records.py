"""The rows the store keeps, as typed values: runs, brief items, feed validators, batches.

TypedDicts, so that a row reads like the JSON it is shown as while mypy checks every key.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, TypedDict


class BriefItem(TypedDict):
    """What a brief leaves for the next one's "changes since": a top risk or a story."""

    kind: Literal["risk", "story"]
    key: str
    title: str
    category: str | None  # risks only
    severity: str | None  # risks only
    likelihood: str | None  # risks only
    names: list[str]  # stories only: the names that tell whether a story continues


class BriefRun(TypedDict):
    """The latest run that wrote a brief: where the next window starts and what it compares with."""

    id: int
    started: float
    brief_date: str | None


class RunRow(TypedDict):
    """One run of the daily brief, as recorded."""

    id: int
    started: float
    finished: float | None
    brief_date: str | None
    status: str
    articles: int
    failures: int
    usage: dict[str, object]
    outputs: list[str]


class FeedValidators(NamedTuple):
    """What a feed sent to make the next fetch conditional (ETag, Last-Modified)."""

    etag: str | None
    last_modified: str | None


class BatchRow(TypedDict):
    """A submitted batch: its id at the endpoint and how many requests it carries."""

    id: str
    created: float
    endpoint: str
    model: str
    requests: int
    status: str
