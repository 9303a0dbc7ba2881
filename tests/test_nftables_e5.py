"""Reference example E5: the six services of E2 in nftables mode, v1.32 layout.

The reference (kube-proxy-examples.md E5) quotes the newest upstream test
(`TestOverallNFTablesRules` after PR #132456, v1.34+). kube-proxy v1.32
writes these differences, and this test mirrors v1.32:

- base chains: v1.32 has `filter-prerouting`, `filter-input`,
  `filter-forward`, `filter-output` (all priority dstnat-10 = -110) and
  `filter-output-post-dnat` (dstnat+10 = -90) with the
  `ct state new jump cluster-ips-check` rule; the newest layout renames them
  `filter-prerouting-pre-dnat`/`filter-output-pre-dnat` (-110), moves
  filter-input/forward/output to priority 0 and drops
  filter-output-post-dnat (cluster-ips-check is jumped to from filter-output);
- the ClusterIP masquerade rule in v1.32 still matches the port:
  `ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump
  mark-for-masquerade` (PR #131492, v1.34, dropped `tcp dport 80`);
- the form: E5 is the knftables fake's `add ...` dump; this is what
  `nft list table ip kube-proxy` (nftables 1.0.6) prints once the v1.32
  transaction is loaded: sets and maps first, then chains, each in
  creation order, elements in nft's sort order, marks as
  `meta mark ... 0x00004000`, the single-CIDR anonymous sets collapsed
  (`ip daddr 172.30.0.0/16`, `ip saddr != 203.0.113.0/25`). The real `nft`
  confirms it byte for byte in test_nftables_real.py.

Fake configuration as in the upstream test: pod CIDR 10.0.0.0/8 (local
traffic detector), service CIDR 172.30.0.0/16, nodePortAddresses = the
node IP 192.168.0.2, mark 0x4000. SIMPLIFICATION: service ports are
written in name order (kube-proxy ranges over a Go map, so a real node's
chain order varies between runs).
"""
from __future__ import annotations

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.nftables.proxier import NftablesBackend, NftablesRuleset

NODE = NodeContext("test-node", "192.168.0.2", "10.0.0.0/24")


def spn(ns: str, name: str, port: str = "p80", proto: str = "TCP") -> ServicePortName:
    return ServicePortName(ns, name, port, proto)


def e2_digest() -> ProxyDigest:
    """The inputs of TestOverallIPTablesRules / TestOverallNFTablesRules."""
    s1, s2, s3, s4, s5, s6 = (spn(f"ns{i}", f"svc{i}") for i in range(1, 7))
    services = {
        s1: ServicePortInfo(s1, "172.30.0.41", 80, "TCP"),
        s2: ServicePortInfo(s2, "172.30.0.42", 80, "TCP", node_port=3001, external_ips=("192.168.99.22",),
                            load_balancer_ips=("1.2.3.4",), external_policy_local=True,
                            health_check_node_port=30000, service_type="LoadBalancer"),
        s3: ServicePortInfo(s3, "172.30.0.43", 80, "TCP", node_port=3003, service_type="NodePort"),
        s4: ServicePortInfo(s4, "172.30.0.44", 80, "TCP", external_ips=("192.168.99.33",), service_type="NodePort"),
        s5: ServicePortInfo(s5, "172.30.0.45", 80, "TCP", node_port=3002, load_balancer_ips=("5.6.7.8",),
                            load_balancer_source_ranges=(" 203.0.113.0/25",), session_affinity_seconds=10800,
                            service_type="LoadBalancer"),
        s6: ServicePortInfo(s6, "172.30.0.46", 80, "TCP"),
    }
    endpoints = {
        s1: [EndpointInfo("10.180.0.1", 80)],
        s2: [EndpointInfo("10.180.0.2", 80)],
        s3: [EndpointInfo("10.180.0.3", 80)],
        s4: [EndpointInfo("10.180.0.4", 80), EndpointInfo("10.180.0.5", 80, node_name="test-node")],
        s5: [EndpointInfo("10.180.0.3", 80)],
    }
    return ProxyDigest(services=services, endpoints=endpoints, cluster_cidr="10.0.0.0/8")


