"""kube-proxy's iptables mode: the digest -> a node's nat/filter/mangle tables.

Mirrors pkg/proxy/iptables/proxier.go syncProxyRules and
writeServiceToEndpointRules (v1.32) with proxy.CategorizeEndpoints: fixed
chains (KUBE-POSTROUTING, KUBE-MARK-MASQ, KUBE-FORWARD, KUBE-FIREWALL), per
service port the dispatch rules in KUBE-SERVICES / KUBE-NODEPORTS and the
KUBE-SVC/SVL/EXT/FW/SEP chains, filter REJECT/DROP rules for ports without
(local) endpoints, the nodeports tail rule, the jumps from the built-in
chains and the canary chains. The node has no nfacct match and supports
--random-fully (the backend's defaults); the upstream unit-test fake (no
--random-fully, mark written 0x4000) is available for comparing with the
upstream tests' expected dumps.

Each service port's rules are built once into a block that an incremental
sync reuses when neither the Service nor its endpoints changed (KEP-3453):
unchanged per-service chains keep their Chain objects and so their
counters, while the chains kube-proxy rewrites on every sync (KUBE-SERVICES,
KUBE-NODEPORTS, the filter chains ...) start again from zero. Those shared
chains are not rebuilt from every block either: a partial sync splices the
changed ports' rules and restore lines into the previous sync's (layout.py),
and its tables share the previous ones' chains (model.ChainDict, a
LayeredDict), so adding or removing one Service at 20,000 costs a few
milliseconds, and the result is byte for byte a full sync's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from ..base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from . import chains as cn
from .baseline import baseline_tables
from ..layered import LayeredDict
from .layout import SHARED_CHAINS, SharedLayout
from .evaluate import EvalContext, Packet, RecentState, Verdict, evaluate, run_hook
from .model import (Chain, ChainDict, Rule, Table, _addr, addrtype, comment, conntrack, dnat, jump, mark_match, mark_or,
                    mark_xor, masquerade, no_gc, parse_save, proto_match, recent, reject, render_list, render_rules_spec,
                    render_save, statistic, Target, Match)

LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000

FILTER_CHAINS = ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS",
                 "KUBE-PROXY-FIREWALL")
NAT_CHAINS = ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ")

def service_port_order(spn: ServicePortName) -> tuple[str, str, str, str]:
    """The order service ports are written in (KUBE-SERVICES, KUBE-NODEPORTS, ...).

    SIMPLIFICATION: syncProxyRules ranges over the service map (a Go map:
    random order); here the order is (namespace, name, port name, protocol)
    in full and partial syncs alike, so the rules depend only on the state,
    not on the order changes arrived in (a world loaded from its saved state
    writes what the one kept in memory wrote).
    """
    return spn.namespace, spn.name, spn.port, spn.protocol


# (table, from chain, to chain, extra written args, comment) in iptablesJumpChains order.
JUMPS = (
    ("filter", "INPUT", "KUBE-EXTERNAL-SERVICES", "-m conntrack --ctstate NEW", "kubernetes externally-visible service portals"),
    ("filter", "FORWARD", "KUBE-EXTERNAL-SERVICES", "-m conntrack --ctstate NEW", "kubernetes externally-visible service portals"),
    ("filter", "INPUT", "KUBE-NODEPORTS", "", "kubernetes health check service ports"),
    ("filter", "FORWARD", "KUBE-SERVICES", "-m conntrack --ctstate NEW", "kubernetes service portals"),
    ("filter", "OUTPUT", "KUBE-SERVICES", "-m conntrack --ctstate NEW", "kubernetes service portals"),
    ("filter", "FORWARD", "KUBE-FORWARD", "", "kubernetes forwarding rules"),
    ("filter", "INPUT", "KUBE-PROXY-FIREWALL", "-m conntrack --ctstate NEW", "kubernetes load balancer firewall"),
    ("filter", "OUTPUT", "KUBE-PROXY-FIREWALL", "-m conntrack --ctstate NEW", "kubernetes load balancer firewall"),
    ("filter", "FORWARD", "KUBE-PROXY-FIREWALL", "-m conntrack --ctstate NEW", "kubernetes load balancer firewall"),
    ("nat", "OUTPUT", "KUBE-SERVICES", "", "kubernetes service portals"),
    ("nat", "PREROUTING", "KUBE-SERVICES", "", "kubernetes service portals"),
    ("nat", "POSTROUTING", "KUBE-POSTROUTING", "", "kubernetes postrouting rules"),
)


# immutable rule parts many rules share (Match and Target are frozen)
_TO_MASQ = jump("KUBE-MARK-MASQ")
_BARE_PROTO: dict[str, Match] = {}
_STATISTIC: dict[str, Match] = {}


def _bare_proto(proto: str) -> Match:
    m = _BARE_PROTO.get(proto)
    if m is None:
        m = _BARE_PROTO[proto] = Match(proto)
    return m


def _statistic(p: str) -> Match:
    """`-m statistic --mode random --probability p` (p as kube-proxy writes it)."""
    m = _STATISTIC.get(p)
    if m is None:
        m = _STATISTIC[p] = statistic(float(p))
    return m


def _q(text: str) -> str:
    """kube-proxy quotes comments that contain spaces itself (fmt `"%s ..."`)."""
    return f'"{text}"' if " " in text else text


def _mk(written: str, **kw: Any) -> Rule:
    return Rule(written=written, **kw)


def _comment_args(text: str, large: bool) -> tuple[str, tuple[Match, ...]]:
    """appendServiceCommentLocked: no per-endpoint comments in large-cluster mode."""
    if large:
        return "", ()
    return f"-m comment --comment {_q(text)} ", (comment(text),)


def _is_local(ep: EndpointInfo, node: str) -> bool:
    return bool(ep.node_name) and ep.node_name == node


def categorize(eps: list[EndpointInfo], svc: ServicePortInfo, node: str):
    """proxy.CategorizeEndpoints (topology hints not modelled)."""
    externally = svc.uses_external
    ext_local = svc.external_policy_local and externally
    uses_cluster = (not svc.internal_policy_local) or (externally and not ext_local)
    uses_local = svc.internal_policy_local or (externally and ext_local)
    cluster: list[EndpointInfo] = []
    local: list[EndpointInfo] = []
    has_any = False
    if uses_cluster:
        cluster = [e for e in eps if e.ready]
        if not cluster:
            cluster = [e for e in eps if e.serving and e.terminating]
        has_any = bool(cluster)
    if not uses_local:
        return cluster, local, cluster, has_any
    local_ready = local_term = False
    for e in eps:
        if e.ready:
            has_any = True
            local_ready = local_ready or _is_local(e, node)
        elif e.serving and e.terminating:
            has_any = True
            local_term = local_term or _is_local(e, node)
    if local_ready:
        local = [e for e in eps if e.ready and _is_local(e, node)]
    elif local_term:
        local = [e for e in eps if _is_local(e, node) and e.serving and e.terminating]
    if not uses_cluster:
        return cluster, local, local, has_any
    seen: dict[str, EndpointInfo] = {}
    for e in cluster + local:
        seen[cn.join_host_port(e.ip, e.port)] = e
    # SIMPLIFICATION: upstream iterates a Go map here (random order); we sort by ip:port.
    reachable = [seen[k] for k in sorted(seen)]
    return cluster, local, reachable, has_any


@dataclass
class _Block:
    """Everything one service port contributes, in kube-proxy's write order."""

    key: tuple
    filter_rules: list[tuple[str, Rule]] = field(default_factory=list)
    nat_top: list[tuple[str, Rule]] = field(default_factory=list)      # KUBE-SERVICES / KUBE-NODEPORTS
    chain_order: list[str] = field(default_factory=list)               # per-service chain lines
    chain_rules: dict[str, list[Rule]] = field(default_factory=dict)
    nat_written: list[tuple[str, Rule]] = field(default_factory=list)  # per-service rules, write order
    _texts: tuple[str, str, str] | None = field(default=None, repr=False)
    _sig: tuple | None = field(default=None, repr=False)

    def texts(self) -> tuple[str, str, str]:
        """Its restore-input lines, rendered once: (filter rules, KUBE-SERVICES/
        KUBE-NODEPORTS rules, per-service chain rules)."""
        if self._texts is None:
            self._texts = tuple("".join(f"-A {c} {r.written_args()}\n" for c, r in rules)
                                for rules in (self.filter_rules, self.nat_top, self.nat_written))
        return self._texts

    def dispatch_signature(self) -> tuple:
        """What it puts in the shared chains (the filter chains, KUBE-SERVICES, KUBE-NODEPORTS)."""
        if self._sig is None:
            self._sig = tuple((c, r.save_args()) for c, r in self.filter_rules + self.nat_top)
        return self._sig


