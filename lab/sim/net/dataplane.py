"""The packet walk: a connection's first packet through the rules kube-proxy wrote.

Each network namespace a SYN crosses handles it as the kernel does:
- locally generated on a node: route lookup (the socket's source address),
  then the OUTPUT hook (raw, mangle, nat, filter), a new route lookup when
  nat changed the destination, POSTROUTING (mangle, nat) on the way out;
- arriving at a node (from a pod's veth on cni0, from flannel.1, from eth0):
  PREROUTING, the routing decision (local: INPUT, with IPVS at LOCAL_IN in
  ipvs mode; else FORWARD), POSTROUTING;
- node to node: flannel's vxlan over eth0 (the inner packet arrives on the
  peer's flannel.1); pods are namespaces of their own, behind a veth on cni0.

The rules are the node's Ruleset objects (`world.proxy_ruleset(node)`):
iptables tables (lab.sim.proxy.iptables.evaluate.run_hook), the nftables
`ip kube-proxy` table plus the node's iptables-nft baseline (kubelet and
flannel rules), or ipvs (the iptables part walked with the ruleset's
ipsets, and `ruleset.ipvs_lookup(...)` at LOCAL_IN / LOCAL_OUT, see
`_ipvs_schedule`; kube-ipvs0's addresses are local, `ruleset.ipvs_finish`
tells the IPVS entry how its connection ended). A node without a Ruleset (kube-proxy never ran) has only the
baseline, so Service IPs follow its default route and are lost.
Marks and NAT ride along with the packet; `-m statistic` / `numgen` draw
from world.random("net"); counters and `-m recent` lists change in the
Ruleset itself (and are mirrored into world.runtime["net"]["rules"] so a
saved world shows the same counters: `_restore`). Each node the SYN
crossed gets a conntrack entry (lab.sim.net.conntrack).

SIMPLIFICATION: only the first packet of a connection is walked (the nat
table sees only that packet in the kernel too); the rest of the exchange
follows conntrack, so rules without a ctstate match count one packet per
connection. A retransmitted SYN is not walked again. hostPort DNAT (the CNI
portmap plugin's CNI-HOSTPORT-DNAT chain) is applied as a step of its own
instead of rules in the nat table. The pods' own namespaces have no rules.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from ..proxy.iptables.baseline import baseline_tables
from ..proxy.iptables.evaluate import EvalContext, Packet, run_hook as ipt_run_hook
from . import conntrack as ct
from . import topology as topo
from .trace import Hop, RuleHit, Trace

SYN_TIMEOUT = 127.0
ARP_TIMEOUT = 3.0

_BASELINES: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()
_SEEN: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


@dataclass
class Outcome:
    """Where the SYN ended: `kind` connected | refused | timeout | unreachable | denied."""

    kind: str
    trace: Trace
    pod: dict[str, Any] | None = None
    host: str = ""              # node name for a host-network listener
    port: int = 0               # the port the server accepts on
    client_ip: str = ""         # the source the server sees
    client_port: int = 0
    after: float = 0.0


@dataclass
class _Flow:
    """One SYN on its way, with the per-node conntrack bookkeeping."""

    world: Any
    trace: Trace
    proto: str
    visited: list[tuple[str, Packet, Packet]] = field(default_factory=list)  # node, as entered, as left
    evaluated: int = 0
    touched: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    ipvs: list[tuple[Any, Packet]] = field(default_factory=list)   # (ruleset, packet) of each IPVS connection


# -- the node's rules ------------------------------------------------------------------------

def _baseline(world: Any, node: str) -> dict[str, Any]:
    cache = _BASELINES.setdefault(world, {})
    if node not in cache:
        cache[node] = baseline_tables(topo.pod_cidr(world, node), world.profile.pod_network)
    return cache[node]


#: chains kube-proxy writes anew on every sync (their counters start from zero each time)
REWRITTEN = frozenset({"nat/KUBE-SERVICES", "nat/KUBE-NODEPORTS", "nat/KUBE-POSTROUTING", "nat/KUBE-MARK-MASQ",
                       "filter/KUBE-SERVICES", "filter/KUBE-EXTERNAL-SERVICES", "filter/KUBE-FORWARD",
                       "filter/KUBE-NODEPORTS", "filter/KUBE-PROXY-FIREWALL"})


def ruleset(world: Any, node: str) -> Any:
    """The node's Ruleset, with the persisted counters and lists put back after a load.

    The mirror in world.runtime["net"]["rules"] follows every resync (a
    ticker runs after each settle), so what is saved is what the rules
    show. After a load the first look puts the counters back; when the
    store changed in between (kube-proxy has synced since), only chains
    whose rules are unchanged and that kube-proxy does not rewrite on every
    sync keep theirs, as they would have in memory.
    """
    seen = _SEEN.get(world)
    nets = world.runtime.setdefault("net", {})
    mirror = nets.setdefault("rules", {})
    if seen is None:
        seen = _SEEN[world] = {}
        world.on_tick(lambda: _tick(world))
        _settle_mirror(world, nets, mirror)
    rs = world.proxy_ruleset(node)
    if node not in seen:
        if rs is not None and node in mirror:
            _restore(rs, mirror[node])
    elif seen[node] is not rs and node in mirror:
        mirror[node] = _refresh(rs, mirror[node]) if rs is not None else {}
    seen[node] = rs
    if rs is not None and getattr(rs, "mode", "") == "ipvs":
        rs.expire(world.clock.elapsed)     # the kernel's IPVS timers ran while nobody looked
    return rs


def _settle_mirror(world: Any, nets: dict[str, Any], mirror: dict[str, Any]) -> None:
    """At the first look after a load: when the store moved since the mirror was
    written, kube-proxy has synced since, so the chains it rewrites on every sync
    lose their saved counters on every node (looked at now or later); the mirror
    is then valid for the store as it is, whether or not a tick runs before the
    next save."""
    if nets.get("rulesRevision") != world.store.revision:
        for rec in mirror.values():
            counters = rec.get("counters") or {}
            for key in [k for k in counters if k in REWRITTEN]:
                del counters[key]
    nets["rulesRevision"] = world.store.revision


def _tick(world: Any) -> None:
    seen = _SEEN.get(world) or {}
    nets = world.runtime.setdefault("net", {})
    mirror = nets.setdefault("rules", {})
    for node, old in list(seen.items()):
        rs = world.proxy_ruleset(node)
        if rs is not old:
            if node in mirror:
                mirror[node] = _refresh(rs, mirror[node]) if rs is not None else {}
            seen[node] = rs
    nets["rulesRevision"] = world.store.revision


def _chain(rs: Any, key: str) -> Any:
    tname, _, cname = key.partition("/")
    tables = getattr(rs, "tables", None) or {}
    t = tables.get(tname)
    return None if t is None else t.chains.get(cname)


def _signature(c: Any) -> str:
    sig = getattr(c, "rules_signature", None)
    if sig is not None:
        return sig()       # the same digest, cached on the chain
    import hashlib
    return hashlib.sha256("\n".join(r.save_args() for r in c.rules).encode()).hexdigest()[:16]


def _chain_state(c: Any) -> dict[str, Any]:
    """Non-zero counters keyed by the rule's text (kube-proxy may reorder a chain's rules on a resync)."""
    nz = c.nonzero_counters() if hasattr(c, "nonzero_counters") else \
        [[i, p, b] for i, (p, b) in enumerate(c.counters or []) if p or b]
    return {"rules": [[c.rules[i].save_args(), p, b] for i, p, b in nz],
            "policy": list(c.policy_counters), "sig": _signature(c)}


def _restore(rs: Any, saved: dict[str, Any]) -> None:
    """Put saved counters back on chains whose rules are still the ones they counted."""
    for key, val in (saved.get("counters") or {}).items():
        c = _chain(rs, key)
        if c is None:
            continue
        if val.get("sig") != _signature(c):
            continue
        cnt = c.ensure_counters()
        wanted = {text: (p, b) for text, p, b in val["rules"]}
        if wanted:
            for i, rule in enumerate(c.rules):
                hit = wanted.get(rule.save_args())
                if hit is not None:
                    cnt[i][:] = list(hit)
        c.policy_counters[:] = val["policy"]
    if saved.get("recent") is not None and hasattr(rs, "recent"):
        rs.recent.clear()
        rs.recent.update({k: dict(v) for k, v in saved["recent"].items()})
    table = _nft_table(rs)
    if table is not None and saved.get("dynamic") is not None:
        table.dynamic.clear()
        table.dynamic.update({k: dict(v) for k, v in saved["dynamic"].items() if k in table.sets})
    if saved.get("ipvs") is not None and hasattr(rs, "ipvs_state"):
        # the kernel's IPVS table outlives kube-proxy's syncs: always put back
        rs.load_state({"ipvs": saved["ipvs"], "conns": saved.get("conns") or {}})


def _refresh(rs: Any, saved: dict[str, Any]) -> dict[str, Any]:
    """After a resync: the mirror follows the new Ruleset (rewritten chains start from zero)."""
    out: dict[str, Any] = {"counters": {}}
    for key in (saved.get("counters") or {}):
        c = _chain(rs, key)
        if c is not None:
            state = _chain_state(c)
            if state["rules"] or any(state["policy"]):
                out["counters"][key] = state
    if hasattr(rs, "recent"):
        out["recent"] = {k: dict(v) for k, v in rs.recent.items()}
    table = _nft_table(rs)
    if table is not None:
        out["dynamic"] = {k: dict(v) for k, v in table.dynamic.items()}
    if hasattr(rs, "ipvs_state") and saved.get("ipvs") is not None:
        out.update(rs.ipvs_state())
    return out


def _remember(flow: _Flow) -> None:
    mirror = flow.world.runtime.setdefault("net", {}).setdefault("rules", {})
    for node, keys in flow.touched.items():
        rs = _SEEN.get(flow.world, {}).get(node)
        if rs is None:
            continue
        rec = mirror.setdefault(node, {"counters": {}})
        for key in keys:
            c = _chain(rs, key)
            if c is not None:
                rec.setdefault("counters", {})[key] = _chain_state(c)
        if hasattr(rs, "recent"):
            rec["recent"] = {k: dict(v) for k, v in rs.recent.items()}
        table = _nft_table(rs)
        if table is not None:
            rec["dynamic"] = {k: dict(v) for k, v in table.dynamic.items()}
        if hasattr(rs, "ipvs_state"):
            rec.update(rs.ipvs_state())


def _nft_table(rs: Any) -> Any:
    if rs is None or getattr(rs, "mode", "") != "nftables":
        return None
    return rs.table


# -- one node's view ---------------------------------------------------------------------------

class NodeNet:
    """A node's addresses, routes and rules for one walk."""

    def __init__(self, world: Any, name: str):
        self.world = world
        self.name = name
        self.host = world.hosts[name]
        self.rs = ruleset(world, name)
        self.mode = getattr(self.rs, "mode", "") if self.rs is not None else ""
        with_ipvs = getattr(self.rs, "addresses_with", None) if self.mode == "ipvs" else None
        # kube-ipvs0's addresses (every ClusterIP) joined to the rest once per sync, not per walk
        self.local = with_ipvs(topo.local_addresses(world, name, None)) if with_ipvs is not None else \
            topo.local_addresses(world, name, self.rs)
        self.flannel = topo.flannel_ip(world, name)
        self.bridge = topo.bridge_ip(world, name)

    def iface_address(self, dev: str) -> str:
        return {"flannel.1": self.flannel, "cni0": self.bridge, "lo": "127.0.0.1"}.get(dev, self.host.ip)

    def route(self, dst: str) -> topo.Route:
        return topo.node_route(self.world, self.name, dst, self.local)

    def ctx(self) -> EvalContext:
        return EvalContext(rng=self.world.random("net"), local_addresses=self.local, now=self.world.clock.elapsed,
                           masquerade_address=lambda p: self.iface_address(p.out_if), node_ip=self.host.ip)

    def hook(self, flow: _Flow, hook: str, pkt: Packet, hop: Hop,
             only: tuple[str, ...] | None = None) -> tuple[str, Packet]:
        """Run one netfilter hook (`only`: just these tables, ipvs mode); returns (ACCEPT|DROP|REJECT, packet)."""
        verdict = "ACCEPT"
        if self.mode == "nftables":
            verdict, pkt = self._nft(flow, hook, pkt, hop)
            if verdict != "ACCEPT":
                return verdict, pkt
        own = self.mode != "nftables" and self.rs is not None and getattr(self.rs, "tables", None) is not None
        tables = self.rs.tables if own else _baseline(self.world, self.name)
        recent = self.rs.recent if own else {}
        if own and self.mode == "ipvs":
            # `-m set` / `-m physdev` / `-m ipvs` matches need the ruleset's ipsets
            v = self.rs.run_tables(hook, only, pkt, self.ctx()) if only is not None else \
                self.rs.run_hook(hook, pkt, self.ctx())
        else:
            # lean: long chains jump to the rules that can match; the others are counted, not traced
            v = ipt_run_hook(tables, hook, pkt, self.ctx(), recent, lean=True)
        flow.evaluated += v.rules_evaluated
        hop.evaluated += v.rules_evaluated
        touched = flow.touched.setdefault(self.name, set()) if own else set()
        touched.update(v.skipped_in)
        for step in v.trace:
            touched.add(f"{step.table}/{step.chain}")
            if step.matched and not (step.index == 0 and step.rule.endswith(" ACCEPT")):
                hop.rules.append(RuleHit(step.table, step.chain, step.index, step.rule))
        if v.dnat:
            hop.nat = _join(hop.nat, f"DNAT {pkt.dst}:{pkt.dport} -> {v.packet.dst}:{v.packet.dport}")
        if v.snat:
            kind = "MASQUERADE" if v.masqueraded else "SNAT"
            hop.nat = _join(hop.nat, f"{kind} {pkt.src}:{pkt.sport} -> {v.packet.src}:{v.packet.sport}")
        if v.packet.mark != pkt.mark:
            hop.detail = _join(hop.detail, f"mark 0x{v.packet.mark:x}", " ")
        return v.verdict, v.packet

    def _nft(self, flow: _Flow, hook: str, pkt: Packet, hop: Hop) -> tuple[str, Packet]:
        from ..proxy.nftables.evaluate import EvalContext as NftCtx, Packet as NftPacket, run_hook as nft_run_hook
        table = self.rs.table
        self.rs.now = self.world.clock.elapsed
        npkt = NftPacket(pkt.src, pkt.dst, pkt.proto, pkt.sport, pkt.dport, pkt.mark, pkt.in_if, pkt.out_if,
                         pkt.ctstate.lower())
        v = nft_run_hook(table, hook.lower(), npkt, NftCtx(self.local, self.world.random("net"),
                                                            self.world.clock.elapsed))
        flow.evaluated += v.rules_evaluated
        hop.evaluated += v.rules_evaluated
        flow.touched.setdefault(self.name, set())
        for e in v.trace:
            if e.matched and e.index >= 0:
                hop.rules.append(RuleHit("ip kube-proxy", e.chain, e.index + 1, e.rule, e.note))
        out = replace(pkt, dst=v.packet.dst, dport=v.packet.dport, mark=v.packet.mark)
        if v.dnat:
            out = replace(out, dnat=True)
            hop.nat = _join(hop.nat, f"DNAT {pkt.dst}:{pkt.dport} -> {out.dst}:{out.dport}")
        if v.masquerade:
            src = self.iface_address(pkt.out_if)
            sport = self.world.random("net").randint(1024, 65535)
            out = replace(out, src=src, sport=sport, snat=True)
            hop.nat = _join(hop.nat, f"MASQUERADE {pkt.src}:{pkt.sport} -> {src}:{sport}")
        if out.mark != pkt.mark:
            hop.detail = _join(hop.detail, f"mark 0x{out.mark:x}", " ")
        return {"accept": "ACCEPT", "drop": "DROP", "reject": "REJECT"}.get(v.kind, "ACCEPT"), out


