"""The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring, v1.32).

Hand-made Endpoints of a Service without a selector (an external database
mapped into the cluster) are copied into EndpointSlices, so consumers of
slices (kube-proxy, CoreDNS) see them too. The slices are named by
generateName `<endpoints>-`, owned by the Endpoints, carry the Endpoints'
labels and annotations (except last-applied-configuration and the trigger
time) plus `kubernetes.io/service-name` and
`endpointslice.kubernetes.io/managed-by:
endpointslicemirroring-controller.k8s.io`. Endpoints labelled
`endpointslice.kubernetes.io/skip-mirror: "true"` (the apiserver's own
`kubernetes` Endpoints) are not mirrored; neither are those of a Service
with a selector, whose slices the EndpointSlice controller writes.
"""
from __future__ import annotations

import copy
import ipaddress
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.store import WatchEvent
from .endpoints import TRIGGER_TIME
from .endpointslice import MANAGED_BY, SERVICE_NAME, SLICES, owner_ref, port_key
from .manager import Controller

CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: --mirroring-max-endpoints-per-subset (default 1000)
MAX_ENDPOINTS_PER_SUBSET = 1000


def _address_type(ip: str) -> str | None:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return None


def _address_to_endpoint(addr: dict[str, Any], ready: bool) -> dict[str, Any]:
    """addressToEndpoint."""
    ep: dict[str, Any] = {"addresses": [addr.get("ip", "")], "conditions": {"ready": ready}}
    if addr.get("hostname"):
        ep["hostname"] = addr["hostname"]
    if addr.get("targetRef"):
        ep["targetRef"] = copy.deepcopy(addr["targetRef"])
    if addr.get("nodeName"):
        ep["nodeName"] = addr["nodeName"]
    return ep


def _ports(subset: dict[str, Any]) -> list[dict[str, Any]]:
    """epPortsToEpsPorts."""
    out = []
    for p in subset.get("ports") or []:
        port: dict[str, Any] = {"name": p.get("name", ""), "protocol": p.get("protocol", "TCP"), "port": p.get("port")}
        if p.get("appProtocol") is not None:
            port["appProtocol"] = p["appProtocol"]
        out.append(port)
    return out


def should_mirror(endpoints: dict[str, Any] | None, svc: dict[str, Any] | None) -> bool:
    if endpoints is None or svc is None:
        return False
    if (svc.get("spec") or {}).get("selector"):
        return False
    labels = endpoints["metadata"].get("labels") or {}
    annotations = endpoints["metadata"].get("annotations") or {}
    return labels.get(SKIP_MIRROR) != "true" and "control-plane.alpha.kubernetes.io/leader" not in annotations


