"""kube-scheduler: binds Pending Pods without a node to one that fits.

The filters run per node in the default profile's order (NodeUnschedulable,
TaintToleration, NodeAffinity, NodeResourcesFit's pod count) and the first
one that rejects a node gives that node's reason, so the FailedScheduling
message is the one kube-scheduler 1.32 writes (FitError.Error(): a sorted
histogram of reasons, then DefaultPreemption's PostFilter message).

A Pod that fits nowhere keeps condition PodScheduled=False/Unschedulable and
waits in the "unschedulable" queue: a change of a node's labels, taints,
schedulability or readiness moves it back (with the 1s..10s backoff), and
otherwise it is retried after podMaxInUnschedulablePodsDuration (5 min).

Retry bookkeeping lives in world.runtime["scheduler"] (persisted), and all
retries of one instant run from a single timer in Pod-key order, so a world
saved and loaded between commands schedules exactly as one kept in memory.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from ..api.store import WatchEvent
from . import events
from .manager import Controller

SCHEDULER_NAME = "default-scheduler"
#: podMaxInUnschedulablePodsDuration
UNSCHEDULABLE_FLUSH = 300.0
#: podInitialBackoffSeconds / podMaxBackoffSeconds
INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0

REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_TOO_MANY_PODS = "Too many pods"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"

RETRY_KEY = "~retry"


def _terminal(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def wants_scheduling(pod: dict[str, Any]) -> bool:
    """An unbound, live Pod for this scheduler."""
    spec = pod.get("spec") or {}
    return (not spec.get("nodeName") and spec.get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME
            and not pod["metadata"].get("deletionTimestamp") and not _terminal(pod))


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """v1helper.TolerationsTolerateTaint."""
    for tol in tolerations or []:
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        op = tol.get("operator") or "Equal"
        if not tol.get("key"):
            if op == "Exists":
                return True
            continue
        if tol["key"] != taint.get("key"):
            continue
        if op == "Exists" or (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _node_ready(node: dict[str, Any]) -> str:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status", "Unknown")
    return "Unknown"


def _effective_taints(node: dict[str, Any]) -> list[dict[str, Any]]:
    taints = list((node.get("spec") or {}).get("taints") or [])
    keys = {t.get("key") for t in taints}
    ready = _node_ready(node)
    # SIMPLIFICATION: the node lifecycle controller taints a NotReady node
    # within a second; until its taint is there, readiness stands in for it.
    if ready == "False" and "node.kubernetes.io/not-ready" not in keys:
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    elif ready == "Unknown" and "node.kubernetes.io/unreachable" not in keys:
        taints.append({"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"})
    return taints


def _match_expression(expr: dict[str, Any], value: str | None) -> bool:
    op = expr.get("operator")
    values = expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt"):
        try:
            have, want = int(value or ""), int(values[0])
        except (ValueError, IndexError):
            return False
        return have > want if op == "Gt" else have < want
    return False


def matches_node_affinity(pod: dict[str, Any], node: dict[str, Any]) -> bool:
    """nodeSelector plus requiredDuringSchedulingIgnoredDuringExecution (NodeAffinity filter)."""
    spec = pod.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return True
    for term in required.get("nodeSelectorTerms") or []:
        exprs = term.get("matchExpressions") or []
        fields = term.get("matchFields") or []
        if not exprs and not fields:
            continue
        if all(_match_expression(e, labels.get(e.get("key"))) for e in exprs) and \
                all(_match_expression(f, node["metadata"]["name"] if f.get("key") == "metadata.name" else None)
                    for f in fields):
            return True
    return False


def filter_node(pod: dict[str, Any], node: dict[str, Any], pods_on_node: int) -> tuple[str, bool] | None:
    """None when the node fits, else (reason, resolvable by preemption)."""
    spec = pod.get("spec") or {}
    tolerations = spec.get("tolerations") or []
    if (node.get("spec") or {}).get("unschedulable") and not tolerates(
            tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
        return REASON_UNSCHEDULABLE, False
    for taint in _effective_taints(node):
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not tolerates(tolerations, taint):
            return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}", False
    if not matches_node_affinity(pod, node):
        return REASON_AFFINITY, False
    allowed = (node.get("status") or {}).get("allocatable", {}).get("pods")
    if allowed is not None and pods_on_node >= int(allowed):
        return REASON_TOO_MANY_PODS, True
    return None


def _histogram(reasons: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{n} {r}" for r, n in counts.items()))


def fit_error(pod: dict[str, Any], failures: list[tuple[str, bool]]) -> str:
    """FitError.Error() with DefaultPreemption's PostFilter message."""
    total = len(failures)
    msg = f"0/{total} nodes are available:"
    hist = _histogram(r for r, _ in failures)
    if hist:
        msg += f" {hist}."
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return msg + " not eligible due to preemptionPolicy=Never."
    post = _histogram(NO_VICTIMS if resolvable else NOT_HELPFUL for _, resolvable in failures)
    return msg + f" preemption: 0/{total} nodes are available: {post}."


