"""`kubectl describe` (cmd/describe/describe.go).

Finds the objects like `get` does, gathers what each describer reads
besides the object itself (pkg/describe/describe.go: a Service's
EndpointSlices and Events, a Deployment's ReplicaSets, a Node's pods ...)
and hands them to describe.describe(). `describe TYPE NAME` with no object
of that name describes every object whose name starts with NAME
(DescribeMatchingResources), as kubectl does.
"""
from __future__ import annotations

from typing import Any

from ..api.errors import StatusError
from ..api.resources import Resource
from .base import FILENAME_FLAGS, subcommand
from .errors import KubectlError, render_errors
from .flags import Flag

DESCRIBE_FLAGS = FILENAME_FLAGS + (
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("chunk-size", kind="int", default=500),
    Flag("selector", "l", default=""),
    Flag("show-events", kind="bool", default=True),
)

TERMINATED_PHASES = ("Succeeded", "Failed")


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def events_for(api, obj: dict[str, Any]) -> list[dict[str, Any]]:
    """Events whose involvedObject is this object (describe's searchEvents)."""
    meta = _meta(obj)
    namespace = meta.get("namespace") or None
    # Nodes use their name as the UID in events (NodeDescriber sets nodeRef.UID = name).
    uid = meta.get("name") if obj.get("kind") == "Node" else meta.get("uid")
    out = []
    for ev in api.list("events", namespace=namespace):
        ref = ev.get("involvedObject") or {}
        if ref.get("uid") and uid and ref.get("uid") != uid:
            continue
        if ref.get("kind") == obj.get("kind") and ref.get("name") == meta.get("name") and \
                (ref.get("namespace") or "") == (meta.get("namespace") or ""):
            out.append(ev)
    return out


def _owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    uid = _meta(owner).get("uid")
    return any(ref.get("uid") == uid and ref.get("controller") for ref in _meta(obj).get("ownerReferences") or [])


def related_objects(api, res: Resource, obj: dict[str, Any], show_events: bool = True) -> dict[str, list[dict]]:
    """What the describer of this kind reads besides the object itself."""
    meta = _meta(obj)
    ns = meta.get("namespace") or None
    related: dict[str, list[dict]] = {}
    kind = res.kind
    if kind == "Service":
        related["endpointslices"] = api.list("endpointslices", namespace=ns,
                                             label_selector=f"kubernetes.io/service-name={meta.get('name', '')}")
    elif kind == "Deployment":
        related["replicasets"] = [rs for rs in api.list("replicasets", namespace=ns) if _owned_by(rs, obj)]
    elif kind in ("ReplicaSet", "DaemonSet"):
        related["pods"] = [p for p in api.list("pods", namespace=ns) if _owned_by(p, obj)]
    elif kind == "Node":
        related["pods"] = [p for p in api.list("pods", namespace=None)
                           if (p.get("spec") or {}).get("nodeName") == meta.get("name")
                           and (p.get("status") or {}).get("phase") not in TERMINATED_PHASES]
    elif kind == "Namespace":
        related["resourcequotas"] = []
        related["limitranges"] = []
    related["events"] = events_for(api, obj) if show_events else None
    return related


def _describe_one(inv, res: Resource, obj: dict[str, Any], show_events: bool) -> str:
    from . import describe as describers

    related = related_objects(inv.api, res, obj, show_events)
    return describers.describe(res.kind, obj, related, inv.world.clock.now)


@subcommand("describe", flags=DESCRIBE_FLAGS)
def run_describe(inv, parsed) -> int:
    """kubectl describe (DescribeOptions.Run and DescribeMatchingResources)."""
    args = parsed.args
    show_events = bool(parsed.get("show-events", True))
    all_ns = bool(parsed.get("all-namespaces"))
    namespace = None if all_ns else inv.namespace
    label = parsed.get("selector") or None
    filenames = parsed.get("filename") or []
    if not args and not filenames:
        raise KubectlError("You must specify the type of resource to describe. Use \"kubectl api-resources\" "
                           "for a complete list of supported resources.")
    found: list[tuple[Resource, dict]] = []
    errs: list[Exception] = []
    not_found: StatusError | None = None
    if filenames:
        for fo in inv.file_objects(filenames, bool(parsed.get("recursive"))):
            meta = fo.obj.get("metadata") or {}
            try:
                found.append((fo.resource, inv.api.get(fo.resource, meta.get("name", ""), meta.get("namespace")
                                                       or inv.namespace)))
            except StatusError as exc:
                errs.append(exc)
    else:
        targets = inv.targets(args)
        if all_ns and any(t.name is not None for t in targets):
            raise KubectlError("a resource cannot be retrieved by name across all namespaces")
        for target in targets:
            if target.name is None:
                found.extend((target.resource, o) for o in
                             inv.api.list(target.resource, namespace=namespace, label_selector=label))
                continue
            try:
                found.append((target.resource, inv.api.get(target.resource, target.name, inv.namespace)))
            except StatusError as exc:
                if exc.reason == "NotFound" and not_found is None:
                    not_found = exc
                errs.append(exc)
    if not_found is not None and len(args) == 2 and "/" not in args[0] and "/" not in args[1]:
        return _describe_matching(inv, args[0], args[1], not_found, show_events)
    out: list[str] = []
    seen: set[str] = set()
    for res, obj in found:
        out.append(_describe_one(inv, res, obj, show_events))
    inv.out("\n\n".join(out))
    if not found and not errs:
        inv.err("No resources found\n" if all_ns else f"No resources found in {inv.namespace} namespace.\n")
    unique = []
    for err in errs:
        text = str(err)
        if text not in seen:
            seen.add(text)
            unique.append(err)
    if unique:
        inv.err(render_errors(unique))
        return 1
    return 0


def _describe_matching(inv, type_text: str, prefix: str, original: StatusError, show_events: bool) -> int:
    """Every object of the type whose name starts with the given name, each followed by a newline."""
    res = inv.resolve_type(type_text)
    matches = [o for o in inv.api.list(res, namespace=inv.namespace)
               if _meta(o).get("name", "").startswith(prefix)]
    if not matches:
        raise original
    for obj in matches:
        inv.out(_describe_one(inv, res, obj, show_events) + "\n")
    return 0
