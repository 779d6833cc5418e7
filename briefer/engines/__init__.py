"""Engines turn an article and its chunks into key points and risks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..config import Settings
from ..errors import ConfigError
from ..models import Article, Chunk, EngineInfo, KeyPoint, Risk


class Engine(Protocol):
    """What the pipeline needs from an engine."""

    info: EngineInfo

    def analyze(
        self, article: Article, chunks: Sequence[Chunk]
    ) -> tuple[list[KeyPoint], list[Risk]]: ...


def get_engine(settings: Settings) -> Engine:
    """The engine the settings ask for; ``auto`` is the offline extractive engine for now."""
    if settings.engine in ("auto", "extractive"):
        from .extractive import ExtractiveEngine

        return ExtractiveEngine(settings)
    raise ConfigError(f"unknown engine {settings.engine!r}: choose extractive")