def _fingerprint(node: dict[str, Any]) -> str:
    """What the scheduler's queueing hints look at on a node update."""
    return json.dumps([node["metadata"].get("labels") or {}, (node.get("spec") or {}).get("taints") or [],
                       bool((node.get("spec") or {}).get("unschedulable")), _node_ready(node),
                       (node.get("status") or {}).get("allocatable", {}).get("pods")], sort_keys=True)


class Scheduler(Controller):
    """One scheduling cycle per unbound Pod; bindings through the pods/binding subresource."""

    name = SCHEDULER_NAME
    watches = ("pods", "nodes")
    order = 10

    def __init__(self, world: Any):
        super().__init__(world)
        self._assigned: dict[str, str] | None = None   # pod key -> node (live, bound pods)
        self._counts: dict[str, int] = {}

    # -- state -----------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        return self.world.runtime.setdefault("scheduler", {"nodes": {}, "pending": {}})

    def _track(self, key: str, pod: dict[str, Any] | None) -> None:
        if self._assigned is None:
            return
        node = None
        if pod is not None and not _terminal(pod):
            node = (pod.get("spec") or {}).get("nodeName") or None
        old = self._assigned.pop(key, None)
        if old:
            self._counts[old] -= 1
        if node:
            self._assigned[key] = node
            self._counts[node] = self._counts.get(node, 0) + 1

    def pod_counts(self) -> dict[str, int]:
        """Live Pods bound to each node (derived from the store, kept up to date by watch events)."""
        if self._assigned is None:
            self._assigned, self._counts = {}, {}
            for pod in self.store.iter("pods"):
                meta = pod["metadata"]
                self._track(f"{meta.get('namespace', '')}/{meta['name']}", pod)
        return self._counts

    # -- keys ------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.object.get("metadata", {})
        if event.resource == "nodes":
            yield f"node:{meta.get('name', '')}"
            return
        key = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
        self._track(key, None if event.type == "DELETED" else event.object)
        if event.type == "DELETED" or wants_scheduling(event.object) or key in self.state["pending"]:
            yield key

    def all_keys(self) -> Iterable[str]:
        for node in self.store.iter("nodes"):
            yield f"node:{node['metadata']['name']}"
        for pod in self.store.iter("pods"):
            if wants_scheduling(pod):
                yield f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
        yield RETRY_KEY

    # -- reconcile -------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        if key == RETRY_KEY:
            return self._retry()
        if key.startswith("node:"):
            self._node_changed(key[5:])
            return None
        namespace, _, name = key.partition("/")
        pod = self.store.peek("pods", namespace, name)
        pending = self.state["pending"]
        if pod is None or not wants_scheduling(pod):
            pending.pop(key, None)
            return None
        entry = pending.get(key)
        if entry is not None and entry.get("uid") == pod["metadata"].get("uid"):
            self._wake_retry()
            return None
        return self._schedule_one(key, pod)

    def _wake_retry(self) -> None:
        self.world.controllers.enqueue(self, RETRY_KEY)

    def _retry(self) -> float | None:
        now = self.world.clock.elapsed
        pending = self.state["pending"]
        for key in sorted(k for k, e in pending.items() if e["retryAt"] <= now + 1e-9):
            namespace, _, name = key.partition("/")
            pod = self.store.peek("pods", namespace, name)
            if pod is None or not wants_scheduling(pod):
                pending.pop(key, None)
                continue
            self._schedule_one(key, pod)
        if not pending:
            return None
        return max(0.0, min(e["retryAt"] for e in pending.values()) - now)

    def _node_changed(self, name: str) -> None:
        nodes = self.state["nodes"]
        node = self.store.peek("nodes", "", name)
        fp = _fingerprint(node) if node is not None else None
        if nodes.get(name) == fp:
            return
        if fp is None:
            nodes.pop(name, None)
        else:
            nodes[name] = fp
        pending = self.state["pending"]
        if not pending:
            return
        now = self.world.clock.elapsed
        for entry in pending.values():
            backoff = min(MAX_BACKOFF, INITIAL_BACKOFF * 2 ** max(0, entry["attempts"] - 1))
            entry["retryAt"] = min(entry["retryAt"], max(now, entry["lastAttempt"] + backoff))
        self._wake_retry()

    def _schedule_one(self, key: str, pod: dict[str, Any]) -> float | None:
        if not self.api.up:
            return 1.0
        counts = self.pod_counts()
        nodes = sorted(self.store.iter("nodes"), key=lambda n: n["metadata"]["name"])
        fits: list[tuple[int, str]] = []
        failures: list[tuple[str, bool]] = []
        for node in nodes:
            name = node["metadata"]["name"]
            failed = filter_node(pod, node, counts.get(name, 0))
            if failed is None:
                fits.append((counts.get(name, 0), name))
            else:
                failures.append(failed)
        pending = self.state["pending"]
        if fits:
            # SIMPLIFICATION: the score plugins (spreading, balanced allocation,
            # image locality) are stood in for by "fewest Pods, then node name";
            # the real scheduler also picks at random among equal scores.
            _, chosen = min(fits)
            pending.pop(key, None)
            self._bind(pod, chosen)
            return None
        message = fit_error(pod, failures) if nodes else "no nodes available to schedule pods"
        self._unschedulable(pod, message)
        now = self.world.clock.elapsed
        entry = pending.get(key)
        attempts = (entry["attempts"] + 1) if entry and entry.get("uid") == pod["metadata"].get("uid") else 1
        pending[key] = {"uid": pod["metadata"].get("uid"), "attempts": attempts, "lastAttempt": now,
                        "retryAt": now + UNSCHEDULABLE_FLUSH}
        self._wake_retry()
        return None

    @property
    def _instance_host(self) -> str:
        return self.world.profile.control_plane

    def _bind(self, pod: dict[str, Any], node: str) -> None:
        """The pods/binding subresource (BindingREST.assignPod): nodeName and PodScheduled=True."""
        bound = json.loads(json.dumps(pod))
        bound["spec"]["nodeName"] = node
        _set_condition(bound, {"type": "PodScheduled", "status": "True"}, self.world.clock.timestamp())
        self.store.put("pods", bound, "MODIFIED")
        meta = pod["metadata"]
        events.record(self.world, pod, "Normal", "Scheduled",
                      f"Successfully assigned {meta.get('namespace')}/{meta['name']} to {node}",
                      SCHEDULER_NAME, self._instance_host, action="Binding")

    def _unschedulable(self, pod: dict[str, Any], message: str) -> None:
        events.record(self.world, pod, "Warning", "FailedScheduling", message, SCHEDULER_NAME,
                      self._instance_host, action="Scheduling")
        current = self.store.get("pods", pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        if current is None:
            return
        changed = _set_condition(current, {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                           "message": message}, self.world.clock.timestamp())
        if changed:
            self.api.update_status(current)


def _set_condition(pod: dict[str, Any], cond: dict[str, Any], now: str) -> bool:
    """podutil.UpdatePodCondition: lastTransitionTime moves only when the status changes."""
    status = pod.setdefault("status", {})
    conditions = status.setdefault("conditions", [])
    new = {"type": cond["type"], "status": cond["status"], "lastProbeTime": None, "lastTransitionTime": now}
    for key in ("reason", "message"):
        if cond.get(key):
            new[key] = cond[key]
    for i, old in enumerate(conditions):
        if old.get("type") == cond["type"]:
            if old.get("status") == cond["status"]:
                new["lastTransitionTime"] = old.get("lastTransitionTime")
            if old == new:
                return False
            conditions[i] = new
            return True
    conditions.append(new)
    return True


CONTROLLERS = [Scheduler]
