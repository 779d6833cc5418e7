"""How a daily run ended: its status, exit code and the line that says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .collect import Gathered
from .errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL
from .models import Brief, Failure
from .store import Store


@dataclass(frozen=True)
class DailyResult:
    """How a daily run ended, and what it wrote."""

    status: str  # "ok", "partial", "nothing-new", "exported" (batch requests written) or "error"
    message: str
    brief: Brief | None = None
    outputs: tuple[Path, ...] = ()
    failures: tuple[Failure, ...] = ()
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return {
            "ok": EXIT_OK,
            "nothing-new": EXIT_OK,
            "exported": EXIT_OK,
            "partial": EXIT_PARTIAL,
        }.get(self.status, EXIT_ERROR)


def shown(path: Path) -> str:
    """A path as the user would type it: relative when it is below the working folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def nothing_new(
    store: Store,
    run_id: int,
    gathered: Gathered,
    failures: list[Failure],
    stats: dict[str, int],
) -> DailyResult:
    # Nothing to write. With failed sources that is an error: their items may be missing.
    status = "error" if failures else "nothing-new"
    store.finish_run(
        run_id, status=status, articles=0, failures=len(failures), usage={}, outputs=[]
    )
    if status == "nothing-new":
        for url, (etag, modified) in gathered.feed_validators.items():
            store.put_feed_validators(url, etag, modified)
    parts = []
    if stats["already_seen"]:
        parts.append(f"{stats['already_seen']} item(s) already in earlier briefs")
    if stats["outside_window"]:
        parts.append(f"{stats['outside_window']} outside the time window")
    if stats["filtered_out"]:
        parts.append(f"{stats['filtered_out']} filtered out")
    if stats["unchanged_feeds"]:
        parts.append(f"{stats['unchanged_feeds']} feed(s) unchanged since the last run")
    detail = f" ({'; '.join(parts)})" if parts else ""
    hint = (
        " Use the include_seen setting to include items already briefed."
        if stats["already_seen"]
        else ""
    )
    if stats["unchanged_feeds"]:
        # An unchanged feed sends no items at all, so no window can bring them back.
        hint = (
            " Use the include_seen setting to fetch unchanged feeds again and include items "
            "already briefed."
        )
    if status == "error":
        return DailyResult(
            status,
            f"No brief written: nothing new from the sources that answered{detail}, and "
            f"{len(failures)} input(s) failed.",
            None,
            (),
            tuple(failures),
            stats,
        )
    return DailyResult(
        status,
        f"Nothing new to brief{detail}; no brief written.{hint}",
        None,
        (),
        tuple(failures),
        stats,
    )
