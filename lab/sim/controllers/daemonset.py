"""The DaemonSet controller (pkg/controller/daemon of Kubernetes 1.32).

One Pod per eligible node: a node is eligible when the template's
nodeSelector and node affinity match it and its NoSchedule/NoExecute taints
are tolerated (a Pod already running there stays through a NoSchedule
taint). Each Pod is pinned to its node as the real controller does, with a
required node affinity term `matchFields metadata.name In [<node>]` (the
default scheduler then binds it), and gets the daemon tolerations
(not-ready/unreachable NoExecute, the pressure and unschedulable
NoSchedule taints, network-unavailable for hostNetwork Pods). Pods carry
`controller-revision-hash` (the template's hash) and
`pod-template-generation`. RollingUpdate replaces Pods whose hash is old,
at most maxUnavailable (default 1) nodes unavailable at a time: the old Pod
is deleted, and the new one is created once the old one is gone. Status:
desired/current/misscheduled/ready/available/updated/unavailable counts.

SIMPLIFICATION: ControllerRevision objects are not served; the hash is
computed from the template alone (no collisionCount). maxSurge is ignored
(kubeadm's DaemonSets use 0). Failed daemon Pods are deleted and recreated
without the real back-off.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.labels import selector_from_label_selector
from ..api.store import WatchEvent
from .manager import Controller
from .podtemplate import OwnerIndex, compute_hash, controller_of, pod_from_template
from .replicaset import emit, is_pod_available, is_pod_ready
from .scheduler import matches_node_affinity, tolerates

DS = "daemonsets.apps"
COMPONENT = "daemonset-controller"
HASH_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"

DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def template_hash(ds: dict[str, Any]) -> str:
    """The controller-revision-hash of a DaemonSet's current template."""
    return compute_hash((ds.get("spec") or {}).get("template") or {})


def add_daemon_tolerations(spec: dict[str, Any]) -> None:
    """util.AddOrUpdateDaemonPodTolerations: append the ones not already present."""
    tolerations = spec.setdefault("tolerations", [])
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(NETWORK_UNAVAILABLE)
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"effect": effect, "key": key, "operator": "Exists"})


def pin_to_node(spec: dict[str, Any], node: str) -> None:
    """util.ReplaceDaemonSetPodNodeNameNodeAffinity."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}


def should_run(ds: dict[str, Any], node: dict[str, Any]) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning)."""
    template_spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
    probe = {"spec": copy.deepcopy(template_spec)}
    pin_to_node(probe["spec"], node["metadata"]["name"])
    # the template's own affinity terms must match too
    own = template_spec.get("affinity")
    labels = node["metadata"].get("labels") or {}
    selector = template_spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False, False
    if own and not matches_node_affinity({"spec": {"affinity": own}}, node):
        return False, False
    if not matches_node_affinity(probe, node):
        return False, False
    tolerations = list(template_spec.get("tolerations") or [])
    add_daemon_tolerations({"tolerations": tolerations, "hostNetwork": template_spec.get("hostNetwork")})
    run = cont = True
    for taint in (node.get("spec") or {}).get("taints") or ():
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not tolerates(tolerations, taint):
            run = False
            if taint.get("effect") == "NoExecute":
                cont = False
    return run, cont


