"""The digest kube-proxy syncs from: Services and EndpointSlices as the proxier sees them.

Mirrors pkg/proxy of Kubernetes 1.32:
- ServiceChangeTracker / newBaseServiceInfo: one ServicePortInfo per port of
  every Service that is not headless (clusterIP None or empty) and not
  ExternalName; Services labelled `service.kubernetes.io/service-proxy-name`
  are left to another proxy (the informer's label selector).
- EndpointSliceCache: the slices of one Service (by the
  `kubernetes.io/service-name` label, headless-labelled slices ignored) are
  merged in slice-name order; endpoints are keyed by "IP:port" (the first
  address of an endpoint), a later duplicate only wins when it is local,
  ports are matched to the Service port by name and protocol, conditions
  default as the cache does (ready nil = true, serving nil = ready,
  terminating nil = false), and each port's list is sorted by "IP:port"
  string (byEndpoint).
- CategorizeEndpoints (`categorize`): which endpoints each traffic policy
  uses on a node: ready ones; if none, serving-and-terminating ones.

`DigestTracker` keeps the digest up to date from the store's watch events
and remembers which ServicePortNames changed after each sequence number, so
each node's proxier can ask "what changed since my last sync" and a backend
can reuse the rest (KEP-3453 partial syncs).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Iterable

from .base import EndpointInfo, ProxyDigest, ServicePortInfo, ServicePortName

SERVICES = "services"
SLICES = "endpointslices.discovery.k8s.io"
NODES = "nodes"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name"
HEADLESS_LABEL = "service.kubernetes.io/headless"
DEFAULT_AFFINITY_SECONDS = 10800


# -- Services ----------------------------------------------------------------------

def should_skip_service(svc: dict[str, Any]) -> bool:
    """proxy/util.ShouldSkipService (+ the informer's service-proxy-name selector)."""
    spec = svc.get("spec") or {}
    if PROXY_NAME_LABEL in ((svc.get("metadata") or {}).get("labels") or {}):
        return True
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip in ("", "None"):
        return True
    return spec.get("type") == "ExternalName"


def _is_ipv4(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def externally_accessible(svc: dict[str, Any]) -> bool:
    """apiservice.ExternallyAccessible."""
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    return kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))


def service_ports(svc: dict[str, Any]) -> list[ServicePortInfo]:
    """newBaseServiceInfo for every port of one Service (IPv4 only)."""
    if should_skip_service(svc):
        return []
    meta = svc.get("metadata") or {}
    spec = svc.get("spec") or {}
    status = svc.get("status") or {}
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    affinity = 0
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
        affinity = int(cfg.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)
    external_ips = tuple(ip for ip in spec.get("externalIPs") or () if _is_ipv4(ip))
    lb_ips = tuple(
        ing["ip"] for ing in (status.get("loadBalancer") or {}).get("ingress") or ()
        if ing.get("ip") and _is_ipv4(ing["ip"]) and ing.get("ipMode", "VIP") != "Proxy")
    ranges = tuple(r.strip() for r in spec.get("loadBalancerSourceRanges") or () if "." in r)
    ext_local = externally_accessible(svc) and spec.get("externalTrafficPolicy") == "Local"
    int_local = spec.get("internalTrafficPolicy") == "Local"
    health = int(spec.get("healthCheckNodePort") or 0) if ext_local else 0
    out = []
    for port in spec.get("ports") or ():
        protocol = port.get("protocol") or "TCP"
        spn = ServicePortName(ns, name, port.get("name") or "", protocol)
        out.append(ServicePortInfo(
            name=spn, cluster_ip=spec.get("clusterIP") or "", port=int(port.get("port") or 0),
            protocol=protocol, node_port=int(port.get("nodePort") or 0), external_ips=external_ips,
            load_balancer_ips=lb_ips, load_balancer_source_ranges=ranges,
            session_affinity_seconds=affinity, external_policy_local=ext_local,
            internal_policy_local=int_local, health_check_node_port=health,
            service_type=spec.get("type") or "ClusterIP"))
    return out


# -- EndpointSlices ----------------------------------------------------------------

def slice_service(slice_obj: dict[str, Any]) -> str | None:
    """The `ns/name` of the Service a slice belongs to, or None when kube-proxy ignores it."""
    meta = slice_obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    name = labels.get(SERVICE_NAME_LABEL)
    if not name or HEADLESS_LABEL in labels:
        return None
    if slice_obj.get("addressType", "IPv4") != "IPv4":
        return None
    return f"{meta.get('namespace', '')}/{name}"


