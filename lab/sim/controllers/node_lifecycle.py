"""The node lifecycle controller and taint-based eviction (kube-controller-manager).

Mirrors pkg/controller/nodelifecycle and pkg/controller/tainteviction of
Kubernetes v1.32:
- monitorNodeHealth runs every --node-monitor-period (5 s); a node whose
  last heartbeat is older than --node-monitor-grace-period (50 s since
  v1.32) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to
  Unknown (`NodeStatusUnknown`, `Kubelet stopped posting node status.`),
  a `NodeNotReady` event, and its Pods' Ready condition set to False
  (MarkPodsNotReady, with a `NodeNotReady` warning on each Pod), which
  takes them out of Endpoints.
- the node is tainted node.kubernetes.io/unreachable:NoExecute (ready
  Unknown) or node.kubernetes.io/not-ready:NoExecute (ready False), and
  the NoSchedule taint of the same key; a cordoned node gets
  node.kubernetes.io/unschedulable:NoSchedule; taints go when the
  condition clears.
- the taint eviction controller deletes Pods on a node with NoExecute
  taints they do not tolerate, at once or after their tolerationSeconds
  (300 s from the DefaultTolerationSeconds admission plugin), with a
  `TaintManagerEviction` event and a DisruptionTarget condition. Deletion
  is graceful: with no kubelet to confirm, the Pods stay Terminating.

SIMPLIFICATION: no zones and no eviction rate limiting (a lab cluster is
one small zone); heartbeats are read from the kubelet's runtime record
(see node_heartbeat) instead of Leases, and the controller sees a
heartbeat the moment it is made.
"""
from __future__ import annotations

import math
from typing import Any

from ..clock import parse_time
from .manager import Controller

