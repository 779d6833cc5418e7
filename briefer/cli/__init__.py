"""The command line (click). ``briefer.cli:main`` is the console entry point."""

from . import brief, setup, summarize, tools  # noqa: F401 - importing registers the commands
from .app import cli, main

__all__ = ["cli", "main"]