@dataclass(frozen=True)
class _Opts:
    node: str
    node_ip: str
    local_detector: str      # "! -s <cidr>" source, "" = no detector
    masquerade_all: bool
    mark: int
    mark_text: str
    random_fully: bool
    nfacct: bool
    large: bool


class IptablesRuleset:
    """A node's iptables state after a kube-proxy sync (see model.py for the
    evaluation API)."""

    mode = "iptables"

    def __init__(self, tables: dict[str, Table], node: NodeContext):
        self.tables = tables
        self.node = node
        self.recent: RecentState = {}
        self._blocks: LayeredDict = LayeredDict()      # by service port (shared with the next partial sync)
        self._layout: SharedLayout | None = None
        self._opts: _Opts | None = None
        self._ep_total = -1
        self._partial: tuple[list[_Block], list[str]] | None = None
        self._fixed_written: dict[str, list[tuple[str, Rule]]] = {}

    # ------------------------------------------------------------ evaluation
    def evaluate(self, table: str, chain: str, packet: Packet, ctx: EvalContext) -> Verdict:
        return evaluate(self.tables, table, chain, packet, ctx, self.recent)

    def run_hook(self, hook: str, packet: Packet, ctx: EvalContext) -> Verdict:
        return run_hook(self.tables, hook, packet, ctx, self.recent)

    # ------------------------------------------------------------ rendering
    def save(self, now: datetime | None = None, table: str | None = None, counters: bool = False) -> str:
        return render_save(self.tables, now, counters, table)

    def restore_input(self) -> str:
        """The iptables-restore input of a full sync, as kube-proxy writes it."""
        return self._restore_text(None, ())

    def restore_partial(self) -> str:
        """The iptables-restore input of the sync that built this ruleset: on a
        partial sync (KEP-3453) kube-proxy rewrites the fixed chains whole
        (KUBE-SERVICES, KUBE-NODEPORTS, the filter chains ...) but writes only
        the chains of the service ports that changed, and flushes and deletes
        (`-X`) the chains no longer used; after a full sync, the whole input.

        SIMPLIFICATION: kube-proxy lists stale chains from an iptables-save of
        the nat table (skipped in large clusters most of the time); here they
        are known and deleted in the same sync."""
        if self._partial is None:
            return self.restore_input()
        fresh, stale = self._partial
        return self._restore_text(fresh, stale)

    def _restore_text(self, only: list["_Block"] | None, stale: Iterable[str]) -> str:
        out: list[str] = []
        layout = self._layout
        assert layout is not None, "a ruleset built by a sync"
        blocks = self._blocks
        filter_parts, top_parts = layout.parts(blocks)
        for tname, chain_names in (("filter", FILTER_CHAINS), ("nat", NAT_CHAINS)):
            out.append(f"*{tname}\n")
            names = list(chain_names)
            if tname == "filter" and "KUBE-FIREWALL" in {c for c, _ in self._fixed_written.get("filter_head", [])}:
                names.append("KUBE-FIREWALL")
            if tname == "nat":
                for spn in (layout.order if only is None else ()):
                    names.extend(blocks[spn].chain_order)
                for b in only or ():
                    names.extend(b.chain_order)
                names.extend(stale)
            out.extend(f":{n} - [0:0]\n" for n in names)
            out.extend(f"-A {c} {r.written_args()}\n" for c, r in self._fixed_written.get(f"{tname}_head", []))
            if tname == "filter":
                out.append(layout.filter_text(blocks))
            elif only is None:
                for spn, top in zip(layout.order, top_parts):
                    out.append(top)
                    out.append(blocks[spn].texts()[2])
            else:
                # KUBE-SERVICES / KUBE-NODEPORTS lines of every port, each changed
                # port's chain lines right after its own
                at = 0
                for i, b in sorted((layout.position(service_port_order(b.key[0].name)), b) for b in only):
                    out.append("".join(top_parts[at:i + 1]))
                    out.append(b.texts()[2])
                    at = i + 1
                out.append("".join(top_parts[at:]))
            out.extend(f"-A {c} {r.written_args()}\n" for c, r in self._fixed_written.get(f"{tname}_tail", []))
            if tname == "nat":
                out.extend(f"-X {n}\n" for n in stale)
            out.append("COMMIT\n")
        return "".join(out)

    def render(self, tool: str, args: list[str], now: datetime | None = None) -> tuple[str, str, int]:
        """`iptables-save [-t T] [-c]`, `iptables [-t T] -L|-S [CHAIN] [-n] [-v] [-x] [--line-numbers]`."""
        if tool == "iptables-save":
            table, counters, i = None, False, 0
            while i < len(args):
                a = args[i]
                if a in ("-t", "--table"):
                    i += 1
                    table = args[i] if i < len(args) else None
                elif a in ("-c", "--counters"):
                    counters = True
                i += 1
            if table is not None and table not in self.tables:
                return "", f"iptables-save {'v1.8.9 (nf_tables)'}: Cannot initialize: table '{table}' does not exist\n", 1
            return self.save(now, table, counters), "", 0
        if tool == "iptables":
            return self._iptables(args)
        return "", f"{tool}: command not found\n", 127

    def _iptables(self, args: list[str]) -> tuple[str, str, int]:
        table, cmd, chain = "filter", "", None
        numeric = verbose = exact = lines = False
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-t", "--table"):
                i += 1
                table = args[i]
            elif a == "--line-numbers":
                lines = True
            elif a in ("--list", "--list-rules", "--numeric", "--verbose", "--exact"):
                cmd = {"--list": "L", "--list-rules": "S"}.get(a, cmd)
                numeric |= a == "--numeric"
                verbose |= a == "--verbose"
                exact |= a == "--exact"
            elif a.startswith("-") and not a.startswith("--"):
                for ch in a[1:]:
                    if ch in "LS":
                        cmd = ch
                    elif ch == "n":
                        numeric = True
                    elif ch == "v":
                        verbose = True
                    elif ch == "x":
                        exact = True
                    elif ch == "t":
                        i += 1
                        table = args[i]
            else:
                chain = a
            i += 1
        if table not in self.tables:
            return "", (f"iptables v1.8.9 (nf_tables): table '{table}' does not exist\n"
                        "Perhaps iptables or your kernel needs to be upgraded.\n"), 3
        t = self.tables[table]
        if chain is not None and chain not in t.chains:
            return "", (f"iptables v1.8.9 (nf_tables): chain `{chain}' in table `{table}' "
                        "is incompatible, use 'nft' tool.\n"), 1
        if cmd == "S":
            return render_rules_spec(t, chain), "", 0
        if cmd == "L":
            return render_list(t, chain, numeric, verbose, exact, lines), "", 0
        return "", "iptables v1.8.9 (nf_tables): no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n", 2

    # ------------------------------------------------------------ persistence
    def to_state(self) -> dict:
        """Counters and -m recent lists as plain data."""
        counters: dict[str, Any] = {}
        for tname, t in self.tables.items():
            for c in t.chains.values():
                nz = [[i, p, b] for i, (p, b) in enumerate(c.counters or []) if p or b]
                if nz or any(c.policy_counters):
                    counters[f"{tname}/{c.name}"] = {"rules": nz, "policy": list(c.policy_counters)}
        return {"counters": counters, "recent": {k: dict(v) for k, v in self.recent.items()}}

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
        self.recent = {k: dict(v) for k, v in state.get("recent", {}).items()}


