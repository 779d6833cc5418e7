"""briefer: articles in, an evidence-backed brief out.

Library use::

    import briefer
    run = briefer.summarize(["article.txt"])
    print(briefer.render(run, "md"))
"""

from ._version import __version__
from .chunking import chunk_article, chunk_text
from .config import Settings
from .errors import BrieferError, ConfigError, LLMError, RenderError, SourceError
from .models import (
    Article,
    ArticleDigest,
    Chunk,
    EngineInfo,
    Failure,
    KeyPoint,
    Risk,
    Span,
    SummaryRun,
)
from .pipeline import summarize
from .render import render

__all__ = [
    "Article",
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
