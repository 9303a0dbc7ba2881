"""The scale subresource (autoscaling/v1 Scale) of the kinds that have one.

What `kubectl scale` (and an HPA) talks to: GET returns a Scale made from
the object (spec.replicas, status.replicas, status.selector as a string);
PATCH and PUT change only spec.replicas. As in the registry's
scaleUpdatedObjectInfo, the Scale is validated first (`The Scale "web" is
invalid: spec.replicas: ...`), its resourceVersion is the object's, and the
new replica count then goes through the object's own update, validation and
the lab's replica limit included. A kind without the subresource answers
404, as the apiserver does for a path it does not serve.
"""
from __future__ import annotations

from typing import Any

from . import errors
from .clone import clone
from .labels import format_label_selector, format_map
from .patch import json_patch, merge_patch

#: kinds whose REST storage has a /scale subresource (v1.32)
SCALABLE = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})


def not_served() -> errors.StatusError:
    return errors.StatusError(404, "NotFound", "the server could not find the requested resource")


def scale_of(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale the apiserver derives from a scalable object."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    text = format_map(selector) if kind == "ReplicationController" else format_label_selector(selector)
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": text},
    }


def validate_scale(name: str, scale: dict[str, Any]) -> None:
    """autoscaling validation.ValidateScale: replicas is a non-negative integer."""
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise errors.bad_request(f'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal '
                                 f'{type(replicas).__name__} into Go struct field ScaleSpec.spec.replicas of type int32')
    if replicas < 0:
        raise errors.invalid_object("Scale", "autoscaling", name, [
            errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")])


def apply_scale(api: Any, res: Any, old: dict[str, Any], scale: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    """Move the Scale's replicas (and resourceVersion precondition) onto the object and update it."""
    name = old["metadata"]["name"]
    validate_scale(name, scale)
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv and rv != old["metadata"].get("resourceVersion"):
        raise errors.conflict(res.plural, res.group, name, errors.OPTIMISTIC_LOCK_DETAIL)
    new = clone(old)
    new.setdefault("spec", {})["replicas"] = scale["spec"]["replicas"]
    return scale_of(res.kind, api.update(new, dry_run=dry_run))


def patched_scale(current: dict[str, Any], patch: Any, patch_type: str) -> dict[str, Any]:
    """The Scale after a merge or JSON patch (a strategic merge patch of a Scale is a merge)."""
    if patch_type == "json":
        if not isinstance(patch, list):
            raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        out = json_patch(current, patch)
    else:
        out = merge_patch(current, patch)
    if not isinstance(out, dict):
        raise errors.bad_request("the patch does not describe an object")
    return out


__all__ = ["SCALABLE", "scale_of", "validate_scale", "apply_scale", "patched_scale", "not_served"]
