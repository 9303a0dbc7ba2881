"""Walk a packet through iptables chains with netfilter semantics.

`evaluate(tables, table, chain, packet, ctx)` runs one chain of one table:
rules are tried in order (IP header first, then each match in written
order, stopping at the first that fails, so `-m recent --set` only acts on
packets that got that far); a jump pushes the calling position, RETURN or
the end of a user chain pops it, the end of a built-in chain applies its
policy. ACCEPT/DROP/REJECT end the table; DNAT/SNAT/MASQUERADE end a nat
chain with ACCEPT after rewriting the packet; MARK rewrites the mark and
goes on. Every rule looked at is put in the trace, every rule that matched
has its packet/byte counters incremented.

`run_hook(tables, hook, packet, ctx)` runs each table registered at a hook
in netfilter priority order (raw, mangle, nat DNAT, filter, nat SNAT). The
nat table sees only the first packet of a connection (ctstate NEW), as in
the kernel, where later packets follow the conntrack entry.

`-m recent` lists are plain data, {list name: {source IP: last seen}},
kept on the ruleset and persisted with it.
"""
from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field, replace
from typing import Callable

from .model import Rule, Table

HOOK_TABLES: dict[str, tuple[str, ...]] = {
    "PREROUTING": ("raw", "mangle", "nat"),
    "INPUT": ("mangle", "filter", "security", "nat"),
    "FORWARD": ("mangle", "filter", "security"),
    "OUTPUT": ("raw", "mangle", "nat", "filter", "security"),
    "POSTROUTING": ("mangle", "nat"),
}


@dataclass(frozen=True)
class Packet:
    """The fields netfilter looks at. `ctstate` is the conntrack state of
    the packet's connection; `dnat`/`snat` say whether its conntrack entry
    already carries a NAT (ctstate DNAT / SNAT)."""

    src: str
    dst: str
    proto: str = "tcp"
    sport: int = 40000
    dport: int = 80
    mark: int = 0
    in_if: str = ""
    out_if: str = ""
    ctstate: str = "NEW"
    length: int = 60
    dnat: bool = False
    snat: bool = False


@dataclass
class EvalContext:
    """Node facts the rules ask about, and the caller's randomness and time."""

    rng: random.Random
    local_addresses: frozenset[str] | set[str] = frozenset()
    now: float = 0.0                              # virtual seconds, for -m recent
    masquerade_address: Callable[[Packet], str] | None = None   # source IP MASQUERADE picks
    node_ip: str = ""

    def is_local(self, addr: str) -> bool:
        return addr in self.local_addresses or addr.startswith("127.")


@dataclass(frozen=True)
class TraceStep:
    table: str
    chain: str
    index: int          # 1-based rule number, 0 for the chain policy
    rule: str           # the rule in iptables-save form ("-A CHAIN ...") or the policy
    matched: bool


@dataclass
class Verdict:
    verdict: str                     # ACCEPT | DROP | REJECT
    packet: Packet
    trace: list[TraceStep] = field(default_factory=list)
    dnat: str | None = None          # "ip:port" the packet was DNATed to
    snat: str | None = None          # new source address (SNAT/MASQUERADE)
    masqueraded: bool = False


RecentState = dict[str, dict[str, float]]


def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _in(addr: str, cidr: str) -> bool:
    if cidr.endswith("/32") or cidr.endswith("/128"):
        return addr == cidr.rsplit("/", 1)[0]
    return ipaddress.ip_address(addr) in _net(cidr)


def _iface(name: str, pattern: str) -> bool:
    if pattern.endswith("+"):
        return name.startswith(pattern[:-1])
    return name == pattern


def _port_in(port: int, spec: str) -> bool:
    lo, _, hi = spec.partition(":")
    return int(lo or 0) <= port <= int(hi or 65535) if hi or ":" in spec else port == int(lo)