def merge_slices(namespace: str, service: str, slices: Iterable[dict[str, Any]]
                 ) -> dict[ServicePortName, list[EndpointInfo]]:
    """EndpointSliceCache.endpointInfoByServicePort for one Service's slices."""
    sets: dict[ServicePortName, dict[str, EndpointInfo]] = {}
    for sl in sorted(slices, key=lambda s: s["metadata"]["name"]):
        for port in sl.get("ports") or ():
            number = port.get("port")
            if not number:
                continue
            spn = ServicePortName(namespace, service, port.get("name") or "", port.get("protocol") or "TCP")
            bucket = sets.setdefault(spn, {})
            for ep in sl.get("endpoints") or ():
                addresses = ep.get("addresses") or ()
                if not addresses:
                    continue
                cond = ep.get("conditions") or {}
                ready = cond.get("ready") is None or bool(cond.get("ready"))
                serving = ready if cond.get("serving") is None else bool(cond.get("serving"))
                terminating = bool(cond.get("terminating"))
                info = EndpointInfo(ip=addresses[0], port=int(number), ready=ready, serving=serving,
                                    terminating=terminating, node_name=ep.get("nodeName") or "",
                                    zone=ep.get("zone") or "")
                key = info.address
                # SIMPLIFICATION: "local" duplicates win in the real cache; which node is
                # local is a per-node fact here, so the first slice (by name) wins.
                bucket.setdefault(key, info)
    return {spn: sorted(eps.values(), key=lambda e: e.address) for spn, eps in sets.items()}


# -- CategorizeEndpoints -------------------------------------------------------------

@dataclass(frozen=True)
class Categorized:
    """proxy.CategorizeEndpoints' results for one service port on one node."""

    cluster: tuple[EndpointInfo, ...]
    local: tuple[EndpointInfo, ...]
    all_reachable: tuple[EndpointInfo, ...]
    has_any: bool


def uses_cluster_endpoints(svc: ServicePortInfo) -> bool:
    return not svc.internal_policy_local or (svc.uses_external and not svc.external_policy_local)


def uses_local_endpoints(svc: ServicePortInfo) -> bool:
    return svc.internal_policy_local or (svc.uses_external and svc.external_policy_local)


def categorize(endpoints: Iterable[EndpointInfo], svc: ServicePortInfo, node_name: str) -> Categorized:
    """Which endpoints the Cluster and Local policies use on `node_name`.

    Ready endpoints; when a policy has none, the serving-and-terminating ones
    (ProxyTerminatingEndpoints). SIMPLIFICATION: topology-aware hints are not
    applied (the lab's nodes carry no zones).
    """
    eps = list(endpoints)
    cluster: list[EndpointInfo] = []
    local: list[EndpointInfo] = []
    has_any = False
    if uses_cluster_endpoints(svc):
        cluster = [e for e in eps if e.ready]
        if not cluster:
            cluster = [e for e in eps if e.serving and e.terminating]
        has_any = bool(cluster)
    if not uses_local_endpoints(svc):
        return Categorized(tuple(cluster), (), tuple(cluster), has_any)
    local_ready = local_term = False
    for e in eps:
        if e.ready:
            has_any = True
            local_ready = local_ready or e.node_name == node_name
        elif e.serving and e.terminating:
            has_any = True
            local_term = local_term or e.node_name == node_name
    if local_ready:
        local = [e for e in eps if e.node_name == node_name and e.ready]
    elif local_term:
        local = [e for e in eps if e.node_name == node_name and e.serving and e.terminating]
    if not uses_cluster_endpoints(svc):
        return Categorized((), tuple(local), tuple(local), has_any)
    seen = {e.address for e in cluster}
    merged = list(cluster) + [e for e in local if e.address not in seen]
    return Categorized(tuple(cluster), tuple(local), tuple(merged), has_any)


# -- Nodes -----------------------------------------------------------------------------

def node_facts(node: dict[str, Any]) -> tuple[str, str]:
    """(InternalIP, podCIDR) of a Node object."""
    ip = ""
    for addr in (node.get("status") or {}).get("addresses") or ():
        if addr.get("type") == "InternalIP":
            ip = addr.get("address", "")
            break
    return ip, (node.get("spec") or {}).get("podCIDR") or ""


# -- the whole digest ----------------------------------------------------------------

