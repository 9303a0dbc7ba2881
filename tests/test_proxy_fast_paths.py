"""The fast paths of the proxy backends give what the plain ones give.

- iptables lean walks (the dataplane's): verdict, packet, counters and the
  matched rules of a rule-by-rule walk, and the same number of rules
  evaluated (the ones passed over are counted);
- ipvs partial syncs patch the previous state: the same listings, ipsets,
  iptables rules and persisted state as a full sync, draining real servers
  dropped when their connections are gone;
- nftables partial syncs swap the changed blocks into the previous table:
  the same listing as a full sync; restore_partial() writes only the change.
"""
from __future__ import annotations

import random

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.iptables.evaluate import EvalContext, Packet, run_hook
from lab.sim.proxy.iptables.model import Chain, Rule, Target
from lab.sim.proxy.kubeproxy import backend_for

NODE = NodeContext("k8s-node1", "192.168.1.11", "10.244.1.0/24")


def _digest(n: int) -> ProxyDigest:
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    for i in range(n):
        spn = ServicePortName("default", f"svc-{i:03d}", "http")
        kw = {"node_port": 30000 + i, "service_type": "NodePort"} if i % 5 == 0 else {}
        if i % 7 == 0:
            kw["session_affinity_seconds"] = 10800
        d.services[spn] = ServicePortInfo(spn, f"10.96.1.{i}", 80, "TCP", **kw)
        d.endpoints[spn] = [EndpointInfo(f"10.244.{j}.{i + 2}", 8080, node_name=f"k8s-node{j}")
                            for j in range(1, 1 + i % 3)]
    return d


def _config(mode: str) -> ProxyConfig:
    return ProxyConfig(mode=mode, cluster_cidr="10.244.0.0/16")


def _walk(rs, hook: str, pkt: Packet, lean: bool):
    ctx = EvalContext(rng=random.Random(3), local_addresses=frozenset({"192.168.1.11"}), now=5.0,
                      node_ip="192.168.1.11")
    return run_hook(rs.tables, hook, pkt, ctx, rs.recent, lean=lean)


def test_lean_walk_matches_the_rule_by_rule_walk() -> None:
    d = _digest(120)
    be = backend_for("iptables")
    plain, lean = be.sync(NODE, d, _config("iptables")), be.sync(NODE, d, _config("iptables"))
    assert len(plain.tables["nat"].chains["KUBE-SERVICES"].rules) == 81   # 80 ports with endpoints, the nodeports rule
    packets = [("OUTPUT", Packet("192.168.1.11", f"10.96.1.{i}", "tcp", 40000 + i, 80, out_if="eth0"))
               for i in (0, 1, 7, 64, 119, 200)]
    packets += [("PREROUTING", Packet("192.168.1.50", "192.168.1.11", "tcp", 40000, 30000 + i, in_if="eth0"))
                for i in (0, 5, 115, 3)]
    skipped = 0
    for hook, pkt in packets:
        a, b = _walk(plain, hook, pkt, False), _walk(lean, hook, pkt, True)
        assert (b.verdict, b.packet, b.dnat, b.snat) == (a.verdict, a.packet, a.dnat, a.snat)
        assert [s for s in b.trace if s.matched] == [s for s in a.trace if s.matched]
        assert b.rules_evaluated == a.rules_evaluated == len(a.trace)
        assert a.skipped == 0 and {f"{s.table}/{s.chain}" for s in a.trace} == \
            {f"{s.table}/{s.chain}" for s in b.trace} | b.skipped_in
        skipped += b.skipped
    assert skipped > 500
    assert plain.save(counters=True) == lean.save(counters=True)
    assert plain.recent == lean.recent


