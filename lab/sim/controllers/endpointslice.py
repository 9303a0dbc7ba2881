"""The EndpointSlice controller (pkg/controller/endpointslice + k8s.io/endpointslice, v1.32).

For every Service with a selector it keeps EndpointSlices named by the
apiserver's generateName `<svc>-`, owned by the Service and labelled with
the Service's labels, `kubernetes.io/service-name`,
`endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`
and, for headless Services, `service.kubernetes.io/headless`. Every selected
Pod with an IP is an endpoint (terminating ones too): `ready` is
serving-and-not-terminating (always true with publishNotReadyAddresses),
`serving` is the Pod's Ready condition, `terminating` its deletion. Pods
whose resolved ports differ go to different slices; at most 100 endpoints
per slice. The reconciler keeps churn low as the real one does: existing
slices are updated in place, new endpoints fill the fullest updated slices
first, a slice that would be deleted is reused for one to be created (so a
Service keeps its slice name), and a Service with no endpoints keeps one
empty placeholder slice.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.store import WatchEvent
from ..clock import format_time
from .endpoints import (
    HEADLESS, TRIGGER_TIME, TriggerTimeTracker, find_port, pod_ips, pod_ready, selected_pods,
    service_ip_set, services_for_pod_event, should_pod_be_in_endpoints, should_set_hostname,
)
from .manager import Controller

SLICES = "endpointslices.discovery.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ZONE = "topology.kubernetes.io/zone"
#: kube-controller-manager --max-endpoints-per-slice (default 100)
MAX_ENDPOINTS_PER_SLICE = 100
_RESERVED = (SERVICE_NAME, MANAGED_BY, HEADLESS)


def owner_ref(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    """metav1.NewControllerRef."""
    return {"apiVersion": "v1", "kind": kind, "name": obj["metadata"]["name"],
            "uid": obj["metadata"].get("uid", ""), "controller": True, "blockOwnerDeletion": True}


def owned_by(slice_: dict[str, Any], owner: dict[str, Any]) -> bool:
    uid = owner["metadata"].get("uid")
    return any(ref.get("controller") and ref.get("uid") == uid
               for ref in slice_["metadata"].get("ownerReferences") or [])


def port_key(ports: list[dict[str, Any]] | None) -> tuple:
    """endpointsliceutil.NewPortMapKey: the set of ports, order-insensitive."""
    return tuple(sorted((p.get("name") or "", p.get("protocol") or "", p.get("port") or 0,
                         p.get("appProtocol") or "") for p in ports or []))


def endpoint_key(ep: dict[str, Any]) -> tuple:
    """hashEndpoint: addresses, hostname and the target's namespace/name."""
    ref = ep.get("targetRef") or {}
    return (tuple(ep.get("addresses") or []), ep.get("hostname") or "", ref.get("namespace", ""),
            ref.get("name", ""))


def endpoint_ports(svc: dict[str, Any], pod: dict[str, Any]) -> list[dict[str, Any]]:
    """getEndpointPorts: the Service's ports resolved for this Pod (unresolvable ones left out)."""
    spec = svc.get("spec") or {}
    ports = []
    for svc_port in spec.get("ports") or []:
        number = find_port(pod, svc_port)
        if number is None:
            continue
        port: dict[str, Any] = {"name": svc_port.get("name", ""), "protocol": svc_port.get("protocol", "TCP"),
                                "port": number}
        if svc_port.get("appProtocol") is not None:
            port["appProtocol"] = svc_port["appProtocol"]
        ports.append(port)
    return ports


def pod_to_endpoint(pod: dict[str, Any], node: dict[str, Any] | None, svc: dict[str, Any]) -> dict[str, Any]:
    """podToEndpoint: addresses, ready/serving/terminating, hostname, targetRef, nodeName, zone."""
    serving = pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = bool((svc.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    family = ((svc.get("spec") or {}).get("ipFamilies") or ["IPv4"])[0]
    ep: dict[str, Any] = {
        "addresses": [ip for ip in pod_ips(pod) if (":" in ip) == (family == "IPv6")][:1],
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, svc):
        ep["hostname"] = pod["spec"]["hostname"]
    meta = pod["metadata"]
    ep["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace", ""), "name": meta["name"],
                       "uid": meta.get("uid", "")}
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        ep["nodeName"] = node_name
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE)
    if zone:
        ep["zone"] = zone
    return ep


