"""The apiserver's strict decoding of a request body (fieldValidation=Strict).

kubectl 1.32 sends `fieldValidation=Strict` by default, so kube-apiserver
decodes the JSON body into the Go types with sigs.k8s.io/json's strict
unmarshal: a value of the wrong JSON type fails with encoding/json's
`json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`,
and fields the type does not have are collected as
`strict decoding error: unknown field "spec.selectr", unknown field "spec.x"`.
Either is wrapped by the handler's transformDecodeError into a 400:
`Service in version "v1" cannot be handled as a Service: ...`.

The Go types are read from the OpenAPI-derived JSON schemas shipped by
kubernetes-validate (v1.32, strict variant); Go type names are derived from
the definition names (io.k8s.api.core.v1.ServicePort -> v1.ServicePort) plus
a table of the named string types the schema cannot show (v1.Protocol ...).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lab.sim.api.errors import StatusError, bad_request
from lab.sim.api.yamlerrors import go_json_number

KUBERNETES_VERSION = "1.32"

_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)

# Fields whose Go type is a named string (or slice/map of one): encoding/json
# prints that name in type errors, the OpenAPI schema only says "string".
NAMED_TYPES: dict[tuple[str, str], str] = {
    ("ServiceSpec", "type"): "v1.ServiceType",
    ("ServiceSpec", "sessionAffinity"): "v1.ServiceAffinity",
    ("ServiceSpec", "externalTrafficPolicy"): "v1.ServiceExternalTrafficPolicy",
    ("ServiceSpec", "internalTrafficPolicy"): "v1.ServiceInternalTrafficPolicy",
    ("ServiceSpec", "ipFamilies"): "[]v1.IPFamily",
    ("ServiceSpec", "ipFamilyPolicy"): "v1.IPFamilyPolicy",
    ("ServicePort", "protocol"): "v1.Protocol",
    ("ContainerPort", "protocol"): "v1.Protocol",
    ("EndpointPort", "protocol"): "v1.Protocol",
    ("PortStatus", "protocol"): "v1.Protocol",
    ("LoadBalancerIngress", "ipMode"): "v1.LoadBalancerIPMode",
    ("Container", "imagePullPolicy"): "v1.PullPolicy",
    ("Container", "terminationMessagePolicy"): "v1.TerminationMessagePolicy",
    ("EphemeralContainer", "imagePullPolicy"): "v1.PullPolicy",
    ("PodSpec", "restartPolicy"): "v1.RestartPolicy",
    ("PodSpec", "dnsPolicy"): "v1.DNSPolicy",
    ("PodSpec", "preemptionPolicy"): "v1.PreemptionPolicy",
    ("PodStatus", "phase"): "v1.PodPhase",
    ("PodStatus", "qosClass"): "v1.PodQOSClass",
    ("PodCondition", "type"): "v1.PodConditionType",
    ("PodCondition", "status"): "v1.ConditionStatus",
    ("HTTPGetAction", "scheme"): "v1.URIScheme",
    ("Toleration", "operator"): "v1.TolerationOperator",
    ("Toleration", "effect"): "v1.TaintEffect",
    ("Taint", "effect"): "v1.TaintEffect",
    ("NodeSelectorRequirement", "operator"): "v1.NodeSelectorOperator",
    ("LabelSelectorRequirement", "operator"): "v1.LabelSelectorOperator",
    ("HostPathVolumeSource", "type"): "v1.HostPathType",
    ("Capabilities", "add"): "[]v1.Capability",
    ("Capabilities", "drop"): "[]v1.Capability",
    ("ResourceRequirements", "limits"): "v1.ResourceList",
    ("ResourceRequirements", "requests"): "v1.ResourceList",
    ("PodSpec", "overhead"): "v1.ResourceList",
    ("DeploymentStrategy", "type"): "v1.DeploymentStrategyType",
    ("DeploymentCondition", "type"): "v1.DeploymentConditionType",
    ("DeploymentCondition", "status"): "v1.ConditionStatus",
    ("ReplicaSetCondition", "type"): "v1.ReplicaSetConditionType",
    ("ReplicaSetCondition", "status"): "v1.ConditionStatus",
    ("DaemonSetUpdateStrategy", "type"): "v1.DaemonSetUpdateStrategyType",
    ("EndpointSlice", "addressType"): "v1.AddressType",
    ("NamespaceSpec", "finalizers"): "[]v1.FinalizerName",
    ("NamespaceStatus", "phase"): "v1.NamespacePhase",
    ("NodeStatus", "phase"): "v1.NodePhase",
    ("NodeAddress", "type"): "v1.NodeAddressType",
    ("NodeCondition", "type"): "v1.NodeConditionType",
    ("NodeCondition", "status"): "v1.ConditionStatus",
    ("Condition", "status"): "v1.ConditionStatus",
    ("ManagedFieldsEntry", "operation"): "v1.ManagedFieldsOperationType",
    ("OwnerReference", "kind"): "string",
}

_QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_QUANTITY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"}
_QUANTITY_EXPONENT = re.compile(r"^[eE][-+]?[0-9]+$")

_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_TIME = ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime")


def _schema_dir(version: str) -> Path:
    import kubernetes_validate  # the package ships the schemas as plain files
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    for candidate in sorted(base.iterdir()):
        if candidate.name.startswith(f"v{version}.") and candidate.name.endswith("-local-strict"):
            return candidate
    raise LookupError(f"no schemas for Kubernetes {version}")


@lru_cache(maxsize=4)
def _definitions(version: str) -> tuple[dict[str, dict], dict[tuple[str, str, str], str]]:
    """All definitions, and the definition name of each (group, version, kind)."""
    with open(_schema_dir(version) / "_definitions.json", encoding="utf-8") as handle:
        definitions = json.load(handle)["$defs"]
    by_gvk: dict[tuple[str, str, str], str] = {}
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", ()):
            # The meta/v1 kinds (Status, WatchEvent ...) are listed under every group.
            key = (gvk.get("group", ""), gvk["version"], gvk["kind"])
            if key not in by_gvk or not name.startswith("io.k8s.apimachinery"):
                by_gvk[key] = name
    return definitions, by_gvk


def definition_for(api_version: str, kind: str, version: str = KUBERNETES_VERSION) -> str | None:
    """The OpenAPI definition name for an apiVersion/kind (`io.k8s.api.core.v1.Service`), or None."""
    group, _, ver = api_version.rpartition("/")
    return _definitions(version)[1].get((group, ver, kind))


def go_type_name(definition: str) -> str:
    """io.k8s.api.core.v1.ServicePort -> v1.ServicePort (Go package name + type name)."""
    parts = definition.split(".")
    return f"{parts[-2]}.{parts[-1]}"


class _Abort(Exception):
    """An error returned by a type's own UnmarshalJSON: decoding stops there."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        return go_json_number(value)
    return str(value)


