"""The ReplicaSet controller (pkg/controller/replicaset of Kubernetes 1.32).

syncReplicaSet, in the real order: claim Pods (adopt orphans that match the
selector, release owned Pods whose labels stopped matching), count the
active ones, create or delete the difference (creations in slow-start
batches, deletions in the real preference order of ActivePodsWithRanks),
then write status (replicas, fullyLabeledReplicas, readyReplicas,
availableReplicas after minReadySeconds, observedGeneration) computed from
the Pods seen before acting, as the real controller does.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.labels import selector_from_label_selector
from ..api.store import WatchEvent
from ..clock import parse_time
from .manager import Controller
from .podtemplate import OwnerIndex, controller_of, controller_ref, pod_from_template

RS = "replicasets.apps"
BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH = 1
COMPONENT = "replicaset-controller"


def emit(world: Any, obj: dict[str, Any], type_: str, reason: str, message: str, component: str) -> None:
    """Record an Event through the event recorder (nothing when it is not installed)."""
    try:
        from .events import record
    except ImportError:  # pragma: no cover - recorder not present
        return
    record(world, obj, type_, reason, message, component)


# -- pod helpers (k8s.io/kubernetes/pkg/api/v1/pod, controller_utils) ----------

def ready_condition(pod: dict[str, Any]) -> dict[str, Any] | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return None


def is_pod_ready(pod: dict[str, Any]) -> bool:
    cond = ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def _seconds(ts: str | None) -> float | None:
    if not ts:
        return None
    return parse_time(ts[:19] + "Z").timestamp()


def is_pod_available(pod: dict[str, Any], min_ready_seconds: int, now: float) -> bool:
    """podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds (strictly)."""
    if not is_pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = _seconds(ready_condition(pod).get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now


def is_pod_active(pod: dict[str, Any]) -> bool:
    """controller.IsPodActive: not Succeeded/Failed and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def _max_restarts(pod: dict[str, Any]) -> int:
    return max([int(c.get("restartCount") or 0) for c in (pod.get("status") or {}).get("containerStatuses") or []]
               or [0])


