"""What every kube-proxy backend shares: the digest of Services and endpoints,
and the interface of a backend and of the ruleset it produces.

Mirrors pkg/proxy (ServicePortName, BaseServicePortInfo, BaseEndpointInfo,
the EndpointSliceCache merge, CategorizeEndpoints): the digest is built once
per sync from the Services and EndpointSlices in the store and handed to the
iptables, ipvs or nftables backend, which turns it into a Ruleset for one
node. A Ruleset renders itself exactly as the real tool prints it AND is
what the dataplane walks, so what the learner reads is what a packet does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol


@dataclass(frozen=True, order=True)
class ServicePortName:
    """`default/nginx:http` (types.go ServicePortName.String()).

    Used as a dict key in every sync, so its hash is computed once.
    """

    namespace: str
    name: str
    port: str  # the Service port's name ("" for an unnamed port)
    protocol: str = "TCP"
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.namespace, self.name, self.port, self.protocol)))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{self.port}" if self.port else base


@dataclass(frozen=True)
class ServicePortInfo:
    """One port of one Service, as kube-proxy sees it (BaseServicePortInfo)."""

    name: ServicePortName
    cluster_ip: str               # "" for headless/ExternalName (never programmed)
    port: int
    protocol: str
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    load_balancer_ips: tuple[str, ...] = ()      # status.loadBalancer.ingress[].ip
    load_balancer_source_ranges: tuple[str, ...] = ()
    session_affinity_seconds: int = 0            # 0 = None; else ClientIP timeout
    external_policy_local: bool = False          # externalTrafficPolicy: Local
    internal_policy_local: bool = False          # internalTrafficPolicy: Local
    health_check_node_port: int = 0
    service_type: str = "ClusterIP"

    @property
    def uses_external(self) -> bool:
        return bool(self.node_port or self.external_ips or self.load_balancer_ips)


@dataclass(frozen=True)
class EndpointInfo:
    """One endpoint of a service port (BaseEndpointInfo)."""

    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""
    zone: str = ""

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass
class ProxyDigest:
    """Everything one sync needs, for the whole cluster (node-independent)."""

    services: dict[ServicePortName, ServicePortInfo] = field(default_factory=dict)
    endpoints: dict[ServicePortName, list[EndpointInfo]] = field(default_factory=dict)
    cluster_cidr: str = ""                      # --cluster-cidr (the pod network)
    node_ips: dict[str, str] = field(default_factory=dict)      # node name -> InternalIP
    node_pod_cidrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProxyConfig:
    """The KubeProxyConfiguration fields the lab honours (from the kube-proxy ConfigMap)."""

    mode: str = "iptables"                      # iptables | ipvs | nftables ("" means iptables)
    ipvs_scheduler: str = "rr"
    masquerade_all: bool = False
    masquerade_bit: int = 14                    # the 0x4000 mark
    cluster_cidr: str = ""
    node_port_addresses: tuple[str, ...] = ()
    strict_arp: bool = False


@dataclass(frozen=True)
class NodeContext:
    """The node a ruleset is written for."""

    name: str
    ip: str
    pod_cidr: str


class Ruleset(Protocol):
    """A node's programmed rules: rendered like the real tools, walked by the dataplane."""

    mode: str

    def render(self, tool: str, args: list[str]) -> tuple[str, str, int]:
        """(stdout, stderr, status) of a tool reading these rules:
        `iptables-save`, `iptables`, `ipvsadm`, `ipset`, `nft` ..."""
        ...


class Backend(Protocol):
    """One proxy mode: turns the digest into a node's Ruleset.

    `changed` names the service ports that changed since `previous` was
    built (None means a full sync); a backend may reuse what did not change,
    but its result must render exactly like a full sync.
    """

    mode: str

    def sync(self, node: NodeContext, digest: ProxyDigest, config: ProxyConfig,
             previous: Any | None = None, changed: Iterable[ServicePortName] | None = None) -> Ruleset:
        ...
