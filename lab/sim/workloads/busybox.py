"""busybox (1.28 and newer): `sh` and the applets a Service lab uses.

Its CMD is `sh`, which ends at once without a terminal, so a busybox Pod
needs a command (`sleep 3600`, `sh -c '...'`). wget is busybox's own
(lab.sim.net.wget); nslookup is busybox's own (lab.sim.dns.tools).
"""
from __future__ import annotations

from typing import Callable

from .image import ImageWorkload

APPLETS = frozenset({"sh", "ash", "wget", "nslookup", "ping", "nc", "telnet", "ps", "kill", "ip",
                     "ifconfig", "netstat", "route", "hostname", "traceroute"})


def parse_version(tag: str) -> tuple[int, int]:
    """`1.28.3` -> (1, 28); `latest`, `stable`, `musl` ... -> the current release."""
    parts = tag.split("-", 1)[0].split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return (1, 37)


class Busybox(ImageWorkload):
    cmd = ("sh",)
    shell = "sh"
    shell_flavor = "ash"
    tools = APPLETS
    pull_seconds = 2.0

    @property
    def version(self) -> tuple[int, int]:
        return parse_version(self.ref.tag)

    def programs(self) -> dict[str, Callable]:
        from ..dns.tools import busybox_nslookup

        return {"nslookup": busybox_nslookup}
