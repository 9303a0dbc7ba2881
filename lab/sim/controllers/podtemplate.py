"""Pod-template helpers the ReplicaSet and Deployment controllers share.

`compute_hash` names a Deployment's ReplicaSets (`nginx-7854ff8877`) as
controller.ComputeHash does; `pod_from_template` builds the Pod a
ReplicaSet creates (controller.GetPodFromTemplate); `OwnerIndex` keeps
"which objects does this controller own" cheap, as the informers' indexers
do, so a cluster of thousands of ReplicaSets reconciles in linear time.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Iterable

HASH_LABEL = "pod-template-hash"

#: utilrand's alphabet (no vowels, no 0/1/3 that look like letters)
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def fnv32a(data: bytes) -> int:
    """hash/fnv New32a."""
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(text: str) -> str:
    """rand.SafeEncodeString: every byte mapped onto ALPHANUMS (digits become 4-9, b, c, d, f)."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in text)


def compute_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The pod-template-hash of a PodTemplateSpec (plus the Deployment's collisionCount).

    SIMPLIFICATION: the real ComputeHash feeds FNV-32a a spew dump of the
    typed Go struct, which cannot be reproduced from JSON; we hash a
    canonical JSON of the template instead. The shape of the result (FNV-32a
    decimal through SafeEncodeString, 8 to 10 characters of `456789bcdf`)
    and its stability (same template, same hash) are the real ones.
    """
    spec = template.get("spec") or {}
    if "serviceAccount" in spec and spec.get("serviceAccount") == spec.get("serviceAccountName"):
        # The deprecated alias the v1 conversion copies from serviceAccountName
        # adds nothing to the template, and is left out so that a template's
        # hash is the same whether or not the copy is there.
        template = {**template, "spec": {k: v for k, v in spec.items() if k != "serviceAccount"}}
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        # binary.LittleEndian.PutUint32 into an 8-byte buffer
        data += int(collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    h = fnv32a(data)
    return safe_encode_string(str(h))


def without_hash(template: dict[str, Any] | None) -> dict[str, Any]:
    """The template with the pod-template-hash label removed (for EqualIgnoreHash)."""
    t = copy.deepcopy(template or {})
    labels = (t.get("metadata") or {}).get("labels")
    if labels is not None and HASH_LABEL in labels:
        del labels[HASH_LABEL]
        if not labels:
            del t["metadata"]["labels"]
    meta = t.get("metadata")
    if meta is not None and not meta:
        del t["metadata"]
    return t


def equal_ignore_hash(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """deploymentutil.EqualIgnoreHash."""
    return without_hash(a) == without_hash(b)


def controller_ref(owner: dict[str, Any]) -> dict[str, Any]:
    """metav1.NewControllerRef."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """metav1.GetControllerOf."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def pod_from_template(template: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    """controller.GetPodFromTemplate: labels, annotations, finalizers, generateName `<owner>-`, spec."""
    tmeta = template.get("metadata") or {}
    meta: dict[str, Any] = {"generateName": owner["metadata"]["name"] + "-",
                            "namespace": owner["metadata"].get("namespace", "default")}
    if tmeta.get("labels"):
        meta["labels"] = dict(tmeta["labels"])
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    meta["ownerReferences"] = [controller_ref(owner)]
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def revision(obj: dict[str, Any]) -> int | None:
    """deploymentutil.Revision: the revision annotation as a number (None when unparsable)."""
    text = ((obj.get("metadata") or {}).get("annotations") or {}).get("deployment.kubernetes.io/revision")
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return None


class OwnerIndex:
    """Objects of one resource by their controller's uid, kept up to date from watch events.

    Built lazily from the store on first use (so a world loaded from JSON
    needs no replay), then maintained by `observe` for every event.
    """

    def __init__(self, store: Any, resource: str):
        self.store = store
        self.resource = resource
        self._built = False
        self._by_owner: dict[str, set[tuple[str, str]]] = {}
        self._owner_of: dict[tuple[str, str], str] = {}

    def _build(self) -> None:
        self._built = True
        for obj in self.store.iter(self.resource):
            self._add(obj)

    def _add(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        ref = controller_of(obj)
        uid = ref.get("uid", "") if ref else ""
        self._owner_of[key] = uid
        self._by_owner.setdefault(uid, set()).add(key)

    def _remove(self, key: tuple[str, str]) -> None:
        uid = self._owner_of.pop(key, None)
        if uid is not None:
            keys = self._by_owner.get(uid)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_owner[uid]

    def observe(self, event_type: str, obj: dict[str, Any]) -> None:
        if not self._built:
            return
        meta = obj["metadata"]
        self._remove((meta.get("namespace", ""), meta["name"]))
        if event_type != "DELETED":
            self._add(obj)

    def owned_by(self, uid: str) -> list[dict[str, Any]]:
        """Stored objects (no copies) whose controller is `uid`, by namespace/name."""
        if not self._built:
            self._build()
        out = []
        for ns, name in sorted(self._by_owner.get(uid, ())):
            obj = self.store.peek(self.resource, ns, name)
            if obj is not None:
                out.append(obj)
        return out

    def orphans(self, namespace: str) -> list[dict[str, Any]]:
        """Stored objects of a namespace with no controller."""
        return [o for o in self.owned_by("") if o["metadata"].get("namespace", "") == namespace]

    def owner_uid(self, namespace: str, name: str) -> str:
        if not self._built:
            self._build()
        return self._owner_of.get((namespace, name), "")


def names(objs: Iterable[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]
