"""Interfaces and routes of every network namespace: nodes, pods, the external host.

A flannel (vxlan) node has lo, eth0 with the node IP, flannel.1 with the
network address of its podCIDR as a /32, cni0 with the podCIDR's first
address (the host-local gateway), one veth per pod on cni0 and, in ipvs
mode, the dummy kube-ipvs0 holding every Service address. A pod is its own
namespace: lo and eth0@ifN (the peer of the node's veth) with the pod IP,
and the routes the flannel CNI config installs (default and the cluster
network via the cni0 address). The external host sits on the node LAN.

`route(world, host, pod, dst)` is the kernel's route lookup: which device a
packet to `dst` leaves by, the next hop, and the source address a socket
gets when it connects (the route's `src`, else the device's address).

The node commands (`ip addr`/`ip route` in lab.sim.proxy.nodecmds) and the
pod commands (lab.sim.net.commands) print these same facts.
SIMPLIFICATION: a pod's veth ifindex follows its address (.2 -> 5), the
order host-local hands addresses out; a reused address reuses the index.
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Interface:
    index: int
    name: str
    addresses: tuple[str, ...] = ()     # "ip/prefix"
    peer_index: int = 0                  # veth: the other end's ifindex (eth0@ifN)
    master: str = ""
    mac: str = ""
    mtu: int = 1500


@dataclass(frozen=True)
class Route:
    """A routing decision: `dev`, `via` (next hop, "" when on-link), `src`."""

    dev: str
    via: str = ""
    src: str = ""
    local: bool = False
    kind: str = ""          # "local" | "pod" | "overlay" | "lan" | "default" | "none"
    node: str = ""          # the node an overlay route leads to


@lru_cache(maxsize=4096)
def mac(*parts: str) -> str:
    """A stable locally administered MAC for an interface (a pure function of
    its parts, remembered: every packet walk lists the node's interfaces)."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    first = (digest[0] & 0xFE) | 0x02
    return ":".join(f"{b:02x}" for b in (first, *digest[1:6]))


def link_local(mac_text: str) -> str:
    """The EUI-64 fe80:: address the kernel derives from a MAC."""
    b = [int(x, 16) for x in mac_text.split(":")]
    eui = [b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui)))


def pod_cidr(world: Any, node: str) -> str:
    obj = world.store.peek("nodes", "", node)
    cidr = ((obj or {}).get("spec") or {}).get("podCIDR") or ""
    if cidr:
        return cidr
    for spec in world.profile.nodes:
        if spec.name == node:
            return spec.pod_cidr
    return ""


@lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """`ip_network(cidr, strict=False)`, parsed once per text (networks are immutable)."""
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=1024)
def _first_and_network(cidr: str) -> tuple[str, str]:
    net = _network(cidr)
    return str(net.network_address + 1), str(net.network_address)


def bridge_ip(world: Any, node: str) -> str:
    """cni0's address: the first address of the node's podCIDR."""
    cidr = pod_cidr(world, node)
    return _first_and_network(cidr)[0] if cidr else ""


def flannel_ip(world: Any, node: str) -> str:
    """flannel.1's address: the network address of the node's podCIDR."""
    cidr = pod_cidr(world, node)
    return _first_and_network(cidr)[1] if cidr else ""


def cluster_cidr(world: Any) -> str:
    return world.profile.pod_network


