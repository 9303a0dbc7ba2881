"""Connecting from a host or a pod to an IP:port, as the cluster network does.

`connect(world, source, ip, port)` follows a TCP connection attempt:
- a Pod IP is reachable from nodes and pods (flannel routes), not from the
  external host (it has no route to the pod network: the SYN is lost and
  the client times out);
- a ClusterIP is reachable from nodes and pods only; a Service port picks a
  ready endpoint (services.py, a plain stand-in for kube-proxy), none means
  kube-proxy's REJECT: connection refused;
- a node IP answers NodePorts (from anywhere) and hostPorts; anything else
  there is refused by the node's kernel;
- 127.0.0.1 from a pod is the pod itself; from a node, its NodePorts.

The address the server sees (Connection.client_ip): a pod client's own IP;
a node client's cni0 address (10.244.X.1) when the pod is on the same node,
its flannel.1 address (10.244.X.0) when the pod is on another node - the
source the kernel picks for that route, and the one MASQUERADE writes for
node-to-ClusterIP traffic. NodePort traffic with externalTrafficPolicy
Cluster is masqueraded the same way by the node that received it;
externalTrafficPolicy Local keeps the client's address.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..workloads import workload_for
from ..workloads.base import ContainerEnv, Request, Response
from ..workloads.containers import container_env, listens, save
from . import addresses, services

#: Linux gives up a connect() after 6 SYN retries: 1+2+4+8+16+32+64 s
SYN_TIMEOUT = 127.0
#: ARP for an address nobody has fails after 3 s: EHOSTUNREACH
ARP_TIMEOUT = 3.0
EPHEMERAL_FIRST = 32768


@dataclass
class ConnectError:
    """A failed connect(): `kind` refused | timeout | unreachable; `strerror`
    the errno text; `after` how long the kernel took to say so (seconds)."""

    kind: str
    strerror: str
    after: float = 0.0

    @property
    def timed_out(self) -> bool:
        return self.kind == "timeout"


REFUSED = ("refused", "Connection refused", 0.0)


@dataclass
class Connection:
    """An established connection to a container's listening port."""

    world: Any
    pod: dict[str, Any]
    env: ContainerEnv
    workload: Any
    client_ip: str
    client_port: int
    port: int
    protocol: str = "TCP"
    #: the address and port the client connected to (before any DNAT)
    dest_ip: str = ""
    dest_port: int = 0
    path: list[str] = field(default_factory=list)

    def request(self, request: Request) -> Response | None:
        """Hand an HTTP request to the container; None: it closed the connection."""
        request.client_ip = self.client_ip
        request.client_port = self.client_port
        request.port = self.port
        request.protocol = self.protocol
        response = self.workload.serve(self.env, request)
        save(self.world, self.env)
        return response


def _source(world: Any, source: Any) -> tuple[str, str, dict[str, Any] | None, str]:
    """(kind "node"|"external"|"pod", node name, pod, source IP)."""
    if isinstance(source, dict):
        pod = source
    elif source in world.hosts:
        host = world.hosts[source]
        return host.role, host.name if host.role == "node" else "", None, host.ip
    else:
        pod = next((p for p in world.store.iter("pods") if p["metadata"].get("uid") == source), None)
        if pod is None:
            raise KeyError(f"no host or pod {source!r}")
    status = pod.get("status") or {}
    return "pod", (pod.get("spec") or {}).get("nodeName", ""), pod, status.get("podIP", "")


def _pod_by_ip(world: Any, ip: str) -> dict[str, Any] | None:
    for pod in world.store.iter("pods"):
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        if not spec.get("hostNetwork") and status.get("podIP") == ip:
            return pod
    return None


def _client_port(world: Any) -> int:
    """Ephemeral ports in order, as a fresh kernel hands them out (persisted)."""
    net = world.runtime.setdefault("net", {})
    port = int(net.get("nextPort", EPHEMERAL_FIRST))
    net["nextPort"] = port + 1 if port < 60999 else EPHEMERAL_FIRST
    return port


def _node_alive(world: Any, node: str) -> bool:
    host = world.hosts.get(node)
    return host is not None and host.powered


def _to_pod(world: Any, pod: dict[str, Any], port: int, protocol: str, client_ip: str,
            dest_ip: str, dest_port: int, path: list[str]) -> Connection | ConnectError:
    """The last hop: a container of the pod listening on the port, or a refusal."""
    node = (pod.get("spec") or {}).get("nodeName", "")
    if not _node_alive(world, node):
        return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)
    for container in (pod.get("spec") or {}).get("containers") or []:
        if (port, protocol) not in listens(world, pod, container["name"]):
            continue
        workload = workload_for(container)
        env = container_env(world, pod, container["name"])
        if env is not None:
            return Connection(world, pod, env, workload, client_ip, _client_port(world), port, protocol,
                              dest_ip, dest_port, path + [f"pod {pod['metadata']['name']}"])
    return ConnectError(*REFUSED)


