"""OpenAPI v2 and v3 documents for the kinds a lab serves.

The schemas are the real v1.32 definitions shipped by kubernetes-validate.
The v3 documents carry exactly the components the built-in `kubectl explain`
reads (lab.sim.kubectl.explain_data: the apiserver's v3 shapes, with the
enum data put back), so a real `kubectl explain` prints the same text; v2
turns the JSON Schema back into swagger form (`#/definitions/...`). Both are
cut to the definitions the served kinds reach. The paths carry the operations, their
`x-kubernetes-group-version-kind` and the dryRun / fieldManager /
fieldValidation parameters, which is how kubectl decides that the server
validates fields itself (kubectl's QueryParamVerifierV3 reads the PATCH
operations) and `kubectl explain` finds a kind's schema.

    /openapi/v2                      the whole document (JSON)
    /openapi/v3                      {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}
    /openapi/v3/api/v1, /openapi/v3/apis/apps/v1 ...  one group version
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from lab.sim.api.resources import Resource
from lab.sim.api.schema import KUBERNETES_VERSION, _definitions, definition_for
from lab.sim.kubectl.cmd_version import CLIENT_VERSION

from .discovery import SUBRESOURCES, group_versions, resources_in

_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_ALWAYS = (_META + "Status", _META + "DeleteOptions", _META + "WatchEvent", _META + "Patch",
           "io.k8s.api.autoscaling.v1.Scale")


def _convert(node: Any, ref_prefix: str) -> Any:
    """One JSON Schema node back in swagger (v2) form."""
    if isinstance(node, list):
        return [_convert(n, ref_prefix) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = ref_prefix + value.rsplit("/", 1)[-1]
        elif key == "type" and isinstance(value, list):
            kinds = [t for t in value if t != "null"]
            out[key] = kinds[0] if len(kinds) == 1 else kinds
        elif key == "properties" and isinstance(value, dict):
            props = {}
            for name, prop in value.items():
                prop = dict(prop)
                if name in ("apiVersion", "kind"):
                    prop.pop("enum", None)  # added by the JSON Schema conversion
                props[name] = _convert(prop, ref_prefix)
            out[key] = props
        else:
            out[key] = _convert(value, ref_prefix)
    return out


def _definition(name: str, schema: dict[str, Any], ref_prefix: str) -> dict[str, Any]:
    if name == _INT_OR_STRING:
        return {"description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or "
                "YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to "
                "have, for example, a JSON field that can accept a name or number.",
                "type": "string", "format": "int-or-string"}
    if name == _QUANTITY:
        return {"description": schema.get("description", ""), "type": "string"}
    return _convert(schema, ref_prefix)


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _reachable(roots: list[str]) -> list[str]:
    definitions, _ = _definitions(KUBERNETES_VERSION)
    seen: set[str] = set()
    todo = [r for r in roots if r in definitions]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs(definitions[name], found)
        todo.extend(sorted(found - seen))
    return sorted(seen)


def _roots(resources: list[Resource]) -> list[str]:
    roots = []
    for r in resources:
        name = definition_for(r.api_version, r.kind)
        if name:
            roots += [name, name + "List"]
    return roots + list(_ALWAYS)


# -- paths --------------------------------------------------------------------

_PARAM_DOCS = {
    "dryRun": "When present, indicates that modifications should not be persisted. An invalid or unrecognized "
              "dryRun directive will result in an error response and no further processing of the request. "
              "Valid values are: - All: all dry run stages will be processed",
    "fieldManager": "fieldManager is a name associated with the actor or entity that is making these changes. "
                    "The value must be less than or 128 characters long, and only contain printable characters, "
                    "as defined by https://golang.org/pkg/unicode/#IsPrint.",
    "fieldValidation": "fieldValidation instructs the server on how to handle objects in the request "
                       "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - "
                       "Warn (the default) - Strict",
    "force": "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned "
             "by other people. Force flag must be unset for non-apply patch requests.",
    "labelSelector": "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
    "fieldSelector": "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
    "watch": "Watch for changes to the described resources and return them as a stream of add, update, and "
             "remove notifications. Specify resourceVersion.",
    "resourceVersion": "resourceVersion sets a constraint on what resource versions a request may be served from.",
    "timeoutSeconds": "Timeout for the list/watch call.",
    "allowWatchBookmarks": "allowWatchBookmarks requests watch events with type \"BOOKMARK\".",
    "sendInitialEvents": "`sendInitialEvents=true` may be set together with `watch=true`.",
    "gracePeriodSeconds": "The duration in seconds before the object should be deleted.",
    "propagationPolicy": "Whether and how garbage collection will be performed.",
}
_PARAM_TYPES = {"timeoutSeconds": "integer", "gracePeriodSeconds": "integer", "watch": "boolean",
                "allowWatchBookmarks": "boolean", "sendInitialEvents": "boolean", "force": "boolean"}


def _param(name: str, v3: bool, where: str = "query") -> dict[str, Any]:
    kind = _PARAM_TYPES.get(name, "string")
    p: dict[str, Any] = {"name": name, "in": where, "description": _PARAM_DOCS.get(name, name)}
    if where == "path":
        p["required"] = True
    if v3:
        p["schema"] = {"type": kind, "uniqueItems": True}
    else:
        p["type"] = kind
        p["uniqueItems"] = True
    return p


def _op(r: Resource, action: str, op_id: str, params: list[str], schema_ref: str, v3: bool,
        kind: tuple[str, str, str] | None = None) -> dict[str, Any]:
    group, version, kind_name = kind or (r.group, r.version, r.kind)
    response_schema = {"$ref": schema_ref}
    if v3:
        responses = {"200": {"description": "OK", "content": {"application/json": {"schema": response_schema}}},
                     "401": {"description": "Unauthorized"}}
    else:
        responses = {"200": {"description": "OK", "schema": response_schema}, "401": {"description": "Unauthorized"}}
    op: dict[str, Any] = {"operationId": op_id, "parameters": [_param(p, v3) for p in params],
                          "responses": responses, "x-kubernetes-action": action,
                          "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": kind_name}}
    if action in ("post", "put", "patch") and v3:
        media = ["application/json"] if action != "patch" else [
            "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json"]
        body_ref = {"$ref": schema_ref if action != "patch" else schema_ref.rsplit("/", 1)[0] + "/" + _META + "Patch"}
        op["requestBody"] = {"content": {m: {"schema": body_ref} for m in media}, "required": True}
    elif action in ("post", "put", "patch"):
        body_ref = {"$ref": schema_ref if action != "patch" else schema_ref.rsplit("/", 1)[0] + "/" + _META + "Patch"}
        op["parameters"].insert(0, {"name": "body", "in": "body", "required": True, "schema": body_ref})
    return op


def _camel(r: Resource) -> str:
    group = "".join(part.capitalize() for part in (r.group.split(".")[0] if r.group else "core").split("-"))
    return f"{group}{r.version.capitalize()}"


def _paths(group: str, version: str, ref_prefix: str, v3: bool) -> dict[str, Any]:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, Any] = {}
    write = ["dryRun", "fieldManager", "fieldValidation"]
    list_params = ["labelSelector", "fieldSelector", "resourceVersion", "timeoutSeconds", "watch",
                   "allowWatchBookmarks", "sendInitialEvents"]
    for r in resources_in(group, version):
        definition = definition_for(r.api_version, r.kind) or ""
        ref = ref_prefix + definition
        ns = "/namespaces/{namespace}" if r.namespaced else ""
        scope = "Namespaced" if r.namespaced else ""
        tag = _camel(r)
        path_params = ([_param("namespace", v3, "path")] if r.namespaced else [])
        collection = {
            "get": _op(r, "list", f"list{tag}{scope}{r.kind}", list_params, ref + "List", v3),
            "post": _op(r, "post", f"create{tag}{scope}{r.kind}", write, ref, v3),
            "parameters": path_params,
        }
        if "deletecollection" in r.verbs:
            collection["delete"] = _op(r, "deletecollection", f"deleteCollection{tag}{scope}{r.kind}",
                                       ["dryRun", "gracePeriodSeconds", "propagationPolicy", "labelSelector",
                                        "fieldSelector"], ref_prefix + _META + "Status", v3)
        paths[f"{prefix}{ns}/{r.plural}"] = collection
        item_params = [_param("name", v3, "path")] + path_params
        paths[f"{prefix}{ns}/{r.plural}/{{name}}"] = {
            "get": _op(r, "get", f"read{tag}{scope}{r.kind}", [], ref, v3),
            "put": _op(r, "put", f"replace{tag}{scope}{r.kind}", write, ref, v3),
            "patch": _op(r, "patch", f"patch{tag}{scope}{r.kind}", write + ["force"], ref, v3),
            "delete": _op(r, "delete", f"delete{tag}{scope}{r.kind}",
                          ["dryRun", "gracePeriodSeconds", "propagationPolicy"], ref_prefix + _META + "Status", v3),
            "parameters": item_params,
        }
        if r.namespaced:
            paths[f"{prefix}/{r.plural}"] = {
                "get": _op(r, "list", f"list{tag}{r.kind}ForAllNamespaces", list_params, ref + "List", v3)}
        for sub in SUBRESOURCES.get(r.group_resource, ()):
            sub_name = sub.capitalize()
            path = f"{prefix}{ns}/{r.plural}/{{name}}/{sub}"
            if sub == "exec":  # connect operations (websocket streams) have no schema to speak of
                continue
            if sub == "log":
                paths[path] = {"get": _op(r, "get", f"read{tag}{scope}{r.kind}Log", ["container", "previous",
                                                                                     "tailLines", "timestamps"],
                                          ref_prefix + "io.k8s.api.core.v1.Pod", v3), "parameters": item_params}
                continue
            sref, kind = ref, None
            if sub == "scale":
                sref, kind = ref_prefix + "io.k8s.api.autoscaling.v1.Scale", ("autoscaling", "v1", "Scale")
            paths[path] = {
                "get": _op(r, "get", f"read{tag}{scope}{r.kind}{sub_name}", [], sref, v3, kind),
                "put": _op(r, "put", f"replace{tag}{scope}{r.kind}{sub_name}", write, sref, v3, kind),
                "patch": _op(r, "patch", f"patch{tag}{scope}{r.kind}{sub_name}", write + ["force"], sref, v3, kind),
                "parameters": item_params,
            }
    return paths


# -- documents -----------------------------------------------------------------

@lru_cache(maxsize=None)
def _v2_text() -> bytes:
    definitions, _ = _definitions(KUBERNETES_VERSION)
    resources = [r for g, v in sorted(group_versions()) for r in resources_in(g, v)]
    prefix = "#/definitions/"
    doc = {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": CLIENT_VERSION.split("-")[0]},
        "paths": {k: v for g, ver in sorted(group_versions()) for k, v in _paths(g, ver, prefix, False).items()},
        "definitions": {n: _definition(n, definitions[n], prefix) for n in _reachable(_roots(resources))},
        "securityDefinitions": {"BearerToken": {"description": "Bearer Token authentication", "type": "apiKey",
                                                "name": "authorization", "in": "header"}},
        "security": [{"BearerToken": []}],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def v2() -> bytes:
    """The OpenAPI v2 document (JSON)."""
    return _v2_text()


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@lru_cache(maxsize=None)
def _v3_text(group: str, version: str) -> bytes:
    from lab.sim.kubectl.explain_data import schemas

    components = schemas()
    prefix = "#/components/schemas/"
    resources = resources_in(group, version)
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": CLIENT_VERSION.split("-")[0]},
        "paths": _paths(group, version, prefix, True),
        "components": {
            "schemas": {n: components[n] for n in _reachable(_roots(resources)) if n in components},
            "securitySchemes": {"BearerToken": {"type": "apiKey", "description": "Bearer Token authentication",
                                                "name": "authorization", "in": "header"}},
        },
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def v3_group_version(path: str) -> bytes | None:
    """The v3 document for `api/v1` or `apis/<group>/<version>`, or None."""
    for group, version in group_versions():
        if gv_path(group, version) == path.strip("/"):
            return _v3_text(group, version)
    return None


def v3_hash(group: str, version: str) -> str:
    return hashlib.sha512(_v3_text(group, version)).hexdigest()[:128].upper()


def v3_root() -> dict[str, Any]:
    """The v3 discovery document: one entry per group version, with the content hash kubectl caches by."""
    return {"paths": {gv_path(g, v): {"serverRelativeURL": f"/openapi/v3/{gv_path(g, v)}?hash={v3_hash(g, v)}"}
                      for g, v in sorted(group_versions())}}


__all__ = ["v2", "v3_root", "v3_group_version"]
