"""kube-proxy IPVS mode (v1.32): E6, ipvsadm listings for ClusterIP, NodePort,
externalIP and ClientIP-affinity Services, ipset list, kube-ipvs0, and the
externalIP-equals-a-node-IP pitfall."""
from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.ipvs.model import kube_ipvs0_block
from lab.sim.proxy.ipvs.proxier import IpvsBackend

N1 = NodeContext("n1", "192.168.49.2", "10.244.1.0/24")
N2 = NodeContext("n2", "192.168.49.3", "10.244.2.0/24")
CFG = ProxyConfig(mode="ipvs", cluster_cidr="10.244.0.0/16")
HEADER = ("IP Virtual Server version 1.2.1 (size=4096)\n"
          "Prot LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")


def e6_digest() -> ProxyDigest:
    spn = ServicePortName("default", "web", "")
    eps = [EndpointInfo("172.18.0.4", 8000, node_name="n1"), EndpointInfo("172.18.0.5", 8000, node_name="n2"),
           EndpointInfo("172.18.0.6", 8000, node_name="n2")]
    return ProxyDigest(services={spn: ServicePortInfo(spn, "10.103.101.59", 80, "TCP")}, endpoints={spn: eps},
                       cluster_cidr="10.244.0.0/16")


def mixed_digest() -> ProxyDigest:
    web = ServicePortName("default", "web", "http")
    np_ = ServicePortName("default", "shop", "")
    ext = ServicePortName("default", "ext", "")
    sticky = ServicePortName("default", "sticky", "")
    services = {
        web: ServicePortInfo(web, "10.96.54.11", 8080, "TCP"),
        np_: ServicePortInfo(np_, "10.96.20.5", 80, "TCP", node_port=30080, service_type="NodePort"),
        ext: ServicePortInfo(ext, "10.96.30.7", 80, "TCP", external_ips=("192.168.49.3",)),
        sticky: ServicePortInfo(sticky, "10.96.40.9", 80, "TCP", session_affinity_seconds=10800),
    }
    endpoints = {
        web: [EndpointInfo("10.244.1.2", 8080, node_name="n1")],
        np_: [EndpointInfo("10.244.1.5", 80, node_name="n1"), EndpointInfo("10.244.2.6", 80, node_name="n2")],
        ext: [EndpointInfo("10.244.2.7", 80, node_name="n2")],
        sticky: [EndpointInfo("10.244.1.8", 80, node_name="n1"), EndpointInfo("10.244.2.9", 80, node_name="n2")],
    }
    return ProxyDigest(services=services, endpoints=endpoints, cluster_cidr="10.244.0.0/16")


def test_e6_ipvsadm_ln():
    rs = IpvsBackend().sync(N1, e6_digest(), CFG)
    out, err, status = rs.render("ipvsadm", ["-Ln"])
    # ipvsadm prints destinations with "%-10u %-10u\n": the lines end in padding.
    assert out == HEADER + (
        "TCP  10.103.101.59:80 rr\n"
        "  -> 172.18.0.4:8000              Masq    1      0          0         \n"
        "  -> 172.18.0.5:8000              Masq    1      0          0         \n"
        "  -> 172.18.0.6:8000              Masq    1      0          0         \n")
    assert (err, status) == ("", 0)
    # E6 as the reference prints it (trailing blanks stripped) is the same text.
    e6 = """TCP  10.103.101.59:80 rr
  -> 172.18.0.4:8000              Masq    1      0          0
  -> 172.18.0.5:8000              Masq    1      0          0
  -> 172.18.0.6:8000              Masq    1      0          0"""
    assert [l.rstrip() for l in out.splitlines()[3:]] == e6.splitlines()


def test_e6_ipsets_and_binding():
    rs = IpvsBackend().sync(N1, e6_digest(), CFG)
    assert rs.sets["KUBE-CLUSTER-IP"].members() == ["10.103.101.59,tcp:80"]
    assert rs.sets["KUBE-LOOP-BACK"].members() == ["172.18.0.4,tcp:8000,172.18.0.4"]   # only the local endpoint
    assert rs.sets["KUBE-IPVS-IPS"].members() == ["10.103.101.59"]
    assert rs.kube_ipvs0_addresses == ["10.103.101.59"]


