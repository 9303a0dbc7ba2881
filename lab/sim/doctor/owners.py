"""Who writes a Pod's spec: the Deployment (or another controller) a fix has to change."""
from __future__ import annotations

from typing import Any

_RESOURCES = {"ReplicaSet": "replicasets.apps", "Deployment": "deployments.apps", "DaemonSet": "daemonsets.apps",
              "StatefulSet": "statefulsets.apps"}


def controller_of(world: Any, obj: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, name) of the object's controlling owner, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("kind", ""), ref.get("name", "")
    return None


def top_owner(world: Any, pod: dict[str, Any]) -> tuple[str, str] | None:
    """The workload whose template made the Pod: a ReplicaSet's Deployment, or the direct controller."""
    ns = pod["metadata"].get("namespace", "")
    owner = controller_of(world, pod)
    if owner is None:
        return None
    kind, name = owner
    if kind == "ReplicaSet":
        rs = world.store.peek("replicasets.apps", ns, name)
        up = controller_of(world, rs) if rs else None
        if up is not None and up[0] == "Deployment":
            return up
    return owner


def kubectl_kind(kind: str) -> str:
    """The type name kubectl takes (`deployment`, `daemonset` ...)."""
    return kind.lower()


__all__ = ["controller_of", "top_owner", "kubectl_kind"]
