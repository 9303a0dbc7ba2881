"""Who owns an address: nodes, pods, Services, and the pod-network addresses
of each node (flannel gives every node a /24: cni0 is .1, flannel.1 is .0)."""
from __future__ import annotations

import ipaddress
from typing import Any


def node_of_ip(world: Any, ip: str) -> Any:
    """The node host whose address is `ip`, or None."""
    for host in world.nodes:
        if host.ip == ip:
            return host
    return None


def pod_cidr(world: Any, node_name: str) -> str:
    for spec in world.profile.nodes:
        if spec.name == node_name:
            return spec.pod_cidr
    return ""


def bridge_ip(world: Any, node_name: str) -> str:
    """cni0's address on a node: the first address of its podCIDR (the host-local gateway)."""
    cidr = pod_cidr(world, node_name)
    return str(ipaddress.ip_network(cidr, strict=False).network_address + 1) if cidr else ""


def flannel_ip(world: Any, node_name: str) -> str:
    """flannel.1's address on a node: the network address of its podCIDR."""
    cidr = pod_cidr(world, node_name)
    return str(ipaddress.ip_network(cidr, strict=False).network_address) if cidr else ""


def in_pod_network(world: Any, ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(world.profile.pod_network, strict=False)
    except ValueError:
        return False


def in_service_range(world: Any, ip: str) -> bool:
    try:
        rng = world.api.config.service_cluster_ip_range
        return any(ipaddress.ip_address(ip) in ipaddress.ip_network(r.strip(), strict=False)
                   for r in str(rng).split(","))
    except (ValueError, AttributeError):
        return False


def node_source_ip(world: Any, from_node: str, to_pod_node: str) -> str:
    """The address a node's kernel picks to reach a pod (and the one
    MASQUERADE writes): cni0's when the pod is local, flannel.1's otherwise."""
    return bridge_ip(world, from_node) if from_node == to_pod_node else flannel_ip(world, from_node)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
