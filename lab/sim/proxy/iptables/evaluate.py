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
from bisect import bisect_left
from functools import lru_cache
from typing import Any, Callable

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
    skipped: int = 0                 # lean walks: rules looked at but left out of the trace
    skipped_in: set[str] = field(default_factory=set)    # "table/chain" where they were

    @property
    def rules_evaluated(self) -> int:
        """Every rule the kernel looked at (a linear scan), traced or not."""
        return len(self.trace) + self.skipped


RecentState = dict[str, dict[str, float]]

#: chains shorter than this are walked rule by rule even in a lean walk
INDEX_MIN_RULES = 32
_PURE = frozenset({"comment", "nfacct", "addrtype", "conntrack", "mark"})


def _index_key(rule: Rule) -> tuple | None:
    """What a packet must have for `rule` to possibly match, decided by tests
    with no side effects before any that has one (statistic, recent): its
    destination (`-d A/32`) or its protocol and destination port (`-p P -m P
    --dport N`); None when the rule must always be tried."""
    if rule.dst and not rule.dst_inv and rule.dst.endswith("/32"):
        return ("d", rule.dst[:-3])
    if not rule.proto or rule.proto_inv:
        return None
    for m in rule.matches:
        if m.module == rule.proto:
            spec = m.get("dport")
            if spec is None or m.get("dport_inv") or not spec.isdigit():
                return None
            return ("p", rule.proto, int(spec))
        if m.module not in _PURE:
            return None
    return None


def chain_index(chain: Any) -> tuple[list[int], dict[tuple, list[int]]] | None:
    """(rules always tried, rule numbers by `_index_key`) of a long chain,
    cached on the chain while its rule list is the same list of the same
    length (as Chain.save_text is); None for a short chain. Each rule's key is
    remembered on the rule: rules outlive the lists a partial sync splices
    them into, and those lists' indexes are built again."""
    rules = chain.rules
    if len(rules) < INDEX_MIN_RULES:
        return None
    cached = chain._index
    if cached is not None and cached[0] is rules and cached[1] == len(rules):
        return cached[2]
    always: list[int] = []
    by_key: dict[tuple, list[int]] = {}
    for i, r in enumerate(rules):
        k = r._ikey
        if k is False:
            k = r._ikey = _index_key(r)
        if k is None:
            always.append(i)
        else:
            by_key.setdefault(k, []).append(i)
    idx = (always, by_key)
    chain._index = (rules, len(rules), idx)
    return idx


def _candidates(idx: tuple[list[int], dict[tuple, list[int]]], pkt: "Packet") -> list[int]:
    always, by_key = idx
    a = by_key.get(("d", pkt.dst), ())
    b = by_key.get(("p", pkt.proto, pkt.dport), ())
    if not a and not b:
        return always
    return sorted([*always, *a, *b])


@lru_cache(maxsize=4096)
def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


@lru_cache(maxsize=65536)
def _in(addr: str, cidr: str) -> bool:
    """Is `addr` in `cidr` (pure, so remembered: the same few pairs come back on every walk)."""
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
             recent_state: RecentState, trace: list[TraceStep] | None = None, lean: bool = False,
             result: Verdict | None = None) -> Verdict:
    """Run `chain` of `table` on `pkt`; see the module docstring.

    `lean`: in long chains (INDEX_MIN_RULES rules or more) go straight to the
    rules whose destination or destination port could match (`chain_index`);
    the rules passed over cannot match and have no side effects, so verdict,
    packet, counters and the trace of every rule that matched are those of a
    rule-by-rule walk; they are counted in `Verdict.skipped` (and their chain
    in `skipped_in`) instead of being traced one by one."""
    t = tables[table]
    trace = [] if trace is None else trace
    if result is None:
        result = Verdict("ACCEPT", pkt, trace)
    else:
        result.verdict, result.packet, result.trace = "ACCEPT", pkt, trace
        result.dnat = result.snat = None
        result.masqueraded = False
    stack: list[tuple[str, int]] = []
    cur = t.chains[chain]
    i = 0
    cands: dict[str, list[int] | None] = {}
    while True:
        if lean:
            cl = cands.get(cur.name, False)
            if cl is False:
                idx = chain_index(cur)
                cl = cands[cur.name] = None if idx is None else _candidates(idx, pkt)
            if cl is not None:
                j = bisect_left(cl, i)
                nxt = cl[j] if j < len(cl) else len(cur.rules)
                if nxt > i:
                    result.skipped += nxt - i
                    result.skipped_in.add(f"{table}/{cur.name}")
                    i = nxt
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
        cur.bump(i, pkt.length)
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
             recent_state: RecentState, lean: bool = False) -> Verdict:
    """Run every table registered at `hook` (netfilter priority order); `lean` as in `evaluate`."""
    trace: list[TraceStep] = []
    final = Verdict("ACCEPT", pkt, trace)
    counts = Verdict("ACCEPT", pkt, trace)
    for tname in HOOK_TABLES[hook]:
        if tname not in tables or hook not in tables[tname].chains:
            continue
        if tname == "nat" and pkt.ctstate != "NEW":
            continue
        v = evaluate(tables, tname, hook, pkt, ctx, recent_state, trace, lean, counts)
        final.skipped, final.skipped_in = v.skipped, v.skipped_in
        pkt = v.packet
        final.packet = pkt
        final.dnat = final.dnat or v.dnat
        final.snat = final.snat or v.snat
        final.masqueraded = final.masqueraded or v.masqueraded
        if v.verdict != "ACCEPT":
            final.verdict = v.verdict
            return final
    return final
