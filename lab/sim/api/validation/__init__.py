"""The simulated apiserver's validation: `validate(obj, old=None)`.

Create validation when `old` is None, update validation (including the
immutable fields) otherwise, with the v1.32 messages and in the order the
real validators append them. Run it on the object after defaulting (and,
for Services, after `defaults.prepare_service_for_create/update`).
Allocation errors (NodePort range, ClusterIP in use) are not raised here.
"""
from __future__ import annotations

from typing import Any, Callable

from lab.sim.api.errors import FieldError
from lab.sim.api.validation import others, pod, service, workloads
from lab.sim.api.validation import meta as _meta

_Create = Callable[[dict[str, Any]], list[FieldError]]
_Update = Callable[[dict[str, Any], dict[str, Any]], list[FieldError]]


def _generic_update(create: _Create) -> _Update:
    def update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
        errs = _meta.validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
        return errs + [e for e in create(new) if not e.field.startswith("metadata.")]
    return update


_CREATE: dict[str, _Create] = {
    "Service": service.validate_service,
    "Pod": pod.validate_pod,
    "Deployment": workloads.validate_deployment,
    "ReplicaSet": workloads.validate_replicaset,
    "DaemonSet": workloads.validate_daemonset,
    "Namespace": others.validate_namespace,
    "Node": others.validate_node,
    "Endpoints": others.validate_endpoints,
    "EndpointSlice": others.validate_endpoint_slice,
    "ConfigMap": others.validate_config_map,
    "ServiceAccount": others.validate_service_account,
    "Event": others.validate_event,
}

_UPDATE: dict[str, _Update] = {
    "Service": service.validate_service_update,
    "Pod": pod.validate_pod_update,
    "Deployment": workloads.validate_workload_update,
    "ReplicaSet": workloads.validate_workload_update,
    "DaemonSet": workloads.validate_workload_update,
    "EndpointSlice": others.validate_endpoint_slice_update,
}


def validate(obj: dict[str, Any], old: dict[str, Any] | None = None, *,
             service_node_port_range: tuple[int, int] = (30000, 32767)) -> list[FieldError]:
    """Field errors for `obj` (a create if `old` is None, else an update of `old`).

    `service_node_port_range` is accepted for the server's convenience; range
    checks belong to the NodePort allocator, as upstream.
    """
    kind = obj.get("kind", "")
    if old is None:
        fn = _CREATE.get(kind)
        return fn(obj) if fn else []
    upd = _UPDATE.get(kind)
    if upd is None:
        create = _CREATE.get(kind)
        if create is None:
            return []
        upd = _generic_update(create)
    return upd(obj, old)


__all__ = ["validate"]