def build_digest(store: Any, *, cluster_cidr: str = "", node_names: Iterable[str] | None = None) -> ProxyDigest:
    """A full digest from the store (what a proxier's first sync sees).

    `node_names` limits the node facts to those nodes (None: every Node).
    """
    tracker = DigestTracker(store, cluster_cidr=cluster_cidr, node_names=node_names)
    return tracker.digest


class DigestTracker:
    """The digest, kept current from watch events, with a change log.

    `observe(event)` applies a Service, EndpointSlice or Node event;
    `seq` grows with every change; `changes_since(seq)` is the set of
    ServicePortNames touched after `seq`, or None when something every
    rule depends on (node facts) changed and a full sync is due.
    """

    def __init__(self, store: Any, *, cluster_cidr: str = "", node_names: Iterable[str] | None = None):
        self.store = store
        self._node_filter = set(node_names) if node_names is not None else None
        self.digest = ProxyDigest(cluster_cidr=cluster_cidr)
        self._ports: dict[str, tuple[ServicePortName, ...]] = {}        # "ns/name" -> its ports
        self._slices: dict[str, set[str]] = {}                          # "ns/name" -> slice names
        self._slice_owner: dict[tuple[str, str], str] = {}              # (ns, slice) -> "ns/name"
        self._endpoints: dict[str, dict[ServicePortName, list[EndpointInfo]]] = {}
        self.seq = 0
        self._log_seq: list[int] = []
        self._log_spn: list[ServicePortName] = []
        self._full_seq = 0
        for svc in store.iter(SERVICES):
            self._set_service(svc["metadata"].get("namespace", ""), svc["metadata"]["name"], svc)
        for sl in store.iter(SLICES):
            owner = slice_service(sl)
            if owner:
                ns = sl["metadata"].get("namespace", "")
                self._slice_owner[(ns, sl["metadata"]["name"])] = owner
                self._slices.setdefault(owner, set()).add(sl["metadata"]["name"])
        for key in list(self._slices):
            self._recompute_endpoints(key)
        self._refresh_nodes()
        self.seq = 0
        self._log_seq.clear()
        self._log_spn.clear()

    # -- change log ------------------------------------------------------------
    def _touch(self, spns: Iterable[ServicePortName]) -> None:
        for spn in spns:
            self.seq += 1
            self._log_seq.append(self.seq)
            self._log_spn.append(spn)

    def changes_since(self, seq: int) -> set[ServicePortName] | None:
        """ServicePortNames changed after `seq` (None: a full sync is needed)."""
        if seq < self._full_seq:
            return None
        start = bisect.bisect_right(self._log_seq, seq)
        return set(self._log_spn[start:])

    def compact(self, oldest_needed: int) -> None:
        """Forget log entries no consumer will ask about (all are at or after `oldest_needed`)."""
        cut = bisect.bisect_right(self._log_seq, oldest_needed)
        if cut:
            del self._log_seq[:cut]
            del self._log_spn[:cut]

    # -- events ----------------------------------------------------------------
    def observe(self, event: Any) -> None:
        obj = event.object
        meta = obj.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        if event.resource == SERVICES:
            self._set_service(ns, name, None if event.type == "DELETED" else obj)
        elif event.resource == SLICES:
            self._set_slice(ns, name, None if event.type == "DELETED" else obj)
        elif event.resource == NODES:
            if self._refresh_nodes():
                self.seq += 1
                self._full_seq = self.seq

    def _set_service(self, ns: str, name: str, svc: dict[str, Any] | None) -> None:
        key = f"{ns}/{name}"
        old = self._ports.get(key, ())
        infos = service_ports(svc) if svc is not None else []
        services = self.digest.services
        changed: list[ServicePortName] = []
        new_names = {i.name for i in infos}
        for spn in old:
            if spn not in new_names:
                services.pop(spn, None)
                self.digest.endpoints.pop(spn, None)
                changed.append(spn)
        for info in infos:
            if services.get(info.name) != info:
                services[info.name] = info
                changed.append(info.name)
        if infos:
            self._ports[key] = tuple(i.name for i in infos)
        else:
            self._ports.pop(key, None)
        if changed:
            self._publish_endpoints(key)
            self._touch(changed)

    def _set_slice(self, ns: str, name: str, sl: dict[str, Any] | None) -> None:
        old_owner = self._slice_owner.pop((ns, name), None)
        if old_owner:
            self._slices.get(old_owner, set()).discard(name)
        owner = slice_service(sl) if sl is not None else None
        if owner:
            self._slice_owner[(ns, name)] = owner
            self._slices.setdefault(owner, set()).add(name)
        for key in {k for k in (old_owner, owner) if k}:
            before = self._endpoints.get(key, {})
            self._recompute_endpoints(key)
            after = self._endpoints.get(key, {})
            changed = [spn for spn in set(before) | set(after) if before.get(spn) != after.get(spn)]
            if changed:
                self._publish_endpoints(key)
                self._touch(sorted(changed))

    def _recompute_endpoints(self, key: str) -> None:
        ns, _, name = key.partition("/")
        slices = [s for s in (self.store.peek(SLICES, ns, n) for n in sorted(self._slices.get(key, ())))
                  if s is not None]
        merged = merge_slices(ns, name, slices) if slices else {}
        merged = {spn: eps for spn, eps in merged.items() if eps}
        if merged:
            self._endpoints[key] = merged
        else:
            self._endpoints.pop(key, None)
        if not self._slices.get(key):
            self._slices.pop(key, None)
        self._publish_endpoints(key)

    def _publish_endpoints(self, key: str) -> None:
        """The digest's endpoint lists for the Service's current ports."""
        merged = self._endpoints.get(key, {})
        eps = self.digest.endpoints
        for spn in self._ports.get(key, ()):
            if spn in merged:
                eps[spn] = merged[spn]
            else:
                eps.pop(spn, None)

    def _refresh_nodes(self) -> bool:
        ips: dict[str, str] = {}
        cidrs: dict[str, str] = {}
        for node in self.store.iter(NODES):
            name = node["metadata"]["name"]
            if self._node_filter is not None and name not in self._node_filter:
                continue
            ip, cidr = node_facts(node)
            if ip:
                ips[name] = ip
            if cidr:
                cidrs[name] = cidr
        if ips == self.digest.node_ips and cidrs == self.digest.node_pod_cidrs:
            return False
        self.digest.node_ips = ips
        self.digest.node_pod_cidrs = cidrs
        return True