def desired_groups(endpoints: dict[str, Any]) -> dict[tuple[str, tuple], tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """(address type, ports) -> (ports, endpoints): ready addresses then not-ready ones, per subset."""
    groups: dict[tuple[str, tuple], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for subset in endpoints.get("subsets") or []:
        ports = _ports(subset)
        seen: set[str] = set()
        count = 0
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for addr in subset.get(field) or []:
                ip = addr.get("ip", "")
                family = _address_type(ip)
                if family is None or ip in seen:
                    continue
                # SIMPLIFICATION: addresses past the per-subset limit are dropped without the
                # `endpointslice.kubernetes.io/endpointslicemirroring-truncated` annotation.
                if count >= MAX_ENDPOINTS_PER_SUBSET:
                    break
                seen.add(ip)
                count += 1
                key = (family, port_key(ports))
                groups.setdefault(key, (ports, []))[1].append(_address_to_endpoint(addr, ready))
    return groups


class EndpointSliceMirroringController(Controller):
    """endpointslicemirroring-controller: slices for hand-made Endpoints."""

    name = "endpointslicemirroring-controller"
    watches = ("endpoints", "services", SLICES)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.object.get("metadata", {})
        if event.resource == SLICES:
            labels = meta.get("labels") or {}
            if labels.get(MANAGED_BY) != CONTROLLER_NAME or not labels.get(SERVICE_NAME):
                return ()
            return (f"{meta.get('namespace', '')}/{labels[SERVICE_NAME]}",)
        return (f"{meta.get('namespace', '')}/{meta.get('name', '')}",)

    def reconcile(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        endpoints = self.store.peek("endpoints", namespace, name)
        svc = self.store.peek("services", namespace, name)
        existing = [copy.deepcopy(s) for s in self.store.iter(SLICES, namespace)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
                    and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME]
        if not should_mirror(endpoints, svc):
            for s in existing:
                self._delete(s)
            return None
        assert endpoints is not None
        groups = desired_groups(endpoints)
        labels, annotations = self._meta(endpoints)
        by_key: dict[tuple[str, tuple], list[dict[str, Any]]] = {}
        stale = []
        for s in sorted(existing, key=lambda s: s["metadata"]["name"]):
            refs = s["metadata"].get("ownerReferences") or []
            if not any(r.get("uid") == endpoints["metadata"].get("uid") for r in refs):
                stale.append(s)
                continue
            by_key.setdefault((s.get("addressType", ""), port_key(s.get("ports"))), []).append(s)
        failed = False
        for key_ in sorted(groups):
            ports, eps = groups[key_]
            slices = by_key.pop(key_, [])
            if slices:
                current, extra = slices[0], slices[1:]
                stale += extra
                wanted = copy.deepcopy(current)
                wanted["endpoints"] = eps
                wanted["ports"] = ports or None
                wanted["metadata"]["labels"] = labels
                _set_or_drop(wanted["metadata"], "annotations", annotations)
                if wanted != current:
                    failed |= not self._write(self.api.update, wanted)
                continue
            # Reuse a slice that is no longer wanted before creating one.
            reuse = next((s for k, ss in sorted(by_key.items()) for s in ss if k[0] == key_[0]), None)
            if reuse is not None:
                by_key[(reuse["addressType"], port_key(reuse.get("ports")))].remove(reuse)
                wanted = copy.deepcopy(reuse)
                wanted["endpoints"], wanted["ports"] = eps, ports or None
                wanted["metadata"]["labels"] = labels
                _set_or_drop(wanted["metadata"], "annotations", annotations)
                failed |= not self._write(self.api.update, wanted)
                continue
            meta: dict[str, Any] = {"generateName": name + "-", "namespace": namespace, "labels": labels,
                                    "ownerReferences": [owner_ref(endpoints, "Endpoints")]}
            _set_or_drop(meta, "annotations", annotations)
            failed |= not self._write(self.api.create, {
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta,
                "addressType": key_[0], "endpoints": eps, "ports": ports or None})
        for ss in by_key.values():
            stale += ss
        for s in stale:
            self._delete(s)
        return 1.0 if failed else None

    @staticmethod
    def _meta(endpoints: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        labels = dict(endpoints["metadata"].get("labels") or {})
        labels[SERVICE_NAME] = endpoints["metadata"]["name"]
        labels[MANAGED_BY] = CONTROLLER_NAME
        annotations = {k: v for k, v in (endpoints["metadata"].get("annotations") or {}).items()
                       if k not in (TRIGGER_TIME, LAST_APPLIED)}
        return labels, annotations

    def _write(self, fn: Any, obj: dict[str, Any]) -> bool:
        try:
            fn(obj)
        except StatusError:
            return False
        return True

    def _delete(self, s: dict[str, Any]) -> None:
        try:
            self.api.delete(SLICES, s["metadata"]["name"], s["metadata"].get("namespace"))
        except StatusError:
            pass


def _set_or_drop(meta: dict[str, Any], field: str, value: dict[str, str]) -> None:
    if value:
        meta[field] = value
    else:
        meta.pop(field, None)


CONTROLLERS = [EndpointSliceMirroringController]
