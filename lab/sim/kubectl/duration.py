"""Ages as kubectl prints them.

`human_duration` ports apimachinery's util/duration.HumanDuration (the AGE
column, `(41s ago)` after RESTARTS, the Age of describe's Events table);
`translate_timestamp_since` ports printers.go's translateTimestampSince.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

_NS = 1_000_000_000


def _trunc(x: float) -> int:
    return int(math.trunc(x))


def human_duration(seconds: float) -> str:
    """HumanDuration for a duration given in seconds (may be negative)."""
    d = round(seconds * _NS)  # Go's time.Duration: integer nanoseconds
    secs = _trunc(d / _NS)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = d // (60 * _NS)
    if minutes < 10:
        s = (d // _NS) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = d // (3600 * _NS)
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(ts: str) -> datetime:
    """Parse an RFC 3339 timestamp as the API serialises metav1.Time/MicroTime."""
    s = ts.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    # Python < 3.11 cannot take more than 6 fractional digits; trim them.
    if "." in s:
        head, rest = s.split(".", 1)
        frac = ""
        while rest and rest[0].isdigit():
            frac += rest[0]
            rest = rest[1:]
        s = f"{head}.{frac[:6].ljust(6, '0')}{rest}"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def since_seconds(ts: str, now: datetime) -> float:
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return (now - parse_time(ts)).total_seconds()


def translate_timestamp_since(ts: str | None, now: datetime) -> str:
    """`<unknown>` for a zero/absent timestamp, else HumanDuration(now - ts)."""
    if not ts:
        return "<unknown>"
    return human_duration(since_seconds(ts, now))


def translate_timestamp_until(ts: str | None, now: datetime) -> str:
    if not ts:
        return "<unknown>"
    return human_duration(-since_seconds(ts, now))
