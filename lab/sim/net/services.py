"""A plain stand-in for kube-proxy: which endpoint a Service port sends to.

SIMPLIFICATION: the dataplane issue replaces this with a walk through the
real iptables/ipvs/nftables rules. Here a ClusterIP, NodePort, externalIP
or LoadBalancer address is matched to a Service port and one ready endpoint
is picked at random (world.rng), as iptables' `statistic --mode random`
does; sessionAffinity ClientIP keeps a client on its endpoint for
timeoutSeconds. No ready endpoint means REJECT (connection refused), as
kube-proxy writes for a Service without endpoints.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SLICES = "endpointslices.discovery.k8s.io"


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int
    node: str


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _target_port(pod: dict[str, Any], target: Any, protocol: str) -> int | None:
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target and p.get("protocol", "TCP") == protocol:
                return int(p["containerPort"])
    return None


def _pod_ready(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def endpoints(world: Any, svc: dict[str, Any], port: dict[str, Any]) -> list[Endpoint]:
    """Ready endpoints of one Service port: EndpointSlices, else Endpoints,
    else (no controller has written either yet) the selected ready Pods."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    pname = port.get("name", "")
    protocol = port.get("protocol", "TCP")
    slices = [s for s in world.store.iter(SLICES, ns)
              if ((s.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name") == name]
    found: list[Endpoint] = []
    if slices:
        for s in slices:
            sport = next((p for p in s.get("ports") or [] if p.get("name", "") == pname
                          and p.get("protocol", "TCP") == protocol), None)
            if sport is None or sport.get("port") is None:
                continue
            for ep in s.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in ep.get("addresses") or []:
                    found.append(Endpoint(ip, int(sport["port"]), ep.get("nodeName", "")))
        return sorted(set(found), key=lambda e: (e.ip, e.port))
    eps = world.store.peek("endpoints", ns, name)
    if eps is not None:
        for subset in eps.get("subsets") or []:
            sport = next((p for p in subset.get("ports") or [] if p.get("name", "") == pname), None)
            if sport is None:
                continue
            for addr in subset.get("addresses") or []:
                found.append(Endpoint(addr["ip"], int(sport["port"]), addr.get("nodeName", "")))
        return sorted(set(found), key=lambda e: (e.ip, e.port))
    selector = (svc.get("spec") or {}).get("selector") or {}
    if not selector:
        return []
    for pod in world.store.iter("pods", ns):
        if not _matches(selector, (pod["metadata"].get("labels") or {})) or not _pod_ready(pod):
            continue
        ip = (pod.get("status") or {}).get("podIP")
        target = _target_port(pod, port.get("targetPort", port.get("port")), protocol)
        if ip and target:
            found.append(Endpoint(ip, target, (pod.get("spec") or {}).get("nodeName", "")))
    return sorted(set(found), key=lambda e: (e.ip, e.port))


@dataclass(frozen=True)
class Frontend:
    """A Service port reached through one of its addresses."""

    service: dict[str, Any]
    port: dict[str, Any]
    kind: str  # "clusterIP", "nodePort", "externalIP", "loadBalancer"


def _services(world: Any) -> list[dict[str, Any]]:
    return list(world.store.iter("services"))


def find_cluster_ip(world: Any, ip: str, port: int, protocol: str) -> tuple[bool, Frontend | None]:
    """(ip is some Service's ClusterIP, the matching Service port)."""
    known = False
    for svc in _services(world):
        spec = svc.get("spec") or {}
        ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
        if ip not in ips or spec.get("type") == "ExternalName":
            continue
        known = True
        for p in spec.get("ports") or []:
            if int(p.get("port", 0)) == port and p.get("protocol", "TCP") == protocol:
                return True, Frontend(svc, p, "clusterIP")
    return known, None


def find_node_port(world: Any, port: int, protocol: str) -> Frontend | None:
    for svc in _services(world):
        spec = svc.get("spec") or {}
        if spec.get("type") not in ("NodePort", "LoadBalancer"):
            continue
        for p in spec.get("ports") or []:
            if p.get("nodePort") == port and p.get("protocol", "TCP") == protocol:
                return Frontend(svc, p, "nodePort")
    return None


def find_external(world: Any, ip: str, port: int, protocol: str) -> Frontend | None:
    """externalIPs and LoadBalancer ingress IPs."""
    for svc in _services(world):
        spec = svc.get("spec") or {}
        ingress = [i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []]
        kinds = []
        if ip in (spec.get("externalIPs") or []):
            kinds.append("externalIP")
        if spec.get("type") == "LoadBalancer" and ip in ingress:
            kinds.append("loadBalancer")
        if not kinds:
            continue
        for p in spec.get("ports") or []:
            if int(p.get("port", 0)) == port and p.get("protocol", "TCP") == protocol:
                return Frontend(svc, p, kinds[0])
    return None


def pick(world: Any, frontend: Frontend, candidates: list[Endpoint], client_ip: str) -> Endpoint:
    """One endpoint: sticky for sessionAffinity ClientIP, else random."""
    spec = frontend.service.get("spec") or {}
    meta = frontend.service["metadata"]
    if spec.get("sessionAffinity") == "ClientIP":
        timeout = int((((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
                       .get("timeoutSeconds", 10800)))
        table = world.runtime.setdefault("net", {}).setdefault("affinity", {})
        key = f"{meta['namespace']}/{meta['name']}:{frontend.port.get('port')}/{client_ip}"
        seen = table.get(key)
        now = world.clock.elapsed
        if seen and now - seen["at"] <= timeout:
            for ep in candidates:
                if ep.ip == seen["ip"] and ep.port == seen["port"]:
                    seen["at"] = now
                    return ep
        ep = candidates[world.random("net").randrange(len(candidates))] if len(candidates) > 1 else candidates[0]
        table[key] = {"ip": ep.ip, "port": ep.port, "at": now}
        return ep
    if len(candidates) == 1:
        return candidates[0]
    return candidates[world.random("net").randrange(len(candidates))]


__all__ = ["Endpoint", "Frontend", "endpoints", "find_cluster_ip", "find_node_port", "find_external", "pick"]
