"""Resource requests against a World's simulated apiserver (no Django here).

One function per verb, each taking the World and an ApiRequest and giving an
ApiResponse; failures raise StatusError (lab.sim.api.errors), which the view
turns into the Status body with its code. The verbs mirror the apiserver's
REST handlers (k8s.io/apiserver/pkg/endpoints/handlers): list and get (JSON
or a Table), create, update, patch (json, merge, strategic merge, apply),
delete and deletecollection, and the status, scale and log subresources.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from lab.sim.api import errors
from lab.sim.api.errors import StatusError
from lab.sim.api.resources import Resource, by_kind

from . import protobuf, tables
from .paths import ResourcePath

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}

# Kinds whose DELETE answers with the object (the registry's ReturnDeletedObject);
# the others answer with a Success Status.
_RETURNS_DELETED_OBJECT = {"Pod", "Service", "Namespace", "Node"}


@dataclass
class ApiRequest:
    """A parsed resource request."""

    method: str
    path: ResourcePath
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    accept: str = ""

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("true", "1")

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"


@dataclass
class ApiResponse:
    status: int
    body: Any
    content_type: str = "application/json"
    warnings: list[str] = field(default_factory=list)


def _json_body(req: ApiRequest) -> Any:
    """The request body as JSON data; a protobuf body (kubectl's typed clients) is decoded first."""
    if req.content_type.split(";")[0].strip() == protobuf.CONTENT_TYPE:
        try:
            return protobuf.decode_body(req.body)
        except protobuf.ProtobufError as exc:
            raise errors.bad_request(str(exc)) from None
    try:
        return json.loads(req.body or b"null")
    except ValueError as exc:
        raise errors.bad_request(f"error decoding from json: {exc}") from None


def list_object(res: Resource, items: list[dict[str, Any]], resource_version: str) -> dict[str, Any]:
    """A typed list as the apiserver encodes it: items carry no apiVersion or kind."""
    bare = []
    for item in items:
        item = dict(item)
        item.pop("apiVersion", None)
        item.pop("kind", None)
        bare.append(item)
    return {"kind": f"{res.kind}List", "apiVersion": res.api_version,
            "metadata": {"resourceVersion": resource_version}, "items": bare}


def _api_namespace(req: ApiRequest) -> str | None:
    return req.path.namespace if req.path.resource.namespaced else None


# -- reads ----------------------------------------------------------------------

def do_list(world: Any, req: ApiRequest) -> ApiResponse:
    res = req.path.resource
    items = world.api.list(res, namespace=_api_namespace(req),
                           label_selector=req.query.get("labelSelector") or None,
                           field_selector=req.query.get("fieldSelector") or None)
    rv = str(world.store.revision)
    if tables.wants_table(req.accept):
        return ApiResponse(200, _table(world, req, items, rv), _table_type(req))
    return ApiResponse(200, list_object(res, items, rv))


def _table(world: Any, req: ApiRequest, items: list[dict[str, Any]], rv: str) -> dict[str, Any]:
    return tables.to_table(req.path.resource.kind, items, world.clock.now, resource_version=rv,
                           include_object=req.query.get("includeObject") or "Metadata",
                           version=tables.table_version(req.accept))


def _table_type(req: ApiRequest) -> str:
    return f"application/json;as=Table;v={tables.table_version(req.accept)};g=meta.k8s.io"


def do_get(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    obj = world.api.get(p.resource, p.name, namespace=p.namespace)
    if p.subresource == "scale":
        return ApiResponse(200, scale_object(p.resource, obj))
    if p.subresource == "log":
        return _log(world, req, obj)
    if tables.wants_table(req.accept) and not p.subresource:
        return ApiResponse(200, _table(world, req, [obj], obj["metadata"].get("resourceVersion", "")),
                           _table_type(req))
    return ApiResponse(200, obj)


def log_container(pod: dict[str, Any], query: dict[str, str]) -> str:
    """The container a log request names; with none, the Pod's only one (or 400, as the apiserver)."""
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    container = query.get("container", "")
    if not container:
        if len(names) != 1:
            raise errors.bad_request(
                f"a container name must be specified for pod {pod['metadata']['name']}, "
                f"choose one of: [{' '.join(names)}]")
        container = names[0]
    return container


def log_text(world: Any, pod: dict[str, Any], query: dict[str, str], tail: int | None = None) -> str:
    """pods/log: the container's log (tailLines, previous, timestamps from the query)."""
    from lab.sim.kubectl.cmd_logs import container_log_text

    if tail is None:
        text = query.get("tailLines", "")
        tail = int(text) if text.lstrip("-").isdigit() else -1
    flag = lambda name: query.get(name, "").lower() in ("true", "1")  # noqa: E731
    return container_log_text(world, pod, log_container(pod, query), previous=flag("previous"), tail=tail,
                              timestamps=flag("timestamps"))


def _log(world: Any, req: ApiRequest, pod: dict[str, Any]) -> ApiResponse:
    return ApiResponse(200, log_text(world, pod, req.query), "text/plain")


def scale_object(res: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """autoscaling/v1 Scale of a Deployment or ReplicaSet."""
    from lab.sim.kubectl.printers import selector_string

    meta = obj["metadata"]
    status = obj.get("status") or {}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {"replicas": status.get("replicas", 0),
                       "selector": selector_string((obj.get("spec") or {}).get("selector"))}}


# -- writes ---------------------------------------------------------------------

def _body_object(req: ApiRequest, data: Any) -> dict[str, Any]:
    """A request body naming this URL's kind (apiVersion and kind default to the URL's)."""
    res = req.path.resource
    if not isinstance(data, dict):
        raise errors.bad_request(f"Object 'Kind' is missing in '{json.dumps(data)}'")
    data.setdefault("apiVersion", res.api_version)
    data.setdefault("kind", res.kind)
    if by_kind(data["apiVersion"], data["kind"]) != res:
        raise errors.bad_request(
            f"the API version in the data ({data['apiVersion']}) does not match the expected API version "
            f"({res.api_version})" if data["kind"] == res.kind else
            f"{data['kind']} in version {json.dumps(data['apiVersion'].rpartition('/')[2])} cannot be handled "
            f"as a {res.kind}: no kind \"{data['kind']}\" is registered for version \"{res.api_version}\"")
    return data


def do_create(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    if p.resource.namespaced and p.namespace is None:
        raise errors.method_not_supported("the server does not allow this method on the requested resource")
    obj = _body_object(req, _json_body(req))
    created = world.api.create(obj, namespace=p.namespace, dry_run=req.dry_run)
    return ApiResponse(201, created)


def do_update(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    data = _json_body(req)
    if p.subresource == "scale":
        replicas = ((data or {}).get("spec") or {}).get("replicas", 0) if isinstance(data, dict) else 0
        updated = world.api.patch(p.resource, p.name, {"spec": {"replicas": replicas}}, "merge",
                                  namespace=p.namespace, dry_run=req.dry_run)
        return ApiResponse(200, scale_object(p.resource, updated))
    obj = _body_object(req, data)
    meta = obj.setdefault("metadata", {})
    if meta.get("name") and meta["name"] != p.name:
        raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on "
                                 f"the URL ({p.name})")
    meta["name"] = p.name
    if p.resource.namespaced:
        if meta.get("namespace") and meta["namespace"] != p.namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                     "sent on the request")
        meta["namespace"] = p.namespace
    if p.subresource == "status":
        updated = world.api.update(obj, dry_run=req.dry_run, subresource="status")
    else:
        updated = world.api.update(obj, dry_run=req.dry_run)
    return ApiResponse(200, updated)


def do_patch(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    media = req.content_type.split(";")[0].strip().lower()
    patch_type = PATCH_TYPES.get(media)
    if patch_type is None:
        raise StatusError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                          f"accepted media types include: {', '.join(PATCH_TYPES)}")
    if patch_type == "apply":
        return _apply(world, req)
    patch = _json_body(req)
    if p.subresource == "scale":
        current = scale_object(p.resource, world.api.get(p.resource, p.name, namespace=p.namespace))
        from lab.sim.api.patch import json_patch, merge_patch
        merged = (json_patch(current, patch) if patch_type == "json" else merge_patch(current, patch))
        replicas = (merged.get("spec") or {}).get("replicas", 0)
        updated = world.api.patch(p.resource, p.name, {"spec": {"replicas": replicas}}, "merge",
                                  namespace=p.namespace, dry_run=req.dry_run)
        return ApiResponse(200, scale_object(p.resource, updated))
    if patch_type == "strategic" and not isinstance(patch, dict):
        raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
    updated = world.api.patch(p.resource, p.name, patch, patch_type, namespace=p.namespace,
                              dry_run=req.dry_run, subresource=p.subresource if p.subresource == "status" else "")
    return ApiResponse(200, updated)


def _apply(world: Any, req: ApiRequest) -> ApiResponse:
    """Server-side apply: create the object, or merge the applied configuration into it.

    SIMPLIFICATION: no managedFields are kept, so fields another manager set
    are not reported as conflicts, and fields dropped from the applied
    configuration stay on the object (as with a strategic merge patch).
    """
    p = req.path
    if not req.query.get("fieldManager"):
        raise errors.bad_request("PATCH, application/apply-patch+yaml requires a non-empty fieldManager")
    try:
        applied = yaml.safe_load(req.body.decode() or "null")
    except yaml.YAMLError as exc:
        raise errors.bad_request(f"error decoding YAML: {exc}") from None
    obj = _body_object(req, applied)
    meta = obj.setdefault("metadata", {})
    if meta.get("name") and meta["name"] != p.name:
        raise errors.bad_request(f"the name of the object ({meta['name']}) does not match the name on "
                                 f"the URL ({p.name})")
    meta["name"] = p.name
    store_ns = (p.namespace or "default") if p.resource.namespaced else ""
    if world.store.peek(p.resource.group_resource, store_ns, p.name) is None:
        return ApiResponse(201, world.api.create(obj, namespace=p.namespace, dry_run=req.dry_run))
    patch = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    patch["metadata"] = {k: v for k, v in meta.items() if k not in ("name", "namespace")}
    return ApiResponse(200, world.api.patch(p.resource, p.name, patch, "strategic", namespace=p.namespace,
                                            dry_run=req.dry_run))


def _delete_options(req: ApiRequest) -> dict[str, Any]:
    """DeleteOptions from the body (kubectl sends one) and the query."""
    options: dict[str, Any] = {}
    if req.body.strip():
        data = _json_body(req)
        if isinstance(data, dict):
            options.update(data)
    for key in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
        if key in req.query:
            options[key] = req.query[key]
    if req.dry_run:
        options["dryRun"] = ["All"]
    return options


def _propagation(res: Resource, options: dict[str, Any]) -> str:
    policy = options.get("propagationPolicy")
    if policy is None and str(options.get("orphanDependents", "")).lower() == "true":
        policy = "Orphan"
    if policy is None:
        return "Background"
    if policy not in ("Orphan", "Background", "Foreground"):
        raise errors.invalid_object("DeleteOptions", "", "", [errors.not_supported(
            "propagationPolicy", policy, ["Background", "Foreground", "Orphan"])])
    return policy


def _grace(options: dict[str, Any]) -> int | None:
    value = options.get("gracePeriodSeconds")
    return None if value is None else int(value)


def do_delete(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    options = _delete_options(req)
    dry_run = options.get("dryRun") == ["All"]
    existing = world.api.get(p.resource, p.name, namespace=p.namespace)
    precondition = (options.get("preconditions") or {})
    if precondition.get("uid") and precondition["uid"] != existing["metadata"].get("uid"):
        raise errors.conflict(p.resource.plural, p.resource.group, p.name,
                              f"Precondition failed: UID in precondition: {precondition['uid']}, "
                              f"UID in object meta: {existing['metadata'].get('uid')}")
    gone = world.api.delete(p.resource, p.name, namespace=p.namespace, propagation=_propagation(p.resource, options),
                            grace_period=_grace(options), dry_run=dry_run)
    store_ns = (p.namespace or "default") if p.resource.namespaced else ""
    # A graceful deletion leaves the object (with its deletionTimestamp) for now: 202 Accepted.
    pending = not dry_run and world.store.peek(p.resource.group_resource, store_ns, p.name) is not None
    if p.resource.kind in _RETURNS_DELETED_OBJECT or pending:
        return ApiResponse(202 if pending else 200, gone)
    details: dict[str, Any] = {"name": p.name}
    if p.resource.group:
        details["group"] = p.resource.group
    details["kind"] = p.resource.plural
    details["uid"] = existing["metadata"].get("uid", "")
    return ApiResponse(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "details": details})


def do_delete_collection(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    if "deletecollection" not in p.resource.verbs:
        raise errors.method_not_supported("the server does not allow this method on the requested resource")
    options = _delete_options(req)
    dry_run = options.get("dryRun") == ["All"]
    items = world.api.list(p.resource, namespace=_api_namespace(req),
                           label_selector=req.query.get("labelSelector") or None,
                           field_selector=req.query.get("fieldSelector") or None)
    deleted = []
    for obj in items:
        meta = obj["metadata"]
        try:
            deleted.append(world.api.delete(p.resource, meta["name"], namespace=meta.get("namespace"),
                                            propagation=_propagation(p.resource, options),
                                            grace_period=_grace(options), dry_run=dry_run))
        except StatusError as exc:
            if exc.code != 404:
                raise
    return ApiResponse(200, list_object(p.resource, deleted, str(world.store.revision)))


def handle(world: Any, req: ApiRequest) -> ApiResponse:
    """Dispatch a resource request by method and path; raises StatusError.

    The warnings the apiserver raised on the way (fieldValidation=Warn) come
    back in the response."""
    response = _dispatch(world, req)
    response.warnings.extend(world.api.warnings)
    world.api.warnings.clear()
    return response


def _dispatch(world: Any, req: ApiRequest) -> ApiResponse:
    p = req.path
    if p.subresource and p.subresource not in _subresources(p.resource):
        raise errors.StatusError(404, "NotFound", "the server could not find the requested resource")
    method = req.method
    if p.subresource == "exec":
        # The streams need a websocket (lab.k8sapi.consumers). A client whose websocket was
        # refused (kubectl then tries SPDY over plain HTTP) learns why here.
        from .podexec import check
        check(world, p.namespace or "default", p.name, {k: [v] for k, v in req.query.items()})
        raise errors.bad_request("Upgrade request required")
    if method == "GET":
        return do_get(world, req) if p.name else do_list(world, req)
    if method == "POST" and not p.name:
        return do_create(world, req)
    if method == "PUT" and p.name and p.subresource != "log":
        return do_update(world, req)
    if method == "PATCH" and p.name and p.subresource != "log":
        return do_patch(world, req)
    if method == "DELETE" and p.name and not p.subresource:
        return do_delete(world, req)
    if method == "DELETE" and not p.name:
        return do_delete_collection(world, req)
    raise errors.method_not_supported("the server does not allow this method on the requested resource")


def _subresources(res: Resource) -> tuple[str, ...]:
    from .discovery import SUBRESOURCES
    return SUBRESOURCES.get(res.group_resource, ())


def is_write(req: ApiRequest) -> bool:
    return req.method in ("POST", "PUT", "PATCH", "DELETE")
