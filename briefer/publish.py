"""Put a brief's files in place all or nothing, and repair what a killed run left.

A brief is several files (dated ``.md/.json/.html/.pdf`` and ``latest.*``), and no file system
renames several files at once. So the files are first written in full to hidden temporaries,
then a journal naming every rename is written (atomically), then the run is committed to the
store, and only then are the temporaries renamed into place and the journal removed.

The next run, holding the same lock, reads any journal left behind: if the store has the run
as finished, the renames are completed (roll forward); if not, the temporaries are removed and
nothing of that run remains (roll back). Either way the folder holds whole briefs only and
``latest.*`` is one brief.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .defaults import FORMATS
from .errors import RenderError
from .files import write_temporary

log = logging.getLogger(__name__)

JOURNAL = ".briefer-publish.json"
LATEST_FORMATS = FORMATS

# (store path, run id) -> whether that run was committed as a written brief
Committed = Callable[[str, int], bool]


@dataclass(frozen=True)
class Staged:
    """A brief written to temporaries, with the journal that says how to put it in place."""

    folder: Path
    moves: tuple[tuple[Path, Path], ...]  # (temporary, final)
    remove: tuple[Path, ...]  # latest.* of formats this brief does not have

    @property
    def journal(self) -> Path:
        return self.folder / JOURNAL


def stage(
    paths: list[Path],
    folder: Path,
    formats: tuple[str, ...],
    texts: dict[str, str | bytes],
    *,
    run_id: int,
    store_path: Path,
) -> Staged:
    """Write every file of the brief to a hidden temporary, then the journal; nothing visible
    changes. On any failure the temporaries are removed."""
    folder = folder.resolve()
    moves: list[tuple[Path, Path]] = []
    try:
        for path, fmt in zip(paths, formats, strict=True):
            final = folder / path.name
            moves.append((write_temporary(final, texts[fmt]), final))
        for fmt in formats:
            final = folder / f"latest.{fmt}"
            moves.append((write_temporary(final, texts[fmt]), final))
        remove = tuple(
            folder / f"latest.{fmt}"
            for fmt in LATEST_FORMATS
            if fmt not in formats and (folder / f"latest.{fmt}").exists()
        )
        staged = Staged(folder, tuple(moves), remove)
        journal = {
            "store": str(Path(store_path).resolve()),
            "run": run_id,
            "moves": [[str(tmp), str(final)] for tmp, final in moves],
            "remove": [str(p) for p in remove],
        }
        tmp = write_temporary(staged.journal, json.dumps(journal, indent=1))
        os.replace(tmp, staged.journal)
        _sync_folder(folder)
    except BaseException:
        _drop_temporaries(moves)
        raise
    return staged


def publish(staged: Staged) -> None:
    """Rename the temporaries into place (dated files first, then latest.*), drop the
    latest.* of other formats, then the journal."""
    try:
        _apply(staged.moves, staged.remove)
        _sync_folder(staged.folder)
        os.unlink(staged.journal)
    except OSError as exc:
        raise RenderError(
            f"{staged.folder}: the brief could not be put in place ({exc.strerror or exc}); "
            "fix the folder, and the next run completes it"
        ) from None


def discard(staged: Staged) -> None:
    """Remove the temporaries and the journal of a brief that will not be published."""
    _drop_temporaries(staged.moves)
    with contextlib.suppress(OSError):
        os.unlink(staged.journal)


def recover(folder: Path, committed: Committed) -> str | None:
    """Finish or undo the publication a killed run left in ``folder``; say what was done."""
    journal = folder / JOURNAL
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        moves = tuple((Path(t), Path(f)) for t, f in data["moves"])
        remove = tuple(Path(p) for p in data["remove"])
        store, run_id = str(data["store"]), int(data["run"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Written atomically, so this is not our half-written file; leave it to a person.
        raise RenderError(
            f"{journal}: unreadable ({exc}); remove it after checking the folder's briefs"
        ) from None
    if committed(store, run_id):
        _apply(moves, remove)
        done = "completed the brief files of an interrupted run: " + ", ".join(
            f.name for _, f in moves
        )
    else:
        for tmp, _ in moves:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        done = "removed the unfinished brief files of an interrupted run"
    _sync_folder(folder)
    os.unlink(journal)
    log.warning("%s: %s", folder, done)
    return done


def _apply(moves: tuple[tuple[Path, Path], ...], remove: tuple[Path, ...]) -> None:
    for tmp, final in moves:
        if tmp.exists():  # else this rename happened before the run was killed
            os.replace(tmp, final)
    for path in remove:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _sync_folder(folder: Path) -> None:
    # Renames are durable only once the folder itself is synced.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _drop_temporaries(moves: Sequence[tuple[Path, Path]]) -> None:
    """Remove the staged temporaries of ``moves``, whichever are there."""
    for tmp, _ in moves:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
