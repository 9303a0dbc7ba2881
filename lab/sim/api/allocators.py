"""ClusterIP and NodePort allocators, as kube-apiserver v1.32 runs them.

Mirrors pkg/registry/core/service/ipallocator (the bitmap allocator, still
the default in 1.32) and portallocator: each range has a static band at its
bottom (KEP-3070 / KEP-3668) that dynamic allocation avoids until the upper
band is full, and dynamic picks are random. Randomness comes from the
world's seeded RNG, so a lab is reproducible.
"""
from __future__ import annotations

import ipaddress
import random


class AllocationError(Exception):
    """Raised with the allocator's own message (ErrNotInRange, ErrAllocated, ErrFull)."""


class RangeFull(AllocationError):
    pass


def _range_offset(size: int, minimum: int, maximum: int, step: int) -> int:
    """calculateRangeOffset: size of the static band at the bottom of a range."""
    if size < minimum:
        return 0
    offset = size // step
    return max(minimum, min(maximum, offset))


class ClusterIPAllocator:
    """Service IPs from --service-cluster-ip-range (IPv4)."""

    def __init__(self, cidr: str):
        self.cidr = cidr
        self.network = ipaddress.ip_network(cidr, strict=False)
        # The network and broadcast addresses are never handed out.
        self.base = int(self.network.network_address) + 1
        self.size = max(0, self.network.num_addresses - 2)
        self.offset = _range_offset(self.size, 16, 256, 16)
        self.used: set[int] = set()

    def contains(self, ip: str) -> bool:
        try:
            value = int(ipaddress.ip_address(ip))
        except ValueError:
            return False
        return self.base <= value < self.base + self.size

    def nth(self, n: int) -> str:
        """The n-th address of the range (1 = the first usable one)."""
        return str(ipaddress.ip_address(self.base + n - 1))

    def allocate(self, ip: str) -> None:
        if not self.contains(ip):
            raise AllocationError(
                f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {self.cidr}")
        value = int(ipaddress.ip_address(ip))
        if value in self.used:
            raise AllocationError("provided IP is already allocated")
        self.used.add(value)

    def allocate_next(self, rng: random.Random) -> str:
        index = _random_free(self.size, self.offset, {v - self.base for v in self.used}, rng)
        if index is None:
            raise RangeFull("range is full")
        self.used.add(self.base + index)
        return str(ipaddress.ip_address(self.base + index))

    def release(self, ip: str) -> None:
        try:
            self.used.discard(int(ipaddress.ip_address(ip)))
        except ValueError:
            pass

    def is_allocated(self, ip: str) -> bool:
        try:
            return int(ipaddress.ip_address(ip)) in self.used
        except ValueError:
            return False


class NodePortAllocator:
    """NodePorts from --service-node-port-range (`30000-32767`)."""

    def __init__(self, port_range: str):
        self.port_range = port_range
        low, _, high = port_range.partition("-")
        self.low = int(low)
        self.high = int(high or low)
        self.size = self.high - self.low + 1
        self.offset = _range_offset(self.size, 16, 128, 32)
        self.used: set[int] = set()

    def contains(self, port: int) -> bool:
        return self.low <= port <= self.high

    def allocate(self, port: int) -> None:
        if not self.contains(port):
            raise AllocationError(
                f"provided port is not in the valid range. The range of valid ports is {self.port_range}")
        if port in self.used:
            raise AllocationError("provided port is already allocated")
        self.used.add(port)

    def allocate_next(self, rng: random.Random) -> int:
        index = _random_free(self.size, self.offset, {p - self.low for p in self.used}, rng)
        if index is None:
            raise RangeFull("range is full")
        self.used.add(self.low + index)
        return self.low + index

    def release(self, port: int) -> None:
        self.used.discard(port)


def _random_free(size: int, offset: int, used: set[int], rng: random.Random) -> int | None:
    """randomScanStrategyWithOffset: a random free index above the offset, else below it."""
    for lo, hi in ((offset, size), (0, offset)):
        count = hi - lo
        if count <= 0:
            continue
        start = rng.randrange(count)
        for step in range(count):
            index = lo + (start + step) % count
            if index not in used:
                return index
    return None