def test_nonzero_counters_follow_bump_and_direct_writes() -> None:
    c = Chain("KUBE-TEST", [Rule(target=Target("ACCEPT")) for _ in range(5)])
    assert c.nonzero_counters() == []
    c.bump(3, 60)
    assert c.nonzero_counters() == [[3, 1, 60]]
    c.bump(1, 40)
    c.bump(3, 60)
    assert c.nonzero_counters() == [[1, 1, 40], [3, 2, 120]]
    c.ensure_counters()[4][:] = [7, 420]
    assert c.nonzero_counters() == [[1, 1, 40], [3, 2, 120], [4, 7, 420]]


def _ipvs_outputs(rs) -> list:
    return [rs.render("ipvsadm", ["-Ln"])[0], rs.render("ipset", ["list"])[0], rs.save(),
            rs.render("ip", ["addr", "show", "kube-ipvs0"])[0], rs.to_state()]


def test_ipvs_partial_sync_is_a_full_sync_and_drains() -> None:
    d = _digest(40)
    be = backend_for("ipvs")
    cfg = _config("ipvs")
    rs = be.sync(NODE, d, cfg)
    spn = ServicePortName("default", "svc-004", "http")
    # a connection to the Service's first real server, still open when that endpoint goes
    assert rs.ipvs_lookup("192.168.1.50", "10.96.1.4", 80, "tcp", 1.0, sport=41000) == ("10.244.1.6", 8080)
    d.endpoints[spn] = [EndpointInfo("10.244.2.6", 8080, node_name="k8s-node2")]
    new = ServicePortName("default", "svc-zzz", "http")
    d.services[new] = ServicePortInfo(new, "10.96.2.1", 80, "TCP", node_port=31000, service_type="NodePort")
    d.endpoints[new] = [EndpointInfo("10.244.1.99", 8080, node_name="k8s-node1")]
    rs = be.sync(NODE, d, cfg, rs, [spn, new])
    assert rs._partial is not None
    full = be.sync(NODE, d, cfg, rs)
    assert _ipvs_outputs(rs) == _ipvs_outputs(full)
    assert "  -> 10.244.1.6:8080              Masq    0      1          0" in rs.render("ipvsadm", ["-Ln"])[0]
    assert rs.restore_partial() == (
        "del KUBE-LOOP-BACK 10.244.1.6,tcp:8080,10.244.1.6\n"
        "add KUBE-CLUSTER-IP 10.96.2.1,tcp:80\n"
        "add KUBE-IPVS-IPS 10.96.2.1\n"
        "add KUBE-LOOP-BACK 10.244.1.99,tcp:8080,10.244.1.99\n"
        "add KUBE-NODE-PORT-TCP 31000\n"
        "-A -t 192.168.1.11:31000 -s rr\n"
        "-a -t 192.168.1.11:31000 -r 10.244.1.99:8080 -m -w 1\n"
        "-A -t 10.96.1.4:80 -s rr\n"
        "-a -t 10.96.1.4:80 -r 10.244.1.6:8080 -m -w 0\n"
        "-a -t 10.96.1.4:80 -r 10.244.2.6:8080 -m -w 1\n"
        "-A -t 10.96.2.1:80 -s rr\n"
        "-a -t 10.96.2.1:80 -r 10.244.1.99:8080 -m -w 1\n"
        "-A -t 10.244.1.0:31000 -s rr\n"
        "-a -t 10.244.1.0:31000 -r 10.244.1.99:8080 -m -w 1\n"
        "-A -t 10.244.1.1:31000 -s rr\n"
        "-a -t 10.244.1.1:31000 -r 10.244.1.99:8080 -m -w 1\n") + rs.save()
    # the connection ends and expires: the next partial sync (of another port) drops the draining server
    rs.ipvs_finish("192.168.1.50", 41000, "10.96.1.4", 80, "tcp", "connected", 2.0)
    rs.expire(500.0)
    other = ServicePortName("default", "svc-010", "http")
    d.endpoints[other] = []
    rs = be.sync(NODE, d, cfg, rs, [other])
    full = be.sync(NODE, d, cfg, rs)
    assert _ipvs_outputs(rs) == _ipvs_outputs(full)
    assert "10.244.1.6:8080" not in rs.render("ipvsadm", ["-Ln"])[0]


