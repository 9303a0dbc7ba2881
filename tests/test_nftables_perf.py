"""Incremental syncs reuse per-service blocks and render exactly like a full
sync; full sync + render grows linearly with the number of Services."""
from __future__ import annotations


from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.nftables.proxier import NftablesBackend

from test_nftables_e5 import NODE, e2_digest

CONFIG = ProxyConfig(mode="nftables")


def listing(rs) -> str:
    return rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0]


def test_partial_sync_reuses_blocks_and_renders_like_a_full_sync() -> None:
    backend = NftablesBackend(service_cidrs=("172.30.0.0/16",))
    d = e2_digest()
    first = backend.sync(NODE, d, CONFIG)
    s4 = ServicePortName("ns4", "svc4", "p80")
    d.endpoints[s4] = d.endpoints[s4][:1]                           # an endpoint goes away
    s7 = ServicePortName("ns0", "new", "p80")                       # a Service is added
    d.services[s7] = ServicePortInfo(s7, "172.30.0.47", 80, "TCP")
    d.endpoints[s7] = [EndpointInfo("10.180.0.7", 80)]
    s6 = ServicePortName("ns6", "svc6", "p80")                      # and one is deleted
    del d.services[s6]
    second = backend.sync(NODE, d, CONFIG, previous=first, changed=[s4, s7, s6])
    full = backend.sync(NODE, d, CONFIG)
    assert listing(second) == listing(full)
    assert second.transaction() == full.transaction()
    s1 = ServicePortName("ns1", "svc1", "p80")
    assert second.blocks[s1] is first.blocks[s1]
    assert second.blocks[s4] is not first.blocks[s4]
    assert "172.30.0.46" not in listing(second) and "endpoint-UNZV3OEC" in listing(second)
    assert "endpoint-5RFCDDV7" not in listing(second)
    # a full sync with nothing changed reuses every block too
    again = backend.sync(NODE, d, CONFIG, previous=full)
    assert all(again.blocks[k] is full.blocks[k] for k in full.blocks)


def _digest(n: int) -> ProxyDigest:
    services, endpoints = {}, {}
    for i in range(n):
        spn = ServicePortName(f"ns{i % 20}", f"svc-{i}", "http")
        services[spn] = ServicePortInfo(spn, f"10.96.{i >> 8}.{i & 255}", 80, "TCP",
                                        node_port=30000 + i if i % 10 == 0 else 0)
        endpoints[spn] = [EndpointInfo(f"10.244.{(3 * i + j) >> 8 & 255}.{(3 * i + j) & 255}", 8080) for j in range(3)]
    return ProxyDigest(services=services, endpoints=endpoints, cluster_cidr="10.244.0.0/16")


def test_one_service_resync_rebuilds_only_that_service() -> None:
    """Speed is measured by `python -m lab.sim.bench proxy`, not here: this
    checks the structure that makes a resync cheap."""
    d = _digest(3000)
    node = NodeContext("n1", "192.168.0.2", "10.244.0.0/24")
    backend = NftablesBackend()
    rs = backend.sync(node, d, CONFIG)
    spn = next(iter(d.services))
    d.endpoints[spn] = d.endpoints[spn][:2]
    rs2 = backend.sync(node, d, CONFIG, previous=rs, changed=[spn])
    assert all(rs2.blocks[k] is rs.blocks[k] for k in rs.blocks if k != spn)
    assert rs2.blocks[spn] is not rs.blocks[spn]
    svc_chain = [c for c in rs2.blocks[spn].chains if c.name.startswith("service-")][0]
    assert "numgen random mod 2 vmap" in svc_chain.listing()