def _via_service(world: Any, frontend: services.Frontend, src_kind: str, src_node: str, src_ip: str,
                 entry_node: str, dest_ip: str, dest_port: int) -> Connection | ConnectError:
    svc = frontend.service
    spec = svc.get("spec") or {}
    candidates = services.endpoints(world, svc, frontend.port)
    external = frontend.kind != "clusterIP"
    local_only = external and spec.get("externalTrafficPolicy") == "Local"
    if local_only:
        candidates = [e for e in candidates if e.node == entry_node]
        if not candidates:
            # kube-proxy drops traffic for a Local policy without local endpoints
            return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)
    if not candidates:
        return ConnectError(*REFUSED)
    ep = services.pick(world, frontend, candidates, src_ip)
    pod = _pod_by_ip(world, ep.ip)
    if pod is None:
        return ConnectError("unreachable", "No route to host", ARP_TIMEOUT)
    pod_node = (pod.get("spec") or {}).get("nodeName", "")
    if local_only:
        client = src_ip
    elif external:
        client = addresses.node_source_ip(world, entry_node, pod_node)
    elif src_kind == "node":
        client = addresses.node_source_ip(world, src_node, pod_node)
    else:
        client = src_ip
    path = [f"service {svc['metadata']['namespace']}/{svc['metadata']['name']} ({frontend.kind})"]
    return _to_pod(world, pod, ep.port, frontend.port.get("protocol", "TCP"), client, dest_ip, dest_port, path)


def connect(world: Any, source: Any, ip: str, port: int, protocol: str = "TCP") -> Connection | ConnectError:
    """A TCP connection attempt from `source` (host name or pod uid/dict) to ip:port."""
    src_kind, src_node, src_pod, src_ip = _source(world, source)
    if ip in ("127.0.0.1", "::1", "localhost"):
        if src_pod is not None:
            return _to_pod(world, src_pod, port, protocol, "127.0.0.1", ip, port, ["loopback"])
        if src_kind == "node":
            frontend = services.find_node_port(world, port, protocol)
            if frontend is not None:
                return _via_service(world, frontend, src_kind, src_node, "127.0.0.1", src_node, ip, port)
        return ConnectError(*REFUSED)
    if ip == src_ip and src_pod is not None:
        return _to_pod(world, src_pod, port, protocol, src_ip, ip, port, ["own address"])
    node = addresses.node_of_ip(world, ip)
    if node is not None:
        if not node.powered:
            return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)
        frontend = services.find_node_port(world, port, protocol)
        if frontend is not None:
            return _via_service(world, frontend, src_kind, src_node, src_ip, node.name, ip, port)
        host_port = _host_port(world, node.name, port, protocol)
        if host_port is not None:
            pod, target = host_port
            return _to_pod(world, pod, target, protocol, src_ip, ip, port, [f"hostPort on {node.name}"])
        return ConnectError(*REFUSED)
    frontend = services.find_external(world, ip, port, protocol)
    if frontend is not None:
        entry = _entry_node(world, frontend)
        return _via_service(world, frontend, src_kind, src_node, src_ip, entry, ip, port)
    if src_kind == "external":
        # No route from outside to the pod network or the Service range.
        return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)
    known, frontend = services.find_cluster_ip(world, ip, port, protocol)
    if frontend is not None:
        return _via_service(world, frontend, src_kind, src_node, src_ip, src_node, ip, port)
    if known or addresses.in_service_range(world, ip):
        return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)
    pod = _pod_by_ip(world, ip)
    if pod is not None:
        pod_node = (pod.get("spec") or {}).get("nodeName", "")
        client = src_ip if src_pod is not None else addresses.node_source_ip(world, src_node, pod_node)
        return _to_pod(world, pod, port, protocol, client, ip, port, [])
    if addresses.in_pod_network(world, ip):
        return ConnectError("unreachable", "No route to host", ARP_TIMEOUT)
    return ConnectError("timeout", "Connection timed out", SYN_TIMEOUT)


def _host_port(world: Any, node: str, port: int, protocol: str) -> tuple[dict[str, Any], int] | None:
    for pod in world.store.iter("pods"):
        if (pod.get("spec") or {}).get("nodeName") != node:
            continue
        for c in (pod.get("spec") or {}).get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("hostPort") == port and p.get("protocol", "TCP") == protocol:
                    return pod, int(p["containerPort"])
    return None


def _entry_node(world: Any, frontend: services.Frontend) -> str:
    """SIMPLIFICATION: an externalIP/LoadBalancer packet enters at the first powered node."""
    for host in world.nodes:
        if host.powered:
            return host.name
    return ""


__all__ = ["connect", "Connection", "ConnectError", "SYN_TIMEOUT"]
