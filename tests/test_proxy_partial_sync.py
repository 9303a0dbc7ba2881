"""A chain of partial syncs renders exactly like a full sync of the same
digest, in every mode: Services come, go, come back (to the digest's end),
change protocol under the same port name, and change endpoints only."""
from __future__ import annotations

import pytest

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.kubeproxy import backend_for

NODE = NodeContext("n1", "192.168.1.11", "10.244.1.0/24")


def _svc(i: int, proto: str = "TCP", **kw) -> tuple[ServicePortName, ServicePortInfo]:
    spn = ServicePortName("ns", f"s{i}", "p", proto)
    return spn, ServicePortInfo(spn, f"10.96.0.{i + 1}", 80, proto, **kw)


def _render(rs, mode: str) -> list[str]:
    if mode == "nftables":
        return [rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0], rs.transaction()]
    out = [rs.render("iptables-save", [])[0], rs.render("iptables", ["-t", "nat", "-L", "-n", "-v"])[0]]
    if mode == "ipvs":
        out += [rs.render("ipvsadm", ["-Ln"])[0], rs.render("ipset", ["list"])[0]]
    else:
        out.append(rs.restore_input())
    return out


@pytest.mark.parametrize("mode", ["iptables", "ipvs", "nftables"])
def test_partial_syncs_render_like_full_syncs(mode: str) -> None:
    be, cfg = backend_for(mode), ProxyConfig(mode=mode, cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    for i in range(6):
        spn, info = _svc(i, node_port=30000 + i if i % 2 else 0)
        d.services[spn], d.endpoints[spn] = info, [EndpointInfo(f"10.244.2.{i + 2}", 8080, node_name="n1")]
    rs = be.sync(NODE, d, cfg)
    steps = []
    s1 = _svc(1)[0]
    steps.append(([s1], lambda: d.endpoints.__setitem__(s1, d.endpoints[s1] + [EndpointInfo("10.244.3.9", 8080)])))
    s2 = _svc(2)[0]

    def readd() -> None:                      # deleted and added again: it moves to the digest's end
        info = d.services.pop(s2)
        d.services[s2] = info
    steps.append(([s2], readd))
    s3, s3u = _svc(3)[0], _svc(3, "UDP")[0]

    def flip() -> None:                       # same port name, another protocol
        del d.services[s3]
        d.endpoints.pop(s3, None)
        d.services[s3u] = _svc(3, "UDP")[1]
        d.endpoints[s3u] = [EndpointInfo("10.244.2.50", 53)]
    steps.append(([s3u, s3], flip))
    s4 = _svc(4)[0]
    steps.append(([s4], lambda: d.endpoints.pop(s4)))
    for changed, apply in steps:
        apply()
        rs = be.sync(NODE, d, cfg, rs, changed)
        assert _render(rs, mode) == _render(be.sync(NODE, d, cfg), mode)


def test_iptables_partial_restore_writes_only_the_changed_chains() -> None:
    be, cfg = backend_for("iptables"), ProxyConfig(mode="iptables", cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    for i in range(3):
        spn, info = _svc(i)
        d.services[spn], d.endpoints[spn] = info, [EndpointInfo(f"10.244.2.{i + 2}", 8080)]
    rs = be.sync(NODE, d, cfg)
    s1 = _svc(1)[0]
    d.endpoints[s1] = [EndpointInfo("10.244.2.99", 8080)]
    rs2 = be.sync(NODE, d, cfg, rs, [s1])
    text = rs2.restore_partial()
    full = rs2.restore_input()
    assert "10.244.2.99" in text and "10.244.2.4" not in text.replace("-X", "")
    assert "--to-destination 10.244.2.2:8080" not in text and "--to-destination 10.244.2.2:8080" in full
    stale = [ln for ln in text.splitlines() if ln.startswith("-X ")]
    assert len(stale) == 1 and stale[0].startswith("-X KUBE-SEP-")
    assert text.count("-A KUBE-SERVICES ") == full.count("-A KUBE-SERVICES ")


# ---------------------------------------------------------------- iptables: adding and removing whole Services

def _varied(i: int, ns: str = "ns") -> tuple[ServicePortName, ServicePortInfo, list[EndpointInfo]]:
    """Service port i of a mix that writes to every shared chain: NodePorts,
    externalIPs, LoadBalancer IPs with source ranges (KUBE-FW), ETP/ITP
    Local, session affinity, UDP, and (every seventh) no endpoints."""
    kind = i % 7
    proto = "UDP" if kind == 3 else "TCP"
    spn = ServicePortName(ns, f"v{i:03d}", "p" if i % 2 else "", proto)
    kw: dict = {}
    if kind in (1, 4):
        kw.update(node_port=30000 + i, service_type="NodePort")
    if kind == 2:
        kw.update(external_ips=(f"192.168.50.{i % 250 + 1}",))
    if kind == 4:
        kw.update(load_balancer_ips=(f"203.0.113.{i % 250 + 1}",), load_balancer_source_ranges=("198.51.100.0/24",),
                  external_policy_local=True, health_check_node_port=32000 + i, service_type="LoadBalancer")
    if kind == 5:
        kw.update(internal_policy_local=True, session_affinity_seconds=10800)
    info = ServicePortInfo(spn, f"10.96.{i // 250}.{i % 250 + 1}", 53 if proto == "UDP" else 80, proto, **kw)
    eps = [] if kind == 6 else [EndpointInfo(f"10.244.{j}.{i % 250 + 2}", 8080, node_name=f"n{j}")
                                for j in range(1, 2 + i % 3)]
    return spn, info, eps


def _iptables_views(rs) -> list[str]:
    return [rs.save(), rs.render("iptables", ["-t", "nat", "-L", "-n", "-v", "--line-numbers"])[0],
            rs.render("iptables", ["-t", "filter", "-S"])[0], rs.restore_input()]


def _restore_noflush(tables, text: str) -> None:
    """What `iptables-restore --noflush` does with kube-proxy's input: a
    `:CHAIN` line creates the chain or flushes it, `-A` appends, `-X` deletes."""
    from lab.sim.proxy.iptables.model import Chain, parse_rule_args

    table = None
    for line in text.splitlines():
        if line.startswith("*"):
            table = tables[line[1:]]
        elif line.startswith(":"):
            name = line[1:].split(" ")[0]
            table.chains[name] = Chain(name)
        elif line.startswith("-A "):
            _, name, args = line.split(" ", 2)
            table.chains[name].rules.append(parse_rule_args(args))
        elif line.startswith("-X "):
            del table.chains[line[3:]]
        else:
            assert line == "COMMIT", line


@pytest.mark.parametrize("merge_min", [1024, 2])
def test_iptables_adding_and_removing_services_is_a_full_sync_byte_for_byte(monkeypatch, merge_min: int) -> None:
    """Random adds, removes and changes of whole service ports (one at a time
    and several at once) on a mixed digest: after every partial sync every
    rendering equals a full sync's, and its partial restore input, applied
    to the previous rules as iptables-restore --noflush would, gives the
    full sync's rules. (merge_min 2: the shared tables merge their changes
    into a new base every few syncs.)"""
    import random

    from lab.sim.proxy import layered
    from lab.sim.proxy.iptables.model import parse_save, render_save

    monkeypatch.setattr(layered, "MERGE_MIN", merge_min)

    be, cfg = backend_for("iptables"), ProxyConfig(mode="iptables", cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    pool = [_varied(i) for i in range(90)]
    for spn, info, eps in pool[::2]:
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(NODE, d, cfg)
    rng = random.Random(7)
    kinds = set()
    for step in range(60):
        changed = []
        for _ in range(1 if step % 4 else 3):
            spn, info, eps = pool[rng.randrange(len(pool))]
            if spn in d.services and rng.random() < 0.3:          # endpoints come or go
                d.endpoints[spn] = [] if d.endpoints.get(spn) else [EndpointInfo("10.244.9.9", 8080, node_name="n1")]
                kinds.add("endpoints")
            elif spn in d.services:
                del d.services[spn]
                d.endpoints.pop(spn, None)
                kinds.add("remove")
            else:
                d.services[spn], d.endpoints[spn] = info, eps
                kinds.add("add")
            changed.append(spn)
        before = parse_save(rs.save())
        rs = be.sync(NODE, d, cfg, rs, changed)
        assert rs._partial is not None
        full = be.sync(NODE, d, cfg)
        assert _iptables_views(rs) == _iptables_views(full), (step, changed)
        _restore_noflush(before, rs.restore_partial())
        assert render_save(before) == full.save(), (step, changed)
    assert kinds == {"add", "remove", "endpoints"}


def test_iptables_splice_leaves_the_untouched_shared_chains_as_they_were() -> None:
    """A partial sync copies only the shared chains it changes: the others keep
    the previous rule lists, and with them their rendered text."""
    be, cfg = backend_for("iptables"), ProxyConfig(mode="iptables", cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    for i in range(30):
        spn, info, eps = _varied(i)
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(NODE, d, cfg)
    rs.save()
    spn, info, eps = _varied(100)              # kind 2: a ClusterIP with an externalIP and endpoints
    d.services[spn], d.endpoints[spn] = info, eps
    rs2 = be.sync(NODE, d, cfg, rs, [spn])

    def rules(r, table: str, chain: str):
        return r.tables[table].chains[chain].rules
    assert rules(rs2, "nat", "KUBE-SERVICES") is not rules(rs, "nat", "KUBE-SERVICES")
    assert len(rules(rs2, "nat", "KUBE-SERVICES")) == len(rules(rs, "nat", "KUBE-SERVICES")) + 2
    for table, chain in (("nat", "KUBE-NODEPORTS"), ("filter", "KUBE-SERVICES"), ("filter", "KUBE-EXTERNAL-SERVICES"),
                         ("filter", "KUBE-PROXY-FIREWALL"), ("filter", "KUBE-FORWARD")):
        assert rules(rs2, table, chain) is rules(rs, table, chain), chain
        assert rs2.tables[table].chains[chain]._text is rs.tables[table].chains[chain]._text
    # its endpoints change: no shared chain changes at all
    d.endpoints[spn] = eps + [EndpointInfo("10.244.7.7", 8080)]
    rs3 = be.sync(NODE, d, cfg, rs2, [spn])
    assert rules(rs3, "nat", "KUBE-SERVICES") is rules(rs2, "nat", "KUBE-SERVICES")
    assert rs3.save() == be.sync(NODE, d, cfg).save()


@pytest.mark.parametrize("mode", ["ipvs", "nftables"])
@pytest.mark.parametrize("merge_min", [1024, 2])
def test_adding_and_removing_services_is_a_full_sync_in_ipvs_and_nftables(monkeypatch, mode: str,
                                                                          merge_min: int) -> None:
    """The random walk of the iptables test above in the other modes: every
    rendering after each partial sync equals a full sync's (the maps these
    syncs share with their predecessors merge every few syncs at merge_min 2)."""
    import random

    from lab.sim.proxy import layered

    monkeypatch.setattr(layered, "MERGE_MIN", merge_min)
    be, cfg = backend_for(mode), ProxyConfig(mode=mode, cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    pool = [_varied(i) for i in range(70)]
    for spn, info, eps in pool[::2]:
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(NODE, d, cfg)
    rng = random.Random(11)
    for step in range(40):
        changed = []
        for _ in range(1 if step % 3 else 2):
            spn, info, eps = pool[rng.randrange(len(pool))]
            if spn in d.services and rng.random() < 0.3:
                d.endpoints[spn] = [] if d.endpoints.get(spn) else [EndpointInfo("10.244.9.9", 8080, node_name="n1")]
            elif spn in d.services:
                del d.services[spn]
                d.endpoints.pop(spn, None)
            else:
                d.services[spn], d.endpoints[spn] = info, eps
            changed.append(spn)
        rs = be.sync(NODE, d, cfg, rs, changed)
        assert _render(rs, mode) == _render(be.sync(NODE, d, cfg), mode), (step, changed)


def test_iptables_sync_after_a_config_change_drops_the_chains_of_services_gone_meanwhile() -> None:
    """A changed masquerade bit makes the next sync a full one on top of the
    previous tables: the chains of a Service deleted at the same time go too."""
    be = backend_for("iptables")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    for i in range(4):
        spn, info, eps = _varied(i * 7)          # kind 0: ClusterIP with endpoints
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(NODE, d, ProxyConfig(mode="iptables", cluster_cidr="10.244.0.0/16"))
    gone = next(iter(d.services))
    svc_chains = [n for n in rs._blocks[gone].chain_order]
    del d.services[gone], d.endpoints[gone]
    cfg = ProxyConfig(mode="iptables", cluster_cidr="10.244.0.0/16", masquerade_bit=5)
    rs2 = be.sync(NODE, d, cfg, rs, [gone])
    assert rs2._partial is None and svc_chains and not any(n in rs2.tables["nat"].chains for n in svc_chains)
    assert rs2.save() == be.sync(NODE, d, cfg).save()