@lru_cache(maxsize=8192)
def _in(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in _network(cidr)
    except ValueError:
        return False


def lan(ip: str) -> ipaddress.IPv4Network:
    return _network(f"{ip}/24")  # type: ignore[return-value]


def node_of_cidr(world: Any, ip: str) -> str:
    """The node whose podCIDR holds `ip` ("" when none)."""
    for host in world.nodes:
        cidr = pod_cidr(world, host.name)
        if cidr and _in(ip, cidr):
            return host.name
    return ""


def veth_name(pod: dict[str, Any]) -> str:
    uid = (pod.get("metadata") or {}).get("uid", "")
    return "veth" + hashlib.sha256(uid.encode()).hexdigest()[:8]


def _base_count(ruleset: Any) -> int:
    return 5 if ruleset is not None and getattr(ruleset, "mode", "") == "ipvs" else 4


def veth_index(world: Any, pod: dict[str, Any], ruleset: Any = None) -> int:
    ip = (pod.get("status") or {}).get("podIP") or ""
    try:
        last = int(ipaddress.ip_address(ip)) - int(ipaddress.ip_network(
            pod_cidr(world, (pod.get("spec") or {}).get("nodeName", "")), strict=False).network_address)
    except ValueError:
        last = 2
    return _base_count(ruleset) + max(1, last - 1)


def _node_pods(world: Any, node: str) -> list[dict[str, Any]]:
    out = []
    for pod in world.store.iter("pods"):
        spec = pod.get("spec") or {}
        if spec.get("nodeName") == node and not spec.get("hostNetwork") and (pod.get("status") or {}).get("podIP"):
            out.append(pod)
    return out


def node_interfaces(world: Any, node: str, ruleset: Any = None) -> list[Interface]:
    """lo, eth0, flannel.1, cni0, [kube-ipvs0], then the pods' veths by ifindex."""
    veths = [Interface(veth_index(world, p, ruleset), veth_name(p), (), peer_index=2, master="cni0",
                       mac=mac(p["metadata"].get("uid", ""), "veth"), mtu=1450)
             for p in _node_pods(world, node)]
    return _own_interfaces(world, node, ruleset) + sorted(veths, key=lambda i: i.index)


def _own_interfaces(world: Any, node: str, ruleset: Any = None) -> list[Interface]:
    """The node's interfaces that are not pods' veths (the ones with addresses)."""
    host = world.hosts[node]
    net = lan(host.ip)
    out = [Interface(1, "lo", ("127.0.0.1/8",), mac="00:00:00:00:00:00", mtu=65536),
           Interface(2, "eth0", (f"{host.ip}/{net.prefixlen}",), mac=mac(node, "eth0"))]
    cidr = pod_cidr(world, node)
    if cidr:
        pnet = _network(cidr)
        out.append(Interface(3, "flannel.1", (f"{pnet.network_address}/32",), mac=mac(node, "flannel.1"), mtu=1450))
        out.append(Interface(4, "cni0", (f"{pnet.network_address + 1}/{pnet.prefixlen}",), mac=mac(node, "cni0"),
                             mtu=1450))
    if ruleset is not None and getattr(ruleset, "mode", "") == "ipvs":
        addrs = tuple(f"{a}/32" for a in getattr(ruleset, "kube_ipvs0_addresses", ()) or ())
        out.append(Interface(5, "kube-ipvs0", addrs, mac=mac(node, "kube-ipvs0")))
    return out


def pod_interfaces(world: Any, pod: dict[str, Any]) -> list[Interface]:
    ip = (pod.get("status") or {}).get("podIP") or ""
    node = (pod.get("spec") or {}).get("nodeName", "")
    cidr = pod_cidr(world, node)
    prefix = ipaddress.ip_network(cidr, strict=False).prefixlen if cidr else 24
    uid = pod["metadata"].get("uid", "")
    ruleset = world.proxy_ruleset(node) if node in world.hosts else None
    return [Interface(1, "lo", ("127.0.0.1/8",), mac="00:00:00:00:00:00", mtu=65536),
            Interface(2, "eth0", (f"{ip}/{prefix}",) if ip else (), peer_index=veth_index(world, pod, ruleset),
                      mac=mac(uid, "eth0"), mtu=1450)]


def local_addresses(world: Any, node: str, ruleset: Any = None) -> frozenset[str]:
    """Every address of the node (`addrtype LOCAL` / `fib daddr type local`)."""
    addrs = {"127.0.0.1"}
    for iface in _own_interfaces(world, node, ruleset):      # veths have no addresses
        addrs.update(a.split("/")[0] for a in iface.addresses)
    return frozenset(addrs)


def node_routes(world: Any, node: str) -> list[tuple[str, str, str, str]]:
    """(destination, device, via, src) in `ip route` order."""
    host = world.hosts[node]
    net = lan(host.ip)
    routes = [("default", "eth0", str(net.network_address + 1), ""), (str(net), "eth0", "", host.ip)]
    own = pod_cidr(world, node)
    for h in world.nodes:
        cidr = pod_cidr(world, h.name)
        if not cidr:
            continue
        pnet = ipaddress.ip_network(cidr, strict=False)
        if h.name == node:
            routes.append((str(pnet), "cni0", "", str(pnet.network_address + 1)))
        else:
            routes.append((str(pnet), "flannel.1", str(pnet.network_address), ""))
    del own
    head, rest = routes[:1], routes[1:]
    rest.sort(key=lambda r: (int(ipaddress.ip_network(r[0]).network_address), ipaddress.ip_network(r[0]).prefixlen))
    return head + rest


def pod_routes(world: Any, pod: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    node = (pod.get("spec") or {}).get("nodeName", "")
    gw = bridge_ip(world, node)
    cidr = pod_cidr(world, node)
    return [("default", "eth0", gw, ""), (cluster_cidr(world), "eth0", gw, ""),
            (str(ipaddress.ip_network(cidr, strict=False)) if cidr else "", "eth0", "",
             (pod.get("status") or {}).get("podIP") or "")]


def node_route(world: Any, node: str, dst: str, local: frozenset[str]) -> Route:
    """The route a node's kernel picks for `dst`."""
    if dst in local or dst.startswith("127."):
        return Route("lo", src=dst if not dst.startswith("127.") else "127.0.0.1", local=True, kind="local")
    host = world.hosts[node]
    owner = node_of_cidr(world, dst)
    if owner == node:
        return Route("cni0", src=bridge_ip(world, node), kind="pod", node=node)
    if owner:
        return Route("flannel.1", via=flannel_ip(world, owner), src=flannel_ip(world, node), kind="overlay",
                     node=owner)
    if _in(dst, str(lan(host.ip))):
        return Route("eth0", src=host.ip, kind="lan")
    return Route("eth0", via=str(lan(host.ip).network_address + 1), src=host.ip, kind="default")


def external_route(world: Any, host: Any, dst: str) -> Route:
    if dst == host.ip or dst.startswith("127."):
        return Route("lo", src=dst, local=True, kind="local")
    if _in(dst, str(lan(host.ip))):
        return Route("eth0", src=host.ip, kind="lan")
    return Route("eth0", via=str(lan(host.ip).network_address + 1), src=host.ip, kind="default")


# -- `ip addr` / `ip route` as busybox prints them inside a pod ---------------------------------

def render_pod_addr(world: Any, pod: dict[str, Any], only: str | None = None) -> str | None:
    """busybox `ip addr` in the pod (None: no such device)."""
    blocks = []
    for iface in pod_interfaces(world, pod):
        if only is not None and iface.name != only:
            continue
        if iface.name == "lo":
            blocks.append("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
                          "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
                          "    inet 127.0.0.1/8 scope host lo\n"
                          "       valid_lft forever preferred_lft forever\n"
                          "    inet6 ::1/128 scope host \n"
                          "       valid_lft forever preferred_lft forever\n")
            continue
        text = (f"{iface.index}: {iface.name}@if{iface.peer_index}: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> "
                f"mtu {iface.mtu} qdisc noqueue \n    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff\n")
        for a in iface.addresses:
            net = ipaddress.ip_interface(a).network
            text += (f"    inet {a} brd {net.broadcast_address} scope global {iface.name}\n"
                     "       valid_lft forever preferred_lft forever\n")
        text += (f"    inet6 {link_local(iface.mac)}/64 scope link \n"
                 "       valid_lft forever preferred_lft forever\n")
        blocks.append(text)
    if only is not None and not blocks:
        return None
    return "".join(blocks)


def render_pod_routes(world: Any, pod: dict[str, Any]) -> str:
    """busybox `ip route` in the pod."""
    lines = []
    for dst, dev, via, src in pod_routes(world, pod):
        if via:
            lines.append(f"{dst} via {via} dev {dev} \n")
        else:
            lines.append(f"{dst} dev {dev} scope link  src {src} \n")
    return "".join(lines)


__all__ = ["Interface", "Route", "node_interfaces", "pod_interfaces", "local_addresses", "node_routes",
           "pod_routes", "node_route", "external_route", "veth_name", "veth_index", "bridge_ip", "flannel_ip",
           "pod_cidr", "node_of_cidr", "render_pod_addr", "render_pod_routes", "mac", "link_local"]
