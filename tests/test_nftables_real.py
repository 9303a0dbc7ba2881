"""The real `nft` is the authority on the listing: load our v1.32 transaction
with `nft -f` into a fresh network namespace, read it back with
`nft list table ip kube-proxy`, and require our rendering byte for byte.

Needs root, iproute2 (`ip netns`) and nftables (Debian packages iproute2,
nftables); skips saying why when a namespace cannot be created.
"""
from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.nftables.proxier import NftablesBackend, NftablesRuleset

from test_nftables_e5 import E5_LISTING, e2_digest, e5_ruleset


@pytest.fixture
def netns():
    missing = [tool for tool in ("ip", "nft") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian packages iproute2, nftables)")
    name = f"svclab-test-{uuid.uuid4().hex[:10]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip() or made.returncode}")
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def load_and_list(ns: str, rs: NftablesRuleset, tmp_path: Path) -> str:
    path = tmp_path / "kube-proxy.nft"
    path.write_text(rs.transaction())
    loaded = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", str(path)], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    listed = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "table", "ip", "kube-proxy"],
                            capture_output=True, text=True, check=True)
    return listed.stdout


def test_e5_round_trips_through_real_nft(netns: str, tmp_path: Path) -> None:
    rs = e5_ruleset()
    real = load_and_list(netns, rs, tmp_path)
    assert real == rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0]
    assert real == E5_LISTING


def _variety() -> ProxyDigest:
    """Forms E5 lacks: UDP/SCTP, unnamed ports, ITP Local, affinity over 3 endpoints,
    source ranges that include the node, many services (element order and wrapping)."""
    d = e2_digest()
    d.cluster_cidr = ""

    def add(spn: ServicePortName, info: ServicePortInfo, eps: list[EndpointInfo]) -> None:
        d.services[spn] = info
        if eps:
            d.endpoints[spn] = eps

    dns = ServicePortName("kube-system", "kube-dns", "dns", "UDP")
    add(dns, ServicePortInfo(dns, "172.30.0.10", 53, "UDP"),
        [EndpointInfo("10.244.2.2", 53), EndpointInfo("10.244.2.3", 53)])
    sctp = ServicePortName("ns8", "sctp", "", "SCTP")
    add(sctp, ServicePortInfo(sctp, "172.30.0.48", 9999, "SCTP", node_port=30999, service_type="NodePort"),
        [EndpointInfo("10.180.2.1", 9999)])
    itp = ServicePortName("ns9", "itp", "http", "TCP")
    add(itp, ServicePortInfo(itp, "172.30.0.49", 8080, "TCP", internal_policy_local=True),
        [EndpointInfo("10.180.3.1", 8080, node_name="test-node"), EndpointInfo("10.180.3.2", 8080)])
    itp2 = ServicePortName("ns9", "itp-none", "http", "TCP")
    add(itp2, ServicePortInfo(itp2, "172.30.0.50", 8080, "TCP", internal_policy_local=True),
        [EndpointInfo("10.180.3.2", 8080)])
    sticky = ServicePortName("ns10", "sticky", "", "TCP")
    add(sticky, ServicePortInfo(sticky, "172.30.0.51", 80, "TCP", session_affinity_seconds=600,
                                node_port=30080, service_type="NodePort"),
        [EndpointInfo(f"10.180.4.{i}", 8080) for i in (1, 10, 2)])
    fw = ServicePortName("ns11", "fw", "https", "TCP")
    add(fw, ServicePortInfo(fw, "172.30.0.52", 443, "TCP", node_port=30443, load_balancer_ips=("5.6.7.9", "5.6.7.10"),
                            load_balancer_source_ranges=("192.168.0.0/16", "10.1.0.0/16", "203.0.113.7/32"),
                            service_type="LoadBalancer"),
        [EndpointInfo("10.180.5.1", 8443), EndpointInfo("10.180.5.2", 8443, ready=False, serving=True,
                                                        terminating=True)])
    for i in range(40):
        s = ServicePortName("bulk", f"svc-{i}", "web", "TCP")
        add(s, ServicePortInfo(s, f"172.30.{1 + i % 3}.{200 - i}", 80 + i % 4, "TCP"),
            [EndpointInfo(f"10.180.{10 + i}.{j}", 8080) for j in range(1, 1 + i % 4)])
    return d


@pytest.mark.parametrize("config,cidrs", [
    (dict(node_port_addresses=("0.0.0.0/0",), masquerade_all=True), ("172.30.0.0/16", "fd00::/108")),
    (dict(node_port_addresses=("192.168.0.0/24",)), ()),
    (dict(masquerade_bit=5), ("172.30.0.0/16", "10.96.0.0/12")),
])
def test_variants_round_trip_through_real_nft(netns: str, tmp_path: Path, config: dict, cidrs: tuple) -> None:
    node = NodeContext("test-node", "192.168.0.2", "10.0.0.0/24")
    v4 = tuple(c for c in cidrs if "." in c)
    rs = NftablesBackend(service_cidrs=v4).sync(node, _variety(), ProxyConfig(mode="nftables", **config))
    real = load_and_list(netns, rs, tmp_path)
    ours = rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0]
    assert real == ours


def _objects(listing: str) -> list[str]:
    """The table's sets, maps and chains, each as its text, in name order
    (a real table lists them in creation order, ours in a full sync's order)."""
    blocks, cur = [], []
    for line in listing.splitlines()[1:-1]:
        if line.startswith("\t") and not line.startswith("\t\t") and line.strip() not in ("}",) and cur == [] \
                and not line.startswith("\tcomment"):
            cur = [line]
        elif cur:
            cur.append(line)
            if line == "\t}":
                blocks.append("\n".join(cur))
                cur = []
    return sorted(blocks)


def test_partial_restores_of_added_and_removed_services_load_into_a_full_sync(netns: str, tmp_path: Path) -> None:
    """The first sync loads the whole transaction; then Services come and go,
    each partial sync writing only its restore_partial() with `nft -f`. The
    real table ends with exactly a full sync's objects."""
    from test_proxy_partial_sync import NODE, _varied

    be, cfg = NftablesBackend(), ProxyConfig(mode="nftables", cluster_cidr="10.244.0.0/16")
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    pool = [_varied(i) for i in range(16)]
    for spn, info, eps in pool[:12]:
        d.services[spn], d.endpoints[spn] = info, eps
    rs = be.sync(NODE, d, cfg)
    load_and_list(netns, rs, tmp_path)
    steps = [[pool[14]], [pool[3]], [pool[0], pool[15]], [pool[6], pool[13]], [pool[4]]]
    for i, step in enumerate(steps):
        for spn, info, eps in step:
            if spn in d.services:
                del d.services[spn], d.endpoints[spn]
            else:
                d.services[spn], d.endpoints[spn] = info, eps
        rs = be.sync(NODE, d, cfg, rs, [spn for spn, _, _ in step])
        path = tmp_path / f"partial-{i}.nft"
        path.write_text(rs.restore_partial())
        loaded = subprocess.run(["ip", "netns", "exec", netns, "nft", "-f", str(path)], capture_output=True, text=True)
        assert loaded.returncode == 0, loaded.stderr
        real = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "table", "ip", "kube-proxy"],
                              capture_output=True, text=True, check=True).stdout
        full = be.sync(NODE, d, cfg).render("nft", ["list", "table", "ip", "kube-proxy"])[0]
        assert rs.render("nft", ["list", "table", "ip", "kube-proxy"])[0] == full
        assert len(_objects(full)) > 30
        assert _objects(real) == _objects(full), i
