"""The state one diagnosis looks at, read once: the Service, its Pods and EndpointSlices, the source.

Everything comes from the lab's real state through the store's read-only
indexes (`store.peek`, `store.iter`, `store.with_labels`); nothing here
writes. The only thing a diagnosis does to the world is what its probes do
(lab.sim.net.connect and DNS query packets): like any client's packets they
advance the ephemeral port, add conntrack entries and count in the rules'
counters; they do not move the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SLICES = "endpointslices.discovery.k8s.io"


class SourceError(ValueError):
    """`--from` names no host and no Pod."""


@dataclass
class Source:
    """Where the request starts: a node, the external host, or a Pod."""

    kind: str                    # "node" | "external" | "pod"
    host: str                    # the host's name; for a Pod, its node
    pod: dict[str, Any] | None = None

    @property
    def namespace(self) -> str:
        return (self.pod or {}).get("metadata", {}).get("namespace", "") if self.pod else ""

    @property
    def pod_name(self) -> str:
        return self.pod["metadata"]["name"] if self.pod else ""

    @property
    def label(self) -> str:
        if self.pod is not None:
            return f"pod {self.namespace}/{self.pod_name}"
        return f"{self.host} ({self.kind})"

    @property
    def connect_ref(self) -> Any:
        """What lab.sim.net.connect() takes as the source."""
        return self.pod if self.pod is not None else self.host

    @property
    def in_cluster(self) -> bool:
        """Pods (and nodes) can reach ClusterIPs; the external host cannot."""
        return self.kind != "external"


def find_source(world: Any, text: str | None, namespace: str) -> Source:
    """`--from`: a host name, `pod/NAME`, `NAME` (a Pod of the Service's namespace) or `NS/NAME`."""
    if not text:
        text = world.default_host
    if text in world.hosts and not text.startswith("pod/"):
        host = world.hosts[text]
        return Source(host.role, host.name)
    ref = text[4:] if text.startswith("pod/") else text
    ns, _, name = ref.rpartition("/")
    pod = world.store.peek("pods", ns or namespace, name)
    if pod is None:
        raise SourceError(text)
    return Source("pod", (pod.get("spec") or {}).get("nodeName", ""), pod)


@dataclass
class Endpoint:
    """One address of the Service's EndpointSlices, with the Pod it belongs to."""

    ip: str
    ready: bool
    serving: bool
    terminating: bool
    node: str
    pod: str
    ports: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Scene:
    world: Any
    namespace: str
    name: str
    service: dict[str, Any]
    source: Source

    @property
    def spec(self) -> dict[str, Any]:
        return self.service.get("spec") or {}

    @property
    def type(self) -> str:
        return self.spec.get("type") or "ClusterIP"

    @property
    def selector(self) -> dict[str, str]:
        return dict(self.spec.get("selector") or {})

    @property
    def ports(self) -> list[dict[str, Any]]:
        return list(self.spec.get("ports") or [])

    @property
    def cluster_ip(self) -> str:
        ip = self.spec.get("clusterIP") or ""
        return "" if ip == "None" else ip

    @property
    def headless(self) -> bool:
        return self.spec.get("clusterIP") == "None"

    def pods(self) -> list[dict[str, Any]]:
        """The namespace's Pods, by name."""
        return sorted(self.world.store.iter("pods", self.namespace), key=lambda p: p["metadata"]["name"])

    def selected(self) -> list[dict[str, Any]]:
        """The Pods the selector matches (what the EndpointSlice controller considers), by name (the store's
        label index: no scan of the namespace)."""
        if not self.selector:
            return []
        return [p for p in self.world.store.with_labels("pods", self.namespace, self.selector)
                if not p["metadata"].get("deletionTimestamp")]

    def endpoints(self) -> list[Endpoint]:
        """Every endpoint of the Service's EndpointSlices, in the slices' order."""
        out: list[Endpoint] = []
        for sl in self.world.store.with_labels(SLICES, self.namespace, {"kubernetes.io/service-name": self.name}):
            for ep in sl.get("endpoints") or []:
                cond = ep.get("conditions") or {}
                ref = ep.get("targetRef") or {}
                for ip in ep.get("addresses") or []:
                    out.append(Endpoint(ip, cond.get("ready") is not False, cond.get("serving") is not False,
                                        bool(cond.get("terminating")), ep.get("nodeName", ""),
                                        ref.get("name", "") if ref.get("kind") == "Pod" else "",
                                        list(sl.get("ports") or [])))
        return out

    @property
    def ingress(self) -> list[str]:
        """The LoadBalancer's addresses (status.loadBalancer.ingress[].ip)."""
        lb = (self.service.get("status") or {}).get("loadBalancer") or {}
        return [i["ip"] for i in lb.get("ingress") or [] if i.get("ip")]

    def latest_event(self, kind: str, name: str, reason: str = "", prefix: str = "") -> str:
        """The newest Event message about kind/name in the namespace, by reason or message prefix."""
        found, stamp = "", ""
        for ev in self.world.store.iter("events", self.namespace):
            inv = ev.get("involvedObject") or {}
            msg = ev.get("message") or ""
            if inv.get("kind") != kind or inv.get("name") != name:
                continue
            if (reason and ev.get("reason") != reason) or not msg.startswith(prefix):
                continue
            when = ev.get("lastTimestamp") or ev.get("eventTime") or ""
            if when >= stamp:
                found, stamp = msg, when
        return found

    def node_ip(self, node: str) -> str:
        host = self.world.hosts.get(node)
        return host.ip if host else ""

    def node_names(self) -> list[str]:
        return sorted(h.name for h in self.world.nodes)


def pod_ready(pod: dict[str, Any]) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


__all__ = ["Scene", "Source", "SourceError", "Endpoint", "find_source", "pod_ready", "SLICES"]