def _join(a: str, b: str, sep: str = "; ") -> str:
    return f"{a}{sep}{b}" if a else b


# -- who is where ------------------------------------------------------------------------------

def pod_by_ip(world: Any, ip: str) -> dict[str, Any] | None:
    for pod in world.store.iter("pods"):
        if not (pod.get("spec") or {}).get("hostNetwork") and (pod.get("status") or {}).get("podIP") == ip:
            return pod
    return None


def _node_by_ip(world: Any, ip: str) -> Any:
    for host in world.nodes:
        if host.ip == ip:
            return host
    return None


def _listener(world: Any, pod: dict[str, Any], port: int, proto: str) -> bool:
    from ..workloads.containers import listens
    return any((port, proto.upper()) in listens(world, pod, c["name"])
               for c in (pod.get("spec") or {}).get("containers") or [])


def _host_network_listener(world: Any, node: str, port: int, proto: str) -> dict[str, Any] | None:
    for pod in world.store.iter("pods"):
        spec = pod.get("spec") or {}
        if spec.get("hostNetwork") and spec.get("nodeName") == node and _listener(world, pod, port, proto):
            return pod
    return None


def _host_port(world: Any, node: str, port: int, proto: str) -> tuple[dict[str, Any], int] | None:
    for pod in world.store.iter("pods"):
        spec = pod.get("spec") or {}
        if spec.get("nodeName") != node or spec.get("hostNetwork"):
            continue
        for c in spec.get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("hostPort") == port and p.get("protocol", "TCP").lower() == proto:
                    return pod, int(p["containerPort"])
    return None


