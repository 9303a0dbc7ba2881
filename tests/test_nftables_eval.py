"""Walking packets through the v1.32 `ip kube-proxy` table (lab.sim.proxy.nftables.evaluate)."""
from __future__ import annotations

import random
from collections import Counter

from lab.sim.proxy.base import EndpointInfo, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.nftables.evaluate import EvalContext, Packet, evaluate, run_hook

from test_nftables_e5 import NODE, e2_digest, e5_ruleset

NODE_IPS = {"192.168.0.2"}


def ctx(seed: int = 0, now: float = 0.0) -> EvalContext:
    return EvalContext(local_addresses=NODE_IPS, rng=random.Random(seed), now=now)


def test_clusterip_dnat_spread_follows_the_callers_rng() -> None:
    table = e5_ruleset().table
    c = ctx(seed=7)
    seen = Counter()
    for i in range(1000):
        v = run_hook(table, "prerouting", Packet("10.0.0.2", "172.30.0.44", "tcp", 40000 + i, 80), c)
        assert v.kind == "accept" and v.packet.mark == 0       # pod client: no masquerade mark
        seen[v.dnat] += 1
    r = random.Random(7)
    draws = Counter(r.randrange(2) for _ in range(1000))
    assert seen == {("10.180.0.4", 80): draws[0], ("10.180.0.5", 80): draws[1]}
    assert min(seen.values()) > 400


def test_clusterip_trace_lists_rules_and_map_lookups() -> None:
    v = run_hook(e5_ruleset().table, "prerouting", Packet("10.0.0.2", "172.30.0.41", "tcp", 40000, 80), ctx())
    steps = [(t.chain, t.index, t.matched, t.note) for t in v.trace]
    assert steps == [
        ("filter-prerouting", 0, True, ""),
        ("firewall-check", 0, False, ""),
        ("firewall-check", -1, False, "lookup 172.30.0.41 . tcp . 80 -> no element"),
        ("filter-prerouting", -1, True, ""),
        ("nat-prerouting", 0, True, ""),
        ("services", 0, True, "172.30.0.41 . tcp . 80 -> goto service-ULMVA6XW-ns1/svc1/tcp/p80"),
        ("services", -1, True, "lookup 172.30.0.41 . tcp . 80 -> goto service-ULMVA6XW-ns1/svc1/tcp/p80"),
        ("service-ULMVA6XW-ns1/svc1/tcp/p80", 0, False, ""),
        ("service-ULMVA6XW-ns1/svc1/tcp/p80", 1, True, "numgen 0 -> goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"),
        ("endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80", 0, False, ""),
        ("endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80", 1, True, "dnat to 10.180.0.1:80"),
    ]
    assert v.trace[7].rule == "ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade"
    assert v.dnat == ("10.180.0.1", 80) and v.kind == "accept"


def test_off_cluster_client_of_clusterip_is_marked() -> None:
    v = run_hook(e5_ruleset().table, "prerouting", Packet("192.168.0.100", "172.30.0.41", "tcp", 40000, 80), ctx())
    assert v.dnat == ("10.180.0.1", 80) and v.packet.mark == 0x4000


def test_nodeport_from_outside_is_masqueraded() -> None:
    table = e5_ruleset().table
    pre = run_hook(table, "prerouting", Packet("192.168.0.100", "192.168.0.2", "tcp", 40000, 3003), ctx())
    assert pre.kind == "accept" and pre.dnat == ("10.180.0.3", 80) and pre.packet.mark == 0x4000
    assert [t.chain for t in pre.trace if t.matched and t.index >= 0][-5:] == [
        "external-4AT6LBPK-ns3/svc3/tcp/p80", "mark-for-masquerade", "external-4AT6LBPK-ns3/svc3/tcp/p80",
        "service-4AT6LBPK-ns3/svc3/tcp/p80", "endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80"]
    fwd = run_hook(table, "forward", pre.packet, ctx())
    assert fwd.kind == "accept"
    post = run_hook(table, "postrouting", pre.packet, ctx())
    assert post.masquerade is True and post.packet.mark == 0
    # a pod client of the same NodePort is masqueraded too (ETP Cluster)
    again = run_hook(table, "prerouting", Packet("10.0.0.2", "192.168.0.2", "tcp", 40001, 3003), ctx())
    assert again.packet.mark == 0x4000
    # an unused port on the node IP is not a NodePort
    other = run_hook(table, "prerouting", Packet("192.168.0.100", "192.168.0.2", "tcp", 40000, 3999), ctx())
    assert other.dnat is None


def test_etp_local_without_local_endpoints_drops_external_traffic() -> None:
    table = e5_ruleset().table
    pre = run_hook(table, "prerouting", Packet("192.168.0.100", "192.168.0.2", "tcp", 40000, 3001), ctx())
    assert pre.kind == "accept" and pre.dnat is None          # external-... falls through: no goto
    inp = run_hook(table, "input", pre.packet, ctx())
    assert inp.kind == "drop"
    assert inp.trace[-1].note == "lookup tcp . 3001 -> drop"
    # the LoadBalancer IP and the externalIP are forwarded traffic: dropped in filter-forward
    for dst in ("1.2.3.4", "192.168.99.22"):
        p = run_hook(table, "prerouting", Packet("192.168.0.100", dst, "tcp", 40000, 80), ctx()).packet
        assert run_hook(table, "forward", p, ctx()).kind == "drop"
    # a pod on the node is short-circuited to the cluster-wide endpoints
    pod = run_hook(table, "prerouting", Packet("10.0.0.2", "1.2.3.4", "tcp", 40000, 80), ctx())
    assert pod.dnat == ("10.180.0.2", 80)
    assert run_hook(table, "forward", pod.packet, ctx()).kind == "accept"


