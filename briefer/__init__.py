"""briefer: articles in, an evidence-backed brief out.

Library use::

    import briefer
    run = briefer.summarize(["article.txt"])
    print(briefer.render(run, "md"))
"""

from ._version import __version__
from .chunking import chunk_article, chunk_text
from .config import BriefConfig, Settings, SourceSpec
from .daily import DailyResult, run_daily
from .errors import BrieferError, ConfigError, LLMError, RenderError, SourceError
from .models import (
    Article,
    ArticleDigest,
    Brief,
    Chunk,
    EngineInfo,
    Failure,
    KeyPoint,
    Risk,
    Span,
    SummaryRun,
)
from .pipeline import summarize
from .render import render, render_brief

__all__ = [
    "Article",
    "Brief",
    "BriefConfig",
    "DailyResult",
    "SourceSpec",
    "render_brief",
    "run_daily",
    "ArticleDigest",
    "BrieferError",
    "Chunk",
    "ConfigError",
    "EngineInfo",
    "Failure",
    "KeyPoint",
    "LLMError",
    "RenderError",
    "Risk",
    "Settings",
    "SourceError",
    "Span",
    "SummaryRun",
    "__version__",
    "chunk_article",
    "chunk_text",
    "render",
    "summarize",
]
