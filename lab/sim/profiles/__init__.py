"""Cluster profiles: data files describing the cluster a lab starts with."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROFILE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class NodeSpec:
    name: str
    ip: str
    pod_cidr: str
    control_plane: bool = False
    schedulable: bool = True
    #: kubeadm and minikube label their control plane; a binary install does not
    role_label: bool = True


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    kubernetes_version: str
    container_runtime: str
    os_image: str
    kernel_version: str
    cluster_created: str
    lab_start: str
    service_cluster_ip_range: str
    service_node_port_range: str
    cluster_dns: str
    cluster_domain: str
    pod_network: str
    cni: str
    proxy_mode: str
    apiserver_port: int
    control_plane: str
    nodes: tuple[NodeSpec, ...]
    external_name: str
    external_ip: str
    extra: dict = field(default_factory=dict)
    #: addresses the simulated cloud load balancer hands out ("a.b.c.d-a.b.c.e" ranges or CIDRs);
    #: empty: LoadBalancer Services stay <pending> (minikube without `minikube tunnel`)
    load_balancer_pool: tuple[str, ...] = ()
    #: seconds between EnsuringLoadBalancer and EnsuredLoadBalancer
    load_balancer_seconds: float = 0.0
    #: the control plane runs as static Pods from /etc/kubernetes/manifests (kubeadm, minikube);
    #: False: as systemd services (a binary install), so no mirror Pods
    static_pods: bool = False

    @property
    def control_plane_node(self) -> NodeSpec:
        return next(n for n in self.nodes if n.name == self.control_plane)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


class UnknownProfile(ValueError):
    pass


def load_profile(name: str) -> Profile:
    """Read profiles/<name>.yaml."""
    path = PROFILE_DIR / f"{name}.yaml"
    if not path.is_file():
        raise UnknownProfile(f"unknown cluster profile {name!r} (available: {', '.join(available_profiles())})")
    data = yaml.safe_load(path.read_text())
    nodes = tuple(
        NodeSpec(n["name"], n["ip"], n["podCIDR"], bool(n.get("controlPlane", False)),
                 bool(n.get("schedulable", not n.get("controlPlane", False))),
                 bool(n.get("roleLabel", True)))
        for n in data["nodes"])
    return Profile(
        name=data["name"], description=data.get("description", ""),
        kubernetes_version=data["kubernetesVersion"], container_runtime=data["containerRuntime"],
        os_image=data["osImage"], kernel_version=data["kernelVersion"],
        cluster_created=data["clusterCreated"], lab_start=data["labStart"],
        service_cluster_ip_range=data["serviceClusterIPRange"],
        service_node_port_range=data["serviceNodePortRange"],
        cluster_dns=data["clusterDNS"], cluster_domain=data["clusterDomain"],
        pod_network=data["podNetwork"], cni=data["cni"], proxy_mode=data["proxyMode"],
        apiserver_port=int(data["apiserverPort"]), control_plane=data["controlPlane"],
        nodes=nodes, external_name=data["external"]["name"], external_ip=data["external"]["ip"],
        load_balancer_pool=tuple((data.get("loadBalancerPool") or {}).get("addresses") or ()),
        load_balancer_seconds=float((data.get("loadBalancerPool") or {}).get("provisioningSeconds") or 0),
        static_pods=bool(data.get("staticPods", False)),
    )
