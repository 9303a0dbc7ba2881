"""kube-proxy's IPVS mode: the digest -> a node's virtual servers, ipsets,
kube-ipvs0 addresses and the (constant-size) iptables rules.

Mirrors pkg/proxy/ipvs/proxier.go syncProxyRules / writeIptablesRules /
syncEndpoint (v1.32):

* per service port a virtual server on the ClusterIP (bound to kube-ipvs0),
  on each externalIP and LoadBalancer ingress IP (bound unless the address
  is already on another interface of the node), and for a NodePort one per
  node address (every local address but kube-ipvs0's, or those matching
  nodePortAddresses); scheduler from the config (default rr), `persistent
  <timeout>` for ClientIP affinity, `mh-port` with mh;
* real servers: the endpoints CategorizeEndpoints selects (Local policy: the
  local ones, or all when there are none), weight 1, Masq; a TCP real server
  that goes away while it still has connections is kept at weight 0
  (graceful termination);
* the ipsets of ipsetInfo and the iptables rules written from them.

Because an externalIP is bound to kube-ipvs0 on every node where it is not
already an interface address, an externalIP equal to another node's IP
becomes a local address on all nodes: traffic from those nodes to that node
IP stays on the node that sends it.

Virtual servers keep their counters and connections across syncs (the
kernel's IPVS table outlives each sync); each service port's part is cached
and reused by a partial sync when neither the Service nor its endpoints
changed.
"""
from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable

from ..base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from ..iptables.baseline import baseline_tables
from ..iptables.evaluate import EvalContext, Packet, TraceStep, Verdict
from ..iptables.model import (Chain, Rule, Table, addrtype, comment, conntrack, jump, mark_match, mark_or,
                              mark_xor, masquerade, no_gc, render_list, render_rules_spec, render_save, Target)
from ..iptables.proxier import categorize
from ..layered import LayeredDict
from . import evaluate as ev
from .model import (IPSET_INFO, IpSet, IpvsMatch, PhysdevMatch, RealServer, SetMatch, Stats, VirtualServer,
                    initval_for, kube_ipvs0_block, render_ipset, render_ipvsadm)

DUMMY = "kube-ipvs0"

