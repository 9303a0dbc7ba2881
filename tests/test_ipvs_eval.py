"""IPVS mode evaluation: schedulers, persistence on the virtual clock, the
connection counters ipvsadm shows, and packets walked through the iptables
part with ipsets (NodePort masquerade, hairpin, KUBE-IPVS-FILTER)."""
import random

from lab.sim.proxy.base import EndpointInfo, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.iptables.evaluate import Packet
from lab.sim.proxy.ipvs.evaluate import IpvsState, schedule
from lab.sim.proxy.ipvs.model import RealServer, VirtualServer
from lab.sim.proxy.ipvs.proxier import IpvsBackend

from test_ipvs_mode import CFG, N1, e6_digest, mixed_digest


def vs_of(sched: str, n: int = 3) -> VirtualServer:
    return VirtualServer("TCP", "10.96.0.50", 80, sched, reals=[RealServer(f"10.244.1.{i + 2}", 80) for i in range(n)])


def pkt(src: str = "10.244.2.9", sport: int = 40000, dst: str = "10.96.0.50") -> Packet:
    return Packet(src=src, dst=dst, sport=sport, dport=80, in_if="eth0")


def test_rr_cycles_per_virtual_server():
    st, vs = IpvsState(), vs_of("rr")
    picks = [schedule(vs, pkt(sport=40000 + i), st).ip for i in range(4)]
    assert picks == ["10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.2"]
    vs.reals[1].weight = 0   # a weight-0 (terminating) server is skipped
    assert [schedule(vs, pkt(), st).ip for _ in range(2)] == ["10.244.1.4", "10.244.1.2"]


def test_wrr_follows_weights():
    st, vs = IpvsState(), vs_of("wrr", 2)
    vs.reals[0].weight = 3
    assert [schedule(vs, pkt(), st).ip for _ in range(8)] == ["10.244.1.2"] * 3 + ["10.244.1.3"] + \
        ["10.244.1.2"] * 3 + ["10.244.1.3"]


def test_lc_sed_nq_use_connection_counts():
    st = IpvsState()
    vs = vs_of("lc")
    vs.reals[0].active_conns, vs.reals[1].active_conns, vs.reals[2].inactive_conns = 2, 1, 200
    assert schedule(vs, pkt(), st).ip == "10.244.1.4"          # 200 inactive < 1 active (<<8 = 256)
    vs.reals[2].inactive_conns = 0
    vs.reals[2].active_conns = 1
    assert schedule(vs, pkt(), st).ip == "10.244.1.3"          # tie: first in the list wins
    vs.scheduler = "sed"
    vs.reals[1].weight = 3                                      # (1+1)/3 beats (1+1)/1
    assert schedule(vs, pkt(), st).ip == "10.244.1.3"
    vs.scheduler = "nq"
    vs.reals[2].active_conns = 0                                # an idle server is taken at once
    assert schedule(vs, pkt(), st).ip == "10.244.1.4"


def test_sh_pins_a_client_dh_pins_a_destination():
    st, vs = IpvsState(), vs_of("sh")
    first = {src: schedule(vs, pkt(src=src), st).ip for src in ("10.0.0.1", "10.0.0.2", "192.168.49.9")}
    again = {src: schedule(vs, pkt(src=src, sport=50000), st).ip for src in first}
    assert first == again
    assert len(set(first.values())) > 1 or len(first) == 1
    vs.scheduler = "dh"
    assert len({schedule(vs, pkt(src=f"10.0.0.{i}"), st).ip for i in range(1, 20)}) == 1


def test_connections_counters_and_time_wait():
    rs = IpvsBackend().sync(N1, e6_digest(), CFG)
    ctx = rs.context(random.Random(1), now=0.0)
    p = Packet(src="192.168.49.50", dst="10.103.101.59", sport=41000, dport=80, in_if="eth0")
    res = rs.deliver(p, ctx)
    assert res.verdict == "ACCEPT" and res.real.address == "172.18.0.4:8000"
    assert res.packet.dst == "172.18.0.4" and res.packet.dport == 8000
    assert res.ipvs == ["IPVS TCP  10.103.101.59:80 rr", "  -> 172.18.0.4:8000 (rr)"]
    lines = rs.render("ipvsadm", ["-Ln"])[0].splitlines()
    assert lines[4] == "  -> 172.18.0.4:8000              Masq    1      1          0         "
    rs.close(p, now=5.0)
    assert rs.render("ipvsadm", ["-Ln"])[0].splitlines()[4] == \
        "  -> 172.18.0.4:8000              Masq    1      0          1         "
    rs.expire(5.0 + 120.0)
    assert rs.render("ipvsadm", ["-Ln"])[0].splitlines()[4] == \
        "  -> 172.18.0.4:8000              Masq    1      0          0         "
    stats = rs.render("ipvsadm", ["-Ln", "--stats"])[0].splitlines()
    assert stats[3] == "TCP  10.103.101.59:80" + " " * 20 + "1        1        0       60        0"


