"""The virtual clock of a World and its timer heap.

Nothing in the engine reads the wall clock. Time moves only when asked
(`sleep`, a waiting command, the UI's play button), and timers fire in
(time, priority, sequence) order, so ties run in the order they were set,
as in SimPy.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp as Kubernetes writes them (`2026-12-01T09:00:00Z`)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(order=True)
class Timer:
    """Ordered by (due, priority, key, seq): ties at one instant run in key
    order, so a world rebuilt from saved state (whose timers were re-created
    in another order) fires them exactly as the original would."""

    due: float
    priority: int
    key: str
    seq: int
    callback: Callable[[], Any] | None = field(compare=False, default=None)
    cancelled: bool = field(compare=False, default=False)


class Clock:
    """Seconds since the epoch of the lab, as a float, plus a timer heap."""

    def __init__(self, start: datetime, elapsed: float = 0.0):
        self.start = start
        self.elapsed = elapsed
        #: quiet gaps (at elapsed, seconds) that moved the epoch forward
        self.shifts: list[tuple[float, float]] = []
        self._heap: list[Timer] = []
        self._seq = 0

    def skip(self, seconds: float) -> None:
        """A quiet gap: wall time moves on by `seconds`, elapsed time and timers do not."""
        self.start += timedelta(seconds=seconds)
        self.shifts.append((self.elapsed, seconds))

    def moment(self, elapsed: float) -> datetime:
        """The wall time at a past (or future) elapsed value, gaps accounted for."""
        before = sum(seconds for at, seconds in self.shifts if elapsed < at)
        return self.start + timedelta(seconds=elapsed - before)

    @property
    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def timestamp(self, offset: float = 0) -> str:
        return format_time(self.now + timedelta(seconds=offset))

    def call_at(self, due: float, key: str, callback: Callable[[], Any], priority: int = 0) -> Timer:
        self._seq += 1
        timer = Timer(due, priority, key, self._seq, callback)
        heapq.heappush(self._heap, timer)
        return timer

    def call_later(self, delay: float, key: str, callback: Callable[[], Any], priority: int = 0) -> Timer:
        return self.call_at(self.elapsed + delay, key, callback, priority)

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def pop_due(self, until: float) -> Timer | None:
        """The next timer due at or before `until`, with the clock moved to it."""
        due = self.next_due()
        if due is None or due > until:
            return None
        timer = heapq.heappop(self._heap)
        self.elapsed = max(self.elapsed, timer.due)
        return timer
