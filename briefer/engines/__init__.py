"""Engines turn articles and their chunks into key points and risks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Settings
from ..grounding import SummaryAnswer
from ..models import (
    Article,
    BatchExport,
    Chunk,
    EngineInfo,
    EngineResult,
    PlannedCall,
    Progress,
)
from ..store import Store

if TYPE_CHECKING:
    from .batch import Batches

Items = Sequence[tuple[Article, Sequence[Chunk]]]
# Items an engine may analyze while they are still being read: each is taken as it comes.
ArrivingItems = Iterable[tuple[Article, Sequence[Chunk]]]


class Engine(Protocol):
    """What the pipeline needs from an engine: plan, analyze, and optionally synthesize."""

    @property
    def info(self) -> EngineInfo:
        """Which engine made the findings (read after ``analyze_all`` for the final state)."""
        ...

    def plan(self, items: Items) -> list[PlannedCall]:
        """The model calls analyzing these items would make; nothing is sent."""
        ...

    def analyze_all(
        self, items: ArrivingItems, progress: Progress | None = None
    ) -> list[EngineResult]:
        """One result per item, in order; per-chunk failures are reported, not raised. The
        items are iterated once, and may still be arriving while the first are analyzed."""
        ...

    def export(self, items: Items, path: Path) -> BatchExport:
        """Write the calls analyzing these items would make as a batch request file."""
        ...

    def synthesize(
        self,
        *,
        title: str,
        audience: str | None,
        findings: dict[str, Any],
        valid_stories: set[int],
        summary_items: int,
    ) -> SummaryAnswer | None:
        """The brief's executive summary written by the engine; None when it writes none (the
        offline summary is used)."""
        ...


def get_engine(settings: Settings, *, store: Store | None = None) -> Engine:
    """The engine the settings ask for: ``auto`` is openai when an endpoint or key is set."""
    if settings.resolved_engine() == "openai":
        from .llm import LLMEngine

        settings.check_endpoint()  # before any request: a key or an endpoint is needed

        return LLMEngine(settings, store=store)
    from .extractive import ExtractiveEngine

    return ExtractiveEngine(settings)


def get_batches(settings: Settings, *, store: Store | None) -> Batches:
    """The batch jobs at the configured LLM endpoint: their status, and cancelling one."""
    from .llm import LLMEngine

    return LLMEngine(settings, store=store).batches
