"""briefer: articles in, an evidence-backed brief out.

Library use::

    import briefer
    run = briefer.summarize(["article.txt"])
    print(briefer.render(run, "md"))

This is the public face of the package: the command line imports nothing else. The names
load their modules on first use (PEP 562), so importing the package, or running
``briefer --help``, does not pay for the tokenizer, the HTTP clients or the LLM stack.

Module map (ARCHITECTURE.md; imports only run down, checked by tests/test_layers.py):
base (errors, text, ...) -> values (models, config, store) -> sources (fetch, dedup, chunking)
-> findings (verify, merge, risk) -> engines/ -> brief (synthesis, render, publish)
-> orchestration (pipeline, daily) -> this facade -> cli/ (the only user of click).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
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
    from .config import BriefConfig, Price, Settings, SourceSpec
    from .configfile import find_config_file, read_brief_config, read_config_file
    from .configfile import resolve as resolve_settings
    from .daily import plan_daily, run_daily
    from .defaults import DEFAULT_FEED_ITEMS, FORMATS
    from .files import write_atomic
    from .models import (
        Article,
        ArticleDigest,
        BatchExport,
        Brief,
        Chunk,
        EngineInfo,
        Failure,
        KeyPoint,
        PlannedCall,
        Risk,
        Span,
        SummaryRun,
    )
    from .outcome import DailyResult
    from .pipeline import DryRun, batch_status, cancel_batch, dry_run, export_batch, summarize
    from .prompts import list_prompts, load_prompt
    from .render import brief_json_schema, render_bytes

# Public name -> (the module that defines it, its name there).
_LAZY = {
    "chunk_article": ("chunking", "chunk_article"),
    "chunk_text": ("chunking", "chunk_text"),
    "BriefConfig": ("config", "BriefConfig"),
    "Price": ("config", "Price"),
    "Settings": ("config", "Settings"),
    "SourceSpec": ("config", "SourceSpec"),
    "find_config_file": ("configfile", "find_config_file"),
    "read_brief_config": ("configfile", "read_brief_config"),
    "read_config_file": ("configfile", "read_config_file"),
    "DEFAULT_FEED_ITEMS": ("defaults", "DEFAULT_FEED_ITEMS"),
    "resolve_settings": ("configfile", "resolve"),
    "plan_daily": ("daily", "plan_daily"),
    "run_daily": ("daily", "run_daily"),
    "write_atomic": ("files", "write_atomic"),
    "Article": ("models", "Article"),
    "ArticleDigest": ("models", "ArticleDigest"),
    "BatchExport": ("models", "BatchExport"),
    "Brief": ("models", "Brief"),
    "Chunk": ("models", "Chunk"),
    "EngineInfo": ("models", "EngineInfo"),
    "Failure": ("models", "Failure"),
    "KeyPoint": ("models", "KeyPoint"),
    "PlannedCall": ("models", "PlannedCall"),
    "Risk": ("models", "Risk"),
    "Span": ("models", "Span"),
    "SummaryRun": ("models", "SummaryRun"),
    "DailyResult": ("outcome", "DailyResult"),
    "DryRun": ("pipeline", "DryRun"),
    "batch_status": ("pipeline", "batch_status"),
    "cancel_batch": ("pipeline", "cancel_batch"),
    "dry_run": ("pipeline", "dry_run"),
    "export_batch": ("pipeline", "export_batch"),
    "summarize": ("pipeline", "summarize"),
    "list_prompts": ("prompts", "list_prompts"),
    "load_prompt": ("prompts", "load_prompt"),
    "FORMATS": ("defaults", "FORMATS"),
    "brief_json_schema": ("render", "brief_json_schema"),
    "render_bytes": ("render", "render_bytes"),
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'briefer' has no attribute {name!r}")
    module, attribute = where
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DEFAULT_FEED_ITEMS",
    "FORMATS",
    "Article",
    "ArticleDigest",
    "BatchExport",
    "Brief",
    "BriefConfig",
    "BrieferError",
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "Chunk",
    "ConfigError",
    "DailyResult",
    "DeliveryError",
    "DryRun",
    "EngineInfo",
    "Failure",
    "KeyPoint",
    "LLMError",
    "LockedError",
    "PlannedCall",
    "Price",
    "RenderError",
    "Risk",
    "Settings",
    "SourceError",
    "SourceSpec",
    "Span",
    "SummaryRun",
    "__version__",
    "batch_status",
    "brief_json_schema",
    "cancel_batch",
    "chunk_article",
    "chunk_text",
    "dry_run",
    "export_batch",
    "find_config_file",
    "list_prompts",
    "load_prompt",
    "plan_daily",
    "read_brief_config",
    "read_config_file",
    "render",
    "render_brief",
    "render_bytes",
    "resolve_settings",
    "run_daily",
    "summarize",
    "write_atomic",
]