def test_affinity_is_persistent_until_the_timeout():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    ctx = rs.context(random.Random(1), now=0.0)
    picks = []
    for i in range(3):
        p = Packet(src="192.168.49.50", dst="10.96.40.9", sport=42000 + i, dport=80, in_if="eth0")
        picks.append(rs.deliver(p, ctx).real.address)
        rs.close(p, now=0.0)
    assert picks == ["10.244.1.8:80"] * 3
    other = rs.deliver(Packet(src="192.168.49.51", dst="10.96.40.9", sport=1, dport=80, in_if="eth0"), ctx)
    assert other.real.address == "10.244.2.9:80"
    later = rs.context(random.Random(1), now=10800.0 + 121.0)
    p = Packet(src="192.168.49.50", dst="10.96.40.9", sport=43000, dport=80, in_if="eth0")
    assert rs.deliver(p, later).real.address == "10.244.1.8:80"   # rr moved on past .2.9 again
    assert rs.deliver(Packet(src="192.168.49.50", dst="10.96.40.9", sport=43001, dport=80, in_if="eth0"),
                      later).ipvs[1] == "  -> 10.244.1.8:80 (persistent)"


def test_nodeport_from_outside_is_masqueraded():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    ctx = rs.context(random.Random(1))
    res = rs.deliver(Packet(src="192.168.49.50", dst="192.168.49.2", sport=40000, dport=30080, in_if="eth0"), ctx)
    assert res.verdict == "ACCEPT" and res.masqueraded
    assert res.packet.src == "192.168.49.2" and res.packet.dst == "10.244.1.5"
    hit = [t.rule for t in res.trace if t.matched and t.chain == "KUBE-NODE-PORT"]
    assert hit == ['-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade '
                   'purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ']


def test_pod_to_its_own_service_is_hairpin_masqueraded():
    spn = ServicePortName("default", "self", "")
    d = ProxyDigest(services={spn: ServicePortInfo(spn, "10.96.70.1", 80, "TCP")},
                    endpoints={spn: [EndpointInfo("10.244.1.5", 80, node_name="n1")]}, cluster_cidr="10.244.0.0/16")
    rs = IpvsBackend().sync(N1, d, CFG)
    res = rs.deliver(Packet(src="10.244.1.5", dst="10.96.70.1", sport=40000, dport=80, in_if="cni0"),
                     rs.context(random.Random(1)))
    assert res.masqueraded and res.packet.src == "192.168.49.2"
    assert any(t.matched and "KUBE-LOOP-BACK dst,dst,src -j MASQUERADE" in t.rule for t in res.trace)
    # a pod elsewhere keeps its source address
    res = rs.deliver(Packet(src="10.244.1.9", dst="10.96.70.1", sport=40001, dport=80, in_if="cni0"),
                     rs.context(random.Random(1)))
    assert not res.masqueraded and res.packet.src == "10.244.1.9"


def test_other_ports_on_a_vip_are_rejected_and_empty_services_refuse():
    spn = ServicePortName("default", "empty", "")
    d = mixed_digest()
    d.services[spn] = ServicePortInfo(spn, "10.96.80.1", 80, "TCP")
    rs = IpvsBackend().sync(N1, d, CFG)
    ctx = rs.context(random.Random(1))
    res = rs.deliver(Packet(src="192.168.49.50", dst="10.96.54.11", sport=1, dport=22, in_if="eth0"), ctx)
    assert res.verdict == "REJECT"
    assert res.trace[-1].rule == ("-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS "
                                  "dst -j REJECT --reject-with icmp-port-unreachable")
    res = rs.deliver(Packet(src="192.168.49.50", dst="10.96.80.1", sport=1, dport=80, in_if="eth0"), ctx)
    assert res.verdict == "REJECT" and res.ipvs[-1] == "  no destination available: ICMP port unreachable"


def test_removed_tcp_endpoint_with_connections_stays_at_weight_zero():
    d = e6_digest()
    rs = IpvsBackend().sync(N1, d, CFG)
    rs.deliver(Packet(src="192.168.49.50", dst="10.103.101.59", sport=1, dport=80, in_if="eth0"),
               rs.context(random.Random(1)))
    spn = next(iter(d.services))
    d.endpoints[spn] = d.endpoints[spn][1:]
    rs2 = IpvsBackend().sync(N1, d, CFG, rs, [spn])
    assert rs2.render("ipvsadm", ["-Ln"])[0].splitlines()[4] == \
        "  -> 172.18.0.4:8000              Masq    0      1          0         "


def test_state_round_trip():
    rs = IpvsBackend().sync(N1, e6_digest(), CFG)
    rs.deliver(Packet(src="192.168.49.50", dst="10.103.101.59", sport=1, dport=80, in_if="eth0"),
               rs.context(random.Random(1)))
    saved = rs.to_state()
    fresh = IpvsBackend().sync(N1, e6_digest(), CFG)
    fresh.load_state(saved)
    assert fresh.render("ipvsadm", ["-Ln", "--stats"]) == rs.render("ipvsadm", ["-Ln", "--stats"])
    assert fresh.render("ipvsadm", ["-Ln"]) == rs.render("ipvsadm", ["-Ln"])
    assert fresh.to_state() == saved
