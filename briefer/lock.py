"""A run lock, so that two cron runs never work on the same state at once."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from .errors import BrieferError

EX_TEMPFAIL = 75  # sysexits.h: try again later


class LockedError(BrieferError):
    """Another run holds the lock."""

    exit_code = EX_TEMPFAIL


class RunLock:
    """An exclusive ``flock`` on a file; the kernel releases it if the process dies."""

    def __init__(self, path: Path, *, wait: float | None = None) -> None:
        self.path = Path(path)
        self.wait = wait  # None: fail at once; a number: seconds to wait for the other run
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is None or time.monotonic() >= deadline:
                    holder = _read(fd)
                    os.close(fd)
                    waited = "" if self.wait is None else f" after waiting {self.wait:g} s"
                    raise LockedError(
                        f"another briefer run{holder} holds {self.path}{waited}; it is still "
                        "working, so this run stops (use --wait to queue behind it)"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
