"""Resource request paths, parsed as the apiserver's RequestInfoFactory does.

    /api/v1/namespaces/default/pods/web/log
    /apis/apps/v1/namespaces/default/deployments/web/scale
    /api/v1/nodes            /api/v1/pods (all namespaces)
    /api/v1/namespaces/kube-system  (the Namespace itself)
"""
from __future__ import annotations

from dataclasses import dataclass

from lab.sim.api.resources import RESOURCES, Resource


@dataclass(frozen=True)
class ResourcePath:
    """What a resource URL names."""

    resource: Resource
    namespace: str | None  # None: every namespace (or a cluster-scoped resource)
    name: str = ""
    subresource: str = ""


class UnknownPath(Exception):
    """The URL names no resource this lab serves (the apiserver answers 404 NotFound)."""


def _find(group: str, version: str, plural: str) -> Resource | None:
    for r in RESOURCES:
        if r.group == group and r.version == version and r.plural == plural:
            return r
    return None


def parse(path: str) -> ResourcePath:
    """Parse a path below the lab's base URL (no leading slash needed)."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise UnknownPath(path)
    if not rest:
        raise UnknownPath(path)
    namespace: str | None = None
    namespace_itself = group == "" and rest[0] == "namespaces" and (
        len(rest) == 2 or (len(rest) == 3 and rest[2] in ("status", "finalize")))
    if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_itself:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        raise UnknownPath(path)
    res = _find(group, version, rest[0])
    if res is None:
        raise UnknownPath(path)
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) == 3 else ""
    if res.namespaced and namespace is None and name:
        raise UnknownPath(path)
    if not res.namespaced and namespace is not None:
        raise UnknownPath(path)
    return ResourcePath(res, namespace, name, sub)
