"""The Deployment controller (pkg/controller/deployment of Kubernetes 1.32).

syncDeployment, in the real order: claim ReplicaSets, paused conditions,
then a plain scale (paused, or the desired-replicas annotation differs), or
a rollout: RollingUpdate (reconcileNewReplicaSet, reconcileOldReplicaSets
with cleanupUnhealthyReplicas and scaleDownOldReplicaSetsForRollingUpdate,
bounded by maxSurge and maxUnavailable with the real rounding) or Recreate
(old ReplicaSets to zero, wait for their Pods to be gone, then the new one
up). New ReplicaSets are `<deployment>-<pod-template-hash>` with the
revision annotations; status and the Available / Progressing conditions
carry the real reasons and messages, and the progress deadline is checked.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Iterable

from ..api.errors import StatusError
from ..api.labels import selector_from_label_selector
from ..api.store import WatchEvent
from ..clock import parse_time
from .manager import Controller
from .podtemplate import (HASH_LABEL, OwnerIndex, compute_hash, controller_of, controller_ref, equal_ignore_hash,
                          revision)
from .replicaset import emit

DEPLOY = "deployments.apps"
RS = "replicasets.apps"
COMPONENT = "deployment-controller"

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SKIP_COPY = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO}
MAX_REV_HISTORY_CHARS = 2000

# Condition reasons (deploymentutil)
NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
RS_UPDATED_REASON = "ReplicaSetUpdated"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


# -- arithmetic (deploymentutil) ----------------------------------------------

def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        pct = int(text[:-1])
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text)


def _replicas(obj: dict[str, Any] | None) -> int:
    if obj is None:
        return 0
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def is_rolling(d: dict[str, Any]) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def fenceposts(d: dict[str, Any]) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1."""
    ru = ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = _replicas(d)
    surge = scaled_value(ru.get("maxSurge", 0), desired, True)
    unavailable = scaled_value(ru.get("maxUnavailable", 0), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: dict[str, Any]) -> int:
    if not is_rolling(d):
        return 0
    return fenceposts(d)[0]


def max_unavailable(d: dict[str, Any]) -> int:
    if not is_rolling(d) or _replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], _replicas(d))


def _status(rs: dict[str, Any] | None, field: str) -> int:
    return int(((rs or {}).get("status") or {}).get(field) or 0) if rs is not None else 0


def spec_total(rss: Iterable[dict[str, Any] | None]) -> int:
    """GetReplicaCountForReplicaSets."""
    return sum(_replicas(rs) for rs in rss if rs is not None)


def actual_total(rss: Iterable[dict[str, Any] | None]) -> int:
    return sum(_status(rs, "replicas") for rs in rss if rs is not None)


def ready_total(rss: Iterable[dict[str, Any] | None]) -> int:
    return sum(_status(rs, "readyReplicas") for rs in rss if rs is not None)


def available_total(rss: Iterable[dict[str, Any] | None]) -> int:
    return sum(_status(rs, "availableReplicas") for rs in rss if rs is not None)


def active(rss: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """FilterActiveReplicaSets."""
    return [rs for rs in rss if rs is not None and _replicas(rs) > 0]


def _created_key(rs: dict[str, Any]) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: creation time, then name."""
    return (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"])


def _annotation(obj: dict[str, Any], key: str) -> str | None:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(key)


def _int_annotation(obj: dict[str, Any], key: str) -> int | None:
    text = _annotation(obj, key)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def new_replicas(d: dict[str, Any], all_rss: list[dict[str, Any]], new_rs: dict[str, Any]) -> int:
    """NewRSNewReplicas."""
    if is_rolling(d):
        desired = _replicas(d)
        surge = max_surge(d)
        current = spec_total(all_rss)
        max_total = desired + surge
        if current >= max_total:
            return _replicas(new_rs)
        scale_up = min(max_total - current, desired - _replicas(new_rs))
        return _replicas(new_rs) + scale_up
    return _replicas(d)


def deployment_complete(d: dict[str, Any], status: dict[str, Any]) -> bool:
    desired = _replicas(d)
    return (int(status.get("updatedReplicas") or 0) == desired and int(status.get("replicas") or 0) == desired
            and int(status.get("availableReplicas") or 0) == desired
            and int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation") or 0))


def deployment_progressing(d: dict[str, Any], new: dict[str, Any]) -> bool:
    old = d.get("status") or {}

    def g(s: dict[str, Any], k: str) -> int:
        return int(s.get(k) or 0)
    old_old = g(old, "replicas") - g(old, "updatedReplicas")
    new_old = g(new, "replicas") - g(new, "updatedReplicas")
    return (g(new, "updatedReplicas") > g(old, "updatedReplicas") or new_old < old_old
            or g(new, "readyReplicas") > g(old, "readyReplicas")
            or g(new, "availableReplicas") > g(old, "availableReplicas"))


def get_condition(status: dict[str, Any], ctype: str) -> dict[str, Any] | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


def remove_condition(status: dict[str, Any], ctype: str) -> None:
    conds = [c for c in status.get("conditions") or [] if c.get("type") != ctype]
    if conds:
        status["conditions"] = conds
    else:
        status.pop("conditions", None)


def set_condition(status: dict[str, Any], cond: dict[str, Any]) -> None:
    """SetDeploymentCondition: same status and reason changes nothing; same status keeps lastTransitionTime."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond["lastTransitionTime"] = current.get("lastTransitionTime")
    conds = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]]
    conds.append(cond)
    status["conditions"] = conds