# -- JSON form (a stopped proxy's frozen view, persisted with the world) ------------

def digest_to_state(digest: ProxyDigest) -> dict[str, Any]:
    def spn_state(spn: ServicePortName) -> list[str]:
        return [spn.namespace, spn.name, spn.port, spn.protocol]

    services = []
    for spn in sorted(digest.services):
        s = digest.services[spn]
        services.append({
            "name": spn_state(spn), "clusterIP": s.cluster_ip, "port": s.port, "protocol": s.protocol,
            "nodePort": s.node_port, "externalIPs": list(s.external_ips), "lbIPs": list(s.load_balancer_ips),
            "sourceRanges": list(s.load_balancer_source_ranges), "affinity": s.session_affinity_seconds,
            "etpLocal": s.external_policy_local, "itpLocal": s.internal_policy_local,
            "healthCheckNodePort": s.health_check_node_port, "type": s.service_type,
            "endpoints": [[e.ip, e.port, e.ready, e.serving, e.terminating, e.node_name, e.zone]
                          for e in digest.endpoints.get(spn, ())],
        })
    return {"services": services, "clusterCIDR": digest.cluster_cidr,
            "nodeIPs": dict(sorted(digest.node_ips.items())),
            "nodePodCIDRs": dict(sorted(digest.node_pod_cidrs.items()))}


def digest_from_state(state: dict[str, Any]) -> ProxyDigest:
    digest = ProxyDigest(cluster_cidr=state.get("clusterCIDR", ""),
                         node_ips=dict(state.get("nodeIPs") or {}),
                         node_pod_cidrs=dict(state.get("nodePodCIDRs") or {}))
    for s in state.get("services") or ():
        spn = ServicePortName(*s["name"])
        digest.services[spn] = ServicePortInfo(
            name=spn, cluster_ip=s["clusterIP"], port=s["port"], protocol=s["protocol"],
            node_port=s["nodePort"], external_ips=tuple(s["externalIPs"]),
            load_balancer_ips=tuple(s["lbIPs"]), load_balancer_source_ranges=tuple(s["sourceRanges"]),
            session_affinity_seconds=s["affinity"], external_policy_local=s["etpLocal"],
            internal_policy_local=s["itpLocal"], health_check_node_port=s["healthCheckNodePort"],
            service_type=s["type"])
        if s["endpoints"]:
            digest.endpoints[spn] = [EndpointInfo(*e) for e in s["endpoints"]]
    return digest


__all__ = ["build_digest", "DigestTracker", "categorize", "Categorized", "merge_slices", "service_ports",
           "should_skip_service", "slice_service", "digest_to_state", "digest_from_state",
           "uses_cluster_endpoints", "uses_local_endpoints"]
