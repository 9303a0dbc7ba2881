"""Walk a packet through an nftables `Table`, rule by rule, as the kernel would.

Mirrors nf_tables' evaluation: base chains of one hook run in priority
order; inside a chain the expressions of a rule run left to right and the
first failing match ends the rule; `jump` pushes a return point (`return`
or the end of the chain pops it), `goto` does not; `accept` ends the base
chain and the packet moves on to the next one; `drop`/`reject` end the hook;
a verdict map lookup that finds no element is a failed match; `dnat` and
`masquerade` are terminal (accept) in their nat chain. `numgen random mod N`
draws from the caller's RNG; `update @set { ip saddr }` writes the client
into the table's dynamic set contents with the set's timeout on the virtual
clock, and `ip saddr @set` only sees entries that have not expired.

Every rule looked at and every map lookup lands in the trace.
"""
from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field, replace
from typing import Iterable

from .model import (AnonSet, Chain, Dnat, Masquerade, MarkMatch, MarkSet, Match, NumgenVmap,
                    Rule, SetMatch, SetUpdate, Table, Verdict as VerdictExpr, VmapLookup)

JUMP_STACK_MAX = 16          # NFT_JUMP_STACK_SIZE


@dataclass(frozen=True)
class Packet:
    """The parts of a packet the kube-proxy rules look at."""

    src: str
    dst: str
    proto: str = "tcp"
    sport: int = 0
    dport: int = 0
    mark: int = 0
    iif: str = ""
    oif: str = ""
    ct_state: str = "new"       # new | established | related | invalid


@dataclass
class EvalContext:
    """Node facts and run-time inputs: never global state.

    `local_addresses`: addresses for which `fib saddr|daddr type local` is true
    (the node's own IPs, 127.0.0.0/8 always counts). `rng` is the caller's
    seeded RNG (numgen random). `now` is the virtual clock in seconds
    (affinity timeouts).
    """

    local_addresses: Iterable[str] = ()
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    now: float = 0.0

    def is_local(self, addr: str) -> bool:
        if addr.startswith("127."):
            return True
        return addr in set(self.local_addresses)


@dataclass
class TraceEntry:
    """One rule (index >= 0) or map lookup / policy step (index -1) looked at."""

    chain: str
    index: int
    rule: str
    matched: bool
    note: str = ""


@dataclass
class Verdict:
    """The outcome of a chain or hook walk."""

    kind: str                                # accept | drop | reject
    packet: Packet
    dnat: tuple[str, int] | None = None
    masquerade: bool = False
    trace: list[TraceEntry] = field(default_factory=list)
    rules_evaluated: int = 0


class _Stop(Exception):
    pass


