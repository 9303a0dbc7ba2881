"""The OpenAPI v3 schemas `kubectl explain` reads, built offline.

A real kubectl fetches /openapi/v3/<group-version> from the apiserver. The
lab builds the same documents from the JSON schemas the pinned
`kubernetes-validate` package ships for v1.32 (the apiserver's own
descriptions), reshaped the way kube-apiserver serves OpenAPI v3: one type
per property (no `null`), a `$ref` with siblings wrapped in `allOf`, refs
under `#/components/schemas/`, IntOrString as a `oneOf` of integer and string.

Those schemas drop the apiserver's enum data (the `enum` lists and the
"Possible enum values" paragraph the OpenAPI generator appends to a
description); ENUMS puts it back for the fields the lessons look at.
SIMPLIFICATION: enum data for other fields is missing, so their explain
text lacks the ENUM lines and the "Possible enum values" paragraph.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "v1.32.0-local"

_SCHEMA_FILE = ("kubernetes-json-schema", SCHEMA_VERSION, "_definitions.json")

_INT_OR_STRING = {
    "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
                   "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you "
                   "to have, for example, a JSON field that can accept a name or number.",
    "format": "int-or-string",
    "oneOf": [{"type": "integer"}, {"type": "string"}],
}

_PROTOCOL = [("SCTP", "is the SCTP protocol."), ("TCP", "is the TCP protocol."), ("UDP", "is the UDP protocol.")]

# (definition, property) -> [(value, comment)]: the enum values in the order the
# generator lists them (sorted) and the Go doc comment of each constant.
ENUMS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("io.k8s.api.core.v1.ServiceSpec", "type"): [
        ("ClusterIP", "means a service will only be accessible inside the cluster, via the cluster IP."),
        ("ExternalName", "means a service consists of only a reference to an external name that kubedns or "
                         "equivalent will return as a CNAME record, with no exposing or proxying of any pods "
                         "involved."),
        ("LoadBalancer", "means a service will be exposed via an external load balancer (if the cloud provider "
                         "supports it), in addition to 'NodePort' type."),
        ("NodePort", "means a service will be exposed on one port of every node, in addition to 'ClusterIP' "
                     "type."),
    ],
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy"): [
        ("Cluster", "routes traffic to all endpoints."),
        ("Local", "preserves the source IP of the traffic by routing only to endpoints on the same node as the "
                  "traffic was received on (dropping the traffic if there are no local endpoints)."),
    ],
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy"): [
        ("Cluster", "routes traffic to all endpoints."),
        ("Local", "routes traffic only to endpoints on the same node as the client pod (dropping the traffic "
                  "if there are no local endpoints)."),
    ],
    ("io.k8s.api.core.v1.ServiceSpec", "ipFamilyPolicy"): [
        ("PreferDualStack", "indicates that this service prefers dual-stack when the cluster is configured "
                            "for dual-stack. If the cluster is not configured for dual-stack the service will "
                            "be assigned a single IPFamily. If the IPFamily is not set in "
                            "service.spec.ipFamilies then the service will be assigned the default IPFamily "
                            "configured on the cluster"),
        ("RequireDualStack", "indicates that this service requires dual-stack. Using "
                             "IPFamilyPolicyRequireDualStack on a single stack cluster will result in "
                             "validation errors. The IPFamilies (and their order) assigned to this service is "
                             "based on service.spec.ipFamilies. If service.spec.ipFamilies was not provided "
                             "then it will be assigned according to how they are configured on the cluster. If "
                             "service.spec.ipFamilies has only one entry then the alternative IPFamily will be "
                             "added by apiserver"),
        ("SingleStack", "indicates that this service is required to have a single IPFamily. The IPFamily "
                        "assigned is based on the default IPFamily used by the cluster or as identified by "
                        "service.spec.ipFamilies field"),
    ],
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity"): [
        ("ClientIP", "is the Client IP based."),
        ("None", "- no session affinity."),
    ],
    ("io.k8s.api.core.v1.ServicePort", "protocol"): _PROTOCOL,
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): _PROTOCOL,
    ("io.k8s.api.discovery.v1.EndpointPort", "protocol"): _PROTOCOL,
    ("io.k8s.api.core.v1.EndpointPort", "protocol"): _PROTOCOL,
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): [
        ("Recreate", "Kill all existing pods before creating new ones."),
        ("RollingUpdate", "Replace the old ReplicaSets by new one using rolling update i.e gradually scale "
                          "down the old ReplicaSets and scale up the new one."),
    ],
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy"): [("Always", ""), ("Never", ""), ("OnFailure", "")],
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): [
        ("Always", "means that kubelet always attempts to pull the latest image. Container will fail If the "
                   "pull fails."),
        ("IfNotPresent", "means that kubelet pulls if the image isn't present on disk. Container will fail if "
                         "the image isn't present and the pull fails."),
        ("Never", "means that kubelet never pulls an image, but only uses a local image. Container will fail "
                  "if the image isn't present"),
    ],
}


def _enum_paragraph(values: list[tuple[str, str]]) -> str:
    lines = []
    for value, comment in values:
        line = f' - `"{value}"`'
        if comment:
            line += " " + comment
        lines.append(line)
    return "\n\nPossible enum values:\n" + "\n".join(lines)


def _convert(node: Any) -> Any:
    """JSON-schema form -> the apiserver's OpenAPI v3 form."""
    if isinstance(node, list):
        return [_convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, list):
            value = next((t for t in value if t != "null"), "object")
        elif key == "$ref":
            value = "#/components/schemas/" + value.rsplit("/", 1)[-1]
        elif key == "properties":
            value = {name: _convert(prop) for name, prop in value.items()}
        else:
            value = _convert(value)
        out[key] = value
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}]
    return out


@functools.lru_cache(maxsize=1)
def schemas() -> dict[str, dict[str, Any]]:
    """components.schemas of the served OpenAPI v3 documents, by definition name."""
    import kubernetes_validate

    path = Path(kubernetes_validate.__file__).parent.joinpath(*_SCHEMA_FILE)
    defs = json.loads(path.read_text())["$defs"]
    out = {name: _convert(schema) for name, schema in defs.items()}
    out["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = dict(_INT_OR_STRING)
    for schema in out.values():
        if schema.get("x-kubernetes-group-version-kind"):
            # The JSON schemas pin apiVersion/kind with an enum; the apiserver's do not.
            for prop in ("apiVersion", "kind"):
                schema.get("properties", {}).get(prop, {}).pop("enum", None)
    for (name, prop), values in ENUMS.items():
        field = out.get(name, {}).get("properties", {}).get(prop)
        if field is None:
            continue
        field["enum"] = [v for v, _ in values]
        field["description"] = field.get("description", "") + _enum_paragraph(values)
    return out


def schema_for(group: str, version: str, kind: str) -> dict[str, Any] | None:
    """The definition carrying x-kubernetes-group-version-kind {group, kind, version}."""
    want = {"group": group, "kind": kind, "version": version}
    for schema in schemas().values():
        if want in (schema.get("x-kubernetes-group-version-kind") or []):
            return schema
    return None


def resolve_ref(ref: Any) -> dict[str, Any] | None:
    if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
        return None
    return schemas().get(ref[len("#/components/schemas/"):])