def _announcer(world: Any, ip: str) -> str:
    """The node that answers ARP for a LoadBalancer IP (MetalLB L2) or an externalIP.

    A LoadBalancer IP is announced by one eligible node (powered, not
    excluded from external load balancers); with externalTrafficPolicy
    Local only a node with a ready local endpoint announces it. An
    externalIP is reached only where it is the node's own address.
    SIMPLIFICATION: the announcing node is the first eligible one by name.
    """
    node = _node_by_ip(world, ip)
    if node is not None:
        return node.name
    for svc in world.store.iter("services"):
        spec = svc.get("spec") or {}
        ingress = [i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []]
        if spec.get("type") != "LoadBalancer" or ip not in ingress:
            continue
        local_nodes = None
        if spec.get("externalTrafficPolicy") == "Local":
            local_nodes = set()
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            for s in world.store.iter("endpointslices.discovery.k8s.io", ns):
                if ((s.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name") != name:
                    continue
                for ep in s.get("endpoints") or []:
                    if (ep.get("conditions") or {}).get("ready") is not False and ep.get("nodeName"):
                        local_nodes.add(ep["nodeName"])
        for host in sorted(world.nodes, key=lambda h: h.name):
            obj = world.store.peek("nodes", "", host.name) or {}
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if not host.powered or "node.kubernetes.io/exclude-from-external-load-balancers" in labels:
                continue
            if local_nodes is None or host.name in local_nodes:
                return host.name
    return ""


# -- the walk ----------------------------------------------------------------------------------

def walk(world: Any, source: tuple[str, str, dict[str, Any] | None, str], dst: str, dport: int,
         proto: str, sport: int) -> Outcome:
    """Follow a SYN from `source` (kind, node, pod, ip) to dst:dport; see the module docstring."""
    kind, node, pod, src_ip = source
    proto = proto.lower()
    label = {"pod": lambda: f"pod {pod['metadata'].get('namespace')}/{pod['metadata']['name']}",
             "node": lambda: f"{node} (node)"}.get(kind, lambda: f"{source[1] or 'external'} (external)")()
    trace = Trace(label, "", f"{dst}:{dport}", proto)
    flow = _Flow(world, trace, proto)
    try:
        out = _start(flow, kind, node, pod, src_ip, dst, dport, sport)
        now = world.clock.elapsed
        for rs, pkt in flow.ipvs:
            rs.ipvs_finish(pkt.src, pkt.sport, pkt.dst, pkt.dport, pkt.proto, out.kind, now)
    finally:
        _remember(flow)
    trace.rules_evaluated = flow.evaluated
    trace.result = out.kind
    _record_conntrack(flow, out)
    return out


def _start(flow: _Flow, kind: str, node: str, pod: dict[str, Any] | None, src_ip: str, dst: str, dport: int,
           sport: int) -> Outcome:
    world, trace = flow.world, flow.trace
    if kind == "pod":
        assert pod is not None
        name = pod["metadata"]["name"]
        if dst.startswith("127.") or dst == src_ip:
            src = "127.0.0.1" if dst.startswith("127.") else src_ip
            trace.client = f"{src}:{sport}"
            trace.hops.append(Hop(name, "route", f"local {dst} dev lo"))
            return _deliver_pod(flow, pod, Packet(src, dst, flow.proto, sport, dport), name)
        gw = topo.bridge_ip(world, node)
        trace.client = f"{src_ip}:{sport}"
        trace.hops.append(Hop(name, "route", f"{dst} via {gw} dev eth0 src {src_ip}"))
        trace.hops.append(Hop(name, "wire", f"eth0 -> {topo.veth_name(pod)} (cni0 on {node})"))
        pkt = Packet(src_ip, dst, flow.proto, sport, dport, in_if="cni0")
        return _node_receive(flow, node, pkt)
    if kind == "node":
        net = NodeNet(world, node)
        route = net.route(dst)
        pkt = Packet(route.src, dst, flow.proto, sport, dport, out_if=route.dev)
        trace.client = f"{route.src}:{sport}"
        trace.hops.append(Hop(node, "route", _route_text(dst, route)))
        return _node_output(flow, net, pkt)
    host = world.hosts[node] if node in world.hosts else next(h for h in world.hosts.values() if h.role == "external")
    route = topo.external_route(world, host, dst)
    trace.client = f"{route.src}:{sport}"
    trace.hops.append(Hop(host.name, "route", _route_text(dst, route)))
    pkt = Packet(route.src, dst, flow.proto, sport, dport)
    if route.local:
        trace.hops.append(Hop(host.name, "deliver", f"nothing listens on {dst}:{dport}: RST"))
        return Outcome("refused", trace)
    return _on_lan(flow, host.name, pkt, route)


def _route_text(dst: str, r: topo.Route) -> str:
    if r.local:
        return f"local {dst} dev lo"
    via = f" via {r.via}" if r.via else ""
    return f"{dst}{via} dev {r.dev} src {r.src}"


def _node_output(flow: _Flow, net: NodeNet, pkt: Packet) -> Outcome:
    trace = flow.trace
    entered = pkt
    hop = Hop(net.name, "OUTPUT", f"out {pkt.out_if}", conntrack="NEW")
    trace.hops.append(hop)
    if net.mode == "ipvs" and net.rs is not None:
        # IPVS hooks LOCAL_OUT after nat OUTPUT and before filter OUTPUT (ip_vs_local_request4)
        verdict, pkt = net.hook(flow, "OUTPUT", pkt, hop, only=("raw", "mangle", "nat"))
        if verdict == "ACCEPT" and net.route(pkt.dst).local:
            status, pkt = _ipvs_schedule(flow, net, pkt)
            if status == "reject":
                return Outcome("refused", trace)
        if verdict == "ACCEPT":
            verdict, pkt = net.hook(flow, "OUTPUT", pkt, hop, only=("filter", "security"))
    else:
        verdict, pkt = net.hook(flow, "OUTPUT", pkt, hop)
    if verdict != "ACCEPT":
        hop.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "denied", trace)
    pkt = _hostport(flow, net, pkt, hop)
    route = net.route(pkt.dst)
    if pkt.dst != entered.dst:
        trace.hops.append(Hop(net.name, "route", f"rerouted: {_route_text(pkt.dst, route)}"))
    pkt = replace(pkt, out_if=route.dev)
    post = Hop(net.name, "POSTROUTING", f"out {route.dev}")
    trace.hops.append(post)
    verdict, pkt = net.hook(flow, "POSTROUTING", pkt, post)
    if verdict != "ACCEPT":
        post.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "denied", trace)
    if route.local:
        inp = Hop(net.name, "INPUT", "in lo")
        trace.hops.append(inp)
        verdict, pkt2 = net.hook(flow, "INPUT", replace(pkt, in_if="lo", out_if=""), inp)
        if verdict != "ACCEPT":
            inp.verdict = verdict
            return Outcome("refused" if verdict == "REJECT" else "timeout", trace, after=_wait(verdict))
        flow.visited.append((net.name, entered, pkt2))
        return _local_deliver(flow, net, pkt2)
    flow.visited.append((net.name, entered, pkt))
    return _transmit(flow, net, pkt, route)


