"""The nftables Backend: the `ip kube-proxy` table kube-proxy v1.32 writes on a node.

Mirrors pkg/proxy/nftables/proxier.go of v1.32 (setupNFTables and
syncProxyRules). v1.32 layout, which later releases changed:
- base chains `filter-prerouting`, `filter-input`, `filter-forward`,
  `filter-output` at priority dstnat-10 (-110) and `filter-output-post-dnat`
  at dstnat+10 (-90) carrying the `cluster-ips-check` jump (v1.34, PR
  #132456, renamed them `filter-*-pre-dnat` and moved input/forward/output
  to priority 0);
- the ClusterIP masquerade rule still matches the port
  (`ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump
  mark-for-masquerade`; PR #131492 dropped `tcp dport 80` in v1.34).

One sync = one transaction (`transaction()`), the listing is what the
kernel then holds (`render("nft", ["list", "table", "ip", "kube-proxy"])`).
Per-service blocks (chains, affinity sets, map elements, transaction
lines) are cached and reused by later syncs for service ports that did not
change, so a one-Service resync costs one block.
"""
from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from ..digest import categorize, uses_cluster_endpoints, uses_local_endpoints
from ..iptables.model import no_gc
from ..layered import LayeredDict
from . import chains as names
from .model import (AnonSet, BaseHook, Chain, Dnat, Element, Layered, MarkMatch, MarkSet, Masquerade, Match,
                    NftSet, NumgenVmap, Rule, SetMatch, SetUpdate, Table, Verdict, VmapLookup)

FAMILY = "ip"
TABLE = "kube-proxy"
PREFIX = f"{FAMILY} {TABLE}"

# base chains in nftablesBaseChains order: (name, type, hook, priority)
BASE_CHAINS = (
    ("filter-prerouting", "filter", "prerouting", -110),
    ("filter-input", "filter", "input", -110),
    ("filter-forward", "filter", "forward", -110),
    ("filter-output", "filter", "output", -110),
    ("filter-output-post-dnat", "filter", "output", -90),
    ("nat-prerouting", "nat", "prerouting", -100),
    ("nat-output", "nat", "output", -100),
    ("nat-postrouting", "nat", "postrouting", 100),
)

# nftablesJumpChains: (destination, source, ct state new?)
JUMP_CHAINS = (
    ("nodeport-endpoints-check", "filter-input", True),
    ("service-endpoints-check", "filter-input", True),
    ("service-endpoints-check", "filter-forward", True),
    ("service-endpoints-check", "filter-output", True),
    ("firewall-check", "filter-prerouting", True),
    ("firewall-check", "filter-output", True),
    ("services", "nat-output", False),
    ("services", "nat-prerouting", False),
    ("masquerading", "nat-postrouting", False),
    ("cluster-ips-check", "filter-forward", True),
    ("cluster-ips-check", "filter-output-post-dnat", True),
)

SVC_KEY = ("ipv4_addr", "inet_proto", "inet_service")
NP_KEY = ("inet_proto", "inet_service")
DISPATCH = ("ip daddr", "meta l4proto", "th dport")
NP_DISPATCH = ("meta l4proto", "th dport")
MARK_MASQ = "mark-for-masquerade"
REJECT_CHAIN = "reject-chain"


def _jump(chain: str) -> Verdict:
    return Verdict("jump", chain)


def _goto(chain: str) -> Verdict:
    return Verdict("goto", chain)


@dataclass(frozen=True)
class _Globals:
    """Everything outside one service port that its block depends on."""

    node_name: str
    node_ip: str
    local_cidr: str             # LocalTrafficDetector (ClusterCIDR); "" = not implemented
    masquerade_all: bool
    mark: int


@dataclass
class ServiceBlock:
    """What one service port contributes: chains, affinity sets, elements, transaction lines."""

    key: Any
    chains: list[Chain] = field(default_factory=list)
    sets: list[NftSet] = field(default_factory=list)
    elements: list[tuple[str, Element]] = field(default_factory=list)
    ops: list[Any] = field(default_factory=list)   # str, or (prefix, rule|element) rendered lazily