def _quantity_error(text: str) -> str | None:
    """resource.ParseQuantity's error for a quantity string, or None if it parses."""
    match = _QUANTITY_RE.match(text.strip())
    if not match:
        return _QUANTITY_FORMAT
    number, suffix = match.groups()
    if suffix not in _QUANTITY_SUFFIXES and not _QUANTITY_EXPONENT.match(suffix):
        return "unable to parse quantity's suffix"
    if number.lstrip("+-").count(".") > 1 or not any(c.isdigit() for c in number):
        return "unable to parse numeric part of quantity"
    return None


class _Decoder:
    """Walks a body like encoding/json decoding into Go structs (keys in the order kubectl sends them)."""

    def __init__(self, definitions: dict[str, dict]):
        self.definitions = definitions
        self.saved: str | None = None  # first type error (json's saveError)
        self.unknown: list[str] = []  # strict errors, in order
        self.struct = ""  # errorContext.Struct
        self.fields: list[str] = []  # errorContext.FieldStack

    def type_error(self, value_text: str, go_type: str) -> str:
        if self.struct or self.fields:
            return (f"json: cannot unmarshal {value_text} into Go struct field "
                    f"{self.struct}.{'.'.join(self.fields)} of type {go_type}")
        return f"json: cannot unmarshal {value_text} into Go value of type {go_type}"

    def save(self, value_text: str, go_type: str) -> None:
        if self.saved is None:
            self.saved = self.type_error(value_text, go_type)

    def decode_ref(self, value: Any, name: str, path: str, go_type: str | None = None) -> None:
        if value is None:
            return
        if name == _INT_OR_STRING:
            self.int_or_string(value)
            return
        if name == _QUANTITY:
            self.quantity(value)
            return
        if name in _TIME:
            if not isinstance(value, str):
                raise _Abort(self.type_error(_json_kind(value), "string"))
            return
        definition = self.definitions[name]
        if "properties" in definition:
            self.struct_value(value, definition, name, path, go_type or go_type_name(name))
        else:
            self.schema_value(value, definition, path, go_type or go_type_name(name))

    def int_or_string(self, value: Any) -> None:
        # intstr.IntOrString.UnmarshalJSON: a quoted value is the string, anything else an int32.
        if isinstance(value, str):
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Abort(self.type_error(_json_kind(value), "int32"))
        self.check_int(value, "int32", abort=True)

    def quantity(self, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value) if not isinstance(value, float) \
            else _number_text(value)
        if isinstance(value, bool):
            text = "true" if value else "false"
        problem = _quantity_error(text)
        if problem:
            raise _Abort(problem)

    def check_int(self, value: int | float, go_type: str, abort: bool = False) -> None:
        text = _number_text(value)
        low, high = _INT32 if go_type == "int32" else _INT64
        integral = isinstance(value, int) or ("." not in text and "e" not in text)
        if not integral or not low <= int(value) <= high:
            message = self.type_error(f"number {text}", go_type)
            if abort:
                raise _Abort(message)
            if self.saved is None:
                self.saved = message

    def struct_value(self, value: Any, definition: dict, name: str, path: str, go_type: str) -> None:
        if not isinstance(value, dict):
            self.save(_json_kind(value), go_type)
            return
        properties = definition["properties"]
        struct = name.rsplit(".", 1)[-1]
        for key in sorted(value):
            child_path = f"{path}.{key}" if path else key
            if key not in properties:
                self.unknown.append(f"unknown field {json.dumps(child_path)}")
                continue
            outer_struct, depth = self.struct, len(self.fields)
            self.struct = struct
            self.fields.append(key)
            self.schema_value(value[key], properties[key], child_path, NAMED_TYPES.get((struct, key)))
            self.struct = outer_struct
            del self.fields[depth:]

    def schema_value(self, value: Any, schema: dict, path: str, go_type: str | None = None) -> None:
        if value is None:
            return
        ref = schema.get("$ref")
        if ref:
            self.decode_ref(value, ref.rsplit("/", 1)[-1], path, go_type)
            return
        types = schema.get("type")
        kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
        if kind == "array":
            items = schema.get("items", {})
            go_type = go_type or "[]" + self.go_type(items)
            if not isinstance(value, list):
                self.save(_json_kind(value), go_type)
                return
            element = go_type[2:] if go_type.startswith("[]") else None
            for position, item in enumerate(value):
                self.schema_value(item, items, f"{path}[{position}]", element)
        elif kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
            values = schema["additionalProperties"]
            go_type = go_type or "map[string]" + self.go_type(values)
            if not isinstance(value, dict):
                self.save(_json_kind(value), go_type)
                return
            element = go_type.split("]", 1)[1] if go_type.startswith("map[") else None
            for key in sorted(value):
                self.schema_value(value[key], values, f"{path}.{key}", element)
        elif kind == "object" and "properties" in schema:
            self.struct_value(value, schema, "", path, go_type or "struct")
        elif kind == "string":
            if not isinstance(value, str):
                self.save(_json_kind(value), go_type or "string")
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.save(_json_kind(value), go_type or "bool")
        elif kind == "integer":
            go_type = go_type or ("int32" if schema.get("format") == "int32" else "int64")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.save(_json_kind(value), go_type)
            else:
                self.check_int(value, go_type)
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.save(_json_kind(value), go_type or "float64")
        # Anything else (RawExtension, FieldsV1, JSON) takes any value.

    def go_type(self, schema: dict) -> str:
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return go_type_name(name)
        types = schema.get("type")
        kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
        if kind == "array":
            return "[]" + self.go_type(schema.get("items", {}))
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            return "map[string]" + self.go_type(schema["additionalProperties"])
        if kind == "integer":
            return "int32" if schema.get("format") == "int32" else "int64"
        return {"string": "string", "boolean": "bool", "number": "float64"}.get(kind or "", "interface {}")


