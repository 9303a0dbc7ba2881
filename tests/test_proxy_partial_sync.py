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