# (table, from, to, comment) in iptablesJumpChain order; each is prepended.
JUMPS = (
    ("nat", "OUTPUT", "KUBE-SERVICES", "kubernetes service portals"),
    ("nat", "PREROUTING", "KUBE-SERVICES", "kubernetes service portals"),
    ("nat", "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules"),
    ("filter", "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules"),
    ("filter", "INPUT", "KUBE-NODE-PORT", "kubernetes health check rules"),
    ("filter", "INPUT", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules"),
    ("filter", "FORWARD", "KUBE-PROXY-FIREWALL", "kube-proxy firewall rules"),
    ("filter", "INPUT", "KUBE-IPVS-FILTER", "kubernetes ipvs access filter"),
    ("filter", "OUTPUT", "KUBE-IPVS-OUT-FILTER", "kubernetes ipvs access filter"),
)
NAT_CHAINS = ("KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ")
FILTER_CHAINS = ("KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL",
                 "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER")

# ipsetWithIptablesChain: (set, table, from, to, match flags, protocol).
SET_CHAIN_RULES = (
    ("KUBE-LOOP-BACK", "nat", "KUBE-POSTROUTING", "MASQUERADE", "dst,dst,src", ""),
    ("KUBE-LOAD-BALANCER", "nat", "KUBE-SERVICES", "KUBE-LOAD-BALANCER", "dst,dst", ""),
    ("KUBE-LOAD-BALANCER-LOCAL", "nat", "KUBE-LOAD-BALANCER", "RETURN", "dst,dst", ""),
    ("KUBE-NODE-PORT-LOCAL-TCP", "nat", "KUBE-NODE-PORT", "RETURN", "dst", "tcp"),
    ("KUBE-NODE-PORT-TCP", "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "tcp"),
    ("KUBE-NODE-PORT-LOCAL-UDP", "nat", "KUBE-NODE-PORT", "RETURN", "dst", "udp"),
    ("KUBE-NODE-PORT-UDP", "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "udp"),
    ("KUBE-NODE-PORT-LOCAL-SCTP-HASH", "nat", "KUBE-NODE-PORT", "RETURN", "dst,dst", "sctp"),
    ("KUBE-NODE-PORT-SCTP-HASH", "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst,dst", "sctp"),
    ("KUBE-LOAD-BALANCER-FW", "filter", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "dst,dst", ""),
    ("KUBE-LOAD-BALANCER-SOURCE-CIDR", "filter", "KUBE-SOURCE-RANGES-FIREWALL", "RETURN", "dst,dst,src", ""),
    ("KUBE-LOAD-BALANCER-SOURCE-IP", "filter", "KUBE-SOURCE-RANGES-FIREWALL", "RETURN", "dst,dst,src", ""),
)
COMMENTS = {name: text for name, _, text in IPSET_INFO}
TCP_CLOSE = 10.0        # ip_vs_proto_tcp: CLOSE 10 s
TCP_SYN_RECV = 60.0     # SYN_RECV 1 min


def node_addresses(node: NodeContext) -> list[str]:
    """The node's own interface addresses (GetAllLocalAddressesExcept(kube-ipvs0),
    loopback excluded): eth0's node IP, and on a flannel node flannel.1 (the pod
    CIDR's network address) and cni0 (its first host)."""
    out = [node.ip] if node.ip else []
    if node.pod_cidr:
        net = ipaddress.ip_network(node.pod_cidr, strict=False)
        out += [str(net.network_address), str(net.network_address + 1)]
    return out


def _ip_key(ip: str) -> tuple[int, int]:
    a = ipaddress.ip_address(ip)
    return a.version, int(a)


def _sort_ips(ips: Iterable[str]) -> list[str]:
    return sorted(set(ips), key=lambda a: ipaddress.ip_address(a))


@dataclass
class _VSpec:
    """What one virtual server should be after this sync."""

    protocol: str
    ip: str
    port: int
    persistent: int
    kind: str
    service: str
    endpoints: tuple[str, ...]


@dataclass
class _Block:
    """One service port's contribution (cached between syncs)."""

    key: tuple
    vss: list[_VSpec] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)     # (set, entry)
    bind: list[str] = field(default_factory=list)
    lb_no_node_access: list[tuple[str, str, int]] = field(default_factory=list)


class IpvsRuleset:
    """A node's IPVS-mode state after a sync; see model.py / evaluate.py."""

    mode = "ipvs"

    def __init__(self, node: NodeContext, tables: dict[str, Table]):
        self.node = node
        self.tables = tables
        self.services: dict[str, VirtualServer] = {}      # by VirtualServer.key
        self.sets: dict[str, IpSet] = {}
        self.kube_ipvs0_addresses: list[str] = []
        self.node_addresses: list[str] = node_addresses(node)
        self.state = ev.IpvsState()
        self.recent: dict[str, dict[str, float]] = {}
        self._matcher = ev.Matcher(self.sets)
        self._blocks: dict[ServicePortName, _Block] = {}
        self._opts: tuple | None = None
        # partial-sync bookkeeping: ipset entry / kube-ipvs0 address counts per
        # set, virtual servers per key, the KUBE-IPVS-OUT-FILTER list, the
        # specs of virtual servers with real servers draining at weight 0
        self._counts: dict[str, dict[str, int]] | None = None
        self._vs_count: dict[str, int] = {}
        self._nna: list[tuple[str, str, int]] = []
        self._drain_specs: dict[str, _VSpec] = {}
        self._partial: tuple[list[_Block], list[_Block]] | None = None
        # to_state()'s virtual servers, kept between calls: `_vs_dirty` names the
        # ones to look at again (None: all)
        self._vs_cache: dict[str, Any] | None = None
        self._local_cache: tuple | None = None
        self._addr_keys: list[tuple[int, int]] | None = None    # _ip_key of kube_ipvs0_addresses, when kept
        self._vs_dirty: set[str] | None = None
        # whether `_vs_cache` is this ruleset's alone (a partial sync shares its
        # predecessor's until the first change, which copies it once)
        self._vs_owned = False

    # ------------------------------------------------------------ facts
    @property
    def local_addresses(self) -> frozenset[str]:
        """Every address `-m addrtype --dst-type LOCAL` sees: the node's and kube-ipvs0's."""
        return frozenset(self.node_addresses) | frozenset(self.kube_ipvs0_addresses)

    def addresses_with(self, base: frozenset[str]) -> frozenset[str]:
        """`base` (the node's other addresses) plus kube-ipvs0's, cached while
        both are the same (a big cluster binds every ClusterIP there)."""
        cached = self._local_cache
        addrs = self.kube_ipvs0_addresses
        if cached is None or cached[0] is not addrs or cached[1] != base:
            cached = self._local_cache = (addrs, base, base | frozenset(addrs))
        return cached[2]

    def context(self, rng: Any, now: float = 0.0) -> EvalContext:
        return EvalContext(rng=rng, local_addresses=self.local_addresses, now=now, node_ip=self.node.ip)

    def virtual_server(self, protocol: str, ip: str, port: int) -> VirtualServer | None:
        return self.services.get(f"{protocol.upper()}/{ip}:{port}")

    def set_references(self) -> dict[str, int]:
        refs: dict[str, int] = {}
        for t in self.tables.values():
            for c in t.chains.values():
                for r in c.rules:
                    for m in r.matches:
                        if m.module == "set":
                            refs[m.get("name")] = refs.get(m.get("name"), 0) + 1
        return refs

    # ------------------------------------------------------------ evaluation
    def evaluate(self, table: str, chain: str, packet: Packet, ctx: EvalContext) -> Verdict:
        return ev.walk(self.tables, self._matcher, table, chain, packet, ctx, self.recent)

    def run_hook(self, hook: str, packet: Packet, ctx: EvalContext) -> Verdict:
        return ev.run_hook(self.tables, self._matcher, hook, packet, ctx, self.recent)

    def ipvs(self, packet: Packet, now: float) -> tuple[str, VirtualServer | None, RealServer | None, str]:
        """IPVS at LOCAL_IN (remote clients) / LOCAL_OUT (this node's processes):
        ("none", None, None, "") when no virtual server owns the destination;
        ("reject", vs, None, "") when it has no usable real server (ip_vs_leave
        sends ICMP port unreachable); else ("ok", vs, real, how)."""
        self.expire(now)
        vs = self.virtual_server(packet.proto, packet.dst, packet.dport)
        if vs is None:
            return "none", None, None, ""
        self._touch(vs.key)
        conn = ev.lookup(self.state, vs, packet)
        if conn is not None:
            real = vs.real(conn["real"])
            if real is not None:
                return "ok", vs, real, "connection"
        real, how = ev.open_connection(vs, packet, self.state, now)
        if real is None:
            return "reject", vs, None, ""
        return "ok", vs, real, how

    def deliver(self, packet: Packet, ctx: EvalContext, local: bool = False) -> "PathResult":
        """A packet to one of this node's addresses, start to finish:
        remote: nat PREROUTING, filter INPUT, IPVS LOCAL_IN, nat POSTROUTING;
        local (sent by a process on the node): nat OUTPUT, IPVS LOCAL_OUT,
        filter OUTPUT, nat POSTROUTING. Masq rewrites the destination to the
        real server; KUBE-POSTROUTING masquerades marked and hairpin packets."""
        trace: list[TraceStep] = []
        first = "OUTPUT" if local else "PREROUTING"
        steps: list[str] = []
        pre = ev.run_hook(self.tables, self._matcher, first, packet, ctx, self.recent, trace) if not local else \
            ev.walk_hook_tables(self, "OUTPUT", ("raw", "mangle", "nat"), packet, ctx, trace)
        pkt = pre.packet
        if pre.verdict != "ACCEPT":
            return PathResult(pre.verdict, pkt, trace, steps)
        if not local:
            if not ctx.is_local(pkt.dst):
                return PathResult("FORWARD", pkt, trace, steps)
            inp = ev.run_hook(self.tables, self._matcher, "INPUT", pkt, ctx, self.recent, trace)
            pkt = inp.packet
            if inp.verdict != "ACCEPT":
                return PathResult(inp.verdict, pkt, trace, steps)
        status, vs, real, how = self.ipvs(pkt, ctx.now)
        if status == "none":
            if local:
                out = ev.walk_hook_tables(self, "OUTPUT", ("filter", "security"), pkt, ctx, trace)
                if out.verdict != "ACCEPT":
                    return PathResult(out.verdict, out.packet, trace, steps)
            return PathResult("LOCAL", pkt, trace, steps)
        steps.append(f"IPVS {vs.protocol}  {vs.address} {vs.scheduler}"
                     + (f" persistent {vs.persistent}" if vs.persistent else ""))
        if status == "reject":
            steps.append("  no destination available: ICMP port unreachable")
            return PathResult("REJECT", pkt, trace, steps, vs=vs)
        steps.append(f"  -> {real.address} ({how})")
        vs.stats.add(inpkts=1, inbytes=pkt.length)
        real.stats.add(inpkts=1, inbytes=pkt.length)
        pkt = replace(pkt, dst=real.ip, dport=real.port, dnat=True)
        if local:
            out = ev.walk_hook_tables(self, "OUTPUT", ("filter", "security"), pkt, ctx, trace)
            if out.verdict != "ACCEPT":
                return PathResult(out.verdict, out.packet, trace, steps, vs=vs, real=real)
            pkt = out.packet
        post = ev.run_hook(self.tables, self._matcher, "POSTROUTING", pkt, ctx, self.recent, trace)
        return PathResult(post.verdict, post.packet, trace, steps, vs=vs, real=real, masqueraded=post.masqueraded)

    def run_tables(self, hook: str, tables: tuple[str, ...], packet: Packet, ctx: EvalContext) -> Verdict:
        """Only `tables` of `hook`, in that order (IPVS sits between nat and filter at LOCAL_OUT)."""
        return ev.walk_hook_tables(self, hook, tables, packet, ctx, [])

    def ipvs_lookup(self, src: str, dst: str, dport: int, proto: str, now: float, rng: Any = None,
                    sport: int = 0) -> tuple[str, int] | str | None:
        """The dataplane's view of IPVS for a connection's first packet:
        (real ip, real port) from this ruleset's own connection table,
        persistence templates and scheduler (a new connection is counted
        in ActiveConn/InActConn and the stats as in `deliver`); "" when the
        virtual server has no usable real server (the kernel answers ICMP
        port unreachable); None when no virtual server owns dst:dport.
        No kube-proxy scheduler is random: `rng` is accepted and unused."""
        del rng
        pkt = Packet(src, dst, proto.lower(), sport, dport)
        status, vs, real, _ = self.ipvs(pkt, now)
        if status == "none":
            return None
        if status == "reject" or vs is None or real is None:
            return ""
        vs.stats.add(inpkts=1, inbytes=pkt.length)
        real.stats.add(inpkts=1, inbytes=pkt.length)
        return real.ip, real.port

    def ipvs_finish(self, src: str, sport: int, dst: str, dport: int, proto: str, outcome: str,
                    now: float) -> None:
        """How the connection `ipvs_lookup` opened ended, for its IPVS entry
        (ip_vs_proto_tcp's state timeouts): "connected" (the client closed
        it: TIME_WAIT, 2 min), "refused" (RST from the real server: CLOSE,
        10 s), else the SYN went unanswered (SYN_RECV, 1 min); all of them
        count in InActConn until they expire. UDP entries keep their timer.
        SIMPLIFICATION: the states in between (ESTABLISHED while the
        exchange runs, FIN_WAIT) last no virtual time here."""
        pkt = Packet(src, dst, proto.lower(), sport, dport)
        vs = self.virtual_server(pkt.proto, dst, dport)
        if vs is None or pkt.proto != "tcp":
            return
        conn = ev.lookup(self.state, vs, pkt)
        if conn is None or not conn["active"]:
            return
        self._touch(vs.key)
        cid = next(k for k, c in self.state.conns.items() if c is conn)
        ev.close_connection(self.services, self.state, cid, now)
        conn["expires"] = now + {"connected": ev.TCP_TIME_WAIT, "refused": TCP_CLOSE}.get(outcome, TCP_SYN_RECV)

    def ipvs_state(self) -> dict[str, Any]:
        """The kernel's IPVS table as plain data (virtual/real server counters, connections)."""
        return {"ipvs": self._vs_states(), "conns": self.state.to_state()}

    def close(self, packet: Packet, now: float) -> None:
        """The client closed the connection `packet` belongs to (TCP: to TIME_WAIT)."""
        vs = self.virtual_server(packet.proto, packet.dst, packet.dport)
        if vs is None:
            return
        conn = ev.lookup(self.state, vs, packet)
        if conn is not None:
            self._touch(conn["vs"])
            cid = next(k for k, c in self.state.conns.items() if c is conn)
            ev.close_connection(self.services, self.state, cid, now)

    def expire(self, now: float) -> None:
        if self._vs_dirty is not None:
            st = self.state
            self._vs_dirty.update(c["vs"] for c in st.conns.values())
            self._vs_dirty.update(t["vs"] for t in st.templates.values())
        ev.expire(self.services, self.state, now)

    def _touch(self, key: str) -> None:
        if self._vs_dirty is not None:
            self._vs_dirty.add(key)

    # ------------------------------------------------------------ rendering
    def save(self, now: datetime | None = None, table: str | None = None, counters: bool = False) -> str:
        return render_save(self.tables, now, counters, table)

    def ipset_save(self) -> str:
        return "".join(s.save() for s in self.sets.values())

    def restore_partial(self) -> str:
        """What the sync that built this ruleset wrote, in the tools' own
        notations: on a partial sync the changed ipset entries (`ipset
        restore` lines: del then add), the changed virtual and real servers
        (`ipvsadm -R` lines: -D for a removed one, -A/-a as `ipvsadm -S -n`
        prints them for the others) and the iptables rules, which kube-proxy
        writes whole on every sync (`iptables-restore` input); after a full
        sync the whole ipset save, ipvsadm save and iptables-save.

        SIMPLIFICATION: kube-proxy programs IPVS over netlink, not with
        ipvsadm; the ipvsadm form is how the same change is shown."""
        tables = self.save()
        if self._partial is None:
            return self.ipset_save() + render_ipvsadm(self.services.values(), ["-S", "-n"])[0] + tables
        gone, fresh = self._partial
        old = {(n, e) for b in gone for n, e in b.entries + [("KUBE-IPVS-IPS", ip) for ip in b.bind]}
        new = {(n, e) for b in fresh for n, e in b.entries + [("KUBE-IPVS-IPS", ip) for ip in b.bind]}
        lines = [f"del {n} {e}\n" for n, e in sorted(old - new) if e not in self.sets[n].entries]
        lines += [f"add {n} {e}\n" for n, e in sorted(new - old)]
        keys = [f"{s.protocol}/{s.ip}:{s.port}" for b in fresh for s in b.vss]
        for k in sorted({f"{s.protocol}/{s.ip}:{s.port}" for b in gone for s in b.vss} - set(keys)):
            proto, _, addr = k.partition("/")
            lines.append(f"-D {({'TCP': '-t', 'UDP': '-u'}).get(proto, '--sctp-service')} {addr}\n")
        vss = [self.services[k] for k in keys if k in self.services]
        lines.append(render_ipvsadm(vss, ["-S", "-n"])[0] if vss else "")
        return "".join(lines) + tables

    def render(self, tool: str, args: list[str], now: datetime | None = None) -> tuple[str, str, int]:
        """`ipvsadm`, `ipset`, `iptables-save`, `iptables`, `ip addr show kube-ipvs0`."""
        if tool == "ipvsadm":
            return render_ipvsadm(self.services.values(), args)
        if tool == "ipset":
            return render_ipset(self.sets, args, self.set_references())
        if tool == "ip":
            return kube_ipvs0_block(5, "00:00:00:00:00:00", self.kube_ipvs0_addresses), "", 0
        if tool in ("iptables-save", "iptables"):
            from ..iptables.proxier import IptablesRuleset
            shim = IptablesRuleset(self.tables, self.node)
            return shim.render(tool, args, now)
        return "", f"{tool}: command not found\n", 127

    # ------------------------------------------------------------ persistence
    def to_state(self) -> dict:
        counters: dict[str, Any] = {}
        for tname, t in self.tables.items():
            for c in t.chains.values():
                nz = [[i, p, b] for i, (p, b) in enumerate(c.counters or []) if p or b]
                if nz or any(c.policy_counters):
                    counters[f"{tname}/{c.name}"] = {"rules": nz, "policy": list(c.policy_counters)}
        return {"counters": counters, "ipvs": self._vs_states(), "conns": self.state.to_state()}

    @staticmethod
    def _vs_state(vs: VirtualServer) -> dict[str, Any]:
        return {"stats": vs.stats.as_list(),
                "reals": {r.address: {"weight": r.weight, "active": r.active_conns,
                                      "inactive": r.inactive_conns, "persist": r.persist_conns,
                                      "stats": r.stats.as_list()} for r in vs.reals}}

    def _vs_states(self) -> dict[str, Any]:
        """Every virtual server's counters by key (in table order). Only those
        a sync, a packet or a timer touched since the last call are read again.
        The dict returned is the live table: a later call on this ruleset updates
        it in place (callers keep it as the current state, as the dataplane's
        mirror does); one shared with the ruleset a partial sync started from
        is copied before its first change."""
        cache, dirty, services = self._vs_cache, self._vs_dirty, self.services
        if cache is not None and dirty is not None and not dirty and len(cache) == len(services):
            return cache
        if cache is not None and dirty is not None and len(cache) == len(services) \
                and all(k in cache or k not in services for k in dirty):
            vss = cache if self._vs_owned else dict(cache)
            for k in dirty:
                vs = services.get(k)
                if vs is not None:
                    vss[k] = self._vs_state(vs)
        elif cache is not None and dirty is not None:
            # virtual servers came or went: a new dict in table order, the
            # untouched ones' states taken from the cache
            get = cache.get
            vss = {}
            for key, vs in services.items():
                st = None if key in dirty else get(key)
                vss[key] = st if st is not None else self._vs_state(vs)
        else:
            with no_gc():        # a big table's first reading: many small dicts, no cyclic garbage
                vss = {key: self._vs_state(vs) for key, vs in services.items()}
        self._vs_cache, self._vs_dirty, self._vs_owned = vss, set(), True
        return vss

    def load_state(self, state: dict) -> None:
        for key, val in state.get("counters", {}).items():
            tname, _, cname = key.partition("/")
            c = self.tables.get(tname, Table(tname)).chains.get(cname)
            if c is None:
                continue
            cnt = c.ensure_counters()
            for i, p, b in val["rules"]:
                if i < len(cnt):
                    cnt[i][:] = [p, b]
            c.policy_counters[:] = val["policy"]
        for key, val in state.get("ipvs", {}).items():
            vs = self.services.get(key)
            if vs is None:
                continue
            vs.stats = Stats(*val["stats"])
            for addr, rv in val["reals"].items():
                r = vs.real(addr)
                weight = rv["weight"]
                if r is None:
                    # no longer an endpoint (the sync that rebuilt this table did not list it):
                    # kept at weight 0 while it has connections, as GracefulDeleteRS keeps it
                    if not (rv["active"] or rv["inactive"]):
                        continue
                    ip, _, port = addr.rpartition(":")
                    r = RealServer(ip, int(port))
                    vs.reals.append(r)
                    weight = 0
                r.weight, r.active_conns, r.inactive_conns = weight, rv["active"], rv["inactive"]
                r.persist_conns = rv["persist"]
                r.stats = Stats(*rv["stats"])
        self.state = ev.IpvsState.from_state(state.get("conns", {}))
        self._vs_cache, self._vs_dirty = None, None
        draining = {k for k, vs in self.services.items() if any(r.weight != 1 for r in vs.reals)}
        self._drain_specs = {k: spec for b in self._blocks.values() for spec in b.vss
                             if (k := f"{spec.protocol}/{spec.ip}:{spec.port}") in draining} if draining else {}


@dataclass
class PathResult:
    """What happened to a packet delivered to the node (see IpvsRuleset.deliver)."""

    verdict: str                      # ACCEPT (sent on to the real server) | LOCAL | FORWARD | DROP | REJECT
    packet: Packet
    trace: list[TraceStep]
    ipvs: list[str]
    vs: VirtualServer | None = None
    real: RealServer | None = None
    masqueraded: bool = False


def _derived(counts: Any) -> LayeredDict:
    """A partial sync's copy of a count map: shared with the previous sync's until changed."""
    return counts.derive() if isinstance(counts, LayeredDict) else LayeredDict(counts)


class IpvsBackend:
    """Backend for mode "ipvs" (lab.sim.proxy.base.Backend)."""

    mode = "ipvs"

    def __init__(self, random_fully: bool = True, flannel: bool = True):
        self.random_fully = random_fully
        self.flannel = flannel

    def sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: IpvsRuleset | None = None,
             changed: Iterable[ServicePortName] | None = None) -> IpvsRuleset:
        """A sync (see _sync), run without the cyclic garbage collector (model.no_gc)."""
        with no_gc():
            return self._sync(node, digest, config, previous, changed)

    def _sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: IpvsRuleset | None = None,
             changed: Iterable[ServicePortName] | None = None) -> IpvsRuleset:
        scheduler = config.ipvs_scheduler or "rr"
        cidr = config.cluster_cidr or digest.cluster_cidr
        addrs = node_addresses(node)
        opts = (scheduler, tuple(addrs), tuple(config.node_port_addresses), node.name)
        prev = previous if isinstance(previous, IpvsRuleset) else None
        reuse = prev is not None and prev._opts == opts
        changed_set = set(changed) if changed is not None else None

        tables = self._start_tables(node, digest, cidr, prev)
        rs = IpvsRuleset(node, tables)
        rs._opts = opts
        node_set = set(addrs)
        np_ips = self._nodeport_ips(node, addrs, config)

        old_blocks = prev._blocks if reuse and prev is not None else {}
        if prev is not None:
            rs.state = prev.state
            rs.recent = prev.recent
        plan = None
        if reuse and changed_set is not None and prev is not None and prev._counts is not None:
            plan = self._partial_blocks(digest, old_blocks, changed_set, node, node_set, np_ips, scheduler)
        if plan is not None and self._patch(rs, prev, plan, scheduler):
            self._write_iptables(rs, cidr, config, rs._nna)
            return rs
        blocks: dict[ServicePortName, _Block] = {}
        for spn, svc in digest.services.items():
            if not svc.cluster_ip:
                continue
            old = old_blocks.get(spn)
            if old is not None and changed_set is not None and spn not in changed_set:
                blocks[spn] = old
                continue
            eps = digest.endpoints.get(spn, [])
            key = (svc, tuple(eps))
            blocks[spn] = old if old is not None and old.key == key else \
                self._block(spn, svc, eps, node, node_set, np_ips, scheduler)
        rs._blocks = blocks

        # ipsets (entries counted per block, so a partial sync can take one block's out)
        counts: dict[str, dict[str, int]] = {name: {} for name, _, _ in IPSET_INFO}
        bound: dict[str, int] = {}
        vs_count: dict[str, int] = {}
        no_node_access: list[tuple[str, str, int]] = []
        for b in blocks.values():
            for sname, entry in b.entries:
                c = counts[sname]
                c[entry] = c.get(entry, 0) + 1
            for ip in b.bind:
                bound[ip] = bound.get(ip, 0) + 1
            for spec in b.vss:
                k = f"{spec.protocol}/{spec.ip}:{spec.port}"
                vs_count[k] = vs_count.get(k, 0) + 1
            no_node_access.extend(b.lb_no_node_access)
        counts["KUBE-IPVS-IPS"] = bound
        sets = rs.sets
        for name, stype, text in IPSET_INFO:
            sets[name] = IpSet(name, stype, text, set(counts[name]), initval_for(node.name, name))
        pairs = sorted((_ip_key(a), a) for a in bound)
        rs.kube_ipvs0_addresses = [a for _, a in pairs]
        rs._addr_keys = [k for k, _ in pairs]
        rs._counts, rs._vs_count, rs._nna = counts, vs_count, no_node_access

        # IPVS table: keep existing virtual/real servers (counters, connections).
        old_vss = prev.services if prev is not None else {}
        for b in blocks.values():
            for spec in b.vss:
                self._sync_vs(rs, old_vss, spec, scheduler)
        draining = {k for k, vs in rs.services.items() if any(r.weight != 1 for r in vs.reals)}
        rs._drain_specs = {} if not draining else \
            {k: spec for b in blocks.values() for spec in b.vss
             if (k := f"{spec.protocol}/{spec.ip}:{spec.port}") in draining}
        self._write_iptables(rs, cidr, config, no_node_access)
        return rs


    # ------------------------------------------------------------ partial sync
    def _partial_blocks(self, digest: ProxyDigest, old_blocks: dict[ServicePortName, _Block],
                        changed: set[ServicePortName], node: NodeContext, node_set: set[str], np_ips: list[str],
                        scheduler: str) -> tuple | None:
        """The blocks after a partial sync, in the order a full sync puts them
        (digest order). Returns (blocks, replaced or removed blocks, rebuilt
        blocks of existing ports, blocks of new ports in order, whether a port
        moved), or None (a full sync) when a new port is not at the digest's end."""
        services = digest.services
        blocks = dict(old_blocks)
        gone: list[_Block] = []
        rebuilt: list[_Block] = []
        new: dict[ServicePortName, _Block] = {}
        for spn in changed:
            svc = services.get(spn)
            old = old_blocks.get(spn)
            if svc is None or not svc.cluster_ip:
                if old is not None:
                    del blocks[spn]
                    gone.append(old)
                continue
            eps = digest.endpoints.get(spn, [])
            key = (svc, tuple(eps))
            if old is not None and old.key == key:
                continue
            b = self._block(spn, svc, eps, node, node_set, np_ips, scheduler)
            if old is None:
                new[spn] = b
            else:
                gone.append(old)
                rebuilt.append(b)
                blocks[spn] = b
        # The digest's last ports, all of them changed: new ones, and those
        # deleted and created again (moved to the digest's end); they go last,
        # in digest order. Every other changed port kept its place.
        tail: list[ServicePortName] = []
        for spn in reversed(services):
            if spn in changed:
                if spn in blocks or spn in new:
                    tail.append(spn)
                continue
            if services[spn].cluster_ip:
                break
        if len(set(tail) & set(new)) != len(new):
            return None
        added: list[_Block] = []
        moved = False
        for spn in reversed(tail):
            if spn in new:
                blocks[spn] = new[spn]
                added.append(new[spn])
            else:
                blocks[spn] = blocks.pop(spn)
                moved = True
        return blocks, gone, rebuilt, added, moved

    def _patch(self, rs: IpvsRuleset, prev: IpvsRuleset, plan: tuple, scheduler: str) -> bool:
        """Apply a partial sync to `rs` from `prev`: only the changed blocks'
        ipset entries, kube-ipvs0 addresses and virtual/real servers change
        (and the real servers of virtual servers still draining at weight 0).
        False (nothing done) when a changed virtual server is shared with
        another service port (the full sync decides which one wins)."""
        blocks, gone, rebuilt, added, moved = plan
        fresh = rebuilt + added
        vs_count = prev._vs_count
        keys_gone = [f"{s.protocol}/{s.ip}:{s.port}" for b in gone for s in b.vss]
        keys_fresh = [f"{s.protocol}/{s.ip}:{s.port}" for b in fresh for s in b.vss]
        gone_set, fresh_set = set(keys_gone), set(keys_fresh)
        if any(vs_count.get(k, 0) > 1 for k in keys_gone) or len(fresh_set) != len(keys_fresh) \
                or any(k in vs_count and k not in gone_set for k in keys_fresh):
            return False
        rs._blocks = blocks
        counts = dict(prev._counts)
        copied: set[str] = set()
        for d, bs in ((-1, gone), (1, fresh)):
            for b in bs:
                pairs = b.entries + [("KUBE-IPVS-IPS", ip) for ip in b.bind]
                for sname, entry in pairs:
                    if sname not in copied:
                        counts[sname] = _derived(counts[sname])     # shared with prev until changed
                        copied.add(sname)
                    c = counts[sname]
                    n = c.get(entry, 0) + d
                    if n:
                        c[entry] = n
                    else:
                        del c[entry]
        rs.sets.update(prev.sets)
        for name, stype, text in IPSET_INFO:
            if name in copied:
                # the entries are the counted ones: a live view of this sync's own counts
                rs.sets[name] = IpSet(name, stype, text, counts[name].keys(),  # type: ignore[arg-type]
                                      prev.sets[name].initval)
        addrs = prev.kube_ipvs0_addresses
        if "KUBE-IPVS-IPS" in copied:
            before, after = prev._counts["KUBE-IPVS-IPS"], counts["KUBE-IPVS-IPS"]
            flips = {ip for b in gone + fresh for ip in b.bind if (ip in before) != (ip in after)}
            if flips:
                # kube-ipvs0's sorted addresses: the few that come or go, by bisect
                addrs = list(addrs)
                keys = [_ip_key(a) for a in addrs] if prev._addr_keys is None else list(prev._addr_keys)
                for ip in sorted(flips, key=_ip_key):
                    k = _ip_key(ip)
                    i = bisect.bisect_left(keys, k)
                    if ip in after:
                        keys.insert(i, k)
                        addrs.insert(i, ip)
                    elif i < len(keys) and addrs[i] == ip:
                        del keys[i], addrs[i]
                rs._addr_keys = keys
        rs.kube_ipvs0_addresses = addrs
        if addrs is prev.kube_ipvs0_addresses:
            rs._addr_keys = prev._addr_keys
        new_count = _derived(vs_count)
        for k in keys_gone:
            del new_count[k]
        for k in keys_fresh:
            new_count[k] = 1
        rs._counts, rs._vs_count = counts, new_count
        if any(b.lb_no_node_access for b in gone + fresh):
            rs._nna = [x for b in blocks.values() for x in b.lb_no_node_access]
        else:
            rs._nna = prev._nna
        services = dict(prev.services)
        for k in gone_set - fresh_set:
            del services[k]
        rs.services = services
        old_vss = prev.services
        reorder = moved or any(f"{s.protocol}/{s.ip}:{s.port}" not in old_vss for b in rebuilt for s in b.vss)
        specs = {k: v for k, v in prev._drain_specs.items() if k not in gone_set}
        for b in fresh:
            for spec in b.vss:
                k = f"{spec.protocol}/{spec.ip}:{spec.port}"
                specs.pop(k, None)
                self._sync_vs(rs, old_vss, spec, scheduler)
                if any(r.weight != 1 for r in services[k].reals):
                    specs[k] = spec
        for k, spec in list(specs.items()):
            if k in fresh_set:
                continue
            self._sync_vs(rs, old_vss, spec, scheduler)
            if not any(r.weight != 1 for r in services[k].reals):
                del specs[k]
        rs._drain_specs = specs
        if reorder:
            rs.services = {k: services[k] for b in blocks.values()
                           for k in (f"{s.protocol}/{s.ip}:{s.port}" for s in b.vss)}
        touched = fresh_set | set(prev._drain_specs) | gone_set
        rs._vs_cache, rs._vs_owned = prev._vs_cache, False
        prev._vs_owned = False
        rs._vs_dirty = None if prev._vs_dirty is None else prev._vs_dirty | touched
        rs._partial = (gone, fresh)
        return True

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _nodeport_ips(node: NodeContext, addrs: list[str], config: ProxyConfig) -> list[str]:
        npa = [a for a in config.node_port_addresses if a]
        if not npa:
            return list(addrs)
        out: list[str] = []
        for a in addrs:
            ip = ipaddress.ip_address(a)
            if ip.is_loopback:
                continue
            for c in npa:
                if (c == "primary" and a == node.ip) or (c != "primary" and ip in ipaddress.ip_network(c, strict=False)):
                    out.append(a)
                    break
        return out

    def _start_tables(self, node: NodeContext, digest: ProxyDigest, cidr: str,
                      prev: IpvsRuleset | None) -> dict[str, Table]:
        if prev is None:
            tables = baseline_tables(node.pod_cidr, cidr, self.flannel)
        else:
            tables = {}
            for name, t in prev.tables.items():
                nt = Table(name)
                nt.chains = dict(t.chains)
                tables[name] = nt
        for tname in ("nat", "filter"):
            tables.setdefault(tname, Table(tname))
        return tables

    def _block(self, spn: ServicePortName, svc: ServicePortInfo, eps: list[EndpointInfo], node: NodeContext,
               node_set: set[str], np_ips: list[str], scheduler: str) -> _Block:
        b = _Block(key=(svc, tuple(eps)))
        proto = svc.protocol.lower()
        name = str(spn)
        cluster, local, _, _ = categorize(eps, svc, node.name)

        def pick(only_local: bool) -> tuple[str, ...]:
            chosen = (local if local else cluster) if only_local else cluster
            return tuple(sorted({f"{e.ip}:{e.port}" for e in chosen}))

        persistent = svc.session_affinity_seconds
        for e in eps:
            if e.node_name and e.node_name == node.name and e.ip and e.port:
                b.entries.append(("KUBE-LOOP-BACK", f"{e.ip},{proto}:{e.port},{e.ip}"))
        b.entries.append(("KUBE-CLUSTER-IP", f"{svc.cluster_ip},{proto}:{svc.port}"))
        b.vss.append(_VSpec(svc.protocol, svc.cluster_ip, svc.port, persistent, "cluster", name,
                            pick(svc.internal_policy_local)))
        b.bind.append(svc.cluster_ip)
        ext_eps = pick(svc.external_policy_local)
        for ip in svc.external_ips:
            sname = "KUBE-EXTERNAL-IP-LOCAL" if svc.external_policy_local else "KUBE-EXTERNAL-IP"
            b.entries.append((sname, f"{ip},{proto}:{svc.port}"))
            b.vss.append(_VSpec(svc.protocol, ip, svc.port, persistent, "external", name, ext_eps))
            if ip not in node_set:
                b.bind.append(ip)
        for ip in svc.load_balancer_ips:
            entry = f"{ip},{proto}:{svc.port}"
            b.entries.append(("KUBE-LOAD-BALANCER", entry))
            if svc.external_policy_local:
                b.entries.append(("KUBE-LOAD-BALANCER-LOCAL", entry))
            if svc.load_balancer_source_ranges:
                b.entries.append(("KUBE-LOAD-BALANCER-FW", entry))
                allow_node = False
                for c in svc.load_balancer_source_ranges:
                    net = ipaddress.ip_network(c, strict=False)
                    b.entries.append(("KUBE-LOAD-BALANCER-SOURCE-CIDR", f"{entry},{net}"))
                    if node.ip and ipaddress.ip_address(node.ip) in net:
                        allow_node = True
                if allow_node:
                    b.entries.append(("KUBE-LOAD-BALANCER-SOURCE-IP", f"{entry},{ip}"))
                else:
                    b.lb_no_node_access.append((ip, proto, svc.port))
            b.vss.append(_VSpec(svc.protocol, ip, svc.port, persistent, "loadbalancer", name, ext_eps))
            if ip not in node_set:
                b.bind.append(ip)
        if svc.node_port and np_ips:
            if proto == "sctp":
                entries = [f"{ip},{proto}:{svc.node_port}" for ip in np_ips]
                main, loc = "KUBE-NODE-PORT-SCTP-HASH", "KUBE-NODE-PORT-LOCAL-SCTP-HASH"
            else:
                entries = [str(svc.node_port)]
                main = f"KUBE-NODE-PORT-{proto.upper()}"
                loc = f"KUBE-NODE-PORT-LOCAL-{proto.upper()}"
            b.entries.extend((main, e) for e in entries)
            if svc.external_policy_local:
                b.entries.extend((loc, e) for e in entries)
            for ip in np_ips:
                b.vss.append(_VSpec(svc.protocol, ip, svc.node_port, persistent, "nodeport", name, ext_eps))
        if svc.health_check_node_port:
            b.entries.append(("KUBE-HEALTH-CHECK-NODE-PORT", str(svc.health_check_node_port)))
        return b

    @staticmethod
    def _sync_vs(rs: IpvsRuleset, old_vss: dict[str, VirtualServer], spec: _VSpec, scheduler: str) -> None:
        key = f"{spec.protocol}/{spec.ip}:{spec.port}"
        vs = old_vss.get(key)
        if vs is None:
            vs = VirtualServer(spec.protocol, spec.ip, spec.port, scheduler, spec.persistent,
                               scheduler == "mh", [], spec.kind, spec.service)
        else:
            vs.scheduler, vs.persistent, vs.mh_port = scheduler, spec.persistent, scheduler == "mh"
            vs.kind, vs.service = spec.kind, spec.service
        wanted = set(spec.endpoints)
        reals: list[RealServer] = []
        for r in vs.reals:
            if r.address in wanted:
                r.weight = 1
                reals.append(r)
            elif spec.protocol == "TCP" and (r.active_conns or r.inactive_conns):
                r.weight = 0      # GracefulDeleteRS: kept at weight 0 until its connections are gone
                reals.append(r)
        have = {r.address for r in reals}
        for addr in spec.endpoints:
            if addr not in have:
                ip, _, port = addr.rpartition(":")
                reals.append(RealServer(ip, int(port)))
        vs.reals = reals
        rs.services[key] = vs

    # ------------------------------------------------------------ iptables
    def _write_iptables(self, rs: IpvsRuleset, cidr: str, config: ProxyConfig,
                        no_node_access: list[tuple[str, str, int]]) -> None:
        nat, flt = rs.tables["nat"], rs.tables["filter"]
        sets = rs.sets
        mark = 1 << config.masquerade_bit
        mt = f"{mark:#08x}"
        nrules: dict[str, list[Rule]] = {c: [] for c in NAT_CHAINS}
        frules: dict[str, list[Rule]] = {c: [] for c in FILTER_CHAINS}

        def smatch(name: str, flags: str) -> SetMatch:
            return SetMatch.of(name, flags)

        nrules["KUBE-SERVICES"].append(Rule(src="127.0.0.0/8", target=Target("RETURN"),
                                            written="-s 127.0.0.0/8 -j RETURN"))
        for sname, table, frm, to, flags, proto in SET_CHAIN_RULES:
            if not sets[sname].entries:
                continue
            text = COMMENTS[sname]
            written = (f"-p {proto} " if proto else "") + f'-m comment --comment "{text}" -m set --match-set {sname} {flags} -j {to}'
            target = masquerade(False) if to == "MASQUERADE" else Target(to)
            rule = Rule(proto=proto, matches=(comment(text), smatch(sname, flags)), target=target, written=written)
            (frules if table == "filter" else nrules)[frm].append(rule)

        if sets["KUBE-CLUSTER-IP"].entries:
            text = COMMENTS["KUBE-CLUSTER-IP"]
            base = (comment(text),)
            if config.masquerade_all:
                nrules["KUBE-SERVICES"].append(Rule(matches=base + (smatch("KUBE-CLUSTER-IP", "dst,dst"),),
                                                    target=jump("KUBE-MARK-MASQ")))
            elif cidr:
                nrules["KUBE-SERVICES"].append(Rule(src=cidr, src_inv=True,
                                                    matches=base + (smatch("KUBE-CLUSTER-IP", "dst,dst"),),
                                                    target=jump("KUBE-MARK-MASQ")))
            else:
                nrules["KUBE-SERVICES"].append(Rule(matches=base + (smatch("KUBE-CLUSTER-IP", "src,dst"),),
                                                    target=jump("KUBE-MARK-MASQ")))

        def external_rules(sname: str) -> None:
            head = (comment(COMMENTS[sname]), smatch(sname, "dst,dst"))
            nrules["KUBE-SERVICES"].append(Rule(matches=head + (PhysdevMatch.is_in(inv=True),
                                                                addrtype(src_type="LOCAL", src_inv=True)),
                                                target=Target("ACCEPT")))
            nrules["KUBE-SERVICES"].append(Rule(matches=head + (addrtype(dst_type="LOCAL"),), target=Target("ACCEPT")))

        if sets["KUBE-EXTERNAL-IP"].entries:
            nrules["KUBE-SERVICES"].append(Rule(matches=(comment(COMMENTS["KUBE-EXTERNAL-IP"]),
                                                         smatch("KUBE-EXTERNAL-IP", "dst,dst")),
                                                target=jump("KUBE-MARK-MASQ")))
            external_rules("KUBE-EXTERNAL-IP")
        if sets["KUBE-EXTERNAL-IP-LOCAL"].entries:
            external_rules("KUBE-EXTERNAL-IP-LOCAL")
        nrules["KUBE-SERVICES"].append(Rule(matches=(addrtype(dst_type="LOCAL"),), target=jump("KUBE-NODE-PORT")))
        nrules["KUBE-LOAD-BALANCER"].append(Rule(target=jump("KUBE-MARK-MASQ")))
        frules["KUBE-SOURCE-RANGES-FIREWALL"].append(Rule(target=Target("DROP")))
        for ip, proto, port in no_node_access:
            frules["KUBE-IPVS-OUT-FILTER"].append(Rule(src=f"{ip}/32", matches=(IpvsMatch.of(ip, proto, port),),
                                                       target=Target("DROP")))
        for sname in ("KUBE-CLUSTER-IP", "KUBE-LOAD-BALANCER"):
            if sets[sname].entries:
                nrules["KUBE-SERVICES"].append(Rule(matches=(smatch(sname, "dst,dst"),), target=Target("ACCEPT")))
        frules["KUBE-FORWARD"] += [
            Rule(matches=(comment("kubernetes forwarding rules"), mark_match(mark, mark)), target=Target("ACCEPT"),
                 written=f'-m comment --comment "kubernetes forwarding rules" -m mark --mark {mt}/{mt} -j ACCEPT'),
            Rule(matches=(comment("kubernetes forwarding conntrack rule"), conntrack(["RELATED", "ESTABLISHED"])),
                 target=Target("ACCEPT")),
        ]
        frules["KUBE-NODE-PORT"].append(Rule(matches=(comment(COMMENTS["KUBE-HEALTH-CHECK-NODE-PORT"]),
                                                      smatch("KUBE-HEALTH-CHECK-NODE-PORT", "dst")),
                                             target=Target("ACCEPT")))
        for sname, flags in (("KUBE-LOAD-BALANCER", "dst,dst"), ("KUBE-CLUSTER-IP", "dst,dst"),
                             ("KUBE-EXTERNAL-IP", "dst,dst"), ("KUBE-EXTERNAL-IP-LOCAL", "dst,dst"),
                             ("KUBE-HEALTH-CHECK-NODE-PORT", "dst")):
            frules["KUBE-IPVS-FILTER"].append(Rule(matches=(smatch(sname, flags),), target=Target("RETURN")))
        frules["KUBE-IPVS-FILTER"].append(Rule(matches=(conntrack(["NEW"]), smatch("KUBE-IPVS-IPS", "dst")),
                                               target=Target("REJECT", (("reject_with", "icmp-port-unreachable"),))))
        nrules["KUBE-POSTROUTING"] += [
            Rule(matches=(mark_match(mark, mark, True),), target=Target("RETURN"),
                 written=f"-m mark ! --mark {mt}/{mt} -j RETURN"),
            Rule(target=mark_xor(mark), written=f"-j MARK --xor-mark {mt}"),
            Rule(matches=(comment("kubernetes service traffic requiring SNAT"),), target=masquerade(self.random_fully)),
        ]
        nrules["KUBE-MARK-MASQ"].append(Rule(target=mark_or(mark), written=f"-j MARK --or-mark {mt}"))

        for name, rules in nrules.items():
            nat.chains[name] = Chain(name, rules)
        for name, rules in frules.items():
            flt.chains[name] = Chain(name, rules)
        for tname, frm, to, text in JUMPS:
            c = rs.tables[tname].chains[frm]
            rule = Rule(matches=(comment(text),), target=jump(to))
            if any(r.target.name == to and r.save_args() == rule.save_args() for r in c.rules):
                continue
            cnt = c.ensure_counters()
            c.rules = [rule] + c.rules
            c.counters = [[0, 0]] + cnt