def _wait(verdict: str) -> float:
    return 0.0 if verdict == "REJECT" else SYN_TIMEOUT


def _hostport(flow: _Flow, net: NodeNet, pkt: Packet, hop: Hop) -> Packet:
    if pkt.dnat or pkt.dst not in net.local:
        return pkt
    found = _host_port(flow.world, net.name, pkt.dport, pkt.proto)
    if found is None:
        return pkt
    target, port = found
    ip = (target.get("status") or {}).get("podIP") or ""
    hop.rules.append(RuleHit("nat", "CNI-HOSTPORT-DNAT", 1, f"hostPort {pkt.dport} -> {ip}:{port} (portmap)"))
    hop.nat = _join(hop.nat, f"DNAT {pkt.dst}:{pkt.dport} -> {ip}:{port}")
    return replace(pkt, dst=ip, dport=port, dnat=True)


def _node_receive(flow: _Flow, node: str, pkt: Packet) -> Outcome:
    world, trace = flow.world, flow.trace
    host = world.hosts.get(node)
    if host is None or not host.powered:
        trace.hops.append(Hop(node, "wire", "host is down: the packet is lost"))
        return Outcome("timeout", trace, after=SYN_TIMEOUT)
    net = NodeNet(world, node)
    entered = pkt
    hop = Hop(node, "PREROUTING", f"in {pkt.in_if}", conntrack="NEW")
    trace.hops.append(hop)
    verdict, pkt = net.hook(flow, "PREROUTING", pkt, hop)
    if verdict != "ACCEPT":
        hop.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "timeout", trace, after=_wait(verdict))
    pkt = _hostport(flow, net, pkt, hop)
    route = net.route(pkt.dst)
    if route.local:
        inp = Hop(node, "INPUT", f"in {pkt.in_if}")
        trace.hops.append(inp)
        verdict, pkt = net.hook(flow, "INPUT", pkt, inp)
        if verdict != "ACCEPT":
            inp.verdict = verdict
            return Outcome("refused" if verdict == "REJECT" else "timeout", trace, after=_wait(verdict))
        if net.mode == "ipvs":
            status, pkt = _ipvs_schedule(flow, net, pkt)
            if status == "reject":
                return Outcome("refused", trace)
            if status == "ok":
                return _ipvs_xmit(flow, net, entered, pkt)
        flow.visited.append((node, entered, pkt))
        return _local_deliver(flow, net, pkt)
    if route.kind in ("lan", "default") and pkt.in_if == "eth0":
        # SIMPLIFICATION: a node does not route LAN traffic back out of the interface it came in by.
        trace.hops.append(Hop(node, "route", f"{pkt.dst}: not for this node, dropped"))
        return Outcome("timeout", trace, after=SYN_TIMEOUT)
    fwd = Hop(node, "FORWARD", f"in {pkt.in_if} out {route.dev}")
    trace.hops.append(fwd)
    pkt = replace(pkt, out_if=route.dev)
    verdict, pkt = net.hook(flow, "FORWARD", pkt, fwd)
    if verdict != "ACCEPT":
        fwd.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "timeout", trace, after=_wait(verdict))
    post = Hop(node, "POSTROUTING", f"out {route.dev}")
    trace.hops.append(post)
    verdict, pkt = net.hook(flow, "POSTROUTING", pkt, post)
    if verdict != "ACCEPT":
        post.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "timeout", trace, after=_wait(verdict))
    flow.visited.append((node, entered, pkt))
    return _transmit(flow, net, pkt, route)


