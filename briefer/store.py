"""The embedded SQLite store: reply cache, endpoint modes, and the daily brief's state.

One file (in the user data folder unless told otherwise), WAL journal and a busy timeout, so a
second process waits instead of failing and a killed process leaves a consistent database.
Only validated replies are written; secrets never are.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .records import BatchRow, BriefItem, BriefRun, FeedValidators, RunRow

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
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY,
    first_seen REAL NOT NULL,
    run_id INTEGER
);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    checked REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    brief_date TEXT,
    status TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    usage TEXT,
    outputs TEXT
);
CREATE TABLE IF NOT EXISTS brief_items (
    run_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT,
    severity TEXT,
    likelihood TEXT,
    names TEXT
);
CREATE INDEX IF NOT EXISTS brief_items_run ON brief_items (run_id);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL
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
                "pass the cache_path setting set to PATH or the use_cache setting off"
            ) from None
        self._lock = threading.Lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def has_reply(self, key: str) -> bool:
        """Whether a reply is cached for the key (without reading it)."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM responses WHERE key = ?", (key,)).fetchone()
        return row is not None

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

    def forget_mode(self, endpoint: str, model: str) -> None:
        """Drop a remembered structured-output mode, so that the next run detects it again."""
        with self._lock, self._db:
            self._db.execute(
                "DELETE FROM endpoint_modes WHERE endpoint = ? AND model = ?", (endpoint, model)
            )

    def count_replies(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    # ---- daily brief state ---------------------------------------------------------------

    def seen_keys(self, keys: list[str]) -> set[str]:
        """Which of these article keys earlier briefs already included."""
        found: set[str] = set()
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT key FROM seen WHERE key IN ({marks})", part)
                found.update(r[0] for r in rows)
        return found

    def feed_validators(self, url: str) -> FeedValidators:
        with self._lock:
            row = self._db.execute(
                "SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)
            ).fetchone()
        return FeedValidators(row[0], row[1]) if row else FeedValidators(None, None)

    def put_feed_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO feeds (url, etag, last_modified, checked) "
                "VALUES (?, ?, ?, ?)",
                (url, etag, last_modified, time.time()),
            )

    def start_run(self, brief_date: str) -> int:
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO runs (started, brief_date, status) VALUES (?, ?, 'running')",
                (time.time(), brief_date),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        articles: int,
        failures: int,
        usage: dict[str, object],
        outputs: list[str],
        seen: Sequence[str] = (),
        items: Sequence[BriefItem] = (),
    ) -> None:
        """Record the outcome, the articles now seen and the brief's items, in one transaction."""
        now = time.time()
        with self._lock, self._db:
            self._db.execute(
                "UPDATE runs SET finished = ?, status = ?, articles = ?, failures = ?, usage = ?, "
                "outputs = ? WHERE id = ?",
                (now, status, articles, failures, json.dumps(usage), json.dumps(outputs), run_id),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO seen (key, first_seen, run_id) VALUES (?, ?, ?)",
                [(key, now, run_id) for key in seen],
            )
            self._db.executemany(
                "INSERT INTO brief_items (run_id, kind, key, title, category, severity, "
                "likelihood, names) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        item["kind"],
                        item["key"],
                        item["title"],
                        item["category"],
                        item["severity"],
                        item["likelihood"],
                        json.dumps(item["names"]),
                    )
                    for item in items
                ],
            )

    def run_status(self, run_id: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return str(row[0]) if row else None

    def abort_stale_runs(self) -> int:
        """Mark runs still 'running' as 'aborted'; call only while holding the run lock, when
        no live run can own them."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "UPDATE runs SET status = 'aborted', finished = ? WHERE status = 'running'",
                (time.time(),),
            )
        return int(cursor.rowcount)

    def set_run_outcome(self, run_id: int, *, status: str, failures: int) -> None:
        """Change a finished run's status and failure count (after delivery, say)."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE runs SET status = ?, failures = ? WHERE id = ?", (status, failures, run_id)
            )

    def last_brief(self, before_run: int | None = None) -> BriefRun | None:
        """The latest run that wrote a brief (status ok or partial), before the given run."""
        query = "SELECT id, started, brief_date FROM runs WHERE status IN ('ok', 'partial')"
        args: tuple[int, ...] = ()
        if before_run is not None:
            query += " AND id < ?"
            args = (before_run,)
        with self._lock:
            row = self._db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return BriefRun(id=row[0], started=row[1], brief_date=row[2])

    def brief_items(self, run_id: int) -> list[BriefItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, key, title, category, severity, likelihood, names FROM brief_items "
                "WHERE run_id = ?",
                (run_id,),
            ).fetchall()
        return [
            BriefItem(
                kind=r[0],
                key=r[1],
                title=r[2],
                category=r[3],
                severity=r[4],
                likelihood=r[5],
                names=json.loads(r[6] or "[]"),
            )
            for r in rows
        ]

    def runs(self, limit: int = 20) -> list[RunRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, started, finished, brief_date, status, articles, failures, usage, "
                "outputs FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            RunRow(
                id=r[0],
                started=r[1],
                finished=r[2],
                brief_date=r[3],
                status=r[4],
                articles=r[5],
                failures=r[6],
                usage=json.loads(r[7] or "{}"),
                outputs=json.loads(r[8] or "[]"),
            )
            for r in rows
        ]

    # ---- batches -----------------------------------------------------------------------

    def put_batch(self, batch_id: str, endpoint: str, model: str, keys: Sequence[str]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO batches (id, created, endpoint, model, keys, status) "
                "VALUES (?, ?, ?, ?, ?, 'submitted')",
                (batch_id, time.time(), endpoint, model, json.dumps(sorted(keys))),
            )

    def set_batch_status(self, batch_id: str, status: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))

    def open_batch(self, endpoint: str, model: str, keys: Sequence[str]) -> str | None:
        """An unfinished batch of this endpoint and model covering all of ``keys``."""
        wanted = set(keys)
        with self._lock:
            rows = self._db.execute(
                "SELECT id, keys FROM batches WHERE endpoint = ? AND model = ? AND status = "
                "'submitted' ORDER BY created DESC",
                (endpoint, model),
            ).fetchall()
        for batch_id, stored in rows:
            if wanted <= set(json.loads(stored)):
                return str(batch_id)
        return None

    def batches(self, limit: int = 20) -> list[BatchRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created, endpoint, model, keys, status FROM batches "
                "ORDER BY created DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            BatchRow(
                id=r[0],
                created=r[1],
                endpoint=r[2],
                model=r[3],
                requests=len(json.loads(r[4])),
                status=r[5],
            )
            for r in rows
        ]