def e5_ruleset(digest: ProxyDigest | None = None, **config) -> NftablesRuleset:
    backend = NftablesBackend(service_cidrs=("172.30.0.0/16",))
    return backend.sync(NODE, digest or e2_digest(), ProxyConfig(mode="nftables", **config))


E5_LISTING = """\
table ip kube-proxy {
\tcomment "rules for kube-proxy"
\tset cluster-ips {
\t\ttype ipv4_addr
\t\tcomment "Active ClusterIPs"
\t\telements = { 172.30.0.41, 172.30.0.42,
\t\t\t     172.30.0.43, 172.30.0.44,
\t\t\t     172.30.0.45, 172.30.0.46 }
\t}

\tset nodeport-ips {
\t\ttype ipv4_addr
\t\tcomment "IPs that accept NodePort traffic"
\t\telements = { 192.168.0.2 }
\t}

\tmap no-endpoint-services {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\tcomment "vmap to drop or reject packets to services with no endpoints"
\t\telements = { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop,
\t\t\t     192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop,
\t\t\t     172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
\t}

\tmap no-endpoint-nodeports {
\t\ttype inet_proto . inet_service : verdict
\t\tcomment "vmap to drop or reject packets to service nodeports with no endpoints"
\t\telements = { tcp . 3001 comment "ns2/svc2:p80" : drop }
\t}

\tmap firewall-ips {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\tcomment "destinations that are subject to LoadBalancerSourceRanges"
\t\telements = { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }
\t}

\tmap service-ips {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\tcomment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
\t\telements = { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80,
\t\t\t     5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80,
\t\t\t     192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80,
\t\t\t     192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80,
\t\t\t     172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80,
\t\t\t     172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80,
\t\t\t     172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80,
\t\t\t     172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80,
\t\t\t     172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
\t}

\tmap service-nodeports {
\t\ttype inet_proto . inet_service : verdict
\t\tcomment "NodePort traffic"
\t\telements = { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80,
\t\t\t     tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80,
\t\t\t     tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }
\t}

\tset affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 {
\t\ttype ipv4_addr
\t\tsize 65535
\t\tflags dynamic,timeout
\t\ttimeout 3h
\t}

\tchain filter-prerouting {
\t\ttype filter hook prerouting priority dstnat - 10; policy accept;
\t\tct state new jump firewall-check
\t}

\tchain filter-input {
\t\ttype filter hook input priority -110; policy accept;
\t\tct state new jump nodeport-endpoints-check
\t\tct state new jump service-endpoints-check
\t}

\tchain filter-forward {
\t\ttype filter hook forward priority -110; policy accept;
\t\tct state new jump service-endpoints-check
\t\tct state new jump cluster-ips-check
\t}

\tchain filter-output {
\t\ttype filter hook output priority -110; policy accept;
\t\tct state new jump service-endpoints-check
\t\tct state new jump firewall-check
\t}

\tchain filter-output-post-dnat {
\t\ttype filter hook output priority -90; policy accept;
\t\tct state new jump cluster-ips-check
\t}

\tchain nat-prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tjump services
\t}

\tchain nat-output {
\t\ttype nat hook output priority -100; policy accept;
\t\tjump services
\t}

\tchain nat-postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tjump masquerading
\t}

\tchain nodeport-endpoints-check {
\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
\t}

\tchain service-endpoints-check {
\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services
\t}

\tchain firewall-check {
\t\tip daddr . meta l4proto . th dport vmap @firewall-ips
\t}

\tchain services {
\t\tip daddr . meta l4proto . th dport vmap @service-ips
\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
\t}

\tchain masquerading {
\t\tmeta mark & 0x00004000 == 0x00000000 return
\t\tmeta mark set meta mark ^ 0x00004000
\t\tmasquerade fully-random
\t}

\tchain cluster-ips-check {
\t\tip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
\t\tip daddr 172.30.0.0/16 drop comment "Drop traffic to unallocated ClusterIPs"
\t}

\tchain mark-for-masquerade {
\t\tmeta mark set meta mark | 0x00004000
\t}

\tchain reject-chain {
\t\tcomment "helper for @no-endpoint-services / @no-endpoint-nodeports"
\t\treject
\t}

\tchain endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 {
\t\tip saddr 10.180.0.1 jump mark-for-masquerade
\t\tmeta l4proto tcp dnat to 10.180.0.1:80
\t}

\tchain service-ULMVA6XW-ns1/svc1/tcp/p80 {
\t\tip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
\t\tnumgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }
\t}

\tchain endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 {
\t\tip saddr 10.180.0.2 jump mark-for-masquerade
\t\tmeta l4proto tcp dnat to 10.180.0.2:80
\t}

\tchain service-42NFTM6N-ns2/svc2/tcp/p80 {
\t\tip daddr 172.30.0.42 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
\t\tnumgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }
\t}

\tchain external-42NFTM6N-ns2/svc2/tcp/p80 {
\t\tip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
\t\tfib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
\t\tfib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
\t}

\tchain endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 {
\t\tip saddr 10.180.0.3 jump mark-for-masquerade
\t\tmeta l4proto tcp dnat to 10.180.0.3:80
\t}

\tchain service-4AT6LBPK-ns3/svc3/tcp/p80 {
\t\tip daddr 172.30.0.43 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
\t\tnumgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }
\t}

\tchain external-4AT6LBPK-ns3/svc3/tcp/p80 {
\t\tjump mark-for-masquerade
\t\tgoto service-4AT6LBPK-ns3/svc3/tcp/p80
\t}

\tchain endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 {
\t\tip saddr 10.180.0.4 jump mark-for-masquerade
\t\tmeta l4proto tcp dnat to 10.180.0.4:80
\t}

\tchain endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 {
\t\tip saddr 10.180.0.5 jump mark-for-masquerade
\t\tmeta l4proto tcp dnat to 10.180.0.5:80
\t}

\tchain service-LAUZTJTB-ns4/svc4/tcp/p80 {
\t\tip daddr 172.30.0.44 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
\t\tnumgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80, 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
\t}

\tchain external-LAUZTJTB-ns4/svc4/tcp/p80 {
\t\tjump mark-for-masquerade
\t\tgoto service-LAUZTJTB-ns4/svc4/tcp/p80
\t}

\tchain endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 {
\t\tip saddr 10.180.0.3 jump mark-for-masquerade
\t\tupdate @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
\t\tmeta l4proto tcp dnat to 10.180.0.3:80
\t}

\tchain service-HVFWP5L3-ns5/svc5/tcp/p80 {
\t\tip daddr 172.30.0.45 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
\t\tip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
\t\tnumgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }
\t}

\tchain external-HVFWP5L3-ns5/svc5/tcp/p80 {
\t\tjump mark-for-masquerade
\t\tgoto service-HVFWP5L3-ns5/svc5/tcp/p80
\t}

\tchain firewall-HVFWP5L3-ns5/svc5/tcp/p80 {
\t\tip saddr != 203.0.113.0/25 drop
\t}
}
"""