def _op_text(op: Any) -> str:
    if isinstance(op, str):
        return op
    prefix, obj = op
    return prefix + obj.input() + (" }" if isinstance(obj, Element) else "")


def _cidr(text: str) -> str:
    return str(ipaddress.ip_network(text.strip(), strict=False))


def build_service_block(info: ServicePortInfo, endpoints: Iterable[EndpointInfo], g: _Globals,
                        key: Any = None) -> ServiceBlock:
    """syncProxyRules' loop body for one service port (v1.32 order of operations)."""
    blk = ServiceBlock(key)
    ops = blk.ops
    spn = info.name
    proto = info.protocol.lower()
    spn_text = str(spn)
    cbase = names.service_port_chain_name_base(spn, proto)
    cluster_chain = names.SERVICE_PREFIX + cbase
    local_chain = names.LOCAL_PREFIX + cbase
    ext_chain = names.EXTERNAL_PREFIX + cbase
    fw_chain = names.FIREWALL_PREFIX + cbase
    cat = categorize(endpoints, info, g.node_name)
    affinity = info.session_affinity_seconds > 0

    ep_names: dict[str, tuple[str, str]] = {}
    for ep in cat.all_reachable:
        b = names.service_port_endpoint_chain_name_base(spn, proto, ep.ip, ep.port)
        ep_names[ep.address] = (names.ENDPOINT_PREFIX + b, names.AFFINITY_PREFIX + b)

    chains: dict[str, Chain] = {}

    def ensure(name: str) -> None:
        if name not in chains:
            chains[name] = Chain(name)
            ops.append(f"add chain {PREFIX} {name}")
            ops.append(f"flush chain {PREFIX} {name}")

    def element(set_name: str, el: Element) -> None:
        blk.elements.append((set_name, el))
        ops.append((f"add element {PREFIX} {set_name} {{ ", el))

    def rule(chain: str, exprs: tuple, comment: str | None = None) -> None:
        r = Rule(exprs, comment)
        chains[chain].rules.append(r)
        ops.append((f"add rule {PREFIX} {chain} ", r))

    for ep in cat.all_reachable:
        ensure(ep_names[ep.address][0])
    uses_cluster_chain = bool(cat.cluster) and uses_cluster_endpoints(info)
    if uses_cluster_chain:
        ensure(cluster_chain)
    uses_local_chain = bool(cat.local) and uses_local_endpoints(info)
    if uses_local_chain:
        ensure(local_chain)

    has_any = cat.has_any
    internal_chain = local_chain if info.internal_policy_local else cluster_chain
    has_internal = has_any and (not info.internal_policy_local or bool(cat.local))
    external_policy_chain = local_chain if info.external_policy_local else cluster_chain
    has_external = has_any and (not info.external_policy_local or bool(cat.local))
    uses_ext_chain = has_any and info.uses_external
    if uses_ext_chain:
        ensure(ext_chain)

    if not has_any:
        int_verdict = ext_verdict = f"goto {REJECT_CHAIN}"
    else:
        int_verdict = "" if has_internal else "drop"
        ext_verdict = "" if has_external else "drop"

    port = str(info.port)
    element("cluster-ips", Element((info.cluster_ip,)))
    if has_internal:
        element("service-ips", Element((info.cluster_ip, proto, port), f"goto {internal_chain}"))
    else:
        element("no-endpoint-services", Element((info.cluster_ip, proto, port), int_verdict, spn_text))
    for ip in info.external_ips:
        if has_any:
            element("service-ips", Element((ip, proto, port), f"goto {ext_chain}"))
        if not has_external:
            element("no-endpoint-services", Element((ip, proto, port), ext_verdict, spn_text))
    uses_fw = bool(info.load_balancer_ips) and bool(info.load_balancer_source_ranges)
    if uses_fw:
        ensure(fw_chain)
    for ip in info.load_balancer_ips:
        if has_any:
            element("service-ips", Element((ip, proto, port), f"goto {ext_chain}"))
        if uses_fw:
            element("firewall-ips", Element((ip, proto, port), f"goto {fw_chain}"))
    if not has_external:
        for ip in info.load_balancer_ips:
            element("no-endpoint-services", Element((ip, proto, port), ext_verdict, spn_text))
    if info.node_port:
        np = str(info.node_port)
        if has_any:
            element("service-nodeports", Element((proto, np), f"goto {ext_chain}"))
        if not has_external:
            element("no-endpoint-nodeports", Element((proto, np), ext_verdict, spn_text))

    # internal traffic: masquerade off-cluster clients of the ClusterIP
    if has_internal:
        head = (Match("ip daddr", info.cluster_ip), Match(f"{proto} dport", port))
        if g.masquerade_all:
            rule(internal_chain, head + (_jump(MARK_MASQ),))
        elif g.local_cidr:
            rule(internal_chain, head + (Match("ip saddr", g.local_cidr, True), _jump(MARK_MASQ)))

    if uses_ext_chain:
        if not info.external_policy_local:
            rule(ext_chain, (_jump(MARK_MASQ),))
        else:
            if g.local_cidr:
                rule(ext_chain, (Match("ip saddr", g.local_cidr), _goto(cluster_chain)), "short-circuit pod traffic")
            rule(ext_chain, (Match("fib saddr type", "local"), _jump(MARK_MASQ)), "masquerade local traffic")
            rule(ext_chain, (Match("fib saddr type", "local"), _goto(cluster_chain)), "short-circuit local traffic")
        if has_external:
            rule(ext_chain, (_goto(external_policy_chain),))

    if uses_fw:
        sources: list[str] = []
        allow_from_node = False
        for cidr in info.load_balancer_source_ranges:
            net = _cidr(cidr)
            sources.append(net)
            if g.node_ip and ipaddress.IPv4Address(g.node_ip) in ipaddress.ip_network(net):
                allow_from_node = True
        if allow_from_node:
            sources.extend(info.load_balancer_ips)
        anon = AnonSet(tuple(sources), "{ " + " , ".join(sources) + " }")
        rule(fw_chain, (Match("ip saddr", anon, True), Verdict("drop")))

    if affinity:
        for ep in cat.all_reachable:
            s = NftSet(ep_names[ep.address][1], ("ipv4_addr",), flags=("dynamic", "timeout"),
                       timeout=info.session_affinity_seconds)
            blk.sets.append(s)
            ops.append(s.add_input(FAMILY, TABLE))

    def service_to_endpoints(chain: str, eps: tuple[EndpointInfo, ...]) -> None:
        if affinity:
            for ep in eps:
                ep_chain, aff = ep_names[ep.address]
                rule(chain, (SetMatch("ip saddr", aff), _goto(ep_chain)))
        rule(chain, (NumgenVmap(tuple(ep_names[ep.address][0] for ep in eps)),))

    if uses_cluster_chain:
        service_to_endpoints(cluster_chain, cat.cluster)
    if uses_local_chain:
        service_to_endpoints(local_chain, cat.local)

    for ep in cat.all_reachable:
        ep_chain, aff = ep_names[ep.address]
        rule(ep_chain, (Match("ip saddr", ep.ip), _jump(MARK_MASQ)))
        if affinity:
            rule(ep_chain, (SetUpdate(aff),))
        rule(ep_chain, (Match("meta l4proto", proto), Dnat(ep.ip, ep.port)))

    blk.chains = list(chains.values())
    return blk


