"""A run lock, so that two cron runs never work on the same state at once."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from .errors import LockedError

EX_TEMPFAIL = LockedError.exit_code


class RunLock:
    """An exclusive ``flock`` on a file; the kernel releases it if the process dies."""

    def __init__(self, path: Path, *, wait: float | None = None, directory: bool = False) -> None:
        self.path = Path(path)
        self.wait = wait  # None: fail at once; a number: seconds to wait for the other run
        # directory=True locks a folder itself, so that no lock file appears among its files.
        self.directory = directory
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        if self.directory:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is None or time.monotonic() >= deadline:
                    holder = "" if self.directory else _read(fd)
                    os.close(fd)
                    waited = "" if self.wait is None else f" after waiting {self.wait:g} s"
                    what = (
                        f"is writing the output folder {self.path}"
                        if self.directory
                        else f"holds {self.path}"
                    )
                    raise LockedError(
                        f"another briefer run{holder} {what}{waited}; it is still "
                        "working, so this run stops (use the wait setting to queue behind it)"
                    ) from None
                time.sleep(0.1)
        if not self.directory:
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


@contextmanager
def run_locks(store_path: Path, output_dir: Path, *, wait: float | None = None) -> Iterator[None]:
    """The daily run's two locks, always in this order: the store's state, then the output
    folder (two runs with different stores must not write one folder at once either)."""
    started = time.monotonic()
    with RunLock(store_path.with_name(store_path.name + ".lock"), wait=wait):
        left = None if wait is None else max(0.0, wait - (time.monotonic() - started))
        with RunLock(output_dir, wait=left, directory=True):
            yield