def _deletion_cost(pod: dict[str, Any]) -> int:
    text = ((pod["metadata"].get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost"))
    try:
        return int(text) if text is not None else 0
    except ValueError:
        return 0


_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _log_rank(ts: float | None, now: float) -> int:
    """logarithmicRankDiff's per-pod rank: floor(log2(age in nanoseconds)), -1 when not in the past."""
    if ts is None:
        return -1
    d = (now - ts) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def deletion_order(pods: list[dict[str, Any]], related: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Pods sorted as ActivePodsWithRanks (LogarithmicScaleDown on): the first are deleted first.

    1 unassigned < assigned, 2 Pending < Unknown < Running, 3 not ready < ready,
    4 lower pod-deletion-cost, 5 more colocated related pods, 6 ready more
    recently (log2 buckets, then UID), 7 more restarts, 8 created more
    recently (log2 buckets, then UID).
    SIMPLIFICATION: Go's sort is not stable; pods equal on every rule keep
    their name order here.
    """
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = (pod.get("spec") or {}).get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1

    import functools

    def cmp(a: dict[str, Any], b: dict[str, Any]) -> int:
        na, nb = (a.get("spec") or {}).get("nodeName", ""), (b.get("spec") or {}).get("nodeName", "")
        if na != nb and (not na or not nb):
            return -1 if not na else 1
        pa = _PHASE_ORDINAL.get((a.get("status") or {}).get("phase"), 0)
        pb = _PHASE_ORDINAL.get((b.get("status") or {}).get("phase"), 0)
        if pa != pb:
            return -1 if pa < pb else 1
        ra, rb = is_pod_ready(a), is_pod_ready(b)
        if ra != rb:
            return -1 if not ra else 1
        ca, cb = _deletion_cost(a), _deletion_cost(b)
        if ca != cb:
            return -1 if ca < cb else 1
        ka, kb = on_node.get(na, 0), on_node.get(nb, 0)
        if ka != kb:
            return -1 if ka > kb else 1
        uid_a, uid_b = a["metadata"].get("uid", ""), b["metadata"].get("uid", "")
        if ra and rb:
            ta = _seconds(ready_condition(a).get("lastTransitionTime"))
            tb = _seconds(ready_condition(b).get("lastTransitionTime"))
            if ta != tb:
                if ta is None or tb is None:
                    return -1 if (ta is None or (tb is not None and ta > tb)) else 1
                diff = _log_rank(ta, now) - _log_rank(tb, now)
                if diff == 0:
                    return -1 if uid_a < uid_b else (1 if uid_a > uid_b else 0)
                return -1 if diff < 0 else 1
        ma, mb = _max_restarts(a), _max_restarts(b)
        if ma != mb:
            return -1 if ma > mb else 1
        ta = _seconds(a["metadata"].get("creationTimestamp"))
        tb = _seconds(b["metadata"].get("creationTimestamp"))
        if ta != tb:
            if ta is None or tb is None:
                return -1 if ta is None else 1
            diff = _log_rank(ta, now) - _log_rank(tb, now)
            if diff == 0:
                return -1 if uid_a < uid_b else (1 if uid_a > uid_b else 0)
            return -1 if diff < 0 else 1
        return 0

    return sorted(pods, key=functools.cmp_to_key(cmp))


def replicaset_status(rs: dict[str, Any], pods: list[dict[str, Any]], now: float,
                      failure: dict[str, Any] | None = None, clear_failure: bool = False) -> dict[str, Any]:
    """calculateStatus, in the ReplicaSetStatus field order, omitting zero values as the JSON does."""
    spec = rs.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    fully = sum(1 for p in pods if all((p["metadata"].get("labels") or {}).get(k) == v
                                       for k, v in template_labels.items()))
    ready = sum(1 for p in pods if is_pod_ready(p))
    available = sum(1 for p in pods if is_pod_available(p, min_ready, now))
    old = rs.get("status") or {}
    status: dict[str, Any] = {"replicas": len(pods)}
    if fully:
        status["fullyLabeledReplicas"] = fully
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    generation = int(rs["metadata"].get("generation") or 0)
    if generation:
        status["observedGeneration"] = generation
    conditions = [c for c in old.get("conditions") or []]
    if failure is not None and not any(c.get("type") == "ReplicaFailure" for c in conditions):
        conditions.append(failure)
    elif clear_failure:
        conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
    if conditions:
        status["conditions"] = conditions
    return status


class ReplicaSetController(Controller):
    """Keeps the number of active Pods of each ReplicaSet at spec.replicas."""

    name = "replicaset-controller"
    watches = (RS, "pods")
    order = 40

    def __init__(self, world: Any):
        super().__init__(world)
        self.pods = OwnerIndex(world.store, "pods")

    # -- watch mapping ---------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        meta = obj.get("metadata", {})
        ns = meta.get("namespace", "")
        if event.resource == RS:
            yield f"{ns}/{meta.get('name', '')}"
            return
        old_owner = self.pods.owner_uid(ns, meta.get("name", "")) if self.pods._built else ""
        self.pods.observe(event.type, obj)
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("kind") == "ReplicaSet":
                yield f"{ns}/{ref.get('name', '')}"
            return
        if old_owner:
            # Released (or its owner reference was removed): the old owner recounts.
            for rs in self.store.iter(RS, ns):
                if rs["metadata"].get("uid") == old_owner:
                    yield f"{ns}/{rs['metadata']['name']}"
        if event.type == "DELETED":
            return
        # An orphan: every ReplicaSet whose selector matches may adopt it (getPodReplicaSets).
        labels = meta.get("labels") or {}
        if not labels:
            return
        for rs in self.store.iter(RS, ns):
            sel = (rs.get("spec") or {}).get("selector")
            if sel and selector_from_label_selector(sel).matches(labels):
                yield f"{ns}/{rs['metadata']['name']}"

    # -- the sync ----------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        ns, _, name = key.partition("/")
        rs = self.store.get(RS, ns, name)
        if rs is None:
            return None
        now = self.world.clock.now.timestamp()
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_pod_active(p)]
        failure = None
        failed = False
        if not rs["metadata"].get("deletionTimestamp"):
            failure = self.manage_replicas(rs, active)
            failed = failure is not None
        status = replicaset_status(rs, active, now, failure, clear_failure=not failed)
        current = self.store.peek(RS, ns, name)
        if current is None:
            return None
        old = current.get("status") or {}
        if status != old:
            fresh = self.store.get(RS, ns, name)
            fresh["status"] = status
            try:
                self.api.update_status(fresh)
            except StatusError:
                return 1.0
        return self._requeue(rs, active, now, failed)

    def _requeue(self, rs: dict[str, Any], active: list[dict[str, Any]], now: float, failed: bool) -> float | None:
        """When a Pod is ready but not yet available, come back when minReadySeconds have passed."""
        if failed:
            return 10.0
        min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
        if not min_ready:
            return None
        waits = []
        for pod in active:
            if is_pod_ready(pod) and not is_pod_available(pod, min_ready, now):
                since = _seconds(ready_condition(pod).get("lastTransitionTime"))
                if since is not None:
                    waits.append(max(0.0, since + min_ready - now) + 1.0)
        return min(waits) if waits else None

    def claim_pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        """PodControllerRefManager.ClaimPods: adopt matching orphans, release non-matching Pods."""
        meta = rs["metadata"]
        ns, uid = meta.get("namespace", ""), meta["uid"]
        selector = selector_from_label_selector((rs.get("spec") or {}).get("selector"))
        deleting = bool(meta.get("deletionTimestamp"))
        claimed: list[dict[str, Any]] = []
        for pod in list(self.pods.owned_by(uid)):
            if selector.matches(pod["metadata"].get("labels")):
                claimed.append(pod)
            elif not deleting:
                self._set_owner(pod, None, uid)
        if not deleting:
            for pod in list(self.pods.orphans(ns)):
                pmeta = pod["metadata"]
                if pmeta.get("deletionTimestamp") or not selector.matches(pmeta.get("labels")):
                    continue
                adopted = self._set_owner(pod, controller_ref(rs), uid)
                if adopted is not None:
                    claimed.append(adopted)
        return claimed

    def _set_owner(self, pod: dict[str, Any], ref: dict[str, Any] | None, uid: str) -> dict[str, Any] | None:
        fresh = self.store.get("pods", pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        if fresh is None:
            return None
        refs = [r for r in fresh["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
        if ref is not None:
            refs.append(ref)
        if refs:
            fresh["metadata"]["ownerReferences"] = refs
        else:
            fresh["metadata"].pop("ownerReferences", None)
        try:
            return self.api.update(fresh)
        except StatusError:
            return None

    def manage_replicas(self, rs: dict[str, Any], active: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Create or delete Pods; returns a ReplicaFailure condition when the apiserver refused."""
        replicas = int((rs.get("spec") or {}).get("replicas", 1))
        diff = len(active) - replicas
        ns = rs["metadata"].get("namespace", "default")
        if diff < 0:
            want = min(-diff, BURST_REPLICAS)
            batch = SLOW_START_INITIAL_BATCH
            created = 0
            while created < want:
                size = min(batch, want - created)
                for _ in range(size):
                    pod = pod_from_template((rs.get("spec") or {}).get("template") or {}, rs)
                    try:
                        made = self.api.create(pod, namespace=ns)
                    except StatusError as exc:
                        emit(self.world, rs, "Warning", "FailedCreate", f"Error creating: {exc.message}", COMPONENT)
                        return {"type": "ReplicaFailure", "status": "True",
                                "lastTransitionTime": self.world.clock.timestamp(),
                                "reason": "FailedCreate", "message": exc.message}
                    created += 1
                    emit(self.world, rs, "Normal", "SuccessfulCreate",
                         f"Created pod: {made['metadata']['name']}", COMPONENT)
                batch *= 2
        elif diff > 0:
            diff = min(diff, BURST_REPLICAS)
            victims = active
            if diff < len(active):
                related = self._related_pods(rs)
                victims = deletion_order(active, related, self.world.clock.now.timestamp())
            for pod in victims[:diff]:
                pname = pod["metadata"]["name"]
                try:
                    self.api.delete("pods", pname, namespace=ns)
                except StatusError as exc:
                    if exc.code == 404:
                        continue
                    emit(self.world, rs, "Warning", "FailedDelete", f"Error deleting: {exc.message}", COMPONENT)
                    return {"type": "ReplicaFailure", "status": "True",
                            "lastTransitionTime": self.world.clock.timestamp(),
                            "reason": "FailedDelete", "message": exc.message}
                emit(self.world, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pname}", COMPONENT)
        return None

    def _related_pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        """getIndirectlyRelatedPods: Pods of every ReplicaSet with the same controller as this one."""
        owner = controller_of(rs)
        if owner is None:
            return self.pods.owned_by(rs["metadata"]["uid"])
        out: list[dict[str, Any]] = []
        for other in self.store.iter(RS, rs["metadata"].get("namespace", "")):
            ref = controller_of(other)
            if ref is not None and ref.get("uid") == owner.get("uid"):
                out.extend(self.pods.owned_by(other["metadata"]["uid"]))
        return out


CONTROLLERS = [ReplicaSetController]