class NftablesRuleset:
    """A node's `ip kube-proxy` table (Ruleset protocol: render + the table the dataplane walks).

    `now` (virtual-clock seconds) is what listings use for affinity entries'
    `expires`; the dataplane sets it when it evaluates packets.
    """

    mode = "nftables"

    def __init__(self, node: NodeContext, g: _Globals, match_all_nodeports: bool, nodeport_ips: tuple[str, ...],
                 service_cidrs: tuple[str, ...], blocks: dict[ServicePortName, ServiceBlock],
                 dynamic: dict[str, dict[str, float]] | None = None,
                 order: tuple[list[ServicePortName], list[str]] | None = None,
                 patch_from: tuple["NftablesRuleset", list[ServiceBlock], list[ServiceBlock]] | None = None):
        self.node = node
        self.globals = g
        self.match_all_nodeports = match_all_nodeports
        self.nodeport_ips = nodeport_ips
        self.service_cidrs = service_cidrs
        self.blocks = blocks
        if order is None:
            pairs = sorted((str(spn), spn) for spn in blocks)
            order = ([p[1] for p in pairs], pairs)
        self.order, self.order_keys = order     # service ports by name, and their (name, port) sort keys
        self.now = 0.0
        self._dynamic = dynamic or {}
        self._table: Table | None = None
        # a partial sync: (previous ruleset, its blocks replaced or removed, the blocks built)
        self._patch_from = patch_from
        self._partial = None if patch_from is None else (patch_from[1], patch_from[2])
        # elements several service ports write (a Service's ports share its ClusterIP): how many
        # write each; `_collided`: two of them differ, so the later one won
        self._dups: dict[tuple[str, tuple[str, ...]], int] = {}
        self._collided = False

    # -- the fixed part (setupNFTables) -------------------------------------------------------
    def _base_objects(self) -> tuple[list[NftSet], list[Chain], list[str]]:
        mark = self.globals.mark
        chains = {name: Chain(name, base=BaseHook(t, hook, prio)) for name, t, hook, prio in BASE_CHAINS}
        ops = [f'add table {PREFIX} {{ comment "rules for kube-proxy" ; }}']
        for name, *_ in BASE_CHAINS:          # the one-time add+delete that recreates base chains
            ops += [f"add chain {PREFIX} {name}", f"delete chain {PREFIX} {name}"]
        for name, c in chains.items():
            ops += [f"add chain {PREFIX} {name}{c.header_input()}", f"flush chain {PREFIX} {name}"]

        def ensure(name: str, comment: str | None = None) -> None:
            if name not in chains:
                chains[name] = Chain(name, comment=comment)
                ops.append(f"add chain {PREFIX} {name}{chains[name].header_input()}")
                ops.append(f"flush chain {PREFIX} {name}")

        def rule(chain: str, exprs: tuple, comment: str | None = None) -> None:
            r = Rule(exprs, comment)
            chains[chain].rules.append(r)
            ops.append(f"add rule {PREFIX} {chain} {r.input()}")

        for dst, src, new in JUMP_CHAINS:
            ensure(dst)
            rule(src, ((Match("ct state", "new"),) if new else ()) + (_jump(dst),))
        for name in ("services", "cluster-ips-check", "masquerading", MARK_MASQ):
            ensure(name)
        rule(MARK_MASQ, (MarkSet("or", mark),))
        rule("masquerading", (MarkMatch(mark, 0), Verdict("return")))
        rule("masquerading", (MarkSet("xor", mark),))
        rule("masquerading", (Masquerade(),))

        sets = {"cluster-ips": NftSet("cluster-ips", ("ipv4_addr",), comment="Active ClusterIPs")}
        ops.append(sets["cluster-ips"].add_input(FAMILY, TABLE))
        rule("cluster-ips-check", (SetMatch("ip daddr", "cluster-ips"), Verdict("reject")),
             "Reject traffic to invalid ports of ClusterIPs")
        if self.service_cidrs:
            joined = ",".join(self.service_cidrs)
            rule("cluster-ips-check", (Match("ip daddr", AnonSet(self.service_cidrs, "{ " + joined + " }")),
                                       Verdict("drop")), "Drop traffic to unallocated ClusterIPs")
        npips = NftSet("nodeport-ips", ("ipv4_addr",), comment="IPs that accept NodePort traffic")
        ops.append(npips.add_input(FAMILY, TABLE))
        if self.match_all_nodeports:
            ops.append(f"delete set {PREFIX} nodeport-ips")
        else:
            sets["nodeport-ips"] = npips
            ops.append(f"flush set {PREFIX} nodeport-ips")
            for ip in self.nodeport_ips:
                npips.elements[(ip,)] = Element((ip,))
                ops.append(f"add element {PREFIX} nodeport-ips {{ {ip} }}")

        def vmap(name: str, types: tuple[str, ...], comment: str) -> None:
            sets[name] = NftSet(name, types, is_map=True, comment=comment)
            ops.append(sets[name].add_input(FAMILY, TABLE))

        vmap("no-endpoint-services", SVC_KEY, "vmap to drop or reject packets to services with no endpoints")
        vmap("no-endpoint-nodeports", NP_KEY, "vmap to drop or reject packets to service nodeports with no endpoints")
        ensure(REJECT_CHAIN, "helper for @no-endpoint-services / @no-endpoint-nodeports")
        rule(REJECT_CHAIN, (Verdict("reject"),))
        rule("service-endpoints-check", (VmapLookup(DISPATCH, "no-endpoint-services"),))
        if self.match_all_nodeports:
            rule("nodeport-endpoints-check", (Match("ip daddr", "127.0.0.0/8", True),
                                              VmapLookup(NP_DISPATCH, "no-endpoint-nodeports")))
        else:
            rule("nodeport-endpoints-check", (SetMatch("ip daddr", "nodeport-ips"),
                                              VmapLookup(NP_DISPATCH, "no-endpoint-nodeports")))
        vmap("firewall-ips", SVC_KEY, "destinations that are subject to LoadBalancerSourceRanges")
        ensure("firewall-check")
        rule("firewall-check", (VmapLookup(DISPATCH, "firewall-ips"),))
        vmap("service-ips", SVC_KEY, "ClusterIP, ExternalIP and LoadBalancer IP traffic")
        vmap("service-nodeports", NP_KEY, "NodePort traffic")
        rule("services", (VmapLookup(DISPATCH, "service-ips"),))
        if self.match_all_nodeports:
            rule("services", (Match("fib daddr type", "local"), Match("ip daddr", "127.0.0.0/8", True),
                              VmapLookup(NP_DISPATCH, "service-nodeports")))
        else:
            rule("services", (SetMatch("ip daddr", "nodeport-ips"), VmapLookup(NP_DISPATCH, "service-nodeports")))
        for name in ("cluster-ips", "service-ips", "firewall-ips", "no-endpoint-services",
                     "no-endpoint-nodeports", "service-nodeports"):
            ops.append(f"flush {'map' if sets[name].is_map else 'set'} {PREFIX} {name}")
        order = ["cluster-ips", "nodeport-ips", "no-endpoint-services", "no-endpoint-nodeports",
                 "firewall-ips", "service-ips", "service-nodeports"]
        return [sets[n] for n in order if n in sets], list(chains.values()), ops

    # -- the table ---------------------------------------------------------------------------
    @property
    def table(self) -> Table:
        """The assembled table (built on first use, then kept): after a partial
        sync, the previous table with the changed blocks swapped."""
        if self._table is None:
            with no_gc():
                t = self._patched() if self._patch_from is not None else None
                self._table = t if t is not None else self._build()
            self._patch_from = None
        return self._table

    def _body(self, attr: str) -> Callable[[], Iterable[Any]]:
        blocks, order = self.blocks, self.order

        def walk() -> Iterable[Any]:
            for spn in order:
                yield from getattr(blocks[spn], attr)
        return walk

    def _build(self) -> Table:
        base_sets, base_chains, _ = self._base_objects()
        t = Table(FAMILY, TABLE)
        head_sets = {s.name: s for s in base_sets}
        body_sets: dict[str, NftSet] = {}
        body_chains: dict[str, Chain] = {}
        collided = False
        dups: dict[tuple[str, tuple[str, ...]], int] = {}
        for spn in self.order:
            blk = self.blocks[spn]
            for s in blk.sets:
                body_sets[s.name] = s
            for set_name, el in blk.elements:
                elements = head_sets[set_name].elements
                old = elements.get(el.key)
                if old is not None:
                    collided = collided or old != el
                    dups[(set_name, el.key)] = dups.get((set_name, el.key), 1) + 1
                elements[el.key] = el
            for c in blk.chains:
                body_chains[c.name] = c
        self._collided, self._dups = collided, dups
        t.sets = Layered(head_sets, body_sets, self._body("sets"))  # type: ignore[assignment]
        t.chains = Layered({c.name: c for c in base_chains}, body_chains, self._body("chains"))  # type: ignore[assignment]
        t.dynamic = {k: v for k, v in self._dynamic.items() if k in t.sets}
        return t

    def _patched(self) -> Table | None:
        """The previous table with the blocks of this partial sync swapped in
        (maps copied before they change), or None when that could differ from
        a build from scratch (an element two service ports write)."""
        prev, gone, fresh = self._patch_from  # type: ignore[misc]
        pt = prev._table
        if pt is None or prev._collided or not isinstance(pt.chains, Layered) or not isinstance(pt.sets, Layered):
            return None
        head_sets = dict(pt.sets.head)
        copied: set[str] = set()

        def writable(name: str) -> NftSet:
            if name not in copied:
                old = head_sets[name]
                new = NftSet(old.name, old.types, flags=old.flags, timeout=old.timeout, comment=old.comment,
                             is_map=old.is_map)
                old_elements = old.elements
                new.elements = old_elements.derive() if isinstance(old_elements, LayeredDict) \
                    else LayeredDict(old_elements)   # type: ignore[assignment]
                head_sets[name] = new
                copied.add(name)
            return head_sets[name]

        dups = prev._dups
        for blk in gone:
            for set_name, el in blk.elements:
                elements = writable(set_name).elements
                n = dups.get((set_name, el.key), 1)
                if n > 1:
                    # another service port still writes the same element
                    dups = dict(dups) if dups is prev._dups else dups
                    if n == 2:
                        del dups[(set_name, el.key)]
                    else:
                        dups[(set_name, el.key)] = n - 1
                elif el.key in elements:
                    del elements[el.key]
        for blk in fresh:
            for set_name, el in blk.elements:
                elements = writable(set_name).elements
                old = elements.get(el.key)
                if old is not None:
                    if old != el:
                        return None
                    dups = dict(dups) if dups is prev._dups else dups
                    dups[(set_name, el.key)] = dups.get((set_name, el.key), 1) + 1
                elements[el.key] = el
        self._dups = dups
        body_sets = _derived(pt.sets.body)
        body_chains = _derived(pt.chains.body)
        for blk in gone:
            for s in blk.sets:
                if body_sets.get(s.name) is s:
                    del body_sets[s.name]
            for c in blk.chains:
                if body_chains.get(c.name) is c:
                    del body_chains[c.name]
        for blk in fresh:
            for s in blk.sets:
                body_sets[s.name] = s
            for c in blk.chains:
                body_chains[c.name] = c
        t = Table(FAMILY, TABLE)
        t.sets = Layered(head_sets, body_sets, self._body("sets"))  # type: ignore[assignment]
        t.chains = Layered(pt.chains.head, body_chains, self._body("chains"))  # type: ignore[assignment]
        t.dynamic = {k: v for k, v in self._dynamic.items() if k in t.sets}
        return t

    def restore_partial(self) -> str:
        """The `nft -f` input of the sync that built this ruleset. After a
        partial sync (kube-proxy's tryPartialSync) the fixed objects are
        written again without flushing the maps, then the changed service
        ports' chains, sets and elements, then what the old versions of
        those service ports had that the new ones do not is deleted
        (elements, affinity sets, chains); after a full sync, `transaction()`.

        SIMPLIFICATION: kube-proxy flushes a stale chain and deletes it a sync
        later; here it is flushed and deleted at once (all stale chains
        flushed first, so none is still referenced when it is deleted)."""
        if self._partial is None:
            return self.transaction()
        gone, fresh = self._partial
        gone = sorted(gone, key=lambda b: str(b.key[0].name))     # service port name order
        _, _, base = self._base_objects()
        skip = {f"delete chain {PREFIX} {name}" for name, *_ in BASE_CHAINS}
        out = [op for op in base if op not in skip and not op.startswith(("flush map ", "flush set "))
               and not (op.startswith("add chain ") and op[len("add chain " + PREFIX) + 1:] in
                        {n for n, *_ in BASE_CHAINS} and "{" not in op)]
        for blk in sorted(fresh, key=lambda b: (str(b.key[0].name), b.key[0].name)):   # table order
            out.extend(_op_text(op) for op in blk.ops)
        kept_elements = {(n, e.key) for b in fresh for n, e in b.elements}
        kept_chains = {c.name for b in fresh for c in b.chains}
        kept_sets = {x.name for b in fresh for x in b.sets}
        for b in gone:
            for n, e in b.elements:
                if (n, e.key) not in kept_elements:
                    out.append(f"delete element {PREFIX} {n} {{ {' . '.join(e.key)} }}")
        stale = [c.name for b in gone for c in b.chains if c.name not in kept_chains]
        # every stale chain flushed before any is deleted: a service chain still
        # jumps to its endpoint chains until it is flushed (nft: Device or resource busy)
        out += [f"flush chain {PREFIX} {name}" for name in stale]
        out += [f"delete chain {PREFIX} {name}" for name in stale]
        out += [f"delete set {PREFIX} {x.name}" for b in gone for x in b.sets if x.name not in kept_sets]
        return "\n".join(out) + "\n"

    def transaction(self) -> str:
        """The `nft -f` input of a full sync into an empty table (what kube-proxy feeds nft)."""
        _, _, out = self._base_objects()
        for spn in self.order:
            out.extend(_op_text(op) for op in self.blocks[spn].ops)
        return "\n".join(out) + "\n"

    # -- the tool ----------------------------------------------------------------------------
    def render(self, tool: str, args: list[str]) -> tuple[str, str, int]:
        """`nft list ruleset|tables|table|chain|set|map ...` as nft 1.0.6 prints them."""
        if tool != "nft":
            return "", f"{tool}: command not found\n", 127
        a = list(args)
        if a[:1] == ["list"] and len(a) >= 2:
            what = a[1]
            if what == "ruleset" and len(a) == 2:
                return self.table.listing(self.now), "", 0
            if what == "tables" and len(a) == 2:
                return f"table {FAMILY} {TABLE}\n", "", 0
            rest = a[2:]
            if rest and rest[0] in ("ip", "ip6", "inet", "arp", "bridge", "netdev"):
                family, rest = rest[0], rest[1:]
            else:
                family = "ip"
            if what == "table" and len(rest) == 1:
                if (family, rest[0]) == (FAMILY, TABLE):
                    return self.table.listing(self.now), "", 0
                return "", _no_such(["list", "table", family, rest[0]], 3), 1
            if what in ("chain", "set", "map") and len(rest) == 2:
                if (family, rest[0]) == (FAMILY, TABLE):
                    text = self.table.list_object(what, rest[1], self.now)
                    if text is not None:
                        return text, "", 0
                return "", _no_such(["list", what, family, rest[0], rest[1]], 4 if (family, rest[0]) == (FAMILY, TABLE) else 3), 1
        return "", "Error: syntax error, unexpected end of file\n", 1


