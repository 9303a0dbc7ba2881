"""`{{...}}` placeholders in check values, filled from the world when a check runs.

A lesson cannot know the addresses its lab will hand out, so a check
names them: `{{svc/nginx-service:spec.clusterIP}}` (a field of an object:
`RESOURCE/NAME` or `RESOURCE/NAMESPACE/NAME`, then a field path),
`{{host/kube-node02}}` (a machine's IP). An object that does not exist
(yet) leaves the check unresolved: it fails, saying what it waits for.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..api.resources import resolve
from . import fields

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


class Unresolved(Exception):
    """A placeholder whose object or field is not there."""


def parse(ref: str) -> tuple[str, str, str, str]:
    """`svc/ns/name:path` -> (resource, namespace, name, path); raises ValueError."""
    target, _, path = ref.partition(":")
    parts = target.split("/")
    if parts[0] == "host":
        if len(parts) != 2 or path:
            raise ValueError(f"{{{{{ref}}}}}: write {{{{host/NAME}}}}")
        return "host", "", parts[1], ""
    if len(parts) not in (2, 3) or not path:
        raise ValueError(f"{{{{{ref}}}}}: write {{{{RESOURCE/NAME:FIELD}}}} or {{{{RESOURCE/NAMESPACE/NAME:FIELD}}}}")
    if resolve(parts[0]) is None:
        raise ValueError(f"{{{{{ref}}}}}: the lab serves no resource {parts[0]!r}")
    fields.parse_path(path)
    ns, name = (parts[1], parts[2]) if len(parts) == 3 else ("", parts[1])
    return parts[0], ns, name, path


def refs(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def value(world: Any, ref: str) -> str:
    resource, ns, name, path = parse(ref)
    if resource == "host":
        if name not in world.hosts:
            raise Unresolved(f"host {name}")
        return world.hosts[name].ip
    res = resolve(resource)
    namespace = (ns or "default") if res.namespaced else ""
    obj = world.store.peek(res.group_resource, namespace, name)
    if obj is None:
        raise Unresolved(f"{resource}/{name}")
    got = fields.get(obj, path)
    if got is fields.MISSING or got is None:
        raise Unresolved(f"{resource}/{name} {path}")
    return str(got)


def fill(world: Any, text: str, escape: Callable[[str], str] | None = None) -> str:
    """`text` with every placeholder replaced (escaped for a regex when asked)."""
    def one(m: re.Match) -> str:
        got = value(world, m.group(1))
        return escape(got) if escape else got
    return PLACEHOLDER.sub(one, text)


def sample(text: str, escape: Callable[[str], str] | None = None) -> str:
    """`text` with placeholders replaced by a stand-in (to compile a regex at load time)."""
    return PLACEHOLDER.sub(lambda m: escape("0") if escape else "0", text)
