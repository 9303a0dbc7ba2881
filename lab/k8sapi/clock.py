"""The lab's virtual clock while real clients use its API.

A real cluster does not wait for anyone: Pods pull images and turn Ready
while `kubectl get pods -w` watches. So every API request (and every tick of
an open watch) first moves the lab's clock forward by the wall time that
passed since the API last moved it, times LAB_API_CLOCK_RATE (settings;
1.0 is real time, 0 keeps the clock still, as the terminal does between
commands). One step moves at most MAX_STEP virtual seconds: a lab left alone
for a day resumes where it was, a couple of minutes later, instead of
replaying the whole day.

A lab may have its own rate (LabApiAccess.clock_rate, `labkubeconfig
--clock-rate`). The wall-time anchor is kept per lab (clock_wall), so several
clients watching at once move the clock once, not once each.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

#: virtual seconds one catch-up may move the clock at most
MAX_STEP = 120.0


def rate(access: Any = None) -> float:
    """The lab's own rate if it has one, else the server's (LAB_API_CLOCK_RATE)."""
    own = getattr(access, "clock_rate", None)
    return float(own) if own is not None else float(getattr(settings, "LAB_API_CLOCK_RATE", 1.0))


def would_change_nothing(lab_clock: float, access: Any, now_wall: float) -> bool:
    """Whether catching up now would only move the clock, firing no timer.

    `lab_clock` is the stored World's clock (virtual seconds); the lab must
    not have been saved by anyone since the API recorded `access.next_due`.
    """
    speed = rate(access)
    if speed <= 0:
        return True
    if access.clock_wall is None or access.next_due is None:
        return False
    target = lab_clock + min(max(0.0, now_wall - access.clock_wall) * speed, MAX_STEP)
    return target < access.next_due


def catch_up(world: Any, access: Any, now_wall: float) -> bool:
    """Advance `world` for the wall time since `access.clock_wall`; True if the clock moved."""
    speed = rate(access)
    last = access.clock_wall
    access.clock_wall = now_wall
    if speed <= 0 or last is None:
        return last is None and speed > 0
    seconds = min(max(0.0, now_wall - last) * speed, MAX_STEP)
    if seconds <= 0:
        return False
    world.advance(seconds)
    return True