def _derived(body: Any) -> LayeredDict:
    """The next table's name -> object map: shared with `body` until changed."""
    return body.derive() if isinstance(body, LayeredDict) else LayeredDict(body)


def _no_such(words: list[str], at: int) -> str:
    line = " ".join(words)
    start = len(" ".join(words[:at])) + 1
    return f"Error: No such file or directory\n{line}\n{' ' * start}{'^' * len(words[at])}\n"


class NftablesBackend:
    """kube-proxy `mode: nftables`.

    `service_cidrs`: the ServiceCIDRs kube-proxy knows. v1.32 learns them only
    from ServiceCIDR objects, whose informer cmd/kube-proxy starts only with
    the MultiCIDRServiceAllocator gate (off by default in v1.32), so by
    default there is no "Drop traffic to unallocated ClusterIPs" rule.

    SIMPLIFICATION: service ports are written in name order (kube-proxy
    ranges over a Go map, and a real table keeps the creation order of its
    history: later Services' chains come last); stale chains vanish at once
    (kube-proxy flushes them and deletes them a sync later).
    """

    mode = "nftables"

    def __init__(self, service_cidrs: Iterable[str] = ()):
        self.service_cidrs = tuple(service_cidrs)

    def sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: Any | None = None, changed: Iterable[ServicePortName] | None = None) -> NftablesRuleset:
        """A sync (see _sync), run without the cyclic garbage collector (model.no_gc)."""
        with no_gc():
            return self._sync(node, digest, config, previous, changed)

    def _sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: Any | None = None, changed: Iterable[ServicePortName] | None = None) -> NftablesRuleset:
        local_cidr = config.cluster_cidr or digest.cluster_cidr
        g = _Globals(node.name, node.ip, _cidr(local_cidr) if local_cidr else "", config.masquerade_all,
                     1 << config.masquerade_bit)
        addrs = tuple(config.node_port_addresses) or ("primary",)
        match_all = any(a in ("0.0.0.0/0", "::/0") for a in addrs)
        nodeport_ips: tuple[str, ...] = ()
        if not match_all and node.ip:
            # SIMPLIFICATION: the node's only address is its InternalIP.
            if "primary" in addrs or any(
                    "/" in a and ipaddress.IPv4Address(node.ip) in ipaddress.ip_network(a, strict=False)
                    for a in addrs if "." in a):
                nodeport_ips = (node.ip,)
        prev: NftablesRuleset | None = None
        dynamic: dict[str, dict[str, float]] = {}
        if isinstance(previous, NftablesRuleset) and previous.globals == g:
            prev = previous
            dynamic = previous.table.dynamic if previous._table is not None else previous._dynamic
        if prev is not None and changed is not None:
            # partial sync: only the changed service ports are looked at
            blocks = prev.blocks.derive() if isinstance(prev.blocks, LayeredDict) else LayeredDict(prev.blocks)
            order, keys = list(prev.order), list(prev.order_keys)
            gone: list[ServiceBlock] = []
            fresh: list[ServiceBlock] = []
            for spn in set(changed):
                info = digest.services.get(spn)
                old = blocks.pop(spn, None)
                if info is None or not info.cluster_ip:
                    if old is not None:
                        i = bisect.bisect_left(keys, (str(spn), spn))
                        del order[i], keys[i]
                        gone.append(old)
                    continue
                eps = digest.endpoints.get(spn) or []
                key = (info, tuple(eps))
                blocks[spn] = old if old is not None and old.key == key else build_service_block(info, eps, g, key)
                if blocks[spn] is not old:
                    fresh.append(blocks[spn])
                    if old is not None:
                        gone.append(old)
                if old is None:
                    i = bisect.bisect_left(keys, (str(spn), spn))
                    order.insert(i, spn)
                    keys.insert(i, (str(spn), spn))
            if prev._table is None and prev._patch_from is not None:
                prev.table          # patch the previous table now, so no chain of rulesets stays alive
            return NftablesRuleset(node, g, match_all, nodeport_ips, self.service_cidrs, blocks, dynamic,
                                   (order, keys), (prev, gone, fresh))
        prev_blocks = prev.blocks if prev is not None else {}
        blocks = {}
        for spn, info in digest.services.items():
            if not info.cluster_ip:
                continue
            eps = digest.endpoints.get(spn) or []
            key = (info, tuple(eps))
            old = prev_blocks.get(spn)
            blocks[spn] = old if old is not None and old.key == key else build_service_block(info, eps, g, key)
        return NftablesRuleset(node, g, match_all, nodeport_ips, self.service_cidrs, blocks, dynamic)
