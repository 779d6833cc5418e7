"""Which structured-output mode an endpoint gets: configured, remembered, or detected.

A mode changes only on a definitive answer (see ``transport``): the endpoint refused the
request as sent. While no mode is settled, every request goes out in the mode being tried, so
a first wave of requests can be in flight at once; a refusal moves later requests on to the
next mode and the refused request is sent again in it; the first reply settles the mode. A
refusal of a mode some request already got a reply in is about that request, not the mode.
"""

from __future__ import annotations

import logging
import threading

from ..store import Store
from .calls import ChunkFailed

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "prompt")
MODE_FAILURES = 2  # chunks failing in a row in a remembered mode before it is detected again


class ModeChoice:
    """The mode settled for one endpoint and model, or the modes still to try; thread-safe."""

    def __init__(self, configured: str, store: Store | None, endpoint: str, model: str) -> None:
        self.configured = configured != "auto"
        self.store = store  # where a detected mode is remembered (even with --no-cache)
        self.endpoint, self.model = endpoint, model
        self.mode: str | None = configured if self.configured else None
        self.source = "configured"
        self._failures = 0
        # While no mode is settled: the modes still to try, the one being tried first.
        self._trials: list[str] | None = None
        self._trial_source = "detected"
        self._lock = threading.Lock()

    @property
    def description(self) -> str | None:
        """The mode in use and how it was chosen, once known."""
        return f"{self.mode} ({self.source})" if self.mode else None

    def next(self, refused: dict[str, str]) -> tuple[str, bool]:
        """The mode for a request refused so far in ``refused`` (mode: why), and whether a
        refusal in it would be definitive about the mode (not for the last one left)."""
        with self._lock:
            if self.mode is not None:
                if self.mode in refused:  # other requests get replies in it: this one is at fault
                    raise ChunkFailed(f"the endpoint rejected the request ({refused[self.mode]})")
                return self.mode, False
            if self._trials is None:
                remembered = self.store.get_mode(self.endpoint, self.model) if self.store else None
                first = remembered if remembered in MODES else None
                self._trials = [first] if first else []
                self._trials += [m for m in MODES if m != first]
                self._trial_source = "remembered" if first else "detected"
            left = [m for m in self._trials if m not in refused]
            if not left:  # pragma: no cover - a refusal in the last mode is not definitive
                raise ChunkFailed("the endpoint accepted no structured-output mode")
            return left[0], len(left) > 1

    def refused(self, mode: str, reason: str) -> None:
        """A definitive no to ``mode``: later requests try the next mode."""
        with self._lock:
            if self.mode is not None or not self._trials or self._trials[0] != mode:
                return  # settled meanwhile, or another request already moved on
            self._trials.pop(0)
            if self._trial_source == "remembered":
                log.warning(
                    "%s no longer accepts %s output, which was remembered for it; "
                    "detecting the mode again",
                    self.endpoint,
                    mode,
                )
                if self.store is not None:
                    self.store.forget_mode(self.endpoint, self.model)
                self._trial_source = "detected"
            else:
                log.info(
                    "%s does not accept %s output (%s); trying the next mode",
                    self.endpoint,
                    mode,
                    reason,
                )

    def worked(self, mode: str) -> None:
        """A reply to a request in a mode being tried: the first settles the mode."""
        with self._lock:
            if self.mode is not None:
                return
            trying = self._trials is not None and self._trials[0] == mode
            self.mode, self._failures, self._trials = mode, 0, None
            self.source = self._trial_source if trying else "detected"
            if self.source == "detected" and self.store is not None:
                self.store.put_mode(self.endpoint, self.model, mode)
            log.info("structured output for %s: %s (%s)", self.endpoint, mode, self.source)

    def restart(self) -> None:
        """A request was refused in every mode: it, not the modes, was at fault (as one too
        long for the model would be), so the next request starts the detection afresh."""
        with self._lock:
            if self.mode is None:
                self._trials = None

    def outcome(self, ok: bool) -> None:
        """Count chunks that failed in a row in a detected or remembered mode; after a few,
        forget the mode so that the next request detects it again."""
        if self.configured:
            return
        with self._lock:
            if ok:
                self._failures = 0
                return
            self._failures += 1
            if self.mode is not None and self._failures >= MODE_FAILURES:
                log.warning(
                    "%s: %d chunks failed in a row in %s mode; detecting the mode again",
                    self.endpoint,
                    self._failures,
                    self.mode,
                )
                if self.store is not None:
                    self.store.forget_mode(self.endpoint, self.model)
                self.mode, self._failures, self._trials = None, 0, None