def _ipvs_schedule(flow: _Flow, net: NodeNet, pkt: Packet) -> tuple[str, Packet]:
    """IPVS for the first packet (LOCAL_IN for remote clients, LOCAL_OUT for the node's own).

    `ruleset.ipvs_lookup(src, dst, dport, proto, now, rng, sport=...)`
    returns (real ip, real port): Masq forwarding rewrites the destination
    ("ok"); "" when the virtual server has no real server: ICMP port
    unreachable ("reject"); None when no virtual server owns dst:dport,
    the packet stays local ("none").
    """
    lookup = getattr(net.rs, "ipvs_lookup", None)
    if lookup is None:
        return "none", pkt
    real = lookup(pkt.src, pkt.dst, pkt.dport, pkt.proto, flow.world.clock.elapsed, flow.world.random("net"),
                  sport=pkt.sport)
    if real is None:
        return "none", pkt
    hop = Hop(net.name, "IPVS", f"{pkt.proto.upper()} {pkt.dst}:{pkt.dport}")
    flow.trace.hops.append(hop)
    flow.touched.setdefault(net.name, set())
    if not real:
        hop.verdict = "REJECT"
        hop.detail = "no real server: ICMP port unreachable"
        return "reject", pkt
    flow.ipvs.append((net.rs, pkt))
    ip, port = real
    hop.nat = f"DNAT {pkt.dst}:{pkt.dport} -> {ip}:{port} (Masq)"
    return "ok", replace(pkt, dst=ip, dport=int(port), dnat=True)


