"""From a packet trace to a diagnosis: which Service a failed connection was meant for, and from where.

The lab page shows Traces (lab.sim.net.trace) of the connections a command
made; "diagnose" on one of them diagnoses the Service whose ClusterIP,
nodePort, LoadBalancer address or externalIP the connection dialled, from
the trace's own source.
"""
from __future__ import annotations

from typing import Any

from .diagnose import diagnose
from .findings import Diagnosis
from .scene import Source


def service_at(world: Any, ip: str, port: int) -> tuple[str, str] | None:
    """(namespace, name) of the Service reached at ip:port, or None."""
    nodes = {h.ip for h in world.nodes}
    for svc in sorted(world.store.iter("services"), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])):
        spec = svc.get("spec") or {}
        ingress = {i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []}
        fronts = set(spec.get("clusterIPs") or [spec.get("clusterIP")]) | set(spec.get("externalIPs") or []) | ingress
        for p in spec.get("ports") or []:
            if (ip in fronts and int(p.get("port", 0)) == port) or \
                    (ip in nodes and p.get("nodePort") and int(p["nodePort"]) == port):
                return svc["metadata"]["namespace"], svc["metadata"]["name"]
    return None


def source_of_trace(world: Any, label: str) -> Source | None:
    """The Source a Trace's `source` label names: "pod NS/NAME", "HOST (node)", "HOST (external)"."""
    if label.startswith("pod "):
        ns, _, name = label[4:].partition("/")
        pod = world.store.peek("pods", ns, name)
        return Source("pod", (pod.get("spec") or {}).get("nodeName", ""), pod) if pod else None
    host = label.split(" (", 1)[0]
    if host in world.hosts:
        return Source(world.hosts[host].role, host)
    return None


def diagnose_trace(world: Any, trace: Any) -> Diagnosis | None:
    """Diagnose the Service a Trace (or its to_dict()) dialled, from its source; None when it dialled no Service."""
    data = trace if isinstance(trace, dict) else trace.to_dict()
    ip, _, port = str(data.get("target", "")).rpartition(":")
    found = service_at(world, ip, int(port)) if port.isdigit() else None
    source = source_of_trace(world, str(data.get("source", "")))
    if found is None or source is None:
        return None
    return diagnose(world, found[0], found[1], source)


__all__ = ["diagnose_trace", "service_at", "source_of_trace"]