def test_e5_nft_list_table() -> None:
    out, err, status = e5_ruleset().render("nft", ["list", "table", "ip", "kube-proxy"])
    assert (out, err, status) == (E5_LISTING, "", 0)


def test_e5_list_ruleset_and_tables() -> None:
    rs = e5_ruleset()
    assert rs.render("nft", ["list", "ruleset"]) == (E5_LISTING, "", 0)
    assert rs.render("nft", ["list", "tables"]) == ("table ip kube-proxy\n", "", 0)


def test_e5_list_one_chain_and_map() -> None:
    rs = e5_ruleset()
    out, _, status = rs.render("nft", ["list", "chain", "ip", "kube-proxy", "firewall-HVFWP5L3-ns5/svc5/tcp/p80"])
    assert status == 0
    assert out == ("table ip kube-proxy {\n"
                   "\tchain firewall-HVFWP5L3-ns5/svc5/tcp/p80 {\n"
                   "\t\tip saddr != 203.0.113.0/25 drop\n"
                   "\t}\n"
                   "}\n")
    out, _, _ = rs.render("nft", ["list", "map", "ip", "kube-proxy", "service-nodeports"])
    assert out == ("table ip kube-proxy {\n"
                   "\tmap service-nodeports {\n"
                   "\t\ttype inet_proto . inet_service : verdict\n"
                   "\t\tcomment \"NodePort traffic\"\n"
                   "\t\telements = { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80,\n"
                   "\t\t\t     tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80,\n"
                   "\t\t\t     tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }\n"
                   "\t}\n"
                   "}\n")


