"""The Endpoints controller (pkg/controller/endpoint, v1.32).

For every Service with a selector it keeps an Endpoints object of the same
name: the selected Pods' IPs, ready ones in `addresses` and the others in
`notReadyAddresses`, per Service port with named targetPorts resolved per
Pod (name AND protocol must match a container port; a Pod without it is left
out for that port), packed by `repack_subsets` exactly as RepackSubsets does
(ports and subsets ordered by the MD5 of their go-spew dump, addresses by
IP). Services without a selector are left alone, so hand-made Endpoints
(an external database mapped into the cluster) are kept; when a Service
goes away its Endpoints go with it. The `kubernetes` Service has no
selector: its Endpoints belong to the apiserver.

The helpers here (pod readiness, FindPort, the trigger-time tracker) are
shared with the EndpointSlice controllers, as the real ones share
k8s.io/endpointslice/util.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
from datetime import datetime
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.store import WatchEvent
from ..clock import format_time, parse_time
from .manager import Controller

#: v1.EndpointsLastChangeTriggerTime
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
#: v1.EndpointsOverCapacity and the controller's maxCapacity
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
MAX_CAPACITY = 1000
#: v1.IsHeadlessService
HEADLESS = "service.kubernetes.io/headless"


# -- Pods (pkg/api/v1/pod, k8s.io/endpointslice/util) -------------------------
def pod_ready(pod: dict[str, Any]) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_ips(pod: dict[str, Any]) -> list[str]:
    status = pod.get("status") or {}
    ips = [p.get("ip", "") for p in status.get("podIPs") or [] if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def should_pod_be_in_endpoints(pod: dict[str, Any], include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not terminal, has an IP, not terminating unless included."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    if not include_terminating and pod["metadata"].get("deletionTimestamp"):
        return False
    return True


def should_set_hostname(pod: dict[str, Any], svc: dict[str, Any]) -> bool:
    """ShouldSetHostname: the Pod's hostname is published when its subdomain is the Service."""
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == svc["metadata"]["name"] and \
        pod["metadata"].get("namespace") == svc["metadata"].get("namespace")


