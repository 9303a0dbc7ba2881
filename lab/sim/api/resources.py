"""The resource types the simulated apiserver serves (its discovery data).

Mirrors what `kubectl api-resources` prints for these kinds on v1.32, and the
way kubectl resolves a type argument (`svc`, `services`, `deployment.apps`,
`Deployment`) to a resource.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One served resource type."""

    plural: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`services`, `deployments.apps`: the name used in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kind_prefix(self) -> str:
        """`service`, `deployment.apps`: how kubectl names an object in messages."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()


RESOURCES: tuple[Resource, ...] = (
    Resource("configmaps", "configmap", "ConfigMap", "", "v1", True, ("cm",)),
    Resource("endpoints", "endpoints", "Endpoints", "", "v1", True, ("ep",)),
    Resource("events", "event", "Event", "", "v1", True, ("ev",)),
    Resource("namespaces", "namespace", "Namespace", "", "v1", False, ("ns",),
             ("create", "delete", "get", "list", "patch", "update", "watch")),
    Resource("nodes", "node", "Node", "", "v1", False, ("no",)),
    Resource("pods", "pod", "Pod", "", "v1", True, ("po",)),
    Resource("serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", True, ("sa",)),
    Resource("services", "service", "Service", "", "v1", True, ("svc",),
             ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    Resource("daemonsets", "daemonset", "DaemonSet", "apps", "v1", True, ("ds",)),
    Resource("deployments", "deployment", "Deployment", "apps", "v1", True, ("deploy",)),
    Resource("replicasets", "replicaset", "ReplicaSet", "apps", "v1", True, ("rs",)),
    Resource("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1", True, ()),
)

_BY_KIND: dict[tuple[str, str], Resource] = {(r.api_version, r.kind): r for r in RESOURCES}
_BY_GROUP_KIND: dict[tuple[str, str], Resource] = {(r.group, r.kind): r for r in RESOURCES}


def by_kind(api_version: str, kind: str) -> Resource | None:
    """The resource for an object's apiVersion and kind, or None."""
    return _BY_KIND.get((api_version, kind))


def by_group_kind(group: str, kind: str) -> Resource:
    return _BY_GROUP_KIND[(group, kind)]


def kinds_in_group(group: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group == group]


def resolve(type_arg: str) -> Resource | None:
    """Resolve a kubectl type argument the way the RESTMapper does.

    Accepts plural, singular, short name or kind, case-insensitively, with an
    optional `.group` or `.version.group` suffix (`deployments.apps`,
    `deploy.v1.apps`). The core group wins over others for an unqualified
    name, as kubectl's priority RESTMapper does (`events` is core v1 events).
    """
    arg = type_arg.strip()
    lower = arg.lower()
    name, _, rest = lower.partition(".")
    group = None
    version = None
    if rest:
        parts = rest.split(".", 1)
        if len(parts) == 2 and parts[0].startswith("v") and parts[0][1:2].isdigit():
            version, group = parts
        else:
            group = rest
    for r in RESOURCES:
        if group is not None and r.group != group:
            continue
        if version is not None and r.version != version:
            continue
        if name in (r.plural, r.singular, r.kind.lower()) or name in r.short_names:
            return r
    return None
