"""briefer: articles in, an evidence-backed brief out.

Library use::

    import briefer
    run = briefer.summarize(["article.txt"])
    print(briefer.render(run, "md"))

The public names load their modules on first use (PEP 562), so importing the package, or
running ``briefer --help``, does not pay for the tokenizer, the HTTP clients or the LLM stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    BrieferError,
    ConfigError,
    DeliveryError,
    LLMError,
    LockedError,
    RenderError,
    SourceError,
)

# Bound now, not lazily: importing the submodule briefer.render anywhere would otherwise
# shadow the function with the module. The module itself is light (jinja2 loads on use).
from .render import render, render_brief

if TYPE_CHECKING:
    from .chunking import chunk_article, chunk_text
    from .config import BriefConfig, Settings, SourceSpec
    from .daily import run_daily
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
    from .outcome import DailyResult
    from .pipeline import summarize

# Public name -> the module that defines it.
_LAZY = {
    "chunk_article": "chunking",
    "chunk_text": "chunking",
    "BriefConfig": "config",
    "Settings": "config",
    "SourceSpec": "config",
    "DailyResult": "outcome",
    "run_daily": "daily",
    "Article": "models",
    "ArticleDigest": "models",
    "Brief": "models",
    "Chunk": "models",
    "EngineInfo": "models",
    "Failure": "models",
    "KeyPoint": "models",
    "Risk": "models",
    "Span": "models",
    "SummaryRun": "models",
    "summarize": "pipeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'briefer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Article",
    "ArticleDigest",
    "Brief",
    "BriefConfig",
    "BrieferError",
    "Chunk",
    "ConfigError",
    "DailyResult",
    "DeliveryError",
    "LockedError",
    "EngineInfo",
    "Failure",
    "KeyPoint",
    "LLMError",
    "RenderError",
    "Risk",
    "Settings",
    "SourceError",
    "SourceSpec",
    "Span",
    "SummaryRun",
    "__version__",
    "chunk_article",
    "chunk_text",
    "render",
    "render_brief",
    "run_daily",
    "summarize",
]