def test_clusterip_nodeport_externalip_affinity_listing():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    out, _, _ = rs.render("ipvsadm", ["-Ln"])
    # libipvs sorts by address as a wrapping 32-bit difference: 192.168.x sorts before 10.x.
    assert out == HEADER + (
        "TCP  192.168.49.2:30080 rr\n"
        "  -> 10.244.1.5:80                Masq    1      0          0         \n"
        "  -> 10.244.2.6:80                Masq    1      0          0         \n"
        "TCP  192.168.49.3:80 rr\n"
        "  -> 10.244.2.7:80                Masq    1      0          0         \n"
        "TCP  10.96.20.5:80 rr\n"
        "  -> 10.244.1.5:80                Masq    1      0          0         \n"
        "  -> 10.244.2.6:80                Masq    1      0          0         \n"
        "TCP  10.96.30.7:80 rr\n"
        "  -> 10.244.2.7:80                Masq    1      0          0         \n"
        "TCP  10.96.40.9:80 rr persistent 10800\n"
        "  -> 10.244.1.8:80                Masq    1      0          0         \n"
        "  -> 10.244.2.9:80                Masq    1      0          0         \n"
        "TCP  10.96.54.11:8080 rr\n"
        "  -> 10.244.1.2:8080              Masq    1      0          0         \n"
        "TCP  10.244.1.0:30080 rr\n"
        "  -> 10.244.1.5:80                Masq    1      0          0         \n"
        "  -> 10.244.2.6:80                Masq    1      0          0         \n"
        "TCP  10.244.1.1:30080 rr\n"
        "  -> 10.244.1.5:80                Masq    1      0          0         \n"
        "  -> 10.244.2.6:80                Masq    1      0          0         \n")


def test_ipvsadm_one_service_save_and_stats_forms():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    out, _, status = rs.render("ipvsadm", ["-Ln", "-t", "10.96.40.9:80"])
    assert (out, status) == (HEADER + "TCP  10.96.40.9:80 rr persistent 10800\n"
                             "  -> 10.244.1.8:80                Masq    1      0          0         \n"
                             "  -> 10.244.2.9:80                Masq    1      0          0         \n", 0)
    assert rs.render("ipvsadm", ["-Ln", "-t", "10.96.40.9:81"]) == ("", "No such service\n", 1)
    out, _, _ = rs.render("ipvsadm", ["-S", "-n", "-t", "10.96.40.9:80"])
    assert out == ("-A -t 10.96.40.9:80 -s rr -p 10800\n"
                   "-a -t 10.96.40.9:80 -r 10.244.1.8:80 -m -w 1\n"
                   "-a -t 10.96.40.9:80 -r 10.244.2.9:80 -m -w 1\n")
    out, _, _ = rs.render("ipvsadm", ["-Ln", "--stats", "-t", "10.96.54.11:8080"])
    assert out == ("IP Virtual Server version 1.2.1 (size=4096)\n"
                   "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
                   "  -> RemoteAddress:Port\n"
                   "TCP  10.96.54.11:8080                    0        0        0        0        0\n"
                   "  -> 10.244.1.2:8080                     0        0        0        0        0\n")
    out, _, _ = rs.render("ipvsadm", ["-Ln", "--rate", "-t", "10.96.54.11:8080"])
    assert out == ("IP Virtual Server version 1.2.1 (size=4096)\n"
                   "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
                   "  -> RemoteAddress:Port\n"
                   "TCP  10.96.54.11:8080                    0        0        0        0        0\n"
                   "  -> 10.244.1.2:8080                     0        0        0        0        0\n")


def test_scheduler_from_config():
    rs = IpvsBackend().sync(N1, e6_digest(), ProxyConfig(mode="ipvs", ipvs_scheduler="lc", cluster_cidr="10.244.0.0/16"))
    assert rs.render("ipvsadm", ["-Ln"])[0].splitlines()[3] == "TCP  10.103.101.59:80 lc"
    rs = IpvsBackend().sync(N1, e6_digest(), ProxyConfig(mode="ipvs", ipvs_scheduler="mh", cluster_cidr="10.244.0.0/16"))
    assert rs.render("ipvsadm", ["-Ln"])[0].splitlines()[3] == "TCP  10.103.101.59:80 mh (mh-port)"


def test_ipset_list_one_set_exact():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    out, err, status = rs.render("ipset", ["list", "KUBE-NODE-PORT-TCP"])
    assert out == ("Name: KUBE-NODE-PORT-TCP\n"
                   "Type: bitmap:port\n"
                   "Revision: 3\n"
                   "Header: range 0-65535\n"
                   "Size in memory: 8264\n"
                   "References: 1\n"
                   "Number of entries: 1\n"
                   "Members:\n"
                   "30080\n")
    out, _, _ = rs.render("ipset", ["list", "KUBE-CLUSTER-IP"])
    iv = rs.sets["KUBE-CLUSTER-IP"].initval
    assert out == ("Name: KUBE-CLUSTER-IP\n"
                   "Type: hash:ip,port\n"
                   "Revision: 7\n"
                   f"Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x{iv:08x}\n"
                   "Size in memory: 408\n"
                   "References: 3\n"
                   "Number of entries: 4\n"
                   "Members:\n"
                   "10.96.20.5,tcp:80\n"
                   "10.96.30.7,tcp:80\n"
                   "10.96.40.9,tcp:80\n"
                   "10.96.54.11,tcp:8080\n")
    assert rs.render("ipset", ["list", "NOPE"]) == (
        "", "ipset v7.17: The set with the given name does not exist\nTry `ipset help' for more information.\n", 1)
    names = rs.render("ipset", ["list", "-n"])[0].splitlines()
    assert names[:3] == ["KUBE-LOOP-BACK", "KUBE-CLUSTER-IP", "KUBE-EXTERNAL-IP"] and len(names) == 17


