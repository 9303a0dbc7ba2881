"""Packets through IPVS mode: the iptables part with ipset matches, and the
IPVS scheduler at LOCAL_IN / LOCAL_OUT.

* ``walk(tables, sets, table, chain, pkt, ctx, ...)`` / ``run_hook(...)``:
  the iptables walk of lab.sim.proxy.iptables.evaluate (same Verdict and
  TraceStep), plus the matches IPVS mode writes: `-m set --match-set NAME
  FLAGS` (looked up in the node's ipsets), `-m physdev ! --physdev-is-in`
  and `-m ipvs --vaddr/--vproto/--vport`.
* ``schedule(vs, pkt, state, now) -> RealServer | None``: the kernel's
  schedulers (net/netfilter/ipvs/ip_vs_*.c): rr and wrr keep per-virtual-
  server position, lc/wlc/sed/nq compare (ActiveConn, InActConn) overheads
  over weights (first best wins), sh/dh hash the client/virtual address
  into a 256-bucket table. No scheduler kube-proxy offers is random, so no
  RNG is needed here.
* ``IpvsState``: the connection table (ActiveConn/InActConn per real
  server), persistence templates (ClientIP affinity: one per client address
  and virtual server, for `persistent` seconds of the virtual clock) and the
  schedulers' positions, all plain data (``to_state``/``from_state``).

SIMPLIFICATION: the kernel keeps real servers in insertion order, which for
kube-proxy is Go map order (random); here they are in `ipvsadm` listing
order, so rr starts at the lowest address.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import gcd
from typing import Any

from ..iptables.evaluate import EvalContext, Packet, RecentState, TraceStep, Verdict, rule_matches
from ..iptables.model import Rule, Table
from .model import IpSet, RealServer, VirtualServer, sorted_dests

HOOK_TABLES: dict[str, tuple[str, ...]] = {
    "PREROUTING": ("raw", "mangle", "nat"),
    "INPUT": ("mangle", "filter", "security", "nat"),
    "FORWARD": ("mangle", "filter", "security"),
    "OUTPUT": ("raw", "mangle", "nat", "filter", "security"),
    "POSTROUTING": ("mangle", "nat"),
}
CUSTOM = ("set", "physdev", "ipvs")
TCP_TIME_WAIT = 120.0      # ip_vs_proto_tcp: TIME_WAIT 2 min
TCP_ESTABLISHED = 900.0    # ESTABLISHED 15 min
UDP_TIMEOUT = 300.0        # UDP 5 min


# ---------------------------------------------------------------- iptables walk

class Matcher:
    """Rule matching with ipsets; caches each rule's standard part."""

    def __init__(self, sets: dict[str, IpSet]):
        self.sets = sets
        self._shadow: dict[int, tuple[Rule, Rule, tuple]] = {}

    def __call__(self, rule: Rule, pkt: Packet, ctx: EvalContext, recent: RecentState) -> bool:
        if not any(m.module in CUSTOM for m in rule.matches):
            return rule_matches(rule, pkt, ctx, recent)
        hit = self._shadow.get(id(rule))
        if hit is None or hit[0] is not rule:
            std = tuple(m for m in rule.matches if m.module not in CUSTOM)
            shadow = Rule(src=rule.src, src_inv=rule.src_inv, dst=rule.dst, dst_inv=rule.dst_inv,
                          in_if=rule.in_if, in_inv=rule.in_inv, out_if=rule.out_if, out_inv=rule.out_inv,
                          proto=rule.proto, proto_inv=rule.proto_inv, matches=std, target=rule.target)
            hit = (rule, shadow, tuple(m for m in rule.matches if m.module in CUSTOM))
            self._shadow[id(rule)] = hit
        if not rule_matches(hit[1], pkt, ctx, recent):
            return False
        for m in hit[2]:
            if m.module == "set":
                s = self.sets.get(m.get("name"))
                found = s is not None and s.contains(pkt, m.get("flags"))
                if found == bool(m.get("inv")):
                    return False
            elif m.module == "physdev":
                # SIMPLIFICATION: a packet "came in through a bridge port" when it entered from the pod bridge.
                is_in = pkt.in_if == "cni0" or pkt.in_if.startswith("veth")
                if is_in == bool(m.get("inv")):
                    return False
            elif m.module == "ipvs":
                # SIMPLIFICATION: xt_ipvs reads the IPVS connection; we compare the packet's own destination.
                if not (pkt.dst == m.get("vaddr") and pkt.dport == m.get("vport")
                        and pkt.proto == m.get("vproto").lower()):
                    return False
        return True


