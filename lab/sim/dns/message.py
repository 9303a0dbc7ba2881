"""DNS messages as the lab passes them around: records, answers, wire size.

A Reply is what a server sends back for one question; tools print it in
their own formats. `wire_size` counts the bytes of the message as it would
travel (RFC 1035 with name compression, plus the EDNS OPT record dig sends),
which dig prints as `MSG SIZE  rcvd`.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "ANY": 255}


@dataclass(frozen=True)
class RR:
    """One resource record; `data` is its presentation text (`10.96.0.1`,
    `0 100 80 nginx.default.svc.cluster.local.`); names end with a dot."""

    name: str
    ttl: int
    rtype: str
    data: str


@dataclass
class Reply:
    qname: str                     # with the trailing dot
    qtype: str
    rcode: int = NOERROR
    aa: bool = False
    ra: bool = False
    answer: list[RR] = field(default_factory=list)
    authority: list[RR] = field(default_factory=list)
    additional: list[RR] = field(default_factory=list)
    #: who answered (server IP, port, protocol)
    server: str = ""
    port: int = 53
    protocol: str = "UDP"
    id: int = 0

    @property
    def status(self) -> str:
        return RCODES.get(self.rcode, str(self.rcode))

    def addresses(self) -> list[str]:
        return [rr.data for rr in self.answer if rr.rtype in ("A", "AAAA")]


def fqdn(name: str) -> str:
    name = name.strip()
    return name if name.endswith(".") else name + "."


def reverse_name(ip: str) -> str | None:
    """`10.96.0.1` -> `1.0.96.10.in-addr.arpa.` (None for what is not an IP)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return addr.reverse_pointer + "."


def ip_of_reverse(name: str) -> str | None:
    """`1.0.96.10.in-addr.arpa.` -> `10.96.0.1`."""
    labels = name.rstrip(".").lower().split(".")
    if labels[-2:] != ["in-addr", "arpa"] or len(labels) != 6:
        return None
    try:
        return str(ipaddress.IPv4Address(".".join(reversed(labels[:4]))))
    except ValueError:
        return None


class _Writer:
    def __init__(self) -> None:
        self.size = 12
        self.names: set[str] = set()

    def name(self, name: str) -> None:
        labels = [lab for lab in name.rstrip(".").split(".") if lab]
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if suffix in self.names:
                self.size += 2
                return
            self.names.add(suffix)
            self.size += 1 + len(labels[i])
        self.size += 1

    def rr(self, rr: RR) -> None:
        self.name(rr.name)
        self.size += 10
        parts = rr.data.split()
        if rr.rtype == "A":
            self.size += 4
        elif rr.rtype == "AAAA":
            self.size += 16
        elif rr.rtype in ("CNAME", "PTR", "NS"):
            self.name(rr.data)
        elif rr.rtype == "SRV":
            self.size += 6
            self.size += sum(1 + len(x) for x in parts[3].rstrip(".").split(".")) + 1  # no compression
        elif rr.rtype == "SOA":
            self.name(parts[0])
            self.name(parts[1])
            self.size += 20
        else:
            self.size += len(rr.data) + 1


def wire_size(reply: Reply, edns: bool = True) -> int:
    w = _Writer()
    w.name(reply.qname)
    w.size += 4
    for rr in reply.answer + reply.authority + reply.additional:
        w.rr(rr)
    if edns:
        w.size += 11
    return w.size


__all__ = ["RR", "Reply", "RCODES", "TYPES", "NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED", "fqdn",
           "reverse_name", "ip_of_reverse", "wire_size"]