def test_nftables_partial_sync_swaps_blocks_and_writes_only_the_change() -> None:
    d = _digest(30)
    be = backend_for("nftables")
    cfg = _config("nftables")
    rs = be.sync(NODE, d, cfg)
    listing = rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0]
    spn = ServicePortName("default", "svc-002", "http")
    d.endpoints[spn] = []
    gone = ServicePortName("default", "svc-003", "http")
    del d.services[gone], d.endpoints[gone]
    rs2 = be.sync(NODE, d, cfg, rs, [spn, gone])
    full = be.sync(NODE, d, cfg)
    assert rs2.render("nft", ["list", "table", "ip", "kube-proxy"])[0] == \
        full.render("nft", ["list", "table", "ip", "kube-proxy"])[0]
    assert rs2._table is not None and rs2._collided is False
    assert rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0] == listing   # the previous table is intact
    text = rs2.restore_partial()
    assert text.startswith('add table ip kube-proxy { comment "rules for kube-proxy" ; }\n'
                           "add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110 ; }\n")
    assert "flush map" not in text and "flush set" not in text
    assert text.endswith(
        "add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n"
        "add element ip kube-proxy cluster-ips { 10.96.1.2 }\n"
        "add element ip kube-proxy no-endpoint-services { 10.96.1.2 . tcp . 80 comment \"default/svc-002:http\""
        " : goto reject-chain }\n"
        "delete element ip kube-proxy service-ips { 10.96.1.2 . tcp . 80 }\n"
        "delete element ip kube-proxy cluster-ips { 10.96.1.3 }\n"
        "delete element ip kube-proxy no-endpoint-services { 10.96.1.3 . tcp . 80 }\n"
        "flush chain ip kube-proxy endpoint-VKDPAKCQ-default/svc-002/tcp/http__10.244.1.4/8080\n"
        "flush chain ip kube-proxy endpoint-J23ZNUY4-default/svc-002/tcp/http__10.244.2.4/8080\n"
        "flush chain ip kube-proxy service-ZIDCG536-default/svc-002/tcp/http\n"
        "delete chain ip kube-proxy endpoint-VKDPAKCQ-default/svc-002/tcp/http__10.244.1.4/8080\n"
        "delete chain ip kube-proxy endpoint-J23ZNUY4-default/svc-002/tcp/http__10.244.2.4/8080\n"
        "delete chain ip kube-proxy service-ZIDCG536-default/svc-002/tcp/http\n")


def test_ipvs_state_after_services_come_and_go_reads_only_the_new_ones() -> None:
    """The kernel's IPVS table as plain data (what the dataplane persists),
    after a partial sync that adds one Service and removes another: the same
    entries in the same table order as reading every virtual server again,
    the untouched ones' entries carried over rather than read again."""
    d = _digest(40)
    be = backend_for("ipvs")
    cfg = _config("ipvs")
    rs = be.sync(NODE, d, cfg)
    before = rs.ipvs_state()["ipvs"]
    new = ServicePortName("default", "svc-0205", "http")          # sorts between svc-020 and svc-021
    d.services[new] = ServicePortInfo(new, "10.96.3.1", 80, "TCP", node_port=31005, service_type="NodePort")
    d.endpoints[new] = [EndpointInfo("10.244.1.77", 8080, node_name="k8s-node1")]
    gone = ServicePortName("default", "svc-011", "http")
    del d.services[gone], d.endpoints[gone]
    rs2 = be.sync(NODE, d, cfg, rs, [new, gone])
    assert rs2._partial is not None
    after = rs2.ipvs_state()["ipvs"]
    assert list(after.items()) == [(k, rs2._vs_state(vs)) for k, vs in rs2.services.items()]
    assert "TCP/10.96.3.1:80" in after and "TCP/10.96.1.11:80" not in after
    assert after["TCP/10.96.1.12:80"] is before["TCP/10.96.1.12:80"]
    assert rs.ipvs_state()["ipvs"] == before          # the previous ruleset's table is intact
