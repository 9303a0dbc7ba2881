"""Commands per second per lab: a token bucket per lab, in this process.

Each command line a terminal runs takes a token; a lab's bucket holds
`burst` tokens and refills at `rate` per second, so a learner typing (or
pasting a few lines) never notices, while a script hammering the
websocket is refused until the bucket refills. Buckets live in the
server process: with several processes each keeps its own, so a lab's
rate is at most `rate` times the number of processes.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Hashable


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """allow(key) -> True while `key` (a lab's id) has a token left."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[Hashable, _Bucket] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, key: Hashable) -> bool:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            if bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they behave exactly like new ones."""
        for key in [k for k, b in self._buckets.items()
                    if b.tokens + (now - b.stamp) * self.rate >= self.burst]:
            del self._buckets[key]


_commands: RateLimiter | None = None


def command_rate() -> RateLimiter:
    """The process's limiter of command lines per lab (settings.LAB_COMMAND_RATE)."""
    global _commands
    if _commands is None:
        from django.conf import settings

        _commands = RateLimiter(rate=float(settings.LAB_COMMAND_RATE["per_second"]),
                                burst=int(settings.LAB_COMMAND_RATE["burst"]))
    return _commands


def too_many_commands_message() -> str:
    """The apiserver's 429 text, with the lab's rate."""
    return (f"Too many requests, please try again later. "
            f"(a lab runs at most {command_rate().rate:g} commands per second)")


def input_refusal(lab_id: Hashable, text: str, complete: bool) -> dict | None:
    """The terminal's error message refusing `text` (the lines typed so
    far of one command), or None to go on: a line over
    settings.LAB_MAX_INPUT_BYTES (the apiserver's 413 words), or a
    complete command over the lab's rate (its 429 words)."""
    from django.conf import settings

    limit = settings.LAB_MAX_INPUT_BYTES
    if len(text.encode()) > limit:
        return {"type": "error", "code": "too-large", "message": f"Request entity too large: limit is {limit}"}
    if complete and text.strip() and not command_rate().allow(lab_id):
        return {"type": "error", "code": "too-many-requests", "message": too_many_commands_message()}
    return None
