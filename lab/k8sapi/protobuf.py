"""Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf) as JSON objects.

kubectl's typed clients send protobuf: `kubectl create deployment`,
`create service ...`, `create namespace`, `create configmap`. The body is
the 4-byte magic `k8s\\0` then a runtime.Unknown {typeMeta, raw}, `raw`
being the object in the wire encoding of k8s.io/api's generated.proto.

MESSAGES records the field numbers of the messages those commands send (the
v1.32 protocol), each field with how Go's encoding/json would write it, so
the JSON object equals the one kubectl would have sent as JSON: fields
that Go omits when empty (`omitempty`) are dropped when they arrive empty
(gogo-protobuf writes every non-pointer field), pointer fields keep their
zero values, embedded structs become objects, a zero Time becomes null (as in the
`creationTimestamp: null` of every Pod template).
A field number the table does not know, with a value, is an error (400),
never silently lost. Responses are always JSON, which kubectl accepts.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from .protowire import LENGTH, VARINT, WireError, fields, signed

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    """A body that does not decode (the handler answers 400 BadRequest)."""


# Field kinds: s string (omitempty), S string (always written), ps *string,
# i int (omitempty), I int (always), p *int, b bool (omitempty), pb *bool,
# m:<Msg> struct or *struct, []s / []m:<Msg> lists, map / map:q / map:bytes
# maps of strings, quantities, bytes; time (metav1.Time), ptime (*metav1.Time),
# ios (intstr.IntOrString), pios (*IntOrString), skip (read and dropped).
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "ObjectMeta": {1: ("name", "s"), 2: ("generateName", "s"), 3: ("namespace", "s"), 4: ("selfLink", "s"),
                   5: ("uid", "s"), 6: ("resourceVersion", "s"), 7: ("generation", "i"),
                   8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "ptime"),
                   10: ("deletionGracePeriodSeconds", "p"), 11: ("labels", "map"), 12: ("annotations", "map"),
                   13: ("ownerReferences", "[]m:OwnerReference"), 14: ("finalizers", "[]s"),
                   17: ("managedFields", "skip")},
    "OwnerReference": {5: ("apiVersion", "S"), 1: ("kind", "S"), 3: ("name", "S"), 4: ("uid", "S"),
                       6: ("controller", "pb"), 7: ("blockOwnerDeletion", "pb")},
    "LabelSelector": {1: ("matchLabels", "map"), 2: ("matchExpressions", "[]m:LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "S"), 2: ("operator", "S"), 3: ("values", "[]s")},
    "Deployment": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:DeploymentSpec"), 3: ("status", "skip")},
    "DeploymentSpec": {1: ("replicas", "p"), 2: ("selector", "m:LabelSelector"), 3: ("template", "m:PodTemplateSpec"),
                       4: ("strategy", "m:DeploymentStrategy"), 5: ("minReadySeconds", "i"),
                       6: ("revisionHistoryLimit", "p"), 7: ("paused", "b"), 9: ("progressDeadlineSeconds", "p")},
    "DeploymentStrategy": {1: ("type", "s"), 2: ("rollingUpdate", "m:RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "pios"), 2: ("maxSurge", "pios")},
    "PodTemplateSpec": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:PodSpec")},
    "PodSpec": {2: ("containers", "[]m:Container"), 3: ("restartPolicy", "s"),
                4: ("terminationGracePeriodSeconds", "p"), 5: ("activeDeadlineSeconds", "p"), 6: ("dnsPolicy", "s"),
                7: ("nodeSelector", "map"), 8: ("serviceAccountName", "s"), 9: ("serviceAccount", "s"),
                21: ("automountServiceAccountToken", "pb"), 10: ("nodeName", "s"), 11: ("hostNetwork", "b"),
                12: ("hostPID", "b"), 13: ("hostIPC", "b"), 27: ("shareProcessNamespace", "pb"),
                16: ("hostname", "s"), 17: ("subdomain", "s"), 19: ("schedulerName", "s"),
                24: ("priorityClassName", "s"), 25: ("priority", "p"), 29: ("runtimeClassName", "ps"),
                30: ("enableServiceLinks", "pb"), 31: ("preemptionPolicy", "ps")},
    "Container": {1: ("name", "S"), 2: ("image", "s"), 3: ("command", "[]s"), 4: ("args", "[]s"),
                  5: ("workingDir", "s"), 6: ("ports", "[]m:ContainerPort"), 7: ("env", "[]m:EnvVar"),
                  8: ("resources", "m:ResourceRequirements"), 24: ("restartPolicy", "ps"),
                  13: ("terminationMessagePath", "s"), 20: ("terminationMessagePolicy", "s"),
                  14: ("imagePullPolicy", "s"), 16: ("stdin", "b"), 17: ("stdinOnce", "b"), 18: ("tty", "b")},
    "ContainerPort": {1: ("name", "s"), 2: ("hostPort", "i"), 3: ("containerPort", "I"), 4: ("protocol", "s"),
                      5: ("hostIP", "s")},
    "EnvVar": {1: ("name", "S"), 2: ("value", "s")},
    "ResourceRequirements": {1: ("limits", "map:q"), 2: ("requests", "map:q")},
    "Service": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:ServiceSpec"), 3: ("status", "skip")},
    "ServiceSpec": {1: ("ports", "[]m:ServicePort"), 2: ("selector", "map"), 3: ("clusterIP", "s"),
                    18: ("clusterIPs", "[]s"), 4: ("type", "s"), 5: ("externalIPs", "[]s"),
                    7: ("sessionAffinity", "s"), 8: ("loadBalancerIP", "s"), 9: ("loadBalancerSourceRanges", "[]s"),
                    10: ("externalName", "s"), 11: ("externalTrafficPolicy", "s"), 12: ("healthCheckNodePort", "i"),
                    13: ("publishNotReadyAddresses", "b"), 19: ("ipFamilies", "[]s"), 17: ("ipFamilyPolicy", "ps"),
                    20: ("allocateLoadBalancerNodePorts", "pb"), 21: ("loadBalancerClass", "ps"),
                    22: ("internalTrafficPolicy", "ps"), 23: ("trafficDistribution", "ps")},
    "ServicePort": {1: ("name", "s"), 2: ("protocol", "s"), 6: ("appProtocol", "ps"), 3: ("port", "I"),
                    4: ("targetPort", "ios"), 5: ("nodePort", "i")},
    "Namespace": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:NamespaceSpec"), 3: ("status", "skip")},
    "NamespaceSpec": {1: ("finalizers", "[]s")},
    "ConfigMap": {1: ("metadata", "m:ObjectMeta"), 4: ("immutable", "pb"), 2: ("data", "map"),
                  3: ("binaryData", "map:bytes")},
}

# Kinds whose bodies can be decoded, by (apiVersion, kind).
TOP_LEVEL = {("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "Namespace"), ("v1", "ConfigMap")}


def _go_order(message: str) -> list[tuple[int, tuple[str, str]]]:
    """The table's fields in its written order (Go's struct order, which JSON keys follow)."""
    return list(MESSAGES[message].items())


def _string(raw: Any) -> str:
    if not isinstance(raw, bytes):
        raise ProtobufError("string field with a non-length wire type")
    return raw.decode("utf-8", errors="strict")


def _map(raw: bytes, value_kind: str) -> tuple[str, Any]:
    key, value = "", None
    for number, _, v in fields(raw):
        if number == 1:
            key = _string(v)
        elif number == 2:
            if value_kind == "q":
                value = _quantity(v)
            elif value_kind == "bytes":
                value = base64.b64encode(v).decode() if isinstance(v, bytes) else ""
            else:
                value = _string(v)
    if value is None:
        value = "" if value_kind != "bytes" else ""
    return key, value


def _quantity(raw: Any) -> str:
    for number, _, v in fields(raw):
        if number == 1:
            return _string(v)
    return "0"


def _int_or_string(raw: Any) -> int | str:
    kind, int_val, str_val = 0, 0, ""
    for number, _, v in fields(raw):
        if number == 1:
            kind = signed(v)
        elif number == 2:
            int_val = signed(v, 32)
        elif number == 3:
            str_val = _string(v)
    return str_val if kind == 1 else int_val


def _time(raw: Any) -> str | None:
    seconds = nanos = 0
    for number, _, v in fields(raw):
        if number == 1:
            seconds = signed(v)
        elif number == 2:
            nanos = signed(v, 32)
    if seconds == 0 and nanos == 0:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scalar(kind: str, wire: int, value: Any) -> Any:
    if kind in ("s", "S", "ps"):
        return _string(value)
    if kind in ("i", "I", "p"):
        if wire != VARINT:
            raise ProtobufError("integer field with a non-varint wire type")
        return signed(value)
    if kind in ("b", "pb"):
        return bool(value)
    raise ProtobufError(f"unknown field kind {kind}")


def decode_message(message: str, raw: bytes) -> dict[str, Any]:
    """One message as the JSON object Go would write for it."""
    table = MESSAGES[message]
    seen: dict[str, Any] = {}
    for number, wire, value in fields(raw):
        entry = table.get(number)
        if entry is None:
            if (wire == LENGTH and value) or (wire == VARINT and value):
                raise ProtobufError(f"field {number} of {message} is not supported by this server")
            continue
        name, kind = entry
        if kind == "skip":
            continue
        if kind.startswith("[]"):
            item_kind = kind[2:]
            items = seen.setdefault(name, [])
            items.append(decode_message(item_kind[2:], value) if item_kind.startswith("m:") else _string(value))
        elif kind.startswith("map"):
            key, item = _map(value, kind.partition(":")[2])
            seen.setdefault(name, {})[key] = item
        elif kind.startswith("m:"):
            seen[name] = decode_message(kind[2:], value)
        elif kind in ("time", "ptime"):
            seen[name] = _time(value)
        elif kind in ("ios", "pios"):
            seen[name] = _int_or_string(value)
        else:
            seen[name] = _scalar(kind, wire, value)
    out: dict[str, Any] = {}
    for _, (name, kind) in _go_order(message):
        if name not in seen:
            if kind in ("S", "I"):
                out[name] = "" if kind == "S" else 0
            elif kind == "time":
                out[name] = None  # a metav1.Time is written as null when zero
            continue
        value = seen[name]
        if kind in ("s", "i", "b") and not value:
            continue
        if kind == "ptime" and value is None:
            continue
        out[name] = value
    return out


def decode_body(body: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON object (apiVersion and kind first)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
    api_version = kind = ""
    raw = b""
    try:
        for number, _, value in fields(body[len(MAGIC):]):
            if number == 1 and isinstance(value, bytes):
                for n2, _, v2 in fields(value):
                    if n2 == 1:
                        api_version = _string(v2)
                    elif n2 == 2:
                        kind = _string(v2)
            elif number == 2 and isinstance(value, bytes):
                raw = value
        if (api_version, kind) not in TOP_LEVEL:
            raise ProtobufError(f"no kind \"{kind}\" is registered for protobuf bodies in version \"{api_version}\"")
        return {"kind": kind, "apiVersion": api_version, **decode_message(kind, raw)}
    except (WireError, UnicodeDecodeError) as exc:
        raise ProtobufError(f"unable to decode the protobuf body: {exc}") from None