def rule_matches(rule: Rule, pkt: Packet, ctx: EvalContext, recent_state: RecentState) -> bool:
    if rule.src and _in(pkt.src, rule.src) == rule.src_inv:
        return False
    if rule.dst and _in(pkt.dst, rule.dst) == rule.dst_inv:
        return False
    if rule.in_if and _iface(pkt.in_if, rule.in_if) == rule.in_inv:
        return False
    if rule.out_if and _iface(pkt.out_if, rule.out_if) == rule.out_inv:
        return False
    if rule.proto and (pkt.proto == rule.proto) == rule.proto_inv:
        return False
    for m in rule.matches:
        mod, g = m.module, m.get
        if mod == "comment" or mod == "nfacct":
            continue
        if mod in ("tcp", "udp", "sctp"):
            if pkt.proto != mod:
                return False
            for key, port in (("sport", pkt.sport), ("dport", pkt.dport)):
                spec = g(key)
                if spec is not None and _port_in(port, spec) == bool(g(key + "_inv")):
                    return False
        elif mod == "addrtype":
            if g("src_type") == "LOCAL" and ctx.is_local(pkt.src) == bool(g("src_inv")):
                return False
            if g("dst_type") == "LOCAL" and ctx.is_local(pkt.dst) == bool(g("dst_inv")):
                return False
        elif mod == "conntrack":
            states = {pkt.ctstate}
            if pkt.dnat:
                states.add("DNAT")
            if pkt.snat:
                states.add("SNAT")
            if bool(states & set(g("ctstate"))) == bool(g("inv")):
                return False
        elif mod == "mark":
            if ((pkt.mark & g("mask")) == g("value")) == bool(g("inv")):
                return False
        elif mod == "statistic":
            # xt_statistic: (prandom_u32() & 0x7FFFFFFF) < probability
            if ctx.rng.getrandbits(31) >= g("prob"):
                return False
        elif mod == "recent":
            cmd = g("cmd")
            if cmd == "set":
                recent_state.setdefault(g("name"), {})[pkt.src] = ctx.now
                continue
            lst = recent_state.get(g("name"), {})
            seen = lst.get(pkt.src)
            seconds = g("seconds")
            hit = seen is not None and (not seconds or seen > ctx.now - seconds)
            if g("reap") and seconds:
                for ip in [ip for ip, t in lst.items() if t <= ctx.now - seconds]:
                    del lst[ip]
            if cmd == "update" and hit:
                lst[pkt.src] = ctx.now
            if cmd == "remove" and hit:
                del lst[pkt.src]
            if not hit:
                return False
        else:
            return False
    return True


def evaluate(tables: dict[str, Table], table: str, chain: str, pkt: Packet, ctx: EvalContext,
             recent_state: RecentState, trace: list[TraceStep] | None = None) -> Verdict:
    """Run `chain` of `table` on `pkt`; see the module docstring."""
    t = tables[table]
    trace = [] if trace is None else trace
    result = Verdict("ACCEPT", pkt, trace)
    stack: list[tuple[str, int]] = []
    cur = t.chains[chain]
    i = 0
    while True:
        if i >= len(cur.rules):
            if stack:
                name, i = stack.pop()
                cur = t.chains[name]
                continue
            if cur.policy is not None:
                cur.policy_counters[0] += 1
                cur.policy_counters[1] += pkt.length
                trace.append(TraceStep(table, cur.name, 0, f"-P {cur.name} {cur.policy}", True))
                result.verdict = cur.policy
            return result
        rule = cur.rules[i]
        matched = rule_matches(rule, pkt, ctx, recent_state)
        trace.append(TraceStep(table, cur.name, i + 1, f"-A {cur.name} {rule.save_args()}", matched))
        if not matched:
            i += 1
            continue
        cnt = cur.ensure_counters()[i]
        cnt[0] += 1
        cnt[1] += pkt.length
        tg = rule.target
        name = tg.name
        if not name:
            i += 1
        elif name in ("ACCEPT", "DROP", "REJECT"):
            result.verdict = name
            return result
        elif name == "RETURN":
            if stack:
                cname, i = stack.pop()
                cur = t.chains[cname]
            else:
                i = len(cur.rules)   # fall to the policy
        elif name == "MARK":
            pkt = replace(pkt, mark=(pkt.mark & ~tg.get("mask") & 0xFFFFFFFF) ^ tg.get("value"))
            result.packet = pkt
            i += 1
        elif name == "DNAT":
            to = tg.get("to")
            ip, _, port = to.rpartition(":")
            pkt = replace(pkt, dst=ip.strip("[]"), dport=int(port) if port else pkt.dport, dnat=True)
            result.packet, result.dnat = pkt, to
            return result
        elif name in ("SNAT", "MASQUERADE"):
            if name == "SNAT":
                new_src = tg.get("to").split(":")[0]
            else:
                new_src = ctx.masquerade_address(pkt) if ctx.masquerade_address else ctx.node_ip
                result.masqueraded = True
            sport = ctx.rng.randint(1024, 65535) if tg.get("random_fully") else pkt.sport
            pkt = replace(pkt, src=new_src, sport=sport, snat=True)
            result.packet, result.snat = pkt, new_src
            return result
        elif name in t.chains:
            stack.append((cur.name, i + 1))
            cur = t.chains[name]
            i = 0
        else:
            # SIMPLIFICATION: targets we do not model (LOG, CT ...) are treated as no-ops.
            i += 1


def run_hook(tables: dict[str, Table], hook: str, pkt: Packet, ctx: EvalContext,
             recent_state: RecentState) -> Verdict:
    """Run every table registered at `hook` (netfilter priority order)."""
    trace: list[TraceStep] = []
    final = Verdict("ACCEPT", pkt, trace)
    for tname in HOOK_TABLES[hook]:
        if tname not in tables or hook not in tables[tname].chains:
            continue
        if tname == "nat" and pkt.ctstate != "NEW":
            continue
        v = evaluate(tables, tname, hook, pkt, ctx, recent_state, trace)
        pkt = v.packet
        final.packet = pkt
        final.dnat = final.dnat or v.dnat
        final.snat = final.snat or v.snat
        final.masqueraded = final.masqueraded or v.masqueraded
        if v.verdict != "ACCEPT":
            final.verdict = v.verdict
            return final
    return final
