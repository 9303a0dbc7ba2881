"""The probes a diagnosis sends: real connections through lab.sim.net, one per address a client would use.

From a Pod or a node: the ClusterIP and each TCP port (a headless Service:
its first endpoint). From the external host, where a ClusterIP means
nothing: the LoadBalancer addresses, the externalIPs, and the nodePort on
every node. Each probe keeps the Trace of its SYN (what `labtrace` prints).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..net import ConnectError, connect
from .scene import Scene


@dataclass
class Target:
    ip: str
    port: int
    protocol: str
    via: str            # clusterIP | endpoint | loadBalancer | externalIP | nodePort
    service_port: dict[str, Any]
    node: str = ""      # for nodePort: the node whose address is dialled

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass
class Probe:
    target: Target
    result: str         # connected | refused | timeout | unreachable | denied
    trace: Any

    @property
    def ok(self) -> bool:
        return self.result == "connected"

    @property
    def server_pod(self) -> str:
        """`ns/name` of the Pod that accepted, from the trace ("" when none)."""
        words = (self.trace.server or "").split()
        return words[1] if len(words) > 1 and words[0] == "pod" else ""

    def entry_node(self, world: Any) -> str:
        """The first node the SYN crossed: whose kube-proxy rules it met first."""
        for hop in self.trace.hops:
            if hop.host in world.hosts and world.hosts[hop.host].role == "node":
                return hop.host
        return ""

    def deciding_rule(self) -> str:
        """The rule that dropped or rejected the SYN ("" when no rule did)."""
        for hop in self.trace.hops:
            if hop.verdict and hop.rules and hop.rules[-1].index:
                return hop.rules[-1].rule
        return ""

    def stop(self) -> tuple[str, str]:
        """(host, what happened) at the hop where the SYN ended."""
        for hop in self.trace.hops:
            if hop.verdict:
                return hop.host, f"{hop.stage}: {hop.verdict}" + (f" ({hop.detail})" if hop.detail else "")
        last = self.trace.hops[-1] if self.trace.hops else None
        return (last.host, f"{last.stage}: {last.detail}") if last else ("", "")


def targets(scene: Scene) -> list[Target]:
    tcp = [p for p in scene.ports if (p.get("protocol") or "TCP") == "TCP"]
    out: list[Target] = []
    if scene.source.in_cluster:
        if scene.cluster_ip:
            return [Target(scene.cluster_ip, int(p["port"]), "TCP", "clusterIP", p) for p in tcp]
        if scene.headless:
            eps = [e for e in scene.endpoints() if e.ready]
            if eps and tcp:
                port = next((ep.get("port") for ep in eps[0].ports if ep.get("name", "") == tcp[0].get("name", "")),
                            tcp[0].get("port"))
                return [Target(eps[0].ip, int(port), "TCP", "endpoint", tcp[0])]
        return []
    for p in tcp:
        out += [Target(ip, int(p["port"]), "TCP", "loadBalancer", p) for ip in scene.ingress]
        out += [Target(ip, int(p["port"]), "TCP", "externalIP", p) for ip in scene.spec.get("externalIPs") or []]
        if p.get("nodePort"):
            out += [Target(scene.node_ip(n), int(p["nodePort"]), "TCP", "nodePort", p, n) for n in scene.node_names()]
    return out


def send(scene: Scene, target: Target) -> Probe:
    conn = connect(scene.world, scene.source.connect_ref, target.ip, target.port, target.protocol)
    result = conn.kind if isinstance(conn, ConnectError) else "connected"
    return Probe(target, result, conn.trace)


def send_all(scene: Scene) -> list[Probe]:
    return [send(scene, t) for t in targets(scene)]


__all__ = ["Target", "Probe", "targets", "send", "send_all"]