NODE_MONITOR_GRACE_PERIOD = 50.0
NODE_MONITOR_PERIOD = 5.0
#: the kubelet's nodeStatusReportFrequency
STATUS_REPORT_SECONDS = 300.0

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
MANAGED_TAINTS = {(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule"), (NOT_READY, "NoExecute"),
                  (NOT_READY, "NoSchedule"), (UNSCHEDULABLE, "NoSchedule")}
UNKNOWN_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


# -- events -----------------------------------------------------------------------

def record_event(world: Any, obj: dict[str, Any], type_: str, reason: str, message: str,
                 component: str, host: str | None = None) -> None:
    """Through the shared legacy event recorder (controllers.events)."""
    from .events import record

    record(world, obj, type_, reason, message, component, host)


def node_ref(name: str) -> dict[str, Any]:
    """A Node as the kubelet and the node controller name it in events: UID = the node's name,
    which is what `kubectl describe node` searches for."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name}}


# -- tolerations --------------------------------------------------------------------

def tolerates(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    """v1.Toleration.ToleratesTaint."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if key and key != taint.get("key"):
        return False
    if operator == "Exists":
        return True
    if not key:
        return False
    return (toleration.get("value") or "") == (taint.get("value") or "")


def toleration_seconds(pod: dict[str, Any], taints: list[dict[str, Any]]) -> float | None:
    """Seconds the Pod may stay on a node with these NoExecute taints; None = forever.

    getMinTolerationTime: 0 when some taint is not tolerated or a matching
    toleration has tolerationSeconds <= 0.
    """
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    used = []
    for taint in taints:
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return 0.0
        used.extend(matching)
    finite = [t["tolerationSeconds"] for t in used if t.get("tolerationSeconds") is not None]
    if not finite:
        return None
    return float(max(0, min(finite)))


# -- the controller -----------------------------------------------------------------

def _condition(node: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def unknown_due(heartbeat: float) -> float:
    """The first monitor pass (every 5 s) after the grace period since the heartbeat."""
    limit = heartbeat + NODE_MONITOR_GRACE_PERIOD
    return (math.floor(limit / NODE_MONITOR_PERIOD) + 1) * NODE_MONITOR_PERIOD


class NodeLifecycleController(Controller):
    """Node health, node taints, and NoExecute taint eviction, per node."""

    name = "node-controller"
    watches = ("nodes", "pods")
    order = 45

    def keys_for(self, event):
        obj = event.object
        if event.resource == "nodes":
            yield obj["metadata"]["name"]
        else:
            node = (obj.get("spec") or {}).get("nodeName")
            if node:
                yield node

    def all_keys(self):
        for node in self.store.iter("nodes"):
            yield node["metadata"]["name"]

    def reconcile(self, key: str) -> float | None:
        from .node_heartbeat import node_record

        node = self.store.get("nodes", "", key)
        host = self.world.hosts.get(key)
        if node is None or host is None or host.role != "node":
            return None
        delays: list[float] = []
        rec = node_record(self.world, key)
        now = self.world.clock.elapsed
        if rec["kubelet"] == "stopped":
            due = unknown_due(float(rec["lastHeartbeat"]))
            if now >= due:
                node = self._mark_unknown(node)
            else:
                delays.append(due - now)
        ready = (_condition(node, "Ready") or {}).get("status", "Unknown")
        had_no_execute = any(t.get("effect") == "NoExecute" for t in self._managed(node))
        node = self._sync_taints(node, ready)
        no_execute = [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        if ready != "True" or no_execute or had_no_execute:
            pods = [p for p in self.store.list("pods") if (p.get("spec") or {}).get("nodeName") == key]
            if ready != "True":
                self._mark_pods_not_ready(pods)
            if no_execute:
                delays.extend(self._evict(pods, no_execute))
            elif had_no_execute:
                self._cancel_evictions(pods)
        return min(delays) if delays else None

    # -- monitorNodeHealth ----------------------------------------------------------
    def _mark_unknown(self, node: dict[str, Any]) -> dict[str, Any]:
        conditions = node.setdefault("status", {}).setdefault("conditions", [])
        ready = _condition(node, "Ready")
        was_ready = ready is not None and ready.get("status") == "True"
        changed = False
        now = self.world.clock.timestamp()
        for ctype in UNKNOWN_CONDITIONS:
            cond = _condition(node, ctype)
            if cond is None:
                conditions.append({"lastHeartbeatTime": node["metadata"].get("creationTimestamp"),
                                   "lastTransitionTime": now, "message": "Kubelet never posted node status.",
                                   "reason": "NodeStatusNeverUpdated", "status": "Unknown", "type": ctype})
                changed = True
            elif cond.get("status") != "Unknown":
                cond.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                             "message": "Kubelet stopped posting node status.", "lastTransitionTime": now})
                changed = True
        if not changed:
            return node
        # SIMPLIFICATION: the kubelet's 5-minute status reports are not written as they
        # happen; the last one before the heartbeats stopped is filled in here.
        from .node_heartbeat import node_record

        beat = float(node_record(self.world, node["metadata"]["name"])["lastHeartbeat"])
        report = self.world.clock.timestamp(math.floor(beat / STATUS_REPORT_SECONDS) * STATUS_REPORT_SECONDS
                                            - self.world.clock.elapsed)
        for cond in conditions:
            if cond.get("type") in UNKNOWN_CONDITIONS and (cond.get("lastHeartbeatTime") or "") < report:
                cond["lastHeartbeatTime"] = report
        node = self.api.update_status(node)
        if was_ready:
            name = node["metadata"]["name"]
            record_event(self.world, node_ref(name), "Normal", "NodeNotReady",
                         f"Node {name} status is now: NodeNotReady", "node-controller")
        return node

    def _mark_pods_not_ready(self, pods: list[dict[str, Any]]) -> None:
        """MarkPodsNotReady: the Ready condition goes False, with a warning event per Pod."""
        now = self.world.clock.timestamp()
        for pod in pods:
            for cond in (pod.get("status") or {}).get("conditions") or []:
                if cond.get("type") != "Ready":
                    continue
                if cond.get("status") == "False":
                    break
                cond["status"] = "False"
                cond["lastTransitionTime"] = now
                pod = self.api.update_status(pod)
                record_event(self.world, pod, "Warning", "NodeNotReady", "Node is not ready",
                             "node-controller")
                break

    # -- taints ---------------------------------------------------------------------
    @staticmethod
    def _managed(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [t for t in (node.get("spec") or {}).get("taints") or []
                if (t.get("key"), t.get("effect")) in MANAGED_TAINTS]

    def _sync_taints(self, node: dict[str, Any], ready: str) -> dict[str, Any]:
        """doNoExecuteTaintingPass / doNoScheduleTaintingPass / markNodeAsReachable."""
        spec = node.setdefault("spec", {})
        wanted: list[tuple[str, str]] = []
        if ready == "Unknown":
            wanted += [(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")]
        elif ready == "False":
            wanted += [(NOT_READY, "NoExecute"), (NOT_READY, "NoSchedule")]
        if spec.get("unschedulable"):
            wanted.append((UNSCHEDULABLE, "NoSchedule"))
        current = spec.get("taints") or []
        kept = [t for t in current if (t.get("key"), t.get("effect")) not in MANAGED_TAINTS
                or (t.get("key"), t.get("effect")) in wanted]
        have = {(t.get("key"), t.get("effect")) for t in kept}
        now = self.world.clock.timestamp()
        added = [{"effect": effect, "key": key, "timeAdded": now} for key, effect in wanted if (key, effect) not in have]
        taints = kept + added
        if taints == current:
            return node
        if taints:
            spec["taints"] = taints
        else:
            spec.pop("taints", None)
        return self.api.update(node)

    # -- taint eviction -------------------------------------------------------------
    def _evict(self, pods: list[dict[str, Any]], taints: list[dict[str, Any]]) -> list[float]:
        added = min(parse_time(t["timeAdded"]) for t in taints if t.get("timeAdded")) \
            if any(t.get("timeAdded") for t in taints) else self.world.clock.now
        now = self.world.clock.now
        delays = []
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            seconds = toleration_seconds(pod, taints)
            if seconds is None:
                continue
            wait = (added - now).total_seconds() + seconds
            if wait > 0:
                delays.append(wait)
                continue
            self._delete(pod)
        return delays

    def _delete(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        record_event(self.world, pod, "Normal", "TaintManagerEviction",
                     f"Marking for deletion Pod {meta.get('namespace')}/{meta['name']}", "taint-eviction-controller")
        status = pod.setdefault("status", {})
        conditions = status.setdefault("conditions", [])
        if not any(c.get("type") == "DisruptionTarget" for c in conditions):
            conditions.append({"lastProbeTime": None, "lastTransitionTime": self.world.clock.timestamp(),
                               "message": "Taint manager: deleting due to NoExecute taint",
                               "reason": "DeletionByTaintManager", "status": "True", "type": "DisruptionTarget"})
            self.api.update_status(pod)
        self.api.delete("pods", meta["name"], namespace=meta.get("namespace"))

    def _cancel_evictions(self, pods: list[dict[str, Any]]) -> None:
        """The taints went before the Pods' time ran out: their scheduled deletion is cancelled."""
        for pod in pods:
            meta = pod["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            tolerations = (pod.get("spec") or {}).get("tolerations") or []
            probe = {"key": UNREACHABLE, "effect": "NoExecute"}
            if any(tolerates(t, probe) and t.get("tolerationSeconds") is not None for t in tolerations):
                record_event(self.world, pod, "Normal", "TaintManagerEviction",
                             f"Cancelling deletion of Pod {meta.get('namespace')}/{meta['name']}",
                             "taint-eviction-controller")


CONTROLLERS = [NodeLifecycleController]
