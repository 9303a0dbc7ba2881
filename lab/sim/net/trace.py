"""The structured story of one connection attempt, for `labtrace` and the web diagrams.

A Trace is plain data (`to_dict()` is JSON-compatible): the client, the
address it dialled, every hop of the first packet (SYN) in the order the
kernel handles it (route lookups, netfilter hooks with the rules that
matched, NAT, the vxlan hop, delivery), the result, the address the server
saw, the reply's way back through conntrack, and how many rules were looked at.

`render(traces)` prints them as `labtrace` does: one block per connection,
one line per hop, the matched rules indented under their hook.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RuleHit:
    table: str
    chain: str
    index: int          # 1-based rule number in the chain; 0: the chain policy
    rule: str
    note: str = ""


@dataclass
class Hop:
    host: str           # node / pod / external host name
    stage: str          # route | OUTPUT | PREROUTING | INPUT | FORWARD | POSTROUTING | IPVS | vxlan | deliver | wire
    detail: str = ""
    rules: list[RuleHit] = field(default_factory=list)
    nat: str = ""       # "DNAT 10.96.0.20:80 -> 10.244.1.2:80" ...
    verdict: str = ""   # DROP / REJECT when a hook ended the packet
    conntrack: str = ""  # NEW / ESTABLISHED ...
    evaluated: int = 0


@dataclass
class Trace:
    source: str                 # "k8s-master (node)", "pod default/bb" ...
    client: str                 # "ip:port" the client's socket has
    target: str                 # "ip:port" dialled
    proto: str = "tcp"
    hops: list[Hop] = field(default_factory=list)
    result: str = ""            # connected | refused | timeout | unreachable | denied
    server: str = ""            # "pod default/web-1 10.244.1.2:80" / "" when none
    seen_from: str = ""         # the client address the server saw
    reply: list[str] = field(default_factory=list)
    rules_evaluated: int = 0
    #: a DNS query's question and answer, when this packet was one:
    #: {"qname", "qtype", "rcode", "answers": ["name TTL IN TYPE data", ...]}
    dns: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trace":
        hops = [Hop(**{**h, "rules": [RuleHit(**r) for r in h.get("rules", [])]}) for h in data.get("hops", [])]
        return cls(**{**data, "hops": hops})


_RESULTS = {"connected": "connected", "refused": "Connection refused", "timeout": "Connection timed out",
            "unreachable": "No route to host", "denied": "Operation not permitted"}


def render_one(n: int, t: Trace) -> str:
    lines = [f"connection {n}: {t.proto} {t.client} -> {t.target} from {t.source}"]
    width = max([len(h.host) for h in t.hops] + [4])
    for h in t.hops:
        head = f"  {h.host:<{width}}  {h.stage:<11}"
        extra = " ".join(x for x in (h.detail, f"ct {h.conntrack}" if h.conntrack else "") if x)
        lines.append((head + " " + extra).rstrip())
        for r in h.rules:
            where = f"{r.table} {r.chain}" + (f" #{r.index}" if r.index else " policy")
            lines.append(f"      {where}: {r.rule}" + (f"  [{r.note}]" if r.note else ""))
        if h.nat:
            lines.append(f"      => {h.nat}")
        if h.verdict:
            lines.append(f"      => {h.verdict}")
    outcome = _RESULTS.get(t.result, t.result)
    if t.server:
        outcome += f": {t.server}, client seen as {t.seen_from}"
    lines.append(f"  result: {outcome}")
    for r in t.reply:
        lines.append(f"  reply: {r}")
    lines.append(f"  rules evaluated: {t.rules_evaluated}")
    return "\n".join(lines) + "\n"


def render(traces: list[Trace]) -> str:
    return "".join(render_one(i + 1, t) for i, t in enumerate(traces))


__all__ = ["Trace", "Hop", "RuleHit", "render", "render_one"]