class DaemonSetController(Controller):
    """Keeps one up-to-date Pod of each DaemonSet on every eligible node."""

    name = "daemonset-controller"
    watches = (DS, "pods", "nodes")
    order = 45

    def __init__(self, world: Any):
        super().__init__(world)
        self.pods = OwnerIndex(world.store, "pods")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        meta = obj.get("metadata", {})
        if event.resource == DS:
            yield f"{meta.get('namespace', '')}/{meta.get('name', '')}"
        elif event.resource == "pods":
            self.pods.observe(event.type, obj)
            ref = controller_of(obj)
            if ref is not None and ref.get("kind") == "DaemonSet":
                yield f"{meta.get('namespace', '')}/{ref.get('name', '')}"
        else:
            for ds in self.store.iter(DS):
                yield f"{ds['metadata'].get('namespace', '')}/{ds['metadata']['name']}"

    def reconcile(self, key: str) -> float | None:
        ns, _, name = key.partition("/")
        ds = self.store.peek(DS, ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return None
        current_hash = template_hash(ds)
        nodes = sorted(self.store.iter("nodes"), key=lambda n: n["metadata"]["name"])
        owned = [p for p in self.pods.owned_by(ds["metadata"]["uid"])]
        by_node: dict[str, list[dict[str, Any]]] = {}
        for pod in owned:
            by_node.setdefault(self._pod_node(pod), []).append(pod)
        now = self.world.clock.now.timestamp()
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        need: list[str] = []
        delete: list[dict[str, Any]] = []
        desired = 0
        wanted_nodes = set()
        for node in nodes:
            node_name = node["metadata"]["name"]
            run, cont = should_run(ds, node)
            pods = by_node.get(node_name, [])
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            if run:
                desired += 1
                wanted_nodes.add(node_name)
            if run or (cont and live):
                failed = [p for p in live if (p.get("status") or {}).get("phase") == "Failed"]
                delete.extend(failed)
                live = [p for p in live if p not in failed]
                if not pods and run:
                    need.append(node_name)
                elif len(live) > 1:
                    # keep the oldest, delete the rest
                    live.sort(key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]))
                    delete.extend(live[1:])
            else:
                delete.extend(live)
        delete.extend(self._rolling_update(ds, nodes, by_node, wanted_nodes, current_hash, min_ready, now))
        for pod in self._unique(delete):
            self._delete(ds, pod)
        for node_name in need:
            self._create(ds, node_name, current_hash)
        self._write_status(ds, desired, wanted_nodes, current_hash, min_ready, now)
        return None

    @staticmethod
    def _unique(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        out = []
        for p in pods:
            if p["metadata"]["name"] not in seen:
                seen.add(p["metadata"]["name"])
                out.append(p)
        return out

    @staticmethod
    def _pod_node(pod: dict[str, Any]) -> str:
        spec = pod.get("spec") or {}
        if spec.get("nodeName"):
            return spec["nodeName"]
        for term in ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
                      .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or ()):
            for field in term.get("matchFields") or ():
                if field.get("key") == "metadata.name" and field.get("values"):
                    return field["values"][0]
        return ""

    def _rolling_update(self, ds: dict[str, Any], nodes: list[dict[str, Any]],
                        by_node: dict[str, list[dict[str, Any]]], wanted: set[str], current_hash: str,
                        min_ready: int, now: float) -> list[dict[str, Any]]:
        """rollingUpdate with maxSurge 0: delete old Pods while fewer than maxUnavailable nodes are unavailable."""
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return []
        max_unavailable = _scaled((strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(wanted))
        unavailable = 0
        candidates: list[dict[str, Any]] = []
        forced: list[dict[str, Any]] = []
        for node in nodes:
            node_name = node["metadata"]["name"]
            if node_name not in wanted:
                continue
            live = [p for p in by_node.get(node_name, []) if not p["metadata"].get("deletionTimestamp")]
            if not live:
                unavailable += 1
                continue
            pod = live[0]
            available = is_pod_available(pod, min_ready, now)
            if not available:
                unavailable += 1
            if (pod["metadata"].get("labels") or {}).get(HASH_LABEL) == current_hash:
                continue
            (candidates if available else forced).append(pod)
        budget = max(0, max_unavailable - unavailable)
        return forced + candidates[:budget]

    def _create(self, ds: dict[str, Any], node_name: str, current_hash: str) -> None:
        template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        labels[HASH_LABEL] = current_hash
        labels[GENERATION_LABEL] = str(ds["metadata"].get("generation") or 1)
        pod = pod_from_template(template, ds)
        spec = pod["spec"]
        pin_to_node(spec, node_name)
        add_daemon_tolerations(spec)
        try:
            made = self.api.create(pod, namespace=ds["metadata"].get("namespace", "default"))
        except StatusError as exc:
            emit(self.world, ds, "Warning", "FailedCreate", f"Error creating: {exc.message}", COMPONENT)
            return
        emit(self.world, ds, "Normal", "SuccessfulCreate", f"Created pod: {made['metadata']['name']}", COMPONENT)

    def _delete(self, ds: dict[str, Any], pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        try:
            self.api.delete("pods", name, namespace=pod["metadata"].get("namespace", ""))
        except StatusError as exc:
            if exc.code != 404:
                emit(self.world, ds, "Warning", "FailedDelete", f"Error deleting: {exc.message}", COMPONENT)
            return
        emit(self.world, ds, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", COMPONENT)

    def _write_status(self, ds: dict[str, Any], desired: int, wanted: set[str], current_hash: str,
                      min_ready: int, now: float) -> None:
        """updateDaemonSetStatus, in the DaemonSetStatus field order (zero counts omitted as the JSON does)."""
        pods = [p for p in self.pods.owned_by(ds["metadata"]["uid"]) if not p["metadata"].get("deletionTimestamp")]
        current = misscheduled = ready = available = updated = 0
        seen_nodes: set[str] = set()
        for pod in pods:
            node = self._pod_node(pod)
            if node in seen_nodes:
                continue
            seen_nodes.add(node)
            if node not in wanted:
                misscheduled += 1
                continue
            current += 1
            if is_pod_ready(pod):
                ready += 1
                if is_pod_available(pod, min_ready, now):
                    available += 1
            if (pod["metadata"].get("labels") or {}).get(HASH_LABEL) == current_hash:
                updated += 1
        status: dict[str, Any] = {"currentNumberScheduled": current, "desiredNumberScheduled": desired,
                                  "numberMisscheduled": misscheduled, "numberReady": ready}
        if available:
            status["numberAvailable"] = available
        if desired - available > 0:
            status["numberUnavailable"] = desired - available
        generation = int(ds["metadata"].get("generation") or 0)
        if generation:
            status["observedGeneration"] = generation
        if updated:
            status["updatedNumberScheduled"] = updated
        old = ds.get("status") or {}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status == old:
            return
        fresh = self.store.get(DS, ds["metadata"].get("namespace", ""), ds["metadata"]["name"])
        if fresh is None:
            return
        fresh["status"] = status
        try:
            self.api.update_status(fresh)
        except StatusError:
            pass


def _scaled(value: Any, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent, rounding up as maxUnavailable does (at least 1)."""
    if isinstance(value, str) and value.endswith("%"):
        import math
        return max(1, math.ceil(int(value[:-1]) * total / 100)) if total else 1
    try:
        return max(1, int(value)) if int(value) else 0
    except (TypeError, ValueError):
        return 1


CONTROLLERS = [DaemonSetController]
