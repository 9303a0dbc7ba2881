"""The lab network's own resolver: what nodes, the external host and
CoreDNS's `forward . /etc/resolv.conf` ask.

The lab has no internet. Its resolver (at the first address of the nodes'
network, like a home router's) knows the lab's machines by name and answers
SERVFAIL for every other name: it cannot recurse, and an honest SERVFAIL
("could not find out") is what a resolver without upstream says; it does
not claim that google.com does not exist. It knows nothing of the cluster's
names: nodes and the external host cannot resolve `httpd-svc` or
`kubernetes.default.svc.cluster.local`, as in a real cluster.

SIMPLIFICATION: the resolver sits outside the simulated packet path (it is
not a host of the lab); a query to it always gets an answer.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from .message import NOERROR, RR, SERVFAIL, Reply, fqdn, ip_of_reverse

TTL = 600


def resolver_ip(world: Any) -> str:
    """The first address of the /24 the control-plane node is on (192.168.56.1)."""
    ip = world.profile.control_plane_node.ip
    return str(ipaddress.ip_network(f"{ip}/24", strict=False).network_address + 1)


def _hosts(world: Any) -> dict[str, str]:
    return {h.name.lower(): h.ip for h in world.hosts.values()}


def answer(world: Any, qname: str, qtype: str) -> Reply:
    """A recursive resolver's reply (ra set, never authoritative)."""
    name = fqdn(qname)
    reply = Reply(qname=name, qtype=qtype, ra=True, server=resolver_ip(world))
    bare = name.rstrip(".").lower()
    hosts = _hosts(world)
    if bare in hosts:
        if qtype == "A":
            reply.answer = [RR(name, TTL, "A", hosts[bare])]
        return reply
    ip = ip_of_reverse(name)
    if ip is not None:
        for host, addr in sorted(hosts.items()):
            if addr == ip:
                if qtype == "PTR":
                    reply.answer = [RR(name, TTL, "PTR", host + ".")]
                return reply
    reply.rcode = SERVFAIL
    return reply


__all__ = ["resolver_ip", "answer", "NOERROR"]
