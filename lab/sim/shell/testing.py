"""A minimal stand-in world for exercising the shell without lab.sim.world:
hosts with name, ip and fs, a virtual clock and `advance(seconds)`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..fs import HostFS


@dataclass
class FakeHost:
    name: str
    ip: str
    fs: HostFS = field(default_factory=HostFS)


class FakeClock:
    def __init__(self, now: dt.datetime):
        self.now = now


class FakeWorld:
    def __init__(self, hosts: dict[str, str] | None = None,
                 now: dt.datetime = dt.datetime(2025, 1, 9, 2, 11, 59, tzinfo=dt.timezone.utc)):
        hosts = hosts or {"kube-node01": "192.168.1.10"}
        self.hosts = {n: FakeHost(n, ip) for n, ip in hosts.items()}
        self.clock = FakeClock(now)
        self.advanced: list[float] = []

    def advance(self, seconds: float) -> None:
        self.advanced.append(seconds)
        self.clock.now += dt.timedelta(seconds=seconds)