def test_kube_ipvs0_addresses_and_block():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    # the externalIP 192.168.49.3 is n2's address, not n1's: n1 binds it too.
    assert rs.kube_ipvs0_addresses == ["10.96.20.5", "10.96.30.7", "10.96.40.9", "10.96.54.11", "192.168.49.3"]
    assert kube_ipvs0_block(5, "46:6b:9e:af:b0:60", rs.kube_ipvs0_addresses[:2]) == (
        "5: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n"
        "    link/ether 46:6b:9e:af:b0:60 brd ff:ff:ff:ff:ff:ff\n"
        "    inet 10.96.20.5/32 scope global kube-ipvs0\n"
        "       valid_lft forever preferred_lft forever\n"
        "    inet 10.96.30.7/32 scope global kube-ipvs0\n"
        "       valid_lft forever preferred_lft forever\n")


def test_external_ip_equal_to_a_node_ip_is_local_on_every_node():
    d = mixed_digest()
    rs1 = IpvsBackend().sync(N1, d, CFG)
    rs2 = IpvsBackend().sync(N2, d, CFG)
    assert "192.168.49.3" in rs1.kube_ipvs0_addresses          # bound on the other node
    assert "192.168.49.3" not in rs2.kube_ipvs0_addresses      # already n2's eth0 address: not bound
    assert "192.168.49.3" in rs1.local_addresses and "192.168.49.3" in rs2.local_addresses
    assert rs1.virtual_server("TCP", "192.168.49.3", 80) is not None
    assert rs2.virtual_server("TCP", "192.168.49.3", 80) is not None
    assert "192.168.49.3" not in rs2.sets["KUBE-IPVS-IPS"].entries


def test_nat_rules_for_nodeport_and_external_ip():
    rs = IpvsBackend().sync(N1, mixed_digest(), CFG)
    lines = [l for l in rs.save(table="nat").splitlines() if l.startswith(("-A KUBE-SERVICES", "-A KUBE-NODE-PORT"))]
    ext = "Kubernetes service external ip + port for masquerade and filter purpose"
    assert lines == [
        "-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port for masquerade purpose\" "
        "-m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ",
        "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN",
        "-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment \"Kubernetes service cluster ip + port for "
        "masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ",
        f"-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ",
        f"-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst "
        "-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT",
        f"-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst "
        "-m addrtype --dst-type LOCAL -j ACCEPT",
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
    ]


def test_local_policy_nodeport_uses_local_endpoints_and_local_set():
    spn = ServicePortName("default", "loc", "")
    svc = ServicePortInfo(spn, "10.96.60.1", 80, "TCP", node_port=30090, external_policy_local=True)
    eps = [EndpointInfo("10.244.1.5", 80, node_name="n1"), EndpointInfo("10.244.2.6", 80, node_name="n2")]
    d = ProxyDigest(services={spn: svc}, endpoints={spn: eps}, cluster_cidr="10.244.0.0/16")
    rs1 = IpvsBackend().sync(N1, d, CFG)
    assert [r.address for r in rs1.virtual_server("TCP", "192.168.49.2", 30090).reals] == ["10.244.1.5:80"]
    assert [r.address for r in rs1.virtual_server("TCP", "10.96.60.1", 80).reals] == ["10.244.1.5:80", "10.244.2.6:80"]
    assert rs1.sets["KUBE-NODE-PORT-LOCAL-TCP"].members() == ["30090"]
    n3 = NodeContext("n3", "192.168.49.4", "10.244.3.0/24")
    rs3 = IpvsBackend().sync(n3, d, CFG)   # no local endpoint: falls back to all (kubernetes#97081)
    assert [r.address for r in rs3.virtual_server("TCP", "192.168.49.4", 30090).reals] == ["10.244.1.5:80", "10.244.2.6:80"]
    nat = rs1.save(table="nat")
    assert ("-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port with "
            "externalTrafficPolicy=local\" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN") in nat


def test_backend_is_found_by_mode():
    from lab.sim.proxy.kubeproxy import backend_for
    assert backend_for("ipvs").mode == "ipvs"
