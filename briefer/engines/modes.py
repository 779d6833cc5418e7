"""Which structured-output mode an endpoint gets: configured, remembered, or detected.

A mode changes only on a definitive answer (see ``transport``): the endpoint refused the
request as sent. While no mode is settled, every request goes out in the mode being tried, so
a first wave of requests can be in flight at once. A refused request is sent again in the next
mode at once; later requests move on to that mode only once a request refused in the first got
a reply in it and no request in the first is left in flight (one bad input, too long for the
model and refused in every mode, must not downgrade the others, nor a refusal race replies
still on their way). A reply settles its mode once every mode tried before it was dropped; a
refusal of a mode some request got a reply in is about that request.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from ..store import Store
from .calls import ChunkFailed

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "prompt")
MODE_FAILURES = 2  # chunks failing in a row in a remembered mode before it is detected again


class ModeChoice:
    """The mode settled for one endpoint and model, or the modes still to try; thread-safe.

    Every mode handed out by ``next`` is answered by exactly one of ``worked``, ``refused``
    or ``ended``, so that the requests in flight in each mode are known.
    """

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
        self._in_flight: Counter[str] = Counter()  # requests sent in each mode, not answered
        # Modes a request was refused in before it got a reply in another, and why.
        self._refusals: dict[str, str] = {}
        self._replied: set[str] = set()  # modes a request got a reply in
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
                self._in_flight[self.mode] += 1
                return self.mode, False
            trials = self._start_trials()
            left = [m for m in trials if m not in refused]
            if not left:  # pragma: no cover - a refusal in the last mode is not definitive
                raise ChunkFailed("the endpoint accepted no structured-output mode")
            self._in_flight[left[0]] += 1
            return left[0], len(left) > 1

    def refused(self, mode: str, reason: str) -> None:
        """A definitive no to ``mode`` for one request, which tries the next mode. It says
        nothing about the mode yet: a request refused in every mode (one too long for the
        model) is at fault itself, so later requests keep to the mode being tried."""
        with self._lock:
            self._in_flight[mode] -= 1
            log.info(
                "%s refused a request in %s output (%s); sending it in the next mode",
                self.endpoint,
                mode,
                reason,
            )
            if self.mode is None:
                self._advance()

    def worked(self, mode: str, refused: dict[str, str]) -> None:
        """A reply in ``mode`` to a request refused in ``refused`` first: those modes are
        refused for everyone once no request in them is left in flight, and the first mode
        still being tried settles once a request got a reply in it."""
        with self._lock:
            self._in_flight[mode] -= 1
            if self.mode is None:
                self._replied.add(mode)
                for other, reason in refused.items():
                    self._refusals.setdefault(other, reason)
                self._advance()

    def ended(self, mode: str) -> None:
        """A request in ``mode`` ended without an answer about the mode (an error, a timeout)."""
        with self._lock:
            self._in_flight[mode] -= 1
            if self.mode is None:
                self._advance()

    def remembered(self) -> str | None:
        """The mode stored for this endpoint and model, if it is one briefer knows."""
        stored = self.store.get_mode(self.endpoint, self.model) if self.store else None
        return stored if stored in MODES else None

    def _start_trials(self) -> list[str]:
        if self._trials is None:
            first = self.remembered()
            self._trials = [first] if first else []
            self._trials += [m for m in MODES if m != first]
            self._trial_source = "remembered" if first else "detected"
        return self._trials

    def _advance(self) -> None:
        """Drop the first mode being tried once a request refused in it got a reply in
        another, no request in it is left in flight and none got a reply in it; settle the
        first mode once a request got a reply in it (with the lock held)."""
        trials = self._start_trials()
        while (
            len(trials) > 1
            and trials[0] in self._refusals
            and trials[0] not in self._replied
            and not self._in_flight[trials[0]]
        ):
            mode = trials.pop(0)
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
                    self._refusals[mode],
                )
        mode = trials[0]
        if mode not in self._replied:
            return
        self.mode, self.source, self._failures = mode, self._trial_source, 0
        self._reset()
        if self.source == "detected" and self.store is not None:
            self.store.put_mode(self.endpoint, self.model, mode)
        log.info("structured output for %s: %s (%s)", self.endpoint, mode, self.source)

    def _reset(self) -> None:
        self._trials, self._refusals, self._replied = None, {}, set()

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
                self.mode, self._failures = None, 0
                self._reset()