def find_port(pod: dict[str, Any], svc_port: dict[str, Any]) -> int | None:
    """podutil.FindPort: a number as is; a name matched by name and protocol (sidecars too)."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = svc_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port["containerPort"])
    return None


def selected_pods(store: Any, svc: dict[str, Any]) -> list[dict[str, Any]]:
    """The Pods in the Service's namespace whose labels include its selector (sorted by name)."""
    selector = (svc.get("spec") or {}).get("selector") or {}
    pods = []
    for pod in store.iter("pods", svc["metadata"].get("namespace", "")):
        labels = pod["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in selector.items()):
            pods.append(pod)
    return pods


def service_ip_set(svc: dict[str, Any]) -> bool:
    """helper.IsServiceIPSet: a ClusterIP that is neither empty nor None."""
    ip = (svc.get("spec") or {}).get("clusterIP", "")
    return bool(ip) and ip != "None"


def services_for_pod_event(store: Any, event: WatchEvent) -> Iterable[str]:
    """Keys of the Services a Pod event may concern.

    The real controllers compare the old and new Pod's labels; a watch event
    here carries only the new object, so every Service with a selector in
    the Pod's namespace is looked at (a settled one writes nothing).
    """
    ns = event.object.get("metadata", {}).get("namespace", "")
    for svc in store.iter("services", ns):
        if (svc.get("spec") or {}).get("selector"):
            yield f"{ns}/{svc['metadata']['name']}"


# -- last-change-trigger-time (k8s.io/endpointslice/util TriggerTimeTracker) ---
class TriggerTimeTracker:
    """ComputeEndpointLastChangeTriggerTime, with its per-Service state in world.runtime.

    The real tracker lives in the controller-manager's memory; keeping it in
    the world's runtime state makes a saved and loaded world annotate exactly
    as one kept in memory.
    """

    def __init__(self, world: Any, component: str):
        self.world = world
        self.component = component

    @property
    def _states(self) -> dict[str, Any]:
        return self.world.runtime.setdefault(self.component, {}).setdefault("triggerTimes", {})

    def compute(self, key: str, svc: dict[str, Any], pods: list[dict[str, Any]]) -> datetime | None:
        states = self._states
        state = states.get(key)
        known = state is not None
        state = state or {"service": "", "pods": {}}
        changed: list[datetime] = []
        pod_times: dict[str, str] = {}
        for pod in pods:
            stamp = _ready_transition(pod)
            if not stamp:
                continue
            pod_times[pod["metadata"]["name"]] = stamp
            last = state["pods"].get(pod["metadata"]["name"])
            if not last or parse_time(stamp) > parse_time(last):
                changed.append(parse_time(stamp))
        svc_time = svc["metadata"].get("creationTimestamp", "")
        if svc_time and (not state["service"] or parse_time(svc_time) > parse_time(state["service"])):
            changed.append(parse_time(svc_time))
        new_state = {"service": svc_time, "pods": pod_times}
        if states.get(key) != new_state:
            states[key] = new_state
        if not known:
            return parse_time(svc_time) if svc_time else None
        return min(changed) if changed else None

    def delete(self, key: str) -> None:
        self._states.pop(key, None)


def _ready_transition(pod: dict[str, Any]) -> str:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("lastTransitionTime") or ""
    return ""


# -- RepackSubsets (pkg/api/v1/endpoints/util.go) ------------------------------
def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _spew_str_ptr(value: str | None) -> str:
    return "(*string)<nil>" if value is None else f"(*string){_q(value)}"


def _spew_ref(ref: dict[str, Any] | None) -> str:
    if ref is None:
        return "(*v1.ObjectReference)<nil>"
    return ("(*v1.ObjectReference){"
            f"Kind:(string){_q(ref.get('kind', ''))} Namespace:(string){_q(ref.get('namespace', ''))} "
            f"Name:(string){_q(ref.get('name', ''))} UID:(types.UID){_q(ref.get('uid', ''))} "
            f"APIVersion:(string){_q(ref.get('apiVersion', ''))} "
            f"ResourceVersion:(string){_q(ref.get('resourceVersion', ''))} "
            f"FieldPath:(string){_q(ref.get('fieldPath', ''))}}}")


def _spew_addr(addr: dict[str, Any]) -> str:
    return (f"{{IP:(string){_q(addr.get('ip', ''))} Hostname:(string){_q(addr.get('hostname', ''))} "
            f"NodeName:{_spew_str_ptr(addr.get('nodeName'))} TargetRef:{_spew_ref(addr.get('targetRef'))}}}")


def _spew_port_body(port: dict[str, Any]) -> str:
    return (f"{{Name:(string){_q(port.get('name', ''))} Port:(int32){int(port.get('port', 0))} "
            f"Protocol:(v1.Protocol){_q(port.get('protocol', ''))} "
            f"AppProtocol:{_spew_str_ptr(port.get('appProtocol'))}}}")


def spew_port(port: dict[str, Any]) -> str:
    """go-spew `%#v` of a v1.EndpointPort, as hash.DeepHashObject writes it."""
    return "(v1.EndpointPort)" + _spew_port_body(port)


def _spew_list(type_name: str, items: list[str] | None) -> str:
    if items is None:
        return f"([]{type_name})<nil>"
    return f"([]{type_name})[" + " ".join(items) + "]"


def spew_subset(subset: dict[str, Any]) -> str:
    """go-spew `%#v` of a v1.EndpointSubset (nil slices print `<nil>`)."""
    def addrs(field: str) -> list[str] | None:
        items = subset.get(field)
        return None if not items else [_spew_addr(a) for a in items]
    ports = subset.get("ports")
    return ("(v1.EndpointSubset){"
            f"Addresses:{_spew_list('v1.EndpointAddress', addrs('addresses'))} "
            f"NotReadyAddresses:{_spew_list('v1.EndpointAddress', addrs('notReadyAddresses'))} "
            f"Ports:{_spew_list('v1.EndpointPort', None if not ports else [_spew_port_body(p) for p in ports])}}}")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _addr_key(addr: dict[str, Any]) -> tuple[bytes, int, str]:
    """LessEndpointAddress: IP bytes, then (no targetRef first) the targetRef's UID."""
    ref = addr.get("targetRef")
    return (addr.get("ip", "").encode(), 0 if ref is None else 1, (ref or {}).get("uid", ""))


def repack_subsets(subsets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RepackSubsets: one subset per distinct set of addresses, ports grouped, then sorted."""
    all_addrs: dict[tuple[str, str], dict[str, Any]] = {}
    by_port: dict[str, tuple[dict[str, Any] | None, dict[tuple[str, str], bool]]] = {}
    for subset in subsets:
        ports = subset.get("ports") or [None]  # a portless (headless) subset uses a sentinel
        for port in ports:
            pkey = json.dumps(port, sort_keys=True)
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for addr in subset.get(field) or []:
                    akey = (addr.get("ip", ""), (addr.get("targetRef") or {}).get("uid", ""))
                    all_addrs.setdefault(akey, copy.deepcopy(addr))
                    entry = by_port.setdefault(pkey, (port, {}))[1]
                    # not ready always trumps ready
                    if akey not in entry or entry[akey]:
                        entry[akey] = ready
    groups: dict[tuple, tuple[dict[tuple[str, str], bool], list[dict[str, Any]]]] = {}
    for pkey, (port, addr_set) in by_port.items():
        gkey = tuple(sorted(addr_set.items()))
        group = groups.setdefault(gkey, (addr_set, []))
        if port is not None:
            group[1].append(port)
    final = []
    for addr_set, ports in groups.values():
        subset: dict[str, Any] = {}
        ready = sorted((all_addrs[k] for k, r in addr_set.items() if r), key=_addr_key)
        not_ready = sorted((all_addrs[k] for k, r in addr_set.items() if not r), key=_addr_key)
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = sorted(ports, key=lambda p: _md5(spew_port(p)))
        final.append(subset)
    return sorted(final, key=lambda s: _md5(spew_subset(s)))


def truncate_endpoints(subsets: list[dict[str, Any]]) -> bool:
    """truncateEndpoints: past 1000 addresses keep a proportional share, ready ones first."""
    total_ready = sum(len(s.get("addresses") or []) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    limit = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    num_total = total_ready if truncate_ready else total_not_ready
    can_be_added = limit
    for subset in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        in_subset = len(subset.get(field) or [])
        to_add = min(int(math.ceil(in_subset / num_total * limit)), can_be_added)
        kept = (subset.get(field) or [])[:to_add]
        if kept:
            subset[field] = kept
        else:
            subset.pop(field, None)
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        can_be_added -= len(kept)
    return True


# -- the controller ------------------------------------------------------------
def _address_for(svc: dict[str, Any], pod: dict[str, Any]) -> dict[str, Any] | None:
    """podToEndpointAddressForService: the Pod IP of the Service's first family."""
    family = ((svc.get("spec") or {}).get("ipFamilies") or ["IPv4"])[0]
    for ip in pod_ips(pod):
        if (":" in ip) == (family == "IPv6"):
            meta = pod["metadata"]
            addr: dict[str, Any] = {"ip": ip}
            if should_set_hostname(pod, svc):
                addr["hostname"] = pod["spec"]["hostname"]
            addr["nodeName"] = (pod.get("spec") or {}).get("nodeName", "")
            addr["targetRef"] = {"kind": "Pod", "namespace": meta.get("namespace", ""),
                                 "name": meta["name"], "uid": meta.get("uid", "")}
            return addr
    return None


def _endpoint_port(svc_port: dict[str, Any], number: int) -> dict[str, Any]:
    port: dict[str, Any] = {}
    if svc_port.get("name"):
        port["name"] = svc_port["name"]
    port["port"] = number
    port["protocol"] = svc_port.get("protocol", "TCP")
    if svc_port.get("appProtocol") is not None:
        port["appProtocol"] = svc_port["appProtocol"]
    return port


def desired_subsets(svc: dict[str, Any], pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The syncService loop: one subset per Pod and port, then RepackSubsets."""
    spec = svc.get("spec") or {}
    tolerate = bool(spec.get("publishNotReadyAddresses"))
    subsets: list[dict[str, Any]] = []
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, tolerate):
            continue
        addr = _address_for(svc, pod)
        if addr is None:
            continue
        field = "addresses" if tolerate or pod_ready(pod) else "notReadyAddresses"
        if not spec.get("ports"):
            if spec.get("clusterIP") == "None":
                subsets.append({field: [copy.deepcopy(addr)]})
            continue
        for svc_port in spec["ports"]:
            number = find_port(pod, svc_port)
            if number is None:
                continue
            subsets.append({field: [copy.deepcopy(addr)], "ports": [_endpoint_port(svc_port, number)]})
    return repack_subsets(subsets)


def _strip_rv(subsets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(subsets or [])
    for subset in out:
        for field in ("addresses", "notReadyAddresses"):
            for addr in subset.get(field) or []:
                (addr.get("targetRef") or {}).pop("resourceVersion", None)
    return out


class EndpointsController(Controller):
    """endpoint-controller: Endpoints for Services with a selector."""

    name = "endpoint-controller"
    watches = ("services", "pods", "endpoints")

    def __init__(self, world: Any):
        super().__init__(world)
        self.tracker = TriggerTimeTracker(world, "endpoint-controller")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "pods":
            return services_for_pod_event(self.store, event)
        meta = event.object.get("metadata", {})
        if event.resource == "endpoints" and event.type != "DELETED":
            # SIMPLIFICATION: the real controller reacts to Endpoints deletions only;
            # here any change to a managed Endpoints is reconciled at once (level-triggered).
            svc = self.store.peek("services", meta.get("namespace", ""), meta.get("name", ""))
            if svc is None or not (svc.get("spec") or {}).get("selector"):
                return ()
        return (f"{meta.get('namespace', '')}/{meta.get('name', '')}",)

    def reconcile(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        svc = self.store.peek("services", namespace, name)
        if svc is None:
            # The Service is gone: so are its Endpoints (hand-made ones included).
            self.tracker.delete(key)
            if self.store.peek("endpoints", namespace, name) is not None:
                try:
                    self.api.delete("endpoints", name, namespace)
                except StatusError:
                    pass
            return None
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName" or not spec.get("selector"):
            return None
        pods = selected_pods(self.store, svc)
        trigger = self.tracker.compute(key, svc, pods)
        subsets = desired_subsets(svc, pods)
        current = self.store.get("endpoints", namespace, name)
        labels = dict(svc["metadata"].get("labels") or {})
        if current is not None:
            compare = {k: v for k, v in (current["metadata"].get("labels") or {}).items() if k != HEADLESS}
            over = sum(len(s.get("addresses") or []) + len(s.get("notReadyAddresses") or [])
                       for s in current.get("subsets") or []) > MAX_CAPACITY
            capacity_ok = not over and OVER_CAPACITY not in (current["metadata"].get("annotations") or {})
            if _strip_rv(current.get("subsets")) == subsets and compare == labels and capacity_ok:
                return None
            new = current
        else:
            new = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        meta = new["metadata"]
        annotations = dict(meta.get("annotations") or {})
        if trigger is not None:
            annotations[TRIGGER_TIME] = format_time(trigger)
        else:
            annotations.pop(TRIGGER_TIME, None)
        if truncate_endpoints(subsets):
            annotations[OVER_CAPACITY] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY, None)
        if not service_ip_set(svc):
            labels[HEADLESS] = ""
        _set_or_drop(meta, "labels", labels)
        _set_or_drop(meta, "annotations", annotations)
        if subsets:
            new["subsets"] = subsets
        else:
            new.pop("subsets", None)
        try:
            if current is None:
                self.api.create(new, namespace=namespace)
            else:
                self.api.update(new)
        except StatusError:
            return 1.0
        return None


def _set_or_drop(meta: dict[str, Any], field: str, value: dict[str, str]) -> None:
    """Empty maps are omitted from the stored JSON (omitempty)."""
    if value:
        meta[field] = value
    else:
        meta.pop(field, None)


CONTROLLERS = [EndpointsController]