class _Walk:
    def __init__(self, table: Table, packet: Packet, ctx: EvalContext):
        self.table = table
        self.packet = packet
        self.ctx = ctx
        self.trace: list[TraceEntry] = []
        self.dnat: tuple[str, int] | None = None
        self.masq = False
        self.rules = 0

    # -- field access --------------------------------------------------------------------
    def value(self, fld: str) -> str:
        p = self.packet
        if fld == "ip saddr":
            return p.src
        if fld == "ip daddr":
            return p.dst
        if fld == "meta l4proto":
            return p.proto
        if fld == "th dport":
            return str(p.dport)
        if fld.endswith(" dport"):
            return str(p.dport) if fld.split()[0] == p.proto else ""
        if fld == "ct state":
            return p.ct_state
        if fld == "fib saddr type":
            return "local" if self.ctx.is_local(p.src) else "unicast"
        if fld == "fib daddr type":
            return "local" if self.ctx.is_local(p.dst) else "unicast"
        raise ValueError(f"unknown field {fld}")

    def match(self, m: Match) -> bool:
        actual = self.value(m.field)
        if actual == "":
            return False                      # tcp dport on a udp packet: no match either way
        values = m.value.values if isinstance(m.value, AnonSet) else (m.value,)
        if m.field in ("ip saddr", "ip daddr"):
            addr = ipaddress.IPv4Address(actual)
            hit = any(addr in ipaddress.ip_network(v, strict=False) for v in values)
        else:
            hit = actual in values
        return hit != m.negate

    def set_contains(self, name: str, key: str) -> bool:
        s = self.table.sets.get(name)
        if s is None:
            return False
        if (key,) in s.elements:
            return True
        dyn = self.table.dynamic.get(name) or {}
        exp = dyn.get(key)
        return exp is not None and exp > self.ctx.now

    # -- chains ----------------------------------------------------------------------------
    def run_chain(self, chain: Chain, depth: int = 0) -> str | None:
        """Run `chain`; returns a terminal verdict (accept/drop/reject) or None (fell off)."""
        current = chain
        while True:
            outcome = self._run_rules(current, depth)
            if outcome is None:
                return None
            kind, target = outcome
            if kind == "goto":
                nxt = self.table.chains.get(target)
                if nxt is None:
                    self.trace.append(TraceEntry(current.name, -1, f"goto {target}", True, "no such chain: drop"))
                    return "drop"
                current = nxt
                continue
            return kind

    def _run_rules(self, chain: Chain, depth: int) -> tuple[str, str] | None:
        for idx, rule in enumerate(chain.rules):
            self.rules += 1
            result = self._run_rule(chain, idx, rule, depth)
            if result is None:
                continue
            kind, target = result
            if kind == "continue":
                continue
            if kind == "return":
                return None
            if kind == "jump":
                if depth + 1 >= JUMP_STACK_MAX:
                    raise _Stop("jump stack exhausted")
                nxt = self.table.chains.get(target)
                if nxt is None:
                    return ("drop", "")
                sub = self.run_chain(nxt, depth + 1)
                if sub is not None:
                    return (sub, "")
                continue
            return (kind, target)
        return None

    def _run_rule(self, chain: Chain, idx: int, rule: Rule, depth: int) -> tuple[str, str] | None:
        text = rule.listing()
        notes: list[str] = []
        entry = TraceEntry(chain.name, idx, text, False)
        self.trace.append(entry)
        for e in rule.exprs:
            if isinstance(e, Match):
                if not self.match(e):
                    return None
            elif isinstance(e, SetMatch):
                if not self.set_contains(e.set_name, self.value(e.field)):
                    return None
            elif isinstance(e, MarkMatch):
                if (self.packet.mark & e.mask) != e.value:
                    return None
            elif isinstance(e, VmapLookup):
                key = tuple(self.value(k) for k in e.keys)
                m = self.table.sets.get(e.map_name)
                el = m.elements.get(key) if m else None
                shown = " . ".join(key)
                self.trace.append(TraceEntry(chain.name, -1, f"@{e.map_name}", el is not None,
                                             f"lookup {shown} -> {el.value if el else 'no element'}"))
                if el is None:
                    return None
                entry.matched = True
                entry.note = f"{shown} -> {el.value}"
                return self._verdict_text(el.value or "")
            elif isinstance(e, NumgenVmap):
                n = self.ctx.rng.randrange(len(e.targets))
                entry.matched = True
                entry.note = f"numgen {n} -> goto {e.targets[n]}"
                return ("goto", e.targets[n])
            elif isinstance(e, MarkSet):
                mark = self.packet.mark | e.value if e.op == "or" else self.packet.mark ^ e.value
                self.packet = replace(self.packet, mark=mark)
                notes.append(f"mark 0x{mark:08x}")
            elif isinstance(e, SetUpdate):
                s = self.table.sets.get(e.set_name)
                timeout = (s.timeout or 0) if s else 0
                self.table.dynamic.setdefault(e.set_name, {})[self.value(e.field)] = self.ctx.now + timeout
                notes.append(f"update @{e.set_name}")
            elif isinstance(e, Dnat):
                self.dnat = (e.addr, e.port)
                self.packet = replace(self.packet, dst=e.addr, dport=e.port)
                entry.matched = True
                entry.note = f"dnat to {e.addr}:{e.port}"
                return ("accept", "")
            elif isinstance(e, Masquerade):
                self.masq = True
                entry.matched = True
                entry.note = "masquerade"
                return ("accept", "")
            elif isinstance(e, VerdictExpr):
                entry.matched = True
                entry.note = "; ".join(notes)
                return (e.kind, e.target)
        entry.matched = True
        entry.note = "; ".join(notes)
        return ("continue", "")

    @staticmethod
    def _verdict_text(text: str) -> tuple[str, str]:
        parts = text.split(None, 1)
        return (parts[0], parts[1] if len(parts) > 1 else "")


def evaluate(table: Table, chain: str, packet: Packet, ctx: EvalContext) -> Verdict:
    """Run one chain as a base chain would (falling off the end = policy accept)."""
    walk = _Walk(table, packet, ctx)
    kind = walk.run_chain(table.chains[chain]) or "accept"
    return Verdict(kind, walk.packet, walk.dnat, walk.masq, walk.trace, walk.rules)


def run_hook(table: Table, hook: str, packet: Packet, ctx: EvalContext) -> Verdict:
    """Run every base chain on `hook` (prerouting, input, forward, output, postrouting).

    SIMPLIFICATION: nat chains only see packets whose ct_state is "new";
    the dataplane's conntrack applies the recorded NAT to the rest of the
    connection, as the kernel does.
    """
    walk = _Walk(table, packet, ctx)
    for chain in table.base_chains(hook):
        assert chain.base is not None
        if chain.base.type == "nat" and walk.packet.ct_state != "new":
            continue
        kind = walk.run_chain(chain)
        if kind is None:
            walk.trace.append(TraceEntry(chain.name, -1, f"policy {chain.base.policy}", True))
            kind = chain.base.policy
        if kind in ("drop", "reject"):
            return Verdict(kind, walk.packet, walk.dnat, walk.masq, walk.trace, walk.rules)
    return Verdict("accept", walk.packet, walk.dnat, walk.masq, walk.trace, walk.rules)