def test_missing_objects_error_like_nft() -> None:
    rs = e5_ruleset()
    assert rs.render("nft", ["list", "chain", "ip", "kube-proxy", "nosuch"]) == (
        "", "Error: No such file or directory\nlist chain ip kube-proxy nosuch\n"
            "                         ^^^^^^\n", 1)
    assert rs.render("nft", ["list", "table", "ip", "nosuch"]) == (
        "", "Error: No such file or directory\nlist table ip nosuch\n              ^^^^^^\n", 1)
    # a set is not a map
    assert rs.render("nft", ["list", "map", "ip", "kube-proxy", "cluster-ips"])[2] == 1


def test_e5_transaction_is_the_v132_input_form() -> None:
    """The knftables text kube-proxy v1.32 hands to `nft -f` (selected lines, in order)."""
    lines = e5_ruleset().transaction().splitlines()
    assert lines[0] == 'add table ip kube-proxy { comment "rules for kube-proxy" ; }'
    assert lines[1:3] == ["add chain ip kube-proxy filter-prerouting", "delete chain ip kube-proxy filter-prerouting"]
    expected_in_order = [
        "add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110 ; }",
        "add chain ip kube-proxy filter-output-post-dnat { type filter hook output priority -90 ; }",
        "add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check",
        "add rule ip kube-proxy filter-output-post-dnat ct state new jump cluster-ips-check",
        "add rule ip kube-proxy mark-for-masquerade mark set mark or 0x00004000",
        "add rule ip kube-proxy masquerading mark and 0x00004000 == 0 return",
        "add rule ip kube-proxy masquerading mark set mark xor 0x00004000",
        "add rule ip kube-proxy masquerading masquerade fully-random",
        'add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }',
        'add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"',
        "add element ip kube-proxy nodeport-ips { 192.168.0.2 }",
        'add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }',
        "add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
        "flush map ip kube-proxy service-nodeports",
        "add chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80",
        "add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }",
        "add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade",
        'add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }',
        "add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }",
        "add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop",
        "add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }",
        "add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }",
        'add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }',
    ]
    positions = [lines.index(line) for line in expected_in_order]
    assert positions == sorted(positions)


def test_default_v132_has_no_unallocated_clusterip_drop() -> None:
    """Without ServiceCIDR objects (MultiCIDRServiceAllocator off in v1.32) only the reject rule is written."""
    rs = NftablesBackend().sync(NODE, e2_digest(), ProxyConfig(mode="nftables"))
    out = rs.render("nft", ["list", "chain", "ip", "kube-proxy", "cluster-ips-check"])[0]
    assert out == ("table ip kube-proxy {\n"
                   "\tchain cluster-ips-check {\n"
                   "\t\tip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\"\n"
                   "\t}\n"
                   "}\n")
