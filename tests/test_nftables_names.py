"""nftables chain/set names: hashAndTruncate, servicePortChainNameBase,
servicePortEndpointChainNameBase (pkg/proxy/nftables/proxier.go v1.32)."""
from __future__ import annotations

from lab.sim.proxy.base import ServicePortName
from lab.sim.proxy.nftables import chains


def test_service_chain_names_from_the_upstream_test() -> None:
    spn = ServicePortName("ns1", "svc1", "p80", "TCP")
    base = chains.service_port_chain_name_base(spn, "TCP")
    assert chains.SERVICE_PREFIX + base == "service-ULMVA6XW-ns1/svc1/tcp/p80"
    assert chains.service_port_chain_name_base(ServicePortName("ns2", "svc2", "p80"), "tcp") == "42NFTM6N-ns2/svc2/tcp/p80"
    assert chains.service_port_chain_name_base(ServicePortName("ns5", "svc5", "p80"), "tcp") == "HVFWP5L3-ns5/svc5/tcp/p80"


def test_endpoint_chain_and_affinity_set_share_a_base() -> None:
    spn = ServicePortName("ns1", "svc1", "p80")
    assert chains.ENDPOINT_PREFIX + chains.service_port_endpoint_chain_name_base(spn, "tcp", "10.180.0.1", 80) == \
        "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"
    b = chains.service_port_endpoint_chain_name_base(ServicePortName("ns5", "svc5", "p80"), "tcp", "10.180.0.3", 80)
    assert chains.AFFINITY_PREFIX + b == "affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"


def test_unnamed_port_keeps_the_trailing_slash() -> None:
    """`%s/%s/%s/%s` with an empty port name (a real k3s node lists
    `service-P6J77WGM-riset/hellopod-np-svc/tcp/`)."""
    name = chains.service_port_chain_name_base(ServicePortName("riset", "hellopod-np-svc", ""), "tcp")
    assert name == "P6J77WGM-riset/hellopod-np-svc/tcp/"
    ep = chains.service_port_endpoint_chain_name_base(ServicePortName("riset", "hellopod-np-svc", ""), "tcp",
                                                      "10.42.2.218", 8080)
    assert ep == "VNXJG24O-riset/hellopod-np-svc/tcp/__10.42.2.218/8080"


def test_ipv6_colons_become_dots_and_long_names_truncate() -> None:
    ep = chains.service_port_endpoint_chain_name_base(ServicePortName("ns1", "svc1", "p80"), "tcp", "fd00:10:180::1", 80)
    assert ep.endswith("-ns1/svc1/tcp/p80__fd00.10.180..1/80")
    long = chains.hash_and_truncate("x" * 300)
    assert len(long) == 240 and long.endswith("...")
    assert chains.is_service_chain_name("service-ULMVA6XW-ns1/svc1/tcp/p80")
    assert not chains.is_service_chain_name("services")
