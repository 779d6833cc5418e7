"""The errors briefer raises: each message says what went wrong and what to do about it."""

from __future__ import annotations

# Process exit codes: a daily run's outcome carries one, and the command line exits with it.
EXIT_OK = 0
EXIT_ERROR = 1  # a command's error (click uses 2 for bad usage)
EXIT_PARTIAL = 3  # a brief was written, but some inputs failed (they are listed in it)
EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL: another run holds the lock; try again later


class BrieferError(Exception):
    """Base class for every error briefer raises on purpose."""


class SourceError(BrieferError):
    """An input (file, directory, URL, stdin) could not be read or holds no article."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class ConfigError(BrieferError):
    """A setting, option or user-supplied data file is invalid."""


class LLMError(BrieferError):
    """The language-model endpoint failed or replied with something unusable."""


class RenderError(BrieferError):
    """An output could not be rendered or written."""


class LockedError(BrieferError):
    """Another run holds the lock on the store or the output folder."""

    exit_code = EXIT_LOCKED


class DeliveryError(BrieferError):
    """The brief could not be delivered (it is still on disk)."""