def slice_labels(slice_: dict[str, Any], svc: dict[str, Any], controller: str) -> tuple[dict[str, str], bool]:
    """setEndpointSliceLabels: the Service's labels plus the reserved ones; True if they changed."""
    current = {k: v for k, v in (slice_["metadata"].get("labels") or {}).items() if k not in _RESERVED}
    wanted = {k: v for k, v in (svc["metadata"].get("labels") or {}).items() if k not in _RESERVED}
    changed = current != wanted
    if not service_ip_set(svc):
        wanted[HEADLESS] = ""
    wanted[SERVICE_NAME] = svc["metadata"]["name"]
    wanted[MANAGED_BY] = controller
    return wanted, changed


def new_slice(svc: dict[str, Any], ports: list[dict[str, Any]] | None, address_type: str,
              controller: str) -> dict[str, Any]:
    """newEndpointSlice: generateName `<svc>-`, owned by the Service."""
    meta = svc["metadata"]
    slice_: dict[str, Any] = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"generateName": meta["name"] + "-", "namespace": meta.get("namespace", ""),
                     "labels": {}, "ownerReferences": [owner_ref(svc, "Service")]},
        "addressType": address_type,
        "endpoints": [],
        "ports": copy.deepcopy(ports) if ports else None,
    }
    slice_["metadata"]["labels"], _ = slice_labels(slice_, svc, controller)
    return slice_


def _sorted_pop(desired: dict[tuple, dict[str, Any]]) -> dict[str, Any]:
    # SIMPLIFICATION: EndpointSet.PopAny takes a random map entry; the lowest
    # key is taken here, so new endpoints are added in address order.
    key = min(desired)
    return desired.pop(key)


def _slice_to_fill(slices: list[dict[str, Any]], count: int, limit: int) -> dict[str, Any] | None:
    """getSliceToFill: the unchanged slice the remaining endpoints fit in most tightly."""
    closest_diff, closest = limit, None
    for s in slices:
        diff = limit - (count + len(s.get("endpoints") or []))
        if 0 <= diff < closest_diff:
            closest_diff, closest = diff, s
            if diff == 0:
                break
    return closest


