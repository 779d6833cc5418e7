"""The embedded SQLite store: LLM reply cache and what was learned about each endpoint.

One file (in the user data folder unless told otherwise), WAL journal and a busy timeout, so a
second process waits instead of failing and a killed process leaves a consistent database.
Only validated replies are written; secrets never are.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .errors import ConfigError

STORE_FILE = "briefer.db"
BUSY_TIMEOUT_MS = 30_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    reply TEXT NOT NULL,
    usage TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS endpoint_modes (
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    mode TEXT NOT NULL,
    detected REAL NOT NULL,
    PRIMARY KEY (endpoint, model)
);
"""


def default_path() -> Path:
    """``briefer.db`` in the user data folder (``$XDG_DATA_HOME/briefer`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("briefer", appauthor=False)) / STORE_FILE


class Store:
    """A thread-safe handle on the store; use as a context manager or call ``close``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"{self.path}: the cache store cannot be opened ({exc}); "
                "pass --cache PATH or --no-cache"
            ) from None
        self._lock = threading.Lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get_reply(self, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The cached (reply, usage) for a key, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT reply, usage FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return json.loads(row[0]), json.loads(row[1])

    def put_reply(
        self, key: str, *, model: str, prompt: str, reply: dict[str, Any], usage: dict[str, Any]
    ) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, created, model, prompt, reply, usage) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, time.time(), model, prompt, json.dumps(reply), json.dumps(usage)),
            )

    def get_mode(self, endpoint: str, model: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT mode FROM endpoint_modes WHERE endpoint = ? AND model = ?",
                (endpoint, model),
            ).fetchone()
        return row[0] if row else None

    def put_mode(self, endpoint: str, model: str, mode: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO endpoint_modes (endpoint, model, mode, detected) "
                "VALUES (?, ?, ?, ?)",
                (endpoint, model, mode, time.time()),
            )

    def count_replies(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