def walk(tables: dict[str, Table], matcher: Matcher, table: str, chain: str, pkt: Packet, ctx: EvalContext,
         recent: RecentState, trace: list[TraceStep] | None = None) -> Verdict:
    """Run `chain` of `table` (netfilter semantics as in iptables/evaluate.py)."""
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
        matched = matcher(rule, pkt, ctx, recent)
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
                i = len(cur.rules)
        elif name == "MARK":
            pkt = replace(pkt, mark=(pkt.mark & ~tg.get("mask") & 0xFFFFFFFF) ^ tg.get("value"))
            result.packet = pkt
            i += 1
        elif name == "DNAT":
            ip, _, port = tg.get("to").rpartition(":")
            pkt = replace(pkt, dst=ip.strip("[]"), dport=int(port) if port else pkt.dport, dnat=True)
            result.packet, result.dnat = pkt, tg.get("to")
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
            # SIMPLIFICATION: targets we do not model (LOG, CT ...) are no-ops.
            i += 1


def run_hook(tables: dict[str, Table], matcher: Matcher, hook: str, pkt: Packet, ctx: EvalContext,
             recent: RecentState, trace: list[TraceStep] | None = None) -> Verdict:
    """Every table at `hook` in priority order; nat sees only NEW connections."""
    trace = [] if trace is None else trace
    final = Verdict("ACCEPT", pkt, trace)
    for tname in HOOK_TABLES[hook]:
        if tname not in tables or hook not in tables[tname].chains:
            continue
        if tname == "nat" and pkt.ctstate != "NEW":
            continue
        v = walk(tables, matcher, tname, hook, pkt, ctx, recent, trace)
        pkt = final.packet = v.packet
        final.dnat = final.dnat or v.dnat
        final.snat = final.snat or v.snat
        final.masqueraded = final.masqueraded or v.masqueraded
        if v.verdict != "ACCEPT":
            final.verdict = v.verdict
            return final
    return final


def walk_hook_tables(rs: Any, hook: str, tables: tuple[str, ...], pkt: Packet, ctx: EvalContext,
                     trace: list[TraceStep]) -> Verdict:
    """The tables of `tables` registered at `hook`, in that order (IPVS sits
    between nat and filter at LOCAL_OUT, so OUTPUT is run in two parts)."""
    final = Verdict("ACCEPT", pkt, trace)
    for tname in tables:
        if tname not in rs.tables or hook not in rs.tables[tname].chains:
            continue
        if tname == "nat" and pkt.ctstate != "NEW":
            continue
        v = walk(rs.tables, rs._matcher, tname, hook, pkt, ctx, rs.recent, trace)
        pkt = final.packet = v.packet
        final.dnat = final.dnat or v.dnat
        final.snat = final.snat or v.snat
        final.masqueraded = final.masqueraded or v.masqueraded
        if v.verdict != "ACCEPT":
            final.verdict = v.verdict
            return final
    return final


# ---------------------------------------------------------------- IPVS state

@dataclass
class IpvsState:
    """Connections, persistence templates and scheduler positions (plain data)."""

    conns: dict[str, dict[str, Any]] = field(default_factory=dict)      # id -> entry
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)  # "vs|client ip" -> {real, expires}
    sched: dict[str, Any] = field(default_factory=dict)                 # vs key -> scheduler data
    next_id: int = 1

    def to_state(self) -> dict[str, Any]:
        return {"conns": {k: dict(v) for k, v in self.conns.items()},
                "templates": {k: dict(v) for k, v in self.templates.items()},
                "sched": {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in self.sched.items()},
                "next_id": self.next_id}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> "IpvsState":
        return cls({k: dict(v) for k, v in data.get("conns", {}).items()},
                   {k: dict(v) for k, v in data.get("templates", {}).items()},
                   dict(data.get("sched", {})), int(data.get("next_id", 1)))


def _available(r: RealServer) -> bool:
    return r.weight > 0


def _hash32(val: int) -> int:
    """The kernel's hash_32(val, 8) (GOLDEN_RATIO_32)."""
    return ((val * 0x61C88647) & 0xFFFFFFFF) >> 24


