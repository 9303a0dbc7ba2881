"""Discovery documents for the kinds a lab serves (lab.sim.api.resources).

Both forms kube-apiserver 1.32 serves: the legacy documents (/api,
/api/v1, /apis, /apis/<group>, /apis/<group>/<version>) and aggregated
discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList on /api and /apis,
which kubectl 1.32 asks for first). Only the resources the simulated
apiserver has are listed, so clients never try a kind the lab lacks.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from lab.sim.api.resources import RESOURCES, Resource

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

# `kubectl get all` expands the "all" category through discovery.
_ALL_CATEGORY = {"pods", "services", "daemonsets", "deployments", "replicasets"}

SUBRESOURCE_VERBS = {"status": ("get", "patch", "update"), "scale": ("get", "patch", "update"), "log": ("get",),
                     "exec": ("create", "get")}

# The subresources the lab serves, per group resource.
SUBRESOURCES: dict[str, tuple[str, ...]] = {
    "pods": ("exec", "log", "status"),
    "services": ("status",),
    "nodes": ("status",),
    "namespaces": ("status",),
    "deployments.apps": ("scale", "status"),
    "replicasets.apps": ("scale", "status"),
    "daemonsets.apps": ("status",),
}

# Kinds a subresource answers with, when not the resource's own kind.
_SUBRESOURCE_KIND = {"scale": ("autoscaling", "v1", "Scale"), "log": ("", "v1", "Pod"),
                     "exec": ("", "v1", "PodExecOptions")}


def groups() -> list[str]:
    """API groups other than core, in the apiserver's priority order (apps first)."""
    seen: list[str] = []
    for r in RESOURCES:
        if r.group and r.group not in seen:
            seen.append(r.group)
    return seen


def resources_in(group: str, version: str) -> list[Resource]:
    """The served resources of one group version, sorted by plural as discovery lists them."""
    return sorted((r for r in RESOURCES if r.group == group and r.version == version), key=lambda r: r.plural)


def group_versions() -> set[tuple[str, str]]:
    return {(r.group, r.version) for r in RESOURCES}


def storage_version_hash(r: Resource) -> str:
    """A stable 8-byte hash per resource (the apiserver hashes group, version and kind)."""
    digest = hashlib.sha256(f"{r.group}/{r.version}/{r.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _categories(r: Resource) -> list[str]:
    return ["all"] if r.plural in _ALL_CATEGORY else []


# -- legacy discovery ---------------------------------------------------------

def api_versions(server_address: str) -> dict[str, Any]:
    """GET /api: the core group's versions."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(name: str) -> dict[str, Any]:
    versions = sorted({r.version for r in RESOURCES if r.group == name})
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list() -> dict[str, Any]:
    """GET /apis: the named groups."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g) for g in groups()]}


def api_group(name: str) -> dict[str, Any] | None:
    """GET /apis/<group>."""
    if name not in groups():
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


def api_resource_list(group: str, version: str) -> dict[str, Any] | None:
    """GET /api/v1 or /apis/<group>/<version>: resources and their subresources."""
    if (group, version) not in group_versions():
        return None
    out: list[dict[str, Any]] = []
    for r in resources_in(group, version):
        entry: dict[str, Any] = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                                 "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if _categories(r):
            entry["categories"] = _categories(r)
        entry["storageVersionHash"] = storage_version_hash(r)
        out.append(entry)
        for sub in SUBRESOURCES.get(r.group_resource, ()):
            sub_entry: dict[str, Any] = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced}
            g, v, kind = _SUBRESOURCE_KIND.get(sub, (None, None, r.kind))
            if g is not None and (g, v) != (r.group, r.version):
                sub_entry["group"], sub_entry["version"] = g, v
            sub_entry["kind"] = kind
            sub_entry["verbs"] = list(SUBRESOURCE_VERBS[sub])
            out.append(sub_entry)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}" if group else version,
            "resources": out}


# -- aggregated discovery -----------------------------------------------------

def _discovery_resource(r: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if _categories(r):
        entry["categories"] = _categories(r)
    subs = []
    for sub in SUBRESOURCES.get(r.group_resource, ()):
        g, v, kind = _SUBRESOURCE_KIND.get(sub, (r.group, r.version, r.kind))
        subs.append({"subresource": sub, "responseKind": {"group": g, "version": v, "kind": kind},
                     "verbs": list(SUBRESOURCE_VERBS[sub])})
    if subs:
        entry["subresources"] = subs
    return entry


def _discovery_group(name: str) -> dict[str, Any]:
    versions = sorted({r.version for r in RESOURCES if r.group == name})
    metadata: dict[str, Any] = {"name": name, "creationTimestamp": None} if name else {"creationTimestamp": None}
    return {"metadata": metadata,
            "versions": [{"version": v, "resources": [_discovery_resource(r) for r in resources_in(name, v)],
                          "freshness": "Current"} for v in versions]}


def aggregated(core: bool, version: str = "v2") -> dict[str, Any]:
    """The APIGroupDiscoveryList for /api (core) or /apis (the named groups)."""
    names = [""] if core else groups()
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": [_discovery_group(n) for n in names]}


def wants_aggregated(accept: str) -> str | None:
    """The aggregated discovery version the Accept header asks for first, if any."""
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in part.split(";")[1:])}
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            if params.get("v") in ("v2", "v2beta1"):
                return params["v"]
    return None
