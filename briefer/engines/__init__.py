"""Engines turn articles and their chunks into key points and risks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..config import Settings
from ..models import Article, Chunk, EngineInfo, EngineResult
from ..store import Store

Items = Sequence[tuple[Article, Sequence[Chunk]]]
Progress = Callable[[int, int, str], None]


class Engine(Protocol):
    """What the pipeline needs from an engine."""

    @property
    def info(self) -> EngineInfo:
        """Which engine made the findings (read after ``analyze_all`` for the final state)."""
        ...

    def analyze_all(self, items: Items, progress: Progress | None = None) -> list[EngineResult]:
        """One result per item, in order; per-chunk failures are reported, not raised."""
        ...


def get_engine(settings: Settings, *, store: Store | None = None) -> Engine:
    """The engine the settings ask for: ``auto`` is openai when an endpoint or key is set."""
    if settings.resolved_engine() == "openai":
        from .llm import LLMEngine

        settings.check_endpoint()  # before any request: a key or an endpoint is needed

        return LLMEngine(settings, store=store)
    from .extractive import ExtractiveEngine

    return ExtractiveEngine(settings)