def decode_error(obj: dict, version: str = KUBERNETES_VERSION) -> str | None:
    """The decoding failure for a request body, without the handler's prefix, or None."""
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    name = definition_for(api_version, kind, version)
    if name is None:
        # SIMPLIFICATION: a kind the schemas do not know is not checked here;
        # the server's REST mapping rejects it first.
        return None
    definitions, _ = _definitions(version)
    decoder = _Decoder(definitions)
    try:
        decoder.decode_ref(obj, name, "")
    except _Abort as abort:
        return abort.message
    if decoder.saved is not None:
        return decoder.saved
    if decoder.unknown:
        return "strict decoding error: " + ", ".join(decoder.unknown)
    return None


def unknown_field_paths(obj: dict, version: str = KUBERNETES_VERSION) -> list[str]:
    """The paths of the fields `obj`'s kind does not have (`spec.selectr`, `spec.ports[0].nme`), in
    the order strict decoding reports them; [] when the kind is unknown or the body does not decode."""
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    name = definition_for(api_version, kind, version)
    if name is None:
        return []
    definitions, _ = _definitions(version)
    decoder = _Decoder(definitions)
    try:
        decoder.decode_ref(obj, name, "")
    except _Abort:
        return []
    return [json.loads(text[len("unknown field "):]) for text in decoder.unknown]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def drop_unknown_fields(obj: dict, version: str = KUBERNETES_VERSION) -> list[str]:
    """Remove (in place) the fields `obj`'s kind does not have; their paths.

    What the apiserver's decoding does with fieldValidation Warn or Ignore.
    Strategic merge patch directives (`$patch`, `$setElementOrder/...`) are
    not fields and stay.
    """
    paths = [p for p in unknown_field_paths(obj, version) if not p.rsplit(".", 1)[-1].startswith("$")]
    for path in paths:
        steps = [(m.group(1), m.group(2)) for m in _STEP.finditer(path)]
        node: Any = obj
        for key, index in steps[:-1]:
            node = node[int(index)] if index is not None else node[key]
        key, index = steps[-1]
        if index is None and isinstance(node, dict):
            node.pop(key, None)
    return paths


def strict_decode(obj: dict, version: str = KUBERNETES_VERSION) -> None:
    """Raise the apiserver's 400 BadRequest if `obj` would not decode strictly."""
    problem = decode_error(obj, version)
    if problem is None:
        return
    kind = obj.get("kind", "")
    api_version = obj.get("apiVersion", "")
    group_version = api_version.rpartition("/")[2]
    raise bad_request(f"{kind} in version {json.dumps(group_version)} cannot be handled as a {kind}: {problem}")


__all__ = ["StatusError", "strict_decode", "decode_error", "unknown_field_paths", "drop_unknown_fields", "definition_for", "go_type_name", "NAMED_TYPES"]