def test_service_without_endpoints_is_rejected() -> None:
    table = e5_ruleset().table
    pre = run_hook(table, "prerouting", Packet("10.0.0.2", "172.30.0.46", "tcp", 40000, 80), ctx())
    assert pre.dnat is None
    fwd = run_hook(table, "forward", pre.packet, ctx())
    assert fwd.kind == "reject"
    assert [t.chain for t in fwd.trace if t.matched][-2:] == ["service-endpoints-check", "reject-chain"]
    # from the node itself: filter-output rejects
    out = run_hook(table, "output", Packet("192.168.0.2", "172.30.0.46", "tcp", 40000, 80), ctx())
    assert out.kind == "reject"


def test_clusterip_wrong_port_rejected_and_unallocated_ip_dropped() -> None:
    table = e5_ruleset().table
    wrong = run_hook(table, "output", Packet("192.168.0.2", "172.30.0.41", "tcp", 40000, 81), ctx())
    assert wrong.kind == "reject"
    assert wrong.trace[-1].chain == "cluster-ips-check" and wrong.trace[-1].index == 0
    gone = run_hook(table, "output", Packet("192.168.0.2", "172.30.0.99", "tcp", 40000, 80), ctx())
    assert gone.kind == "drop"
    good = run_hook(table, "output", Packet("192.168.0.2", "172.30.0.41", "tcp", 40000, 80), ctx())
    assert good.kind == "accept" and good.dnat == ("10.180.0.1", 80)


def test_lb_source_ranges() -> None:
    table = e5_ruleset().table
    denied = run_hook(table, "prerouting", Packet("198.51.100.7", "5.6.7.8", "tcp", 40000, 80), ctx())
    assert denied.kind == "drop" and denied.trace[-1].chain == "firewall-HVFWP5L3-ns5/svc5/tcp/p80"
    allowed = run_hook(table, "prerouting", Packet("203.0.113.9", "5.6.7.8", "tcp", 40000, 80), ctx())
    assert allowed.kind == "accept" and allowed.dnat == ("10.180.0.3", 80)


def _affinity_digest() -> tuple[ProxyDigest, ServicePortName]:
    d = e2_digest()
    s = ServicePortName("ns7", "sticky", "", "TCP")
    d.services[s] = ServicePortInfo(s, "172.30.0.47", 80, "TCP", session_affinity_seconds=10)
    d.endpoints[s] = [EndpointInfo(f"10.180.1.{i}", 8080) for i in (1, 2, 3)]
    return d, s


def test_affinity_sticks_until_the_timeout() -> None:
    d, _ = _affinity_digest()
    rs = e5_ruleset(d)
    table = rs.table
    first = run_hook(table, "prerouting", Packet("10.0.0.9", "172.30.0.47", "tcp", 40000, 80), ctx(seed=1, now=100.0))
    target = first.dnat
    for seed in range(2, 30):           # other draws would spread; affinity keeps the endpoint
        v = run_hook(table, "prerouting", Packet("10.0.0.9", "172.30.0.47", "tcp", 41000 + seed, 80),
                     ctx(seed=seed, now=100.0 + seed * 0.1))
        assert v.dnat == target
        assert any(t.rule.startswith("ip saddr @affinity-") and t.matched for t in v.trace)
    # another client is not stuck to it
    others = {run_hook(table, "prerouting", Packet(f"10.0.0.{20 + i}", "172.30.0.47", "tcp", 40000, 80),
                       ctx(seed=i, now=101.0)).dnat for i in range(30)}
    assert len(others) == 3
    # the listing shows the dynamic entry with its remaining lifetime
    ep_base = [c for c in table.chains if c.startswith("endpoint-") and c.endswith(f"__{target[0]}/8080")][0]
    aff = "affinity-" + ep_base[len("endpoint-"):]
    rs.now = 105.0
    out = rs.render("nft", ["list", "set", "ip", "kube-proxy", aff])[0]
    assert "10.0.0.9 expires 7s900ms" in out
    assert "\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 10s\n\t\telements = { " in out
    # after the timeout the entry no longer matches: numgen decides again
    later = [run_hook(table, "prerouting", Packet("10.0.0.9", "172.30.0.47", "tcp", 50000, 80),
                      ctx(seed=s, now=200.0 + s * 100)).dnat for s in range(20)]
    assert len(set(later)) == 3


def test_affinity_entries_survive_a_resync() -> None:
    d, s = _affinity_digest()
    rs = e5_ruleset(d)
    v = run_hook(rs.table, "prerouting", Packet("10.0.0.9", "172.30.0.47", "tcp", 40000, 80), ctx(seed=1, now=5.0))
    from lab.sim.proxy.nftables.proxier import NftablesBackend
    from lab.sim.proxy.base import ProxyConfig
    rs2 = NftablesBackend(service_cidrs=("172.30.0.0/16",)).sync(NODE, d, ProxyConfig(mode="nftables"),
                                                                  previous=rs, changed=[s])
    for seed in range(10):
        again = run_hook(rs2.table, "prerouting", Packet("10.0.0.9", "172.30.0.47", "tcp", 40001, 80),
                         ctx(seed=seed, now=6.0))
        assert again.dnat == v.dnat


def test_evaluate_one_chain() -> None:
    table = e5_ruleset().table
    v = evaluate(table, "masquerading", Packet("10.0.0.2", "10.180.0.1", mark=0x4000), ctx())
    assert v.masquerade and v.packet.mark == 0
    v = evaluate(table, "masquerading", Packet("10.0.0.2", "10.180.0.1"), ctx())
    assert not v.masquerade and [t.matched for t in v.trace] == [True]