def _ipvs_xmit(flow: _Flow, net: NodeNet, entered: Packet, pkt: Packet) -> Outcome:
    """ip_vs_nat_xmit: the rewritten packet goes out by the route to the real server, through POSTROUTING."""
    route = net.route(pkt.dst)
    if route.local:
        flow.visited.append((net.name, entered, pkt))
        return _local_deliver(flow, net, pkt)
    pkt = replace(pkt, out_if=route.dev)
    post = Hop(net.name, "POSTROUTING", f"out {route.dev}")
    flow.trace.hops.append(post)
    verdict, pkt = net.hook(flow, "POSTROUTING", pkt, post)
    if verdict != "ACCEPT":
        post.verdict = verdict
        return Outcome("refused" if verdict == "REJECT" else "timeout", flow.trace, after=_wait(verdict))
    flow.visited.append((net.name, entered, pkt))
    return _transmit(flow, net, pkt, route)


def _transmit(flow: _Flow, net: NodeNet, pkt: Packet, route: topo.Route) -> Outcome:
    world, trace = flow.world, flow.trace
    if route.kind == "pod":
        pod = pod_by_ip(world, pkt.dst)
        if pod is None or (pod.get("spec") or {}).get("nodeName") != net.name:
            trace.hops.append(Hop(net.name, "wire", f"cni0: no answer to ARP for {pkt.dst}"))
            return Outcome("unreachable", trace, after=ARP_TIMEOUT)
        trace.hops.append(Hop(net.name, "wire", f"cni0 -> {topo.veth_name(pod)} -> pod {pod['metadata']['name']} eth0"))
        return _deliver_pod(flow, pod, replace(pkt, in_if="eth0", out_if=""), pod["metadata"]["name"])
    if route.kind == "overlay":
        peer = world.hosts.get(route.node)
        trace.hops.append(Hop(net.name, "vxlan", f"flannel.1 -> {route.node}: outer {net.host.ip} -> "
                                                 f"{peer.ip if peer else '?'} udp/8472 via eth0"))
        return _node_receive(flow, route.node, replace(pkt, in_if="flannel.1", out_if=""))
    return _on_lan(flow, net.name, pkt, route)