class EndpointSliceController(Controller):
    """endpointslice-controller: EndpointSlices for Services with a selector."""

    name = "endpointslice-controller"
    watches = ("services", "pods", SLICES, "nodes")
    max_endpoints = MAX_ENDPOINTS_PER_SLICE

    def __init__(self, world: Any):
        super().__init__(world)
        self.tracker = TriggerTimeTracker(world, "endpointslice-controller")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        meta = obj.get("metadata", {})
        if event.resource == "pods":
            return services_for_pod_event(self.store, event)
        if event.resource == SLICES:
            labels = meta.get("labels") or {}
            if labels.get(MANAGED_BY) != CONTROLLER_NAME or not labels.get(SERVICE_NAME):
                return ()
            return (f"{meta.get('namespace', '')}/{labels[SERVICE_NAME]}",)
        if event.resource == "nodes":
            # Only a node's zone (or its disappearance) changes what slices say.
            if event.type == "MODIFIED" and not (meta.get("labels") or {}).get(ZONE):
                return ()
            return [f"{s['metadata']['namespace']}/{s['metadata']['name']}" for s in self.store.iter("services")
                    if (s.get("spec") or {}).get("selector")]
        return (f"{meta.get('namespace', '')}/{meta.get('name', '')}",)

    # -- reconcile ---------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        svc = self.store.peek("services", namespace, name)
        if svc is None:
            # The garbage collector removes the owned slices.
            self.tracker.delete(key)
            return None
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName" or not spec.get("selector"):
            return None
        pods = selected_pods(self.store, svc)
        trigger = self.tracker.compute(key, svc, pods)
        existing = [copy.deepcopy(s) for s in self.store.iter(SLICES, namespace)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
                    and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER_NAME]
        families = spec.get("ipFamilies") or ["IPv4"]
        address_types = [f for f in families if f in ("IPv4", "IPv6")]
        to_delete = [s for s in existing if s.get("addressType") not in address_types]
        retry = False
        for address_type in address_types:
            mine = [s for s in existing if s.get("addressType") == address_type]
            retry |= self._reconcile_address_type(svc, pods, mine, trigger, address_type)
        for s in to_delete:
            self._delete(s)
        return 1.0 if retry else None

    def _reconcile_address_type(self, svc: dict[str, Any], pods: list[dict[str, Any]],
                                existing: list[dict[str, Any]], trigger: Any, address_type: str) -> bool:
        to_create: list[dict[str, Any]] = []
        to_update: list[dict[str, Any]] = []
        to_delete: list[dict[str, Any]] = []
        existing_by_ports: dict[tuple, list[dict[str, Any]]] = {}
        for s in existing:
            if owned_by(s, svc):
                existing_by_ports.setdefault(port_key(s.get("ports")), []).append(s)
            else:
                to_delete.append(s)
        desired_meta: dict[tuple, list[dict[str, Any]]] = {}
        desired: dict[tuple, dict[tuple, dict[str, Any]]] = {}
        publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = endpoint_ports(svc, pod)
            pkey = port_key(ports)
            desired.setdefault(pkey, {})
            desired_meta.setdefault(pkey, ports)
            node_name = (pod.get("spec") or {}).get("nodeName", "")
            node = self.store.peek("nodes", "", node_name) if node_name else None
            if node is None and not publish:
                continue
            ep = pod_to_endpoint(pod, node, svc)
            if ep["addresses"]:
                desired[pkey][endpoint_key(ep)] = ep
        for pkey in sorted(desired):
            creates, updates, deletes = self._reconcile_by_ports(
                svc, existing_by_ports.get(pkey, []), desired[pkey], desired_meta[pkey], address_type)
            to_create += creates
            to_update += updates
            to_delete += deletes
        for pkey in sorted(existing_by_ports):
            if pkey not in desired:
                to_delete += existing_by_ports[pkey]
        if len(existing) == len(to_delete) and not to_create:
            placeholder = new_slice(svc, None, address_type, CONTROLLER_NAME)
            if len(to_delete) == 1 and self._same_placeholder(to_delete[0], placeholder):
                to_delete = []
            else:
                to_create.append(placeholder)
        return self._finalize(svc, to_create, to_update, to_delete, trigger)

    @staticmethod
    def _same_placeholder(s: dict[str, Any], placeholder: dict[str, Any]) -> bool:
        """placeholderSliceCompare: namespace, labels, owners, and no endpoints or ports."""
        return (s["metadata"].get("namespace") == placeholder["metadata"]["namespace"]
                and (s["metadata"].get("labels") or {}) == placeholder["metadata"]["labels"]
                and s["metadata"].get("ownerReferences") == placeholder["metadata"]["ownerReferences"]
                and not s.get("endpoints") and not s.get("ports")
                and s.get("addressType") == placeholder["addressType"])

    def _reconcile_by_ports(self, svc: dict[str, Any], existing: list[dict[str, Any]],
                            desired: dict[tuple, dict[str, Any]], ports: list[dict[str, Any]],
                            address_type: str) -> tuple[list, list, list]:
        """reconcileByPortMapping: update in place, fill the fullest, then create."""
        by_name: dict[str, dict[str, Any]] = {}
        unchanged: list[str] = []
        update_names: list[str] = []
        delete_names: list[str] = []
        limit = self.max_endpoints
        for s in sorted(existing, key=lambda s: s["metadata"]["name"]):
            sname = s["metadata"]["name"]
            by_name[sname] = s
            kept, updated = [], False
            for ep in s.get("endpoints") or []:
                got = desired.pop(endpoint_key(ep), None)
                if got is not None:
                    kept.append(got)
                    if got != ep:
                        updated = True
            labels, labels_changed = slice_labels(s, svc, CONTROLLER_NAME)
            if updated or len(s.get("endpoints") or []) != len(kept):
                if not kept:
                    delete_names.append(sname)
                else:
                    new = copy.deepcopy(s)
                    new["endpoints"] = kept
                    new["metadata"]["labels"] = labels
                    by_name[sname] = new
                    update_names.append(sname)
            elif labels_changed:
                new = copy.deepcopy(s)
                new["metadata"]["labels"] = labels
                by_name[sname] = new
                update_names.append(sname)
            else:
                unchanged.append(sname)
        if desired and update_names:
            fill = sorted((by_name[n] for n in update_names), key=lambda s: -len(s["endpoints"]))
            for s in fill:
                while desired and len(s["endpoints"]) < limit:
                    s["endpoints"].append(_sorted_pop(desired))
        creates: list[dict[str, Any]] = []
        while desired:
            target = None
            if len(desired) < limit and unchanged:
                target = _slice_to_fill([by_name[n] for n in unchanged], len(desired), limit)
            if target is None:
                target = new_slice(svc, ports, address_type, CONTROLLER_NAME)
            else:
                target = copy.deepcopy(target)
                by_name[target["metadata"]["name"]] = target
            target["endpoints"] = list(target.get("endpoints") or [])
            while desired and len(target["endpoints"]) < limit:
                target["endpoints"].append(_sorted_pop(desired))
            if target["metadata"].get("name"):
                tname = target["metadata"]["name"]
                if tname not in update_names:
                    update_names.append(tname)
                if tname in unchanged:
                    unchanged.remove(tname)
            else:
                creates.append(target)
        return creates, [by_name[n] for n in update_names], [by_name[n] for n in delete_names]

    # -- writes ------------------------------------------------------------------
    def _finalize(self, svc: dict[str, Any], to_create: list[dict[str, Any]], to_update: list[dict[str, Any]],
                  to_delete: list[dict[str, Any]], trigger: Any) -> bool:
        """finalize: creates become updates of slices about to be deleted, then write."""
        i = 0
        while i < len(to_delete) and to_create:
            old = to_delete[i]
            new = to_create[-1]
            if old.get("addressType") == new.get("addressType") and owned_by(old, svc):
                meta = dict(new["metadata"], name=old["metadata"]["name"])
                new = dict(new, metadata=meta)
                to_create.pop()
                to_update.append(new)
                to_delete.pop(i)
            else:
                i += 1
        failed = False
        if not svc["metadata"].get("deletionTimestamp"):
            for s in to_create:
                self._annotate(s, trigger)
                failed |= not self._write(self.api.create, s)
        for s in to_update:
            self._annotate(s, trigger)
            failed |= not self._write(self.api.update, s)
        for s in to_delete:
            self._delete(s)
        return failed

    @staticmethod
    def _annotate(s: dict[str, Any], trigger: Any) -> None:
        """addTriggerTimeAnnotation: set, or clear when nothing triggered this sync."""
        annotations = dict(s["metadata"].get("annotations") or {})
        if trigger is not None:
            annotations[TRIGGER_TIME] = format_time(trigger)
        else:
            annotations.pop(TRIGGER_TIME, None)
        if annotations:
            s["metadata"]["annotations"] = annotations
        else:
            s["metadata"].pop("annotations", None)
        if s.get("endpoints") == []:
            s["endpoints"] = None  # an empty list is stored (and printed) as null

    def _write(self, fn: Any, s: dict[str, Any]) -> bool:
        try:
            fn(s)
        except StatusError:
            return False
        return True

    def _delete(self, s: dict[str, Any]) -> None:
        try:
            self.api.delete(SLICES, s["metadata"]["name"], s["metadata"].get("namespace"))
        except StatusError:
            pass


CONTROLLERS = [EndpointSliceController]