class DeploymentController(Controller):
    """Rolls Deployments out through their ReplicaSets."""

    name = "deployment-controller"
    watches = (DEPLOY, RS, "pods")
    order = 30

    def __init__(self, world: Any):
        super().__init__(world)
        self.rss = OwnerIndex(world.store, RS)
        self._pods = OwnerIndex(world.store, "pods")

    # -- watch mapping -----------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        obj = event.object
        meta = obj.get("metadata", {})
        ns = meta.get("namespace", "")
        if event.resource == DEPLOY:
            yield f"{ns}/{meta.get('name', '')}"
            return
        if event.resource == RS:
            old_owner = self.rss.owner_uid(ns, meta.get("name", "")) if self.rss._built else ""
            self.rss.observe(event.type, obj)
            ref = controller_of(obj)
            if ref is not None:
                if ref.get("kind") == "Deployment":
                    yield f"{ns}/{ref.get('name', '')}"
                return
            if old_owner or event.type != "DELETED":
                labels = meta.get("labels") or {}
                for d in self.store.iter(DEPLOY, ns):
                    if d["metadata"].get("uid") == old_owner or (
                            labels and selector_from_label_selector((d.get("spec") or {}).get("selector"))
                            .matches(labels)):
                        yield f"{ns}/{d['metadata']['name']}"
            return
        # Pods: only a deleted Pod matters (Recreate waits for old Pods to be gone).
        self._pods.observe(event.type, obj)
        if event.type != "DELETED":
            return
        ref = controller_of(obj)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.store.peek(RS, ns, ref.get("name", ""))
        owner = controller_of(rs) if rs is not None else None
        if owner is not None and owner.get("kind") == "Deployment":
            yield f"{ns}/{owner.get('name', '')}"

    # -- helpers -----------------------------------------------------------------
    def _now(self) -> str:
        return self.world.clock.timestamp()

    def _condition(self, ctype: str, status: str, reason: str, message: str) -> dict[str, Any]:
        now = self._now()
        return {"type": ctype, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}

    def _update_status(self, d: dict[str, Any]) -> dict[str, Any]:
        """UpdateStatus: status, and (as the real status strategy allows) metadata annotations."""
        ns, name = d["metadata"].get("namespace", ""), d["metadata"]["name"]
        stored = self.store.get(DEPLOY, ns, name)
        if stored is None:
            return d
        if (stored["metadata"].get("annotations") or {}) != (d["metadata"].get("annotations") or {}):
            stored["metadata"]["annotations"] = d["metadata"].get("annotations")
            if not stored["metadata"]["annotations"]:
                stored["metadata"].pop("annotations")
            stored = self.api.update(stored)
        if stored.get("status") != d.get("status"):
            stored["status"] = d.get("status")
            stored = self.api.update_status(stored)
        d["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        return d

    def _update_rs(self, rs: dict[str, Any]) -> dict[str, Any]:
        return self.api.update(rs)

    # -- claiming ----------------------------------------------------------------
    def claim_replicasets(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        """getReplicaSetsForDeployment: adopt matching orphans, release non-matching ones."""
        meta = d["metadata"]
        ns, uid = meta.get("namespace", ""), meta["uid"]
        selector = selector_from_label_selector((d.get("spec") or {}).get("selector"))
        deleting = bool(meta.get("deletionTimestamp"))
        out: list[dict[str, Any]] = []
        for rs in list(self.rss.owned_by(uid)):
            rs = copy.deepcopy(rs)
            if selector.matches(rs["metadata"].get("labels")):
                out.append(rs)
            elif not deleting:
                refs = [r for r in rs["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                if refs:
                    rs["metadata"]["ownerReferences"] = refs
                else:
                    rs["metadata"].pop("ownerReferences", None)
                self.api.update(rs)
        if not deleting:
            for rs in list(self.rss.orphans(ns)):
                if rs["metadata"].get("deletionTimestamp") or not selector.matches(rs["metadata"].get("labels")):
                    continue
                rs = copy.deepcopy(rs)
                rs["metadata"].setdefault("ownerReferences", []).append(controller_ref(d))
                try:
                    out.append(self.api.update(rs))
                except StatusError:
                    continue
        return out

    # -- the sync ----------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        ns, _, name = key.partition("/")
        d = self.store.get(DEPLOY, ns, name)
        if d is None:
            return None
        try:
            return self.sync(d)
        except StatusError:
            return 1.0

    def sync(self, d: dict[str, Any]) -> float | None:
        spec = d.get("spec") or {}
        sel = spec.get("selector")
        if sel is not None and not sel.get("matchLabels") and not sel.get("matchExpressions"):
            emit(self.world, d, "Warning", "SelectingAll",
                 "This deployment is selecting all pods. A non-empty selector is required.", COMPONENT)
            status = dict(d.get("status") or {})
            if int(status.get("observedGeneration") or 0) < int(d["metadata"].get("generation") or 0):
                status["observedGeneration"] = d["metadata"]["generation"]
                d["status"] = status
                self._update_status(d)
            return None
        rs_list = self.claim_replicasets(d)
        if d["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = self.get_all_rss(d, rs_list, False)
            return self.sync_status(d, old_rss + ([new_rs] if new_rs else []), new_rs)
        self.check_paused(d)
        if spec.get("paused"):
            return self.sync_scale(d, rs_list)
        if self.is_scaling_event(d, rs_list):
            return self.sync_scale(d, rs_list)
        if is_rolling(d):
            return self.rollout_rolling(d, rs_list)
        return self.rollout_recreate(d, rs_list)

    def check_paused(self, d: dict[str, Any]) -> None:
        if (d.get("spec") or {}).get("progressDeadlineSeconds") is None:
            return
        status = d.setdefault("status", {})
        cond = get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == TIMED_OUT_REASON:
            return
        paused_exists = cond is not None and cond.get("reason") == PAUSED_REASON
        if d["spec"].get("paused") and not paused_exists:
            set_condition(status, self._condition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused"))
        elif not d["spec"].get("paused") and paused_exists:
            set_condition(status, self._condition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed"))
        else:
            return
        self._update_status(d)

    # -- new and old ReplicaSets -------------------------------------------------
    def get_all_rss(self, d: dict[str, Any], rs_list: list[dict[str, Any]],
                    create: bool) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """getAllReplicaSetsAndSyncRevision: (new RS or None, old RSs)."""
        ordered = sorted(rs_list, key=_created_key)
        template = (d.get("spec") or {}).get("template")
        existing = next((rs for rs in ordered if equal_ignore_hash((rs.get("spec") or {}).get("template"), template)),
                        None)
        old_rss = [rs for rs in rs_list if existing is None or rs["metadata"]["uid"] != existing["metadata"]["uid"]]
        new_rs = self.get_new_rs(d, existing, old_rss, create)
        return new_rs, old_rss

    def set_new_rs_annotations(self, d: dict[str, Any], rs: dict[str, Any], new_revision: str, exists: bool) -> bool:
        """SetNewReplicaSetAnnotations."""
        meta = rs["metadata"]
        annotations = meta.setdefault("annotations", {})
        changed = False
        for k, v in ((d["metadata"].get("annotations")) or {}).items():
            if k in SKIP_COPY or annotations.get(k) == v:
                continue
            annotations[k] = v
            changed = True
        old_text = annotations.get(REVISION)
        had = old_text is not None
        try:
            old_rev = int(old_text) if old_text is not None else 0
        except ValueError:
            return False
        new_rev = int(new_revision)
        if old_rev < new_rev:
            annotations[REVISION] = new_revision
            changed = True
        if had and old_rev < new_rev:
            history = annotations.get(REVISION_HISTORY, "")
            olds = history.split(",")
            if not olds[0]:
                annotations[REVISION_HISTORY] = old_text
            else:
                total = len(history) + len(old_text) + 1
                start = 0
                while total > MAX_REV_HISTORY_CHARS and start < len(olds):
                    total -= len(olds[start]) + 1
                    start += 1
                if total <= MAX_REV_HISTORY_CHARS:
                    annotations[REVISION_HISTORY] = ",".join(olds[start:] + [old_text])
        if not exists and self.set_replicas_annotations(rs, _replicas(d), _replicas(d) + max_surge(d)):
            changed = True
        return changed

    @staticmethod
    def set_replicas_annotations(rs: dict[str, Any], desired: int, maximum: int) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = False
        if annotations.get(DESIRED_REPLICAS) != str(desired):
            annotations[DESIRED_REPLICAS] = str(desired)
            changed = True
        if annotations.get(MAX_REPLICAS) != str(maximum):
            annotations[MAX_REPLICAS] = str(maximum)
            changed = True
        return changed

    @staticmethod
    def replicas_annotations_need_update(rs: dict[str, Any], desired: int, maximum: int) -> bool:
        annotations = rs["metadata"].get("annotations") or {}
        return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(MAX_REPLICAS) != str(maximum)

    @staticmethod
    def set_deployment_revision(d: dict[str, Any], rev: str | None) -> bool:
        annotations = d["metadata"].setdefault("annotations", {})
        if annotations.get(REVISION) != rev and rev is not None:
            annotations[REVISION] = rev
            return True
        if not annotations:
            d["metadata"].pop("annotations")
        return False

    def get_new_rs(self, d: dict[str, Any], existing: dict[str, Any] | None, old_rss: list[dict[str, Any]],
                   create: bool) -> dict[str, Any] | None:
        revs = [r for r in (revision(rs) for rs in old_rss) if r is not None]
        new_revision = str((max(revs) if revs else 0) + 1)
        spec = d.get("spec") or {}
        status = d.setdefault("status", {})
        if existing is not None:
            rs = copy.deepcopy(existing)
            updated = self.set_new_rs_annotations(d, rs, new_revision, True)
            min_ready = int(spec.get("minReadySeconds") or 0)
            if updated or int((rs.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                if min_ready:
                    rs["spec"]["minReadySeconds"] = min_ready
                else:
                    rs["spec"].pop("minReadySeconds", None)
                return self._update_rs(rs)
            needs = self.set_deployment_revision(d, (rs["metadata"].get("annotations") or {}).get(REVISION))
            if spec.get("progressDeadlineSeconds") is not None and get_condition(status, "Progressing") is None:
                set_condition(status, self._condition("Progressing", "True", FOUND_NEW_RS_REASON,
                                                      f'Found new replica set "{rs["metadata"]["name"]}"'))
                needs = True
            if needs:
                self._update_status(d)
            return rs
        if not create:
            return None
        template = copy.deepcopy(spec.get("template") or {})
        collision = status.get("collisionCount")
        pod_hash = compute_hash(template, collision)
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = dict(template["metadata"].get("labels") or {}, **{HASH_LABEL: pod_hash})
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{HASH_LABEL: pod_hash})
        ns = d["metadata"].get("namespace", "default")
        rs_spec: dict[str, Any] = {"replicas": 0}
        if spec.get("minReadySeconds"):
            rs_spec["minReadySeconds"] = spec["minReadySeconds"]
        rs_spec["selector"] = selector
        rs_spec["template"] = template
        new_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": f"{d['metadata']['name']}-{pod_hash}", "namespace": ns,
                               "labels": dict(template["metadata"]["labels"]),
                               "ownerReferences": [controller_ref(d)]},
                  "spec": rs_spec}
        count = new_replicas(d, old_rss + [new_rs], new_rs)
        new_rs["spec"]["replicas"] = count
        self.set_new_rs_annotations(d, new_rs, new_revision, False)
        # annotations sit before ownerReferences in ObjectMeta
        meta = new_rs["metadata"]
        new_rs["metadata"] = {k: meta[k] for k in ("name", "namespace", "labels", "annotations", "ownerReferences")
                              if k in meta}
        try:
            created = self.api.create(new_rs, namespace=ns)
        except StatusError as exc:
            if exc.code != 409:
                raise
            found = self.store.get(RS, ns, new_rs["metadata"]["name"])
            ref = controller_of(found) if found else None
            if found is not None and ref is not None and ref.get("uid") == d["metadata"]["uid"] and \
                    equal_ignore_hash(found["spec"].get("template"), spec.get("template")):
                return found
            # A hash collision: bump collisionCount and try again with a new name.
            status["collisionCount"] = int(collision or 0) + 1
            self._update_status(d)
            raise
        if count > 0:
            emit(self.world, d, "Normal", "ScalingReplicaSet",
                 f"Scaled up replica set {created['metadata']['name']} from 0 to {count}", COMPONENT)
        self.set_deployment_revision(d, new_revision)
        if spec.get("progressDeadlineSeconds") is not None:
            set_condition(status, self._condition("Progressing", "True", NEW_RS_REASON,
                                                  f'Created new replica set "{created["metadata"]["name"]}"'))
        self._update_status(d)
        return created

    # -- scaling -----------------------------------------------------------------
    def scale_rs(self, rs: dict[str, Any], new_scale: int, d: dict[str, Any], operation: str) -> tuple[bool, dict[str, Any]]:
        """scaleReplicaSet: size and the desired/max annotations, then the ScalingReplicaSet event."""
        size_changes = _replicas(rs) != new_scale
        desired, maximum = _replicas(d), _replicas(d) + max_surge(d)
        if not size_changes and not self.replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        old_scale = _replicas(rs)
        fresh = self.store.get(RS, rs["metadata"].get("namespace", ""), rs["metadata"]["name"])
        if fresh is None:
            return False, rs
        fresh["spec"]["replicas"] = new_scale
        self.set_replicas_annotations(fresh, desired, maximum)
        updated = self._update_rs(fresh)
        if size_changes:
            emit(self.world, d, "Normal", "ScalingReplicaSet",
                 f"Scaled {operation} replica set {updated['metadata']['name']} from {old_scale} to {new_scale}",
                 COMPONENT)
        return size_changes, updated

    def scale_and_record(self, rs: dict[str, Any], new_scale: int, d: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """scaleReplicaSetAndRecordEvent."""
        if _replicas(rs) == new_scale:
            return False, rs
        return self.scale_rs(rs, new_scale, d, "up" if _replicas(rs) < new_scale else "down")

    def is_scaling_event(self, d: dict[str, Any], rs_list: list[dict[str, Any]]) -> bool:
        new_rs, old_rss = self.get_all_rss(d, rs_list, False)
        for rs in active(old_rss + [new_rs]):
            desired = _int_annotation(rs, DESIRED_REPLICAS)
            if desired is None:
                continue
            if desired != _replicas(d):
                return True
        return False

    def sync_scale(self, d: dict[str, Any], rs_list: list[dict[str, Any]]) -> float | None:
        """sync: proportional scaling for paused Deployments and scaling events."""
        new_rs, old_rss = self.get_all_rss(d, rs_list, False)
        self.scale(d, new_rs, old_rss)
        if (d.get("spec") or {}).get("paused"):
            self.cleanup(d, old_rss)
        return self.sync_status(d, old_rss + ([new_rs] if new_rs else []), new_rs)

    def scale(self, d: dict[str, Any], new_rs: dict[str, Any] | None, old_rss: list[dict[str, Any]]) -> None:
        desired = _replicas(d)
        latest = self.find_active_or_latest(new_rs, old_rss)
        if latest is not None:
            if _replicas(latest) != desired:
                self.scale_and_record(latest, desired, d)
            return
        if new_rs is not None and _replicas(new_rs) == desired and \
                _int_annotation(new_rs, DESIRED_REPLICAS) == desired and _status(new_rs, "availableReplicas") == desired:
            for old in active(old_rss):
                self.scale_and_record(old, 0, d)
            return
        if not is_rolling(d):
            return
        all_rss = active(old_rss + [new_rs])
        total = spec_total(all_rss)
        allowed = desired + max_surge(d) if desired > 0 else 0
        to_add = allowed - total
        operation = ""
        if to_add > 0:
            # ReplicaSetsBySizeNewer: bigger first, then newer first
            all_rss.sort(key=_created_key, reverse=True)
            all_rss.sort(key=_replicas, reverse=True)
            operation = "up"
        elif to_add < 0:
            # ReplicaSetsBySizeOlder: bigger first, then older first
            all_rss.sort(key=_created_key)
            all_rss.sort(key=_replicas, reverse=True)
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in all_rss:
            if to_add != 0:
                proportion = self.proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = _replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = _replicas(rs)
        for i, rs in enumerate(all_rss):
            rs_name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[rs_name] = max(0, sizes[rs_name] + to_add - added)
            self.scale_rs(rs, sizes[rs_name], d, operation)

    @staticmethod
    def proportion(rs: dict[str, Any], d: dict[str, Any], to_add: int, added: int) -> int:
        """GetReplicaSetProportion."""
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        if _replicas(d) == 0:
            fraction = -_replicas(rs)
        else:
            maximum = _replicas(d) + max_surge(d)
            before = _int_annotation(rs, MAX_REPLICAS)
            if before is None:
                before = int((d.get("status") or {}).get("replicas") or 0)
            if before == 0:
                fraction = 0
            else:
                size = _replicas(rs) * maximum / before
                fraction = int(math.floor(size + 0.5)) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    @staticmethod
    def find_active_or_latest(new_rs: dict[str, Any] | None, old_rss: list[dict[str, Any]]) -> dict[str, Any] | None:
        if new_rs is None and not old_rss:
            return None
        olds = sorted(old_rss, key=_created_key, reverse=True)
        live = active(olds + [new_rs])
        if not live:
            return new_rs if new_rs is not None else olds[0]
        if len(live) == 1:
            return live[0]
        return None

    # -- RollingUpdate -------------------------------------------------------------
    def rollout_rolling(self, d: dict[str, Any], rs_list: list[dict[str, Any]]) -> float | None:
        new_rs, old_rss = self.get_all_rss(d, rs_list, True)
        all_rss = old_rss + [new_rs]
        scaled, new_rs = self.reconcile_new_rs(all_rss, new_rs, d)
        all_rss = old_rss + [new_rs]
        if scaled:
            return self.sync_rollout_status(all_rss, new_rs, d)
        scaled_down = self.reconcile_old_rss(all_rss, active(old_rss), new_rs, d)
        if scaled_down:
            return self.sync_rollout_status(old_rss + [new_rs], new_rs, d)
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup(d, old_rss)
        return self.sync_rollout_status(all_rss, new_rs, d)

    def reconcile_new_rs(self, all_rss: list[dict[str, Any]], new_rs: dict[str, Any],
                         d: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        desired = _replicas(d)
        if _replicas(new_rs) == desired:
            return False, new_rs
        if _replicas(new_rs) > desired:
            return self.scale_and_record(new_rs, desired, d)
        return self.scale_and_record(new_rs, new_replicas(d, all_rss, new_rs), d)

    def reconcile_old_rss(self, all_rss: list[dict[str, Any]], old_rss: list[dict[str, Any]],
                          new_rs: dict[str, Any], d: dict[str, Any]) -> bool:
        if spec_total(old_rss) == 0:
            return False
        all_count = spec_total(all_rss)
        min_available = _replicas(d) - max_unavailable(d)
        new_unavailable = _replicas(new_rs) - _status(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = self.cleanup_unhealthy(old_rss, d, max_scaled_down)
        scaled = self.scale_down_old_for_rolling(old_rss + [new_rs], old_rss, d)
        return cleaned + scaled > 0

    def cleanup_unhealthy(self, old_rss: list[dict[str, Any]], d: dict[str, Any],
                          max_cleanup: int) -> tuple[list[dict[str, Any]], int]:
        old_rss = sorted(old_rss, key=_created_key)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            if _replicas(rs) == 0 or _replicas(rs) == _status(rs, "availableReplicas"):
                continue
            count = min(max_cleanup - total, _replicas(rs) - _status(rs, "availableReplicas"))
            _, old_rss[i] = self.scale_and_record(rs, _replicas(rs) - count, d)
            total += count
        return old_rss, total

    def scale_down_old_for_rolling(self, all_rss: list[dict[str, Any]], old_rss: list[dict[str, Any]],
                                   d: dict[str, Any]) -> int:
        min_available = _replicas(d) - max_unavailable(d)
        available = available_total(all_rss)
        if available <= min_available:
            return 0
        total = 0
        to_scale = available - min_available
        for rs in sorted(old_rss, key=_created_key):
            if total >= to_scale:
                break
            if _replicas(rs) == 0:
                continue
            count = min(_replicas(rs), to_scale - total)
            self.scale_and_record(rs, _replicas(rs) - count, d)
            total += count
        return total

    # -- Recreate ------------------------------------------------------------------
    def rollout_recreate(self, d: dict[str, Any], rs_list: list[dict[str, Any]]) -> float | None:
        new_rs, old_rss = self.get_all_rss(d, rs_list, False)
        all_rss = old_rss + ([new_rs] if new_rs else [])
        scaled_down = False
        for rs in active(old_rss):
            changed, _ = self.scale_and_record(rs, 0, d)
            scaled_down = scaled_down or changed
        if scaled_down:
            return self.sync_rollout_status(self._refresh(all_rss), new_rs, d)
        if self.old_pods_running(new_rs, old_rss):
            return self.sync_rollout_status(all_rss, new_rs, d)
        if new_rs is None:
            new_rs, old_rss = self.get_all_rss(d, rs_list, True)
            all_rss = old_rss + [new_rs]
        if _replicas(new_rs) != _replicas(d):
            _, new_rs = self.scale_and_record(new_rs, _replicas(d), d)
            all_rss = old_rss + [new_rs]
        if deployment_complete(d, d.get("status") or {}):
            self.cleanup(d, old_rss)
        return self.sync_rollout_status(all_rss, new_rs, d)

    def _refresh(self, rss: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for rs in rss:
            fresh = self.store.get(RS, rs["metadata"].get("namespace", ""), rs["metadata"]["name"])
            out.append(fresh if fresh is not None else rs)
        return out

    def old_pods_running(self, new_rs: dict[str, Any] | None, old_rss: list[dict[str, Any]]) -> bool:
        if actual_total(self._refresh(old_rss)) > 0:
            return True
        for rs in old_rss:
            for pod in self._pods.owned_by(rs["metadata"]["uid"]):
                if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                    return True
        return False

    # -- cleanup -------------------------------------------------------------------
    def cleanup(self, d: dict[str, Any], old_rss: list[dict[str, Any]]) -> None:
        """cleanupDeployment: keep revisionHistoryLimit old ReplicaSets with no replicas."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in self._refresh(old_rss) if not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - int(limit)
        if diff <= 0:
            return
        # ReplicaSetsByRevision: by revision, then by creation
        alive.sort(key=lambda rs: (revision(rs) or 0, _created_key(rs)))
        for rs in alive[:diff]:
            if _status(rs, "replicas") != 0 or _replicas(rs) != 0 or \
                    int(rs["metadata"].get("generation") or 0) > _status(rs, "observedGeneration"):
                continue
            try:
                self.api.delete(RS, rs["metadata"]["name"], namespace=rs["metadata"].get("namespace"))
            except StatusError:
                pass

    # -- status --------------------------------------------------------------------
    def calculate_status(self, all_rss: list[dict[str, Any] | None], new_rs: dict[str, Any] | None,
                         d: dict[str, Any]) -> dict[str, Any]:
        all_rss = [rs for rs in self._refresh([r for r in all_rss if r is not None])]
        new_rs = next((rs for rs in all_rss if new_rs is not None and rs["metadata"]["uid"] == new_rs["metadata"]["uid"]),
                      None)
        available = available_total(all_rss)
        unavailable = max(0, spec_total(all_rss) - available)
        old = d.get("status") or {}
        status: dict[str, Any] = {}
        values = [("observedGeneration", int(d["metadata"].get("generation") or 0)),
                  ("replicas", actual_total(all_rss)),
                  ("updatedReplicas", actual_total([new_rs])),
                  ("readyReplicas", ready_total(all_rss)),
                  ("availableReplicas", available),
                  ("unavailableReplicas", unavailable)]
        for k, v in values:
            if v:
                status[k] = v
        if old.get("conditions"):
            status["conditions"] = copy.deepcopy(old["conditions"])
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if available >= _replicas(d) - max_unavailable(d):
            set_condition(status, self._condition("Available", "True", MIN_AVAILABLE,
                                                  "Deployment has minimum availability."))
        else:
            set_condition(status, self._condition("Available", "False", MIN_UNAVAILABLE,
                                                  "Deployment does not have minimum availability."))
        # conditions before collisionCount, as in DeploymentStatus
        if "collisionCount" in status:
            status["collisionCount"] = status.pop("collisionCount")
        return status

    def sync_status(self, d: dict[str, Any], all_rss: list[dict[str, Any]], new_rs: dict[str, Any] | None) -> float | None:
        """syncDeploymentStatus."""
        status = self.calculate_status(all_rss, new_rs, d)
        if status != (d.get("status") or {}):
            d["status"] = status
            self._update_status(d)
        return None

    def sync_rollout_status(self, all_rss: list[dict[str, Any]], new_rs: dict[str, Any] | None,
                            d: dict[str, Any]) -> float | None:
        status = self.calculate_status(all_rss, new_rs, d)
        spec = d.get("spec") or {}
        has_deadline = spec.get("progressDeadlineSeconds") is not None
        if not has_deadline:
            remove_condition(status, "Progressing")
        current = get_condition(d.get("status") or {}, "Progressing")
        complete_before = (int(status.get("replicas") or 0) == int(status.get("updatedReplicas") or 0)
                           and current is not None and current.get("reason") == NEW_RS_AVAILABLE_REASON)
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        if has_deadline and not complete_before:
            if deployment_complete(d, status):
                msg = f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name else \
                    f'Deployment "{d["metadata"]["name"]}" has successfully progressed.'
                set_condition(status, self._condition("Progressing", "True", NEW_RS_AVAILABLE_REASON, msg))
            elif deployment_progressing(d, status):
                msg = f'ReplicaSet "{rs_name}" is progressing.' if rs_name else \
                    f'Deployment "{d["metadata"]["name"]}" is progressing.'
                cond = self._condition("Progressing", "True", RS_UPDATED_REASON, msg)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    remove_condition(status, "Progressing")
                set_condition(status, cond)
            elif self.timed_out(d, status):
                msg = f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name else \
                    f'Deployment "{d["metadata"]["name"]}" has timed out progressing.'
                set_condition(status, self._condition("Progressing", "False", TIMED_OUT_REASON, msg))
        remove_condition(status, "ReplicaFailure")
        failure = next((c for c in ((new_rs or {}).get("status") or {}).get("conditions") or []
                        if c.get("type") == "ReplicaFailure"), None)
        if failure is not None:
            set_condition(status, {"type": "ReplicaFailure", "status": failure.get("status"),
                                   "lastUpdateTime": failure.get("lastTransitionTime"),
                                   "lastTransitionTime": failure.get("lastTransitionTime"),
                                   "reason": failure.get("reason"), "message": failure.get("message")})
        if "collisionCount" in status:
            status["collisionCount"] = status.pop("collisionCount")
        if status == (d.get("status") or {}):
            return self.requeue_stuck(d, status)
        d["status"] = status
        self._update_status(d)
        return None

    def timed_out(self, d: dict[str, Any], status: dict[str, Any]) -> bool:
        """DeploymentTimedOut: no progress for progressDeadlineSeconds since the condition's last update."""
        cond = get_condition(status, "Progressing")
        if cond is None:
            return False
        if cond.get("reason") == NEW_RS_AVAILABLE_REASON:
            return False
        if cond.get("reason") == TIMED_OUT_REASON:
            return True
        deadline = int((d.get("spec") or {}).get("progressDeadlineSeconds") or 0)
        since = parse_time(cond["lastUpdateTime"]).timestamp()
        return since + deadline < self.world.clock.now.timestamp()

    def requeue_stuck(self, d: dict[str, Any], status: dict[str, Any]) -> float | None:
        """requeueStuckDeployment: come back when the progress deadline would pass."""
        current = get_condition(d.get("status") or {}, "Progressing")
        deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
        if deadline is None or current is None:
            return None
        if deployment_complete(d, status) or current.get("reason") == TIMED_OUT_REASON:
            return None
        after = parse_time(current["lastUpdateTime"]).timestamp() + int(deadline) - self.world.clock.now.timestamp()
        if after < 1:
            return 1.0
        return after + 1


CONTROLLERS = [DeploymentController]
