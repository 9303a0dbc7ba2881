"""`as=Table` responses (meta.k8s.io/v1 Table), the rows kubectl prints.

The cells are the ones the built-in kubectl prints (lab.sim.kubectl.printers,
a port of pkg/printers/internalversion), computed on the server as
kube-apiserver's TableConvertor does, with every column (wide ones carry
priority 1; the client hides them unless `-o wide`). The apiserver fills
wide cells too, so a LoadBalancer's EXTERNAL-IP is never cut there.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from lab.sim.kubectl import printers

_TABLE_ACCEPT = ("meta.k8s.io", "Table")

# Column types as the printers declare them (the rest are strings).
_INTEGER_COLUMNS = {
    ("ReplicaSet", "Desired"), ("ReplicaSet", "Current"), ("ReplicaSet", "Ready"),
    ("DaemonSet", "Desired"), ("DaemonSet", "Current"), ("DaemonSet", "Ready"), ("DaemonSet", "Up-to-date"),
    ("DaemonSet", "Available"), ("Deployment", "Up-to-date"), ("Deployment", "Available"),
    ("ConfigMap", "Data"), ("Secret", "Data"), ("ServiceAccount", "Secrets"), ("Event", "Count"),
}

_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace. Is required when creating resources, although some "
            "resources may allow a client to request the generation of an appropriate name automatically. "
            "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
            "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    "Age": "CreationTimestamp is a timestamp representing the server time when this object was created. It is "
           "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
           "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. "
           "Read-only. Null for lists. More info: "
           "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
}


def wants_table(accept: str) -> bool:
    """Whether the Accept header asks for a meta.k8s.io Table (kubectl get does)."""
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in part.split(";")[1:])}
        if (params.get("g"), params.get("as")) == _TABLE_ACCEPT and params.get("v") in ("v1", "v1beta1"):
            return True
    return False


def table_version(accept: str) -> str:
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in part.split(";")[1:])}
        if (params.get("g"), params.get("as")) == _TABLE_ACCEPT and params.get("v") in ("v1", "v1beta1"):
            return params["v"]
    return "v1"


def column_definitions(kind: str) -> list[dict[str, Any]]:
    cols = printers.COLUMNS.get(kind, printers._DEFAULT_COLUMNS)
    out = []
    for name, priority in cols:
        col = {"name": name, "type": "integer" if (kind, name) in _INTEGER_COLUMNS else "string",
               "format": "name" if name == "Name" else "", "description": _DESCRIPTIONS.get(name, ""),
               "priority": priority}
        out.append(col)
    return out


def _row_object(obj: dict[str, Any], include: str, version: str) -> dict[str, Any] | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{version}",
            "metadata": obj.get("metadata", {})}


def to_table(kind: str, objects: list[dict[str, Any]], now: datetime, *, resource_version: str,
             include_object: str = "Metadata", version: str = "v1", no_headers: bool = False) -> dict[str, Any]:
    """The Table for `objects` (all of one kind) at virtual time `now`."""
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printers.table_rows(kind, obj, now, wide=True)}
        ref = _row_object(obj, include_object, version)
        if ref is not None:
            row["object"] = ref
        rows.append(row)
    table: dict[str, Any] = {"kind": "Table", "apiVersion": f"meta.k8s.io/{version}",
                             "metadata": {"resourceVersion": resource_version}}
    if not no_headers:
        table["columnDefinitions"] = column_definitions(kind)
    table["rows"] = rows
    return table