def _on_lan(flow: _Flow, sender: str, pkt: Packet, route: topo.Route) -> Outcome:
    world, trace = flow.world, flow.trace
    if route.kind == "default":
        trace.hops.append(Hop(sender, "wire", f"eth0 -> default gateway {route.via}: no host has {pkt.dst}, lost"))
        return Outcome("timeout", trace, after=SYN_TIMEOUT)
    external = next((h for h in world.hosts.values() if h.role == "external" and h.ip == pkt.dst), None)
    if external is not None:
        trace.hops.append(Hop(sender, "wire", f"eth0 -> {external.name}"))
        trace.hops.append(Hop(external.name, "deliver", f"nothing listens on {pkt.dst}:{pkt.dport}: RST"))
        return Outcome("refused", trace)
    node = _announcer(world, pkt.dst)
    if not node:
        trace.hops.append(Hop(sender, "wire", f"eth0: no answer to ARP for {pkt.dst}"))
        return Outcome("unreachable", trace, after=ARP_TIMEOUT)
    trace.hops.append(Hop(sender, "wire", f"eth0 -> {node} eth0"))
    return _node_receive(flow, node, replace(pkt, in_if="eth0", out_if=""))


def _local_deliver(flow: _Flow, net: NodeNet, pkt: Packet) -> Outcome:
    pod = _host_network_listener(flow.world, net.name, pkt.dport, pkt.proto)
    if pod is not None:
        return _accepted(flow, pod, pkt, pod["metadata"]["name"], host=net.name)
    flow.trace.hops.append(Hop(net.name, "deliver", f"nothing listens on {pkt.dst}:{pkt.dport}: RST"))
    return Outcome("refused", flow.trace)


