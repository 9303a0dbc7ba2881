"""busybox (1.28 and newer): `sh` and the applets a Service lab uses.

Its CMD is `sh`, which ends at once without a terminal, so a busybox Pod
needs a command (`sleep 3600`, `sh -c '...'`). wget is busybox's own
(lab.sim.net.wget); nslookup answers once the lab has DNS.
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
        return {"nslookup": nslookup}


def nslookup(ctx, argv: list[str]) -> int:
    """busybox nslookup. SIMPLIFICATION: the lab has no DNS yet, so every
    name fails the way busybox 1.28 prints it when no server answers."""
    names = [a for a in argv[1:] if not a.startswith("-")]
    if not names:
        ctx.err("BusyBox v1.28.3 (2018-04-03 20:43:32 UTC) multi-call binary.\n\n"
                "Usage: nslookup [HOST] [SERVER]\n\nQuery the nameserver for the IP address of the given HOST\n"
                "optionally using a specified DNS server\n")
        return 1
    dns = getattr(getattr(ctx.world, "profile", None), "cluster_dns", "10.96.0.10")
    ctx.out(f"Server:    {dns}\nAddress 1: {dns}\n\n")
    ctx.err(f"nslookup: can't resolve '{names[0]}'\n")
    return 1
