"""Packets walked through the iptables rules kube-proxy writes (evaluation API)."""
import random

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.iptables.evaluate import EvalContext, Packet, TraceStep
from lab.sim.proxy.iptables.model import render_list
from lab.sim.proxy.iptables.proxier import IptablesBackend

NODE = NodeContext("node1", "192.168.0.2", "10.244.1.0/24")
LOCAL = frozenset({"192.168.0.2"})


def key(name, port=""):
    return ServicePortName("default", name, port, "TCP")


def digest():
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    k = key("web")
    d.services[k] = ServicePortInfo(k, "10.96.0.20", 80, "TCP", node_port=30080, service_type="NodePort")
    d.endpoints[k] = [EndpointInfo(f"10.244.2.{i}", 8080, node_name="node2") for i in (3, 4, 5)]
    k = key("empty")
    d.services[k] = ServicePortInfo(k, "10.96.0.21", 80, "TCP", node_port=30081, service_type="NodePort")
    k = key("local")
    d.services[k] = ServicePortInfo(k, "10.96.0.22", 80, "TCP", node_port=30082, external_policy_local=True,
                                    health_check_node_port=31000, service_type="NodePort")
    d.endpoints[k] = [EndpointInfo("10.244.2.9", 80, node_name="node2")]
    k = key("sticky")
    d.services[k] = ServicePortInfo(k, "10.96.0.23", 80, "TCP", session_affinity_seconds=10800)
    d.endpoints[k] = [EndpointInfo(f"10.244.2.{i}", 80, node_name="node2") for i in (6, 7)]
    return d


def ruleset():
    return IptablesBackend().sync(NODE, digest(), ProxyConfig())


def ctx(seed=1, now=0.0):
    return EvalContext(rng=random.Random(seed), local_addresses=LOCAL, now=now, node_ip="192.168.0.2")


def test_cluster_ip_dnat_splits_evenly_over_endpoints():
    rs = ruleset()
    c = ctx(seed=42)
    hits: dict[str, int] = {}
    for i in range(3000):
        v = rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.20", sport=10000 + i, dport=80, in_if="cni0"), c)
        assert v.verdict == "ACCEPT" and not v.masqueraded
        hits[v.dnat] = hits.get(v.dnat, 0) + 1
        assert v.packet.mark == 0          # pod source: not marked for masquerade
    assert sorted(hits) == ["10.244.2.3:8080", "10.244.2.4:8080", "10.244.2.5:8080"]
    assert all(900 < n < 1100 for n in hits.values()), hits
    # every hit counted on the rule that matched
    nat = rs.tables["nat"]
    total = sum(nat.chains["KUBE-SERVICES"].counter(i)[0] for i in range(len(nat.chains["KUBE-SERVICES"].rules)))
    assert total == 3000


def test_trace_names_every_rule_looked_at():
    rs = ruleset()
    v = rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.20", dport=80), ctx())
    assert v.trace[0] == TraceStep("mangle", "PREROUTING", 0, "-P PREROUTING ACCEPT", True)
    first = v.trace[1]
    assert (first.table, first.chain, first.index, first.matched) == ("nat", "PREROUTING", 1, True)
    assert first.rule == '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'
    assert v.trace[-1].rule.startswith("-A KUBE-SEP-") and "-j DNAT --to-destination" in v.trace[-1].rule


def test_nodeport_from_outside_is_masqueraded():
    rs = ruleset()
    c = ctx()
    pkt = Packet("203.0.113.9", "192.168.0.2", dport=30080, in_if="eth0")
    pre = rs.run_hook("PREROUTING", pkt, c)
    assert pre.verdict == "ACCEPT" and pre.dnat.startswith("10.244.2.")
    assert pre.packet.mark == 0x4000
    fwd = rs.run_hook("FORWARD", pre.packet, c)
    assert fwd.verdict == "ACCEPT"
    post = rs.run_hook("POSTROUTING", fwd.packet, c)
    assert post.masqueraded and post.packet.src == "192.168.0.2"
    assert post.packet.mark == 0           # KUBE-POSTROUTING clears the mark (xor)


def test_etp_local_without_local_endpoints_drops_external_traffic():
    rs = ruleset()
    c = ctx()
    pre = rs.run_hook("PREROUTING", Packet("203.0.113.9", "192.168.0.2", dport=30082, in_if="eth0"), c)
    assert pre.dnat is None
    inp = rs.run_hook("INPUT", pre.packet, c)
    assert inp.verdict == "DROP"
    assert inp.trace[-1].rule == ('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment '
                                  '"default/local has no local endpoints" -m addrtype --dst-type LOCAL '
                                  '-m tcp --dport 30082 -j DROP')
    # pods still reach it through the cluster IP
    v = rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.22", dport=80), c)
    assert v.dnat == "10.244.2.9:80"


def test_no_endpoints_rejects():
    rs = ruleset()
    c = ctx()
    out_nat = rs.run_hook("OUTPUT", Packet("192.168.0.2", "10.96.0.21", dport=80, out_if="eth0"), c)
    assert out_nat.verdict == "REJECT"
    assert out_nat.trace[-1].rule.endswith('"default/empty has no endpoints" -m tcp --dport 80 '
                                           '-j REJECT --reject-with icmp-port-unreachable')


def test_session_affinity_sticks_and_expires():
    rs = ruleset()
    c = ctx(seed=7)
    first = rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.23", dport=80), c).dnat
    for i in range(50):
        c.now = float(i * 100)
        assert rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.23", sport=20000 + i, dport=80), c).dnat == first
    state = rs.to_state()["recent"]
    assert list(state.values()) == [{"10.244.1.7": 4900.0}]
    others = set()
    c.now = 4900.0 + 10800 + 1
    for i in range(40):
        others.add(rs.run_hook("PREROUTING", Packet(f"10.244.1.{100 + i}", "10.96.0.23", dport=80), c).dnat)
    assert others == {"10.244.2.6:80", "10.244.2.7:80"}


def test_recent_state_and_counters_persist_as_plain_data():
    rs = ruleset()
    c = ctx()
    rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.23", dport=80), c)
    state = rs.to_state()
    fresh = ruleset()
    fresh.load_state(state)
    assert fresh.to_state() == state
    assert fresh.save(counters=True) == rs.save(counters=True)


def test_listing_shows_counters_like_iptables_L():
    rs = ruleset()
    c = ctx()
    for i in range(3):
        rs.run_hook("PREROUTING", Packet("10.244.1.7", "10.96.0.20", sport=30000 + i, dport=80, length=60), c)
    out, err, status = rs.render("iptables", ["-t", "nat", "-L", "PREROUTING", "-n", "-v", "--line-numbers"])
    assert status == 0
    assert out == (
        "Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n"
        "num   pkts bytes target     prot opt in     out     source               destination         \n"
        "1        3   180 KUBE-SERVICES  0    --  *      *       0.0.0.0/0            0.0.0.0/0            "
        "/* kubernetes service portals */\n")
    out, _, _ = rs.render("iptables", ["-t", "nat", "-nL", "KUBE-SVC-" + rs._blocks[key("web")].chain_order[0][9:]])
    assert out.splitlines()[0].endswith("(2 references)")
    assert "statistic mode random probability 0.33333333349" in out
    _, err, status = rs.render("iptables", ["-t", "nat", "-L", "NOPE"])
    assert (err, status) == ("iptables v1.8.9 (nf_tables): chain `NOPE' in table `nat' is incompatible, "
                             "use 'nft' tool.\n", 1)