def _ip4(ip: str) -> int:
    a, b, c, d = (int(x) for x in ip.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def _bucket_table(reals: list[RealServer], weighted: bool) -> list[RealServer]:
    """ip_vs_sh_reassign / ip_vs_dh_reassign: 256 buckets filled round the list."""
    table: list[RealServer] = []
    i = count = 0
    for _ in range(256):
        r = reals[i % len(reals)]
        table.append(r)
        count += 1
        if not weighted or count >= max(r.weight, 1):
            i += 1
            count = 0
    return table


def schedule(vs: VirtualServer, pkt: Packet, state: IpvsState) -> RealServer | None:
    """Pick a real server for a new connection (see the module docstring)."""
    reals = sorted_dests(vs.reals)
    if not reals:
        return None
    s = vs.scheduler
    if s in ("rr", "wrr"):
        data = state.sched.get(vs.key)
        if s == "rr":
            last = data if isinstance(data, str) else None
            start = next((k for k, r in enumerate(reals) if r.address == last), -1)
            for step in range(1, len(reals) + 1):
                r = reals[(start + step) % len(reals)]
                if _available(r):
                    state.sched[vs.key] = r.address
                    return r
            return None
        weights = [r.weight for r in reals]
        mw = max(weights)
        if mw <= 0:
            return None
        di = 0
        for w in weights:
            di = gcd(di, w) if w else di
        pos, cw = (data if isinstance(data, list) else [-1, mw])
        for _ in range(len(reals) * (mw // max(di, 1) + 1) + 1):
            pos += 1
            if pos >= len(reals):
                pos = -1
                cw -= di
                if cw <= 0:
                    cw = mw
                continue
            if reals[pos].weight >= cw:
                state.sched[vs.key] = [pos, cw]
                return reals[pos]
        return None
    if s in ("sh", "dh", "mh"):
        # SIMPLIFICATION: mh (Maglev) is modelled as source hashing.
        table = _bucket_table(reals, weighted=(s != "dh"))
        if s == "dh":
            r = table[(_ip4(pkt.dst) * 2654435761) & 0xFF]
        else:
            r = table[_hash32(_ip4(pkt.src))]
        return r if _available(r) else None
    # lc, wlc, sed, nq (and lblc/lblcr, SIMPLIFICATION: treated as wlc).
    best: RealServer | None = None
    best_oh = 0
    for r in reals:
        if not _available(r):
            continue
        if s == "lc":
            oh = (r.active_conns << 8) + r.inactive_conns
            if best is None or oh < best_oh:
                best, best_oh = r, oh
            continue
        if s == "nq" and r.active_conns == 0:
            return r
        oh = r.active_conns + 1 if s in ("sed", "nq") else (r.active_conns << 8) + r.inactive_conns
        if best is None or best_oh * r.weight > oh * best.weight:
            best, best_oh = r, oh
    return best


# ---------------------------------------------------------------- connections

def _conn_key(vs: VirtualServer, pkt: Packet) -> str:
    return f"{vs.key}|{pkt.src}:{pkt.sport}"


def lookup(state: IpvsState, vs: VirtualServer, pkt: Packet) -> dict[str, Any] | None:
    """The oldest connection entry of `pkt`'s client through `vs`."""
    key = _conn_key(vs, pkt)
    for c in state.conns.values():
        if c["key"] == key:
            return c
    return None


def open_connection(vs: VirtualServer, pkt: Packet, state: IpvsState, now: float) -> tuple[RealServer | None, str]:
    """A new connection through `vs`: persistence first, then the scheduler.

    Returns (real server or None, how it was chosen: "persistent" | scheduler name | "none")."""
    how = vs.scheduler
    real: RealServer | None = None
    tkey = f"{vs.key}|{pkt.src}"
    if vs.persistent:
        tpl = state.templates.get(tkey)
        if tpl is not None and tpl["expires"] > now:
            cand = vs.real(tpl["real"])
            if cand is not None and _available(cand):
                real, how = cand, "persistent"
    if real is None:
        real = schedule(vs, pkt, state)
        if real is None:
            return None, "none"
        if vs.persistent:
            if tkey not in state.templates:
                real.persist_conns += 1
            state.templates[tkey] = {"real": real.address, "vs": vs.key, "expires": now + vs.persistent}
    elif vs.persistent:
        state.templates[tkey]["expires"] = now + vs.persistent
    udp = pkt.proto != "tcp"
    cid = str(state.next_id)
    state.next_id += 1
    state.conns[cid] = {"key": _conn_key(vs, pkt), "vs": vs.key, "real": real.address, "proto": pkt.proto,
                        "active": not udp, "expires": now + (UDP_TIMEOUT if udp else TCP_ESTABLISHED)}
    if udp:
        real.inactive_conns += 1
    else:
        real.active_conns += 1
    vs.stats.add(conns=1)
    real.stats.add(conns=1)
    return real, how


def close_connection(services: dict[str, VirtualServer], state: IpvsState, conn_id: str, now: float) -> None:
    """A TCP connection ends: it moves to TIME_WAIT (InActConn) until it expires."""
    c = state.conns.get(conn_id)
    if c is None or not c["active"]:
        return
    c["active"] = False
    c["expires"] = now + TCP_TIME_WAIT
    vs = services.get(c["vs"])
    real = vs.real(c["real"]) if vs else None
    if real is not None:
        real.active_conns -= 1
        real.inactive_conns += 1


def expire(services: dict[str, VirtualServer], state: IpvsState, now: float) -> None:
    """Drop connections and templates whose timers ran out (a template lives
    on while connections it controls exist)."""
    for cid in [k for k, c in state.conns.items() if c["expires"] <= now]:
        c = state.conns.pop(cid)
        vs = services.get(c["vs"])
        real = vs.real(c["real"]) if vs else None
        if real is not None:
            if c["active"]:
                real.active_conns -= 1
            else:
                real.inactive_conns -= 1
    live = {c["key"].rsplit(":", 1)[0] for c in state.conns.values()}
    for tkey in [k for k, t in state.templates.items() if t["expires"] <= now and k not in live]:
        t = state.templates.pop(tkey)
        vs = services.get(t["vs"])
        real = vs.real(t["real"]) if vs else None
        if real is not None:
            real.persist_conns -= 1