class IptablesBackend:
    """Backend for mode "iptables" (lab.sim.proxy.base.Backend)."""

    mode = "iptables"

    def __init__(self, random_fully: bool = True, nfacct: bool = False, test_notation: bool = False,
                 flannel: bool = True):
        self.random_fully = random_fully
        self.nfacct = nfacct
        self.test_notation = test_notation   # the upstream unit-test fake: mark written 0x4000
        self.flannel = flannel

    # ------------------------------------------------------------ driver
    def sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: IptablesRuleset | None = None,
             changed: Iterable[ServicePortName] | None = None) -> IptablesRuleset:
        """A sync (see _sync), run without the cyclic garbage collector (model.no_gc)."""
        with no_gc():
            return self._sync(node, digest, config, previous, changed)

    def _sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: IptablesRuleset | None = None,
             changed: Iterable[ServicePortName] | None = None) -> IptablesRuleset:
        prev = previous if isinstance(previous, IptablesRuleset) else None
        changed_set = set(changed) if changed is not None else None
        total = self._endpoint_total(digest, prev, changed_set)
        opts = self._options(node, digest, config, total)
        reuse = prev is not None and prev._opts == opts and prev._layout is not None
        tables = self._start_tables(node, digest, previous)
        rs = IptablesRuleset(tables, node)
        rs._opts = opts
        rs._ep_total = total
        if previous is not None:
            rs.recent = previous.recent
        nat = tables["nat"]
        partial = reuse and changed_set is not None
        if partial:
            assert prev is not None and changed_set is not None
            fresh, gone = self._splice(rs, digest, prev, changed_set, opts)
        else:
            fresh = self._build_all(rs, digest, prev._blocks if reuse and prev is not None else {}, opts)
            gone = list(prev._blocks.values()) if prev is not None else []

        # Per-service nat chains: on a partial sync unchanged ones keep their
        # Chain objects (and counters); everything else is rewritten.
        for b in gone:
            for name in b.chain_order:
                nat.chains.pop(name, None)
        for b in fresh:
            for name in b.chain_order:
                nat.chains[name] = Chain(name, b.chain_rules[name])
        written = {name for b in fresh for name in b.chain_order}
        rs._partial = (fresh, sorted({n for b in gone for n in b.chain_order} - written)) if partial else None
        self._fixed(rs, prev if partial else None)
        self._ensure_jumps(tables)
        return rs

    def _build_all(self, rs: IptablesRuleset, digest: ProxyDigest, old_blocks: Mapping[ServicePortName, "_Block"],
                   opts: _Opts) -> list["_Block"]:
        """A full sync's blocks (an old block is kept when its Service and
        endpoints are the same) and the layout of the shared chains."""
        blocks: dict[ServicePortName, _Block] = {}
        keys: list[tuple[str, ...]] = []
        for spn in sorted(digest.services, key=service_port_order):
            svc = digest.services[spn]
            if not svc.cluster_ip:
                continue
            old = old_blocks.get(spn)
            eps = digest.endpoints.get(spn, [])
            key = (svc, tuple(eps))
            blocks[spn] = old if old is not None and old.key == key else self._service_block(spn, svc, eps, opts)
            keys.append(service_port_order(spn))
        rs._blocks = LayeredDict(blocks)
        fixed = rs._fixed_written = self._fixed_rules(opts)
        rs._layout = SharedLayout.build(list(blocks), keys, blocks.values(),
                                        {("nat", "KUBE-SERVICES"): [r for _, r in fixed["nat_tail"]]})
        return list(blocks.values())

    def _splice(self, rs: IptablesRuleset, digest: ProxyDigest, prev: IptablesRuleset,
                changed: set[ServicePortName], opts: _Opts) -> tuple[list["_Block"], list["_Block"]]:
        """A partial sync's blocks: the previous ones with the changed ports'
        rebuilt, added or dropped, spliced into the previous layout where a full
        sync would put them. Returns (blocks whose chains are written, blocks
        replaced or gone), in write order."""
        assert prev._layout is not None
        blocks = prev._blocks.derive() if isinstance(prev._blocks, LayeredDict) else LayeredDict(prev._blocks)
        layout = prev._layout.derive()
        fresh: list[_Block] = []
        gone: list[_Block] = []
        for spn in sorted(changed, key=service_port_order):
            svc = digest.services.get(spn)
            old = blocks.get(spn)
            if svc is None or not svc.cluster_ip:
                if old is not None:
                    del blocks[spn]
                    layout.put(spn, service_port_order(spn), old, None)
                    gone.append(old)
                continue
            eps = digest.endpoints.get(spn, [])
            key = (svc, tuple(eps))
            if old is not None and old.key == key:
                continue
            block = blocks[spn] = self._service_block(spn, svc, eps, opts)
            layout.put(spn, service_port_order(spn), old, block)
            fresh.append(block)
            if old is not None:
                gone.append(old)
        rs._blocks, rs._layout = blocks, layout
        rs._fixed_written = prev._fixed_written
        return fresh, gone

    @staticmethod
    def _endpoint_total(digest: ProxyDigest, prev: "IptablesRuleset | None",
                        changed: set[ServicePortName] | None) -> int:
        """Endpoints of all programmed service ports (largeClusterEndpointsThreshold),
        kept as a running total across partial syncs."""
        if prev is None or changed is None or prev._ep_total < 0:
            return sum(len(digest.endpoints.get(spn, ())) for spn, s in digest.services.items() if s.cluster_ip)
        total = prev._ep_total
        for spn in changed:
            old = prev._blocks.get(spn)
            if old is not None:
                total -= len(old.key[1])
            svc = digest.services.get(spn)
            if svc is not None and svc.cluster_ip:
                total += len(digest.endpoints.get(spn, ()))
        return total

    def _options(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig, total: int) -> _Opts:
        cidr = config.cluster_cidr or digest.cluster_cidr
        mark = 1 << config.masquerade_bit
        return _Opts(node=node.name, node_ip=node.ip, local_detector=cidr, masquerade_all=config.masquerade_all,
                     mark=mark, mark_text=(f"0x{mark:x}" if self.test_notation else f"{mark:#010x}"),
                     random_fully=self.random_fully, nfacct=self.nfacct,
                     large=total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD)

    def _start_tables(self, node: NodeContext, digest: ProxyDigest,
                      previous: IptablesRuleset | None) -> dict[str, Table]:
        if previous is None:
            tables = baseline_tables(node.pod_cidr, digest.cluster_cidr, self.flannel)
        else:
            tables = {}
            for name, t in previous.tables.items():
                nt = Table(name)
                nt.chains = t.chains.derive() if isinstance(t.chains, ChainDict) else ChainDict(t.chains)
                tables[name] = nt
        for tname in ("mangle", "nat", "filter"):
            tables.setdefault(tname, Table(tname)).chains.setdefault(
                "KUBE-PROXY-CANARY", Chain("KUBE-PROXY-CANARY", counters=[]))
        return tables

    def _ensure_jumps(self, tables: dict[str, Table]) -> None:
        """EnsureRule(Prepend, ...) for each jump, in iptablesJumpChains order."""
        for tname, frm, to, extra, text in JUMPS:
            c = tables[tname].chains[frm]
            written = f"{extra + ' ' if extra else ''}-m comment --comment {_q(text)} -j {to}"
            rule = Rule(matches=((conntrack(["NEW"]),) if extra else ()) + (comment(text),),
                        target=jump(to), written=written)
            if any(r.target.name == to and r.save_args() == rule.save_args() for r in c.rules):
                continue
            cnt = c.ensure_counters()
            c.rules = [rule] + c.rules
            c.counters = [[0, 0]] + cnt

    # ------------------------------------------------------------ fixed rules
    #: chains holding only fixed rules: (table, chain) -> the _fixed_rules part they come from
    FIXED_ONLY = {("filter", "KUBE-FIREWALL"): "filter_head", ("filter", "KUBE-FORWARD"): "filter_tail",
                  ("nat", "KUBE-POSTROUTING"): "nat_head", ("nat", "KUBE-MARK-MASQ"): "nat_head"}

    def _fixed(self, rs: IptablesRuleset, prev: IptablesRuleset | None = None) -> None:
        """The chains every sync rewrites, in fresh Chain objects (kube-proxy
        rewrote them: counters restart): the shared chains on the layout's
        lists, the fixed ones on their rules. On a partial sync (`prev`) a list
        the sync left alone is the previous chain's own, and so are that
        chain's caches (rendered text, lookup index, signature)."""
        fixed = rs._fixed_written
        layout = rs._layout
        assert layout is not None
        lists: dict[tuple[str, str], list[Rule]] = {ck: layout.rules(ck) for ck in SHARED_CHAINS}
        for (tname, name), part in self.FIXED_ONLY.items():
            if prev is not None:
                lists[tname, name] = prev.tables[tname].chains[name].rules
            else:
                lists[tname, name] = [r for c, r in fixed[part] if c == name]
        for (tname, name), rules in lists.items():
            c = rs.tables[tname].chains[name] = Chain(name, rules)
            oc = prev.tables[tname].chains.get(name) if prev is not None else None
            if oc is not None and oc.rules is rules:
                c._text, c._text_of, c._text_n = oc._text, oc._text_of, oc._text_n
                c._index, c._sig = oc._index, oc._sig

    @staticmethod
    def _fixed_rules(o: _Opts) -> dict[str, list[tuple[str, Rule]]]:
        """The rules of the fixed chains, and where kube-proxy writes them:
        before the service ports' (`*_head`) or after (`*_tail`)."""
        m, mt = o.mark, o.mark_text
        post = [
            _mk(f"-m mark ! --mark {mt}/{mt} -j RETURN", matches=(mark_match(m, m, True),), target=Target("RETURN")),
            _mk(f"-j MARK --xor-mark {mt}", target=mark_xor(m)),
            _mk('-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE'
                + (" --random-fully" if o.random_fully else ""),
                matches=(comment("kubernetes service traffic requiring SNAT"),), target=masquerade(o.random_fully)),
        ]
        markmasq = [_mk(f"-j MARK --or-mark {mt}", target=mark_or(m))]
        fw_rule = _mk('-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 '
                      '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
                      src="127.0.0.0/8", src_inv=True, dst="127.0.0.0/8",
                      matches=(comment("block incoming localnet connections"),
                               conntrack(["RELATED", "ESTABLISHED", "DNAT"], True)), target=Target("DROP"))
        fwd: list[Rule] = []
        if o.nfacct:
            fwd.append(_mk("-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP",
                           matches=(conntrack(["INVALID"]), Match("nfacct", (("name", "ct_state_invalid_dropped_pkts"),))),
                           target=Target("DROP")))
        else:
            fwd.append(_mk("-m conntrack --ctstate INVALID -j DROP", matches=(conntrack(["INVALID"]),),
                           target=Target("DROP")))
        fwd.append(_mk(f'-m comment --comment "kubernetes forwarding rules" -m mark --mark {mt}/{mt} -j ACCEPT',
                       matches=(comment("kubernetes forwarding rules"), mark_match(m, m)), target=Target("ACCEPT")))
        fwd.append(_mk('-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate '
                       'RELATED,ESTABLISHED -j ACCEPT',
                       matches=(comment("kubernetes forwarding conntrack rule"), conntrack(["RELATED", "ESTABLISHED"])),
                       target=Target("ACCEPT")))
        tail_text = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"
        tail = _mk(f'-m comment --comment "{tail_text}" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
                   matches=(comment(tail_text), addrtype(dst_type="LOCAL")), target=jump("KUBE-NODEPORTS"))

        return {
            "filter_head": [("KUBE-FIREWALL", fw_rule)],
            "filter_tail": [("KUBE-FORWARD", r) for r in fwd],
            "nat_head": [("KUBE-POSTROUTING", r) for r in post] + [("KUBE-MARK-MASQ", r) for r in markmasq],
            "nat_tail": [("KUBE-SERVICES", tail)],
        }

    # ------------------------------------------------------------ per service
    def _service_block(self, spn: ServicePortName, svc: ServicePortInfo, eps: list[EndpointInfo],
                       o: _Opts) -> _Block:
        b = _Block(key=(svc, tuple(eps)))
        name = str(spn)
        proto = svc.protocol.lower()
        eps = sorted(eps, key=lambda e: cn.join_host_port(e.ip, e.port))
        cluster_eps, local_eps, reachable, has_eps = categorize(eps, svc, o.node)
        externally = svc.uses_external
        ext_local = svc.external_policy_local and externally
        uses_cluster = (not svc.internal_policy_local) or (externally and not ext_local)
        uses_local = svc.internal_policy_local or (externally and ext_local)

        svc_chain = cn.svc_chain(name, proto)
        svl_chain = cn.svl_chain(name, proto)
        ext_chain = cn.ext_chain(name, proto)
        fw_chain = cn.fw_chain(name, proto)
        uses_cluster_chain = bool(cluster_eps) and uses_cluster
        uses_local_chain = bool(local_eps) and uses_local

        internal_chain, has_internal = svc_chain, has_eps
        if svc.internal_policy_local:
            internal_chain = svl_chain
            has_internal = has_internal and bool(local_eps)
        external_policy_chain, has_external = svc_chain, has_eps
        if ext_local:
            external_policy_chain = svl_chain
            has_external = has_external and bool(local_eps)
        uses_ext_chain = has_eps and externally
        lb_chain = ext_chain
        ranges = [r.strip() for r in svc.load_balancer_source_ranges if r.strip()]
        uses_fw = has_eps and bool(svc.load_balancer_ips) and bool(ranges)
        if uses_fw:
            lb_chain = fw_chain

        if not has_eps:
            int_target = ext_target = "REJECT"
            int_comment = ext_comment = f"{name} has no endpoints"
        else:
            int_target = ext_target = int_comment = ext_comment = ""
            if not has_internal:
                int_target, int_comment = "DROP", f"{name} has no local endpoints"
            if not has_external:
                ext_target, ext_comment = "DROP", f"{name} has no local endpoints"

        def dispatch(text: str, dst: str, port: int, target: str) -> Rule:
            tg = reject() if target == "REJECT" else Target(target)
            return _mk(f"-m comment --comment {_q(text)} -m {proto} -p {proto} -d {dst} --dport {port} -j {target}",
                       dst=_addr(dst), proto=proto, matches=(comment(text), proto_match(proto, port)), target=tg)

        port = svc.port
        if has_internal:
            b.nat_top.append(("KUBE-SERVICES", dispatch(f"{name} cluster IP", svc.cluster_ip, port, internal_chain)))
        else:
            b.filter_rules.append(("KUBE-SERVICES", dispatch(int_comment, svc.cluster_ip, port, int_target)))
        for ip in svc.external_ips:
            if has_eps:
                b.nat_top.append(("KUBE-SERVICES", dispatch(f"{name} external IP", ip, port, ext_chain)))
            if not has_external:
                b.filter_rules.append(("KUBE-EXTERNAL-SERVICES", dispatch(ext_comment, ip, port, ext_target)))
        for ip in svc.load_balancer_ips:
            if has_eps:
                b.nat_top.append(("KUBE-SERVICES", dispatch(f"{name} loadbalancer IP", ip, port, lb_chain)))
            if uses_fw:
                b.filter_rules.append(("KUBE-PROXY-FIREWALL",
                                       dispatch(f"{name} traffic not accepted by {fw_chain}", ip, port, "DROP")))
        if not has_external:
            for ip in svc.load_balancer_ips:
                b.filter_rules.append(("KUBE-EXTERNAL-SERVICES", dispatch(ext_comment, ip, port, ext_target)))
        if svc.node_port:
            np_ = svc.node_port
            if has_eps:
                if o.nfacct:
                    b.nat_top.append(("KUBE-NODEPORTS", _mk(
                        f"-m comment --comment {_q(name)} -m {proto} -p {proto} -d 127.0.0.0/8 --dport {np_} "
                        f"-m nfacct --nfacct-name localhost_nps_accepted_pkts -j {ext_chain}",
                        dst="127.0.0.0/8", proto=proto,
                        matches=(comment(name), proto_match(proto, np_),
                                 Match("nfacct", (("name", "localhost_nps_accepted_pkts"),))),
                        target=jump(ext_chain))))
                b.nat_top.append(("KUBE-NODEPORTS", _mk(
                    f"-m comment --comment {_q(name)} -m {proto} -p {proto} --dport {np_} -j {ext_chain}",
                    proto=proto, matches=(comment(name), proto_match(proto, np_)), target=jump(ext_chain))))
            if not has_external:
                tg = reject() if ext_target == "REJECT" else Target(ext_target)
                b.filter_rules.append(("KUBE-EXTERNAL-SERVICES", _mk(
                    f"-m comment --comment {_q(ext_comment)} -m addrtype --dst-type LOCAL -m {proto} -p {proto} "
                    f"--dport {np_} -j {ext_target}",
                    proto=proto, matches=(comment(ext_comment), addrtype(dst_type="LOCAL"), proto_match(proto, np_)),
                    target=tg)))
        if svc.health_check_node_port:
            hc = svc.health_check_node_port
            text = f"{name} health check node port"
            b.filter_rules.append(("KUBE-NODEPORTS", _mk(
                f'-m comment --comment "{text}" -m tcp -p tcp --dport {hc} -j ACCEPT',
                proto="tcp", matches=(comment(text), proto_match("tcp", hc)), target=Target("ACCEPT"))))

        w = b.nat_written
        sep_names: dict[str, str] = {}

        def add_chain(cname: str) -> None:
            b.chain_order.append(cname)
            b.chain_rules.setdefault(cname, [])

        def add(cname: str, rule: Rule) -> None:
            b.chain_rules.setdefault(cname, []).append(rule)
            w.append((cname, rule))

        if has_internal:
            text = f"{name} cluster IP"
            head = f"-m comment --comment \"{text}\" -m {proto} -p {proto} -d {svc.cluster_ip} --dport {port}"
            base = dict(dst=_addr(svc.cluster_ip), proto=proto)
            ms = (comment(text), proto_match(proto, port))
            if o.masquerade_all:
                add(internal_chain, _mk(f"{head} -j KUBE-MARK-MASQ", matches=ms, target=_TO_MASQ, **base))
            elif o.local_detector:
                add(internal_chain, _mk(f"{head} ! -s {o.local_detector} -j KUBE-MARK-MASQ", src=o.local_detector,
                                        src_inv=True, matches=ms, target=_TO_MASQ, **base))

        if uses_ext_chain:
            add_chain(ext_chain)
            if not ext_local:
                t = f"masquerade traffic for {name} external destinations"
                add(ext_chain, _mk(f'-m comment --comment "{t}" -j KUBE-MARK-MASQ', matches=(comment(t),),
                                   target=_TO_MASQ))
            else:
                if o.local_detector:
                    t = f"pod traffic for {name} external destinations"
                    add(ext_chain, _mk(f'-m comment --comment "{t}" -s {o.local_detector} -j {svc_chain}',
                                       src=o.local_detector, matches=(comment(t),), target=jump(svc_chain)))
                t = f"masquerade LOCAL traffic for {name} external destinations"
                add(ext_chain, _mk(f'-m comment --comment "{t}" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
                                   matches=(comment(t), addrtype(src_type="LOCAL")), target=_TO_MASQ))
                t = f"route LOCAL traffic for {name} external destinations"
                add(ext_chain, _mk(f'-m comment --comment "{t}" -m addrtype --src-type LOCAL -j {svc_chain}',
                                   matches=(comment(t), addrtype(src_type="LOCAL")), target=jump(svc_chain)))
            if has_external:
                add(ext_chain, _mk(f"-j {external_policy_chain}", target=jump(external_policy_chain)))

        if uses_fw:
            add_chain(fw_chain)
            t = f"{name} loadbalancer IP"
            allow_node = False
            import ipaddress
            for cidr in ranges:
                add(fw_chain, _mk(f'-m comment --comment "{t}" -s {cidr} -j {ext_chain}', src=_addr(cidr),
                                  matches=(comment(t),), target=jump(ext_chain)))
                try:
                    if o.node_ip and ipaddress.ip_address(o.node_ip) in ipaddress.ip_network(cidr, strict=False):
                        allow_node = True
                except ValueError:
                    pass
            if allow_node:
                for ip in svc.load_balancer_ips:
                    add(fw_chain, _mk(f'-m comment --comment "{t}" -s {ip} -j {ext_chain}', src=_addr(ip),
                                      matches=(comment(t),), target=jump(ext_chain)))
            t2 = f"other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL"
            add(fw_chain, _mk(f'-m comment --comment "{t2}"', matches=(comment(t2),)))

        if uses_cluster_chain:
            add_chain(svc_chain)
            self._svc_to_eps(add, name, proto, svc, svc_chain, cluster_eps, o, sep_names)
        if uses_local_chain:
            add_chain(svl_chain)
            self._svc_to_eps(add, name, proto, svc, svl_chain, local_eps, o, sep_names)

        for ep in reachable:
            addr = cn.join_host_port(ep.ip, ep.port)
            sep = sep_names.get(addr) or cn.sep_chain(name, proto, addr)
            add_chain(sep)
            cw, cm = _comment_args(name, o.large)
            add(sep, _mk(f"{cw}-s {ep.ip} -j KUBE-MARK-MASQ", src=_addr(ep.ip), matches=cm,
                         target=_TO_MASQ))
            rw, rm = "", ()
            if svc.session_affinity_seconds:
                rw, rm = f"-m recent --name {sep} --set ", (recent(sep, "set"),)
            add(sep, _mk(f"{cw}{rw}-m {proto} -p {proto} -j DNAT --to-destination {addr}", proto=proto,
                         matches=cm + rm + (_bare_proto(proto),), target=dnat(addr)))
        return b

    @staticmethod
    def _svc_to_eps(add, name: str, proto: str, svc: ServicePortInfo, chain: str,
                    eps: list[EndpointInfo], o: _Opts, sep_names: dict[str, str] | None = None) -> None:
        """writeServiceToEndpointRules (`sep_names`: the block's KUBE-SEP names by ip:port, filled in)."""
        names = {} if sep_names is None else sep_names
        seps = []
        for e in eps:
            a = cn.join_host_port(e.ip, e.port)
            sep = names.get(a)
            if sep is None:
                sep = names[a] = cn.sep_chain(name, proto, a)
            seps.append((a, sep))
        if svc.session_affinity_seconds:
            for addr, sep in seps:
                cw, cm = _comment_args(f"{name} -> {addr}", o.large)
                s = svc.session_affinity_seconds
                add(chain, _mk(f"{cw}-m recent --name {sep} --rcheck --seconds {s} --reap -j {sep}",
                               matches=cm + (recent(sep, "rcheck", s, True),), target=jump(sep)))
        n = len(seps)
        for i, (addr, sep) in enumerate(seps):
            cw, cm = _comment_args(f"{name} -> {addr}", o.large)
            if i < n - 1:
                p = f"{1.0 / (n - i):.10f}"
                add(chain, _mk(f"{cw}-m statistic --mode random --probability {p} -j {sep}",
                               matches=cm + (_statistic(p),), target=jump(sep)))
            else:
                add(chain, _mk(f"{cw}-j {sep}", matches=cm, target=jump(sep)))


def load_tables(text: str) -> dict[str, Table]:
    """Convenience for tests: parse iptables-save/restore text."""
    return parse_save(text)