def _deliver_pod(flow: _Flow, pod: dict[str, Any], pkt: Packet, name: str) -> Outcome:
    node = (pod.get("spec") or {}).get("nodeName", "")
    host = flow.world.hosts.get(node)
    if host is None or not host.powered:
        flow.trace.hops.append(Hop(name, "wire", "the pod's node is down: lost"))
        return Outcome("timeout", flow.trace, after=SYN_TIMEOUT)
    if not _listener(flow.world, pod, pkt.dport, pkt.proto):
        flow.trace.hops.append(Hop(name, "deliver", f"nothing listens on {pkt.dst}:{pkt.dport}: RST"))
        return Outcome("refused", flow.trace)
    return _accepted(flow, pod, pkt, name)


def _accepted(flow: _Flow, pod: dict[str, Any], pkt: Packet, name: str, host: str = "") -> Outcome:
    t = flow.trace
    ns = pod["metadata"].get("namespace", "default")
    t.hops.append(Hop(name, "deliver", f"accepted on {pkt.dst}:{pkt.dport} from {pkt.src}:{pkt.sport}"))
    t.server = f"pod {ns}/{pod['metadata']['name']} {pkt.dst}:{pkt.dport}"
    t.seen_from = f"{pkt.src}:{pkt.sport}"
    return Outcome("connected", t, pod=pod, host=host, port=pkt.dport, client_ip=pkt.src, client_port=pkt.sport)


# -- conntrack ---------------------------------------------------------------------------------

def _record_conntrack(flow: _Flow, out: Outcome) -> None:
    """Each node the SYN left keeps an entry: confirmed flows as their final state."""
    if flow.proto == "udp":
        # a datagram and its answer: not assured, the UDP timeout (30 s)
        state, assured, unreplied = "UDP", False, out.kind != "connected"
    elif out.kind == "connected":
        state, assured, unreplied = "TIME_WAIT", True, False
    elif out.kind == "refused" and not any(h.verdict == "REJECT" for h in flow.trace.hops):
        state, assured, unreplied = "CLOSE", False, False
    else:
        state, assured, unreplied = "SYN_SENT", False, True
    for node, entered, left in flow.visited:
        orig = (entered.src, entered.dst, entered.sport, entered.dport)
        reply = (left.dst, left.src, left.dport, left.sport)
        ct.add(flow.world, node, flow.proto, orig, reply, state, assured, unreplied)
        if not unreplied:
            flow.trace.reply.append(_reply_text(node, orig, reply))


def _reply_text(node: str, orig: tuple, reply: tuple) -> str:
    text = f"{node}: {reply[0]}:{reply[2]} -> {reply[1]}:{reply[3]}"
    if (reply[0], reply[2]) != (orig[1], orig[3]) or (reply[1], reply[3]) != (orig[0], orig[2]):
        text += f" un-NATed by conntrack to {orig[1]}:{orig[3]} -> {orig[0]}:{orig[2]}"
    return text


__all__ = ["walk", "Outcome", "NodeNet", "ruleset", "pod_by_ip", "SYN_TIMEOUT", "ARP_TIMEOUT"]
