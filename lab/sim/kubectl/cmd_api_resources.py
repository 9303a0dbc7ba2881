"""`kubectl api-resources` and `kubectl api-versions` (cmd/apiresources).

Only the resource types the lab's apiserver serves (lab/sim/api/resources.py),
sorted as kubectl sorts them: stably by API group, discovery order within
a group; `-o wide` adds the sorted verbs and the categories.
"""
from __future__ import annotations

from ..api.resources import RESOURCES, Resource
from .base import subcommand
from .errors import KubectlError
from .flags import Flag
from .tabwriter import tabify

# Discovery categories of the served kinds.
CATEGORIES = {"pods": ("all",), "services": ("all",), "daemonsets": ("all",), "deployments": ("all",),
              "replicasets": ("all",)}

API_RESOURCES_FLAGS = (
    Flag("api-group", default=""),
    Flag("cached", kind="bool", default=False),
    Flag("categories", kind="slice", default=[]),
    Flag("namespaced", kind="bool", default=True),
    Flag("no-headers", kind="bool", default=False),
    Flag("output", "o", default=""),
    Flag("sort-by", default=""),
    Flag("verbs", kind="slice", default=[]),
)


def _selected(parsed) -> list[Resource]:
    out = list(RESOURCES)
    if parsed.changed("api-group"):
        out = [r for r in out if r.group == (parsed.get("api-group") or "")]
    if parsed.changed("namespaced"):
        out = [r for r in out if r.namespaced == bool(parsed.get("namespaced"))]
    verbs = [v for item in parsed.get("verbs") or [] for v in item.split(",") if v]
    if verbs:
        out = [r for r in out if set(verbs) <= set(r.verbs)]
    categories = [c for item in parsed.get("categories") or [] for c in item.split(",") if c]
    if categories:
        out = [r for r in out if set(categories) <= set(CATEGORIES.get(r.plural, ()))]
    sort_by = parsed.get("sort-by") or ""
    if sort_by == "name":
        out.sort(key=lambda r: r.plural)
    elif sort_by == "kind":
        out.sort(key=lambda r: r.kind)
    else:
        out.sort(key=lambda r: r.group)
    return out


@subcommand("api-resources", flags=API_RESOURCES_FLAGS)
def run_api_resources(inv, parsed) -> int:
    output = parsed.get("output") or ""
    if output not in ("", "wide", "name"):
        raise KubectlError(f"--output {output} is not available")
    sort_by = parsed.get("sort-by") or ""
    if sort_by not in ("", "name", "kind"):
        raise KubectlError(f"--sort-by accepts only name or kind")
    if not getattr(inv.api, "up", True):
        inv.api.list("namespaces")  # raises the connection error kubectl prints
    selected = _selected(parsed)
    if output == "name":
        inv.out("".join((f"{r.plural}.{r.group}" if r.group else r.plural) + "\n" for r in selected))
        return 0
    lines = []
    headers = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if output == "wide":
        headers += ["VERBS", "CATEGORIES"]
    if not parsed.get("no-headers"):
        lines.append("\t".join(headers))
    for r in selected:
        cells = [r.plural, ",".join(r.short_names), r.api_version, "true" if r.namespaced else "false", r.kind]
        if output == "wide":
            cells += [",".join(sorted(r.verbs)), ",".join(CATEGORIES.get(r.plural, ()))]
        lines.append("\t".join(cells))
    inv.out(tabify("".join(line + "\n" for line in lines)))
    return 0


@subcommand("api-versions")
def run_api_versions(inv, parsed) -> int:
    if not getattr(inv.api, "up", True):
        inv.api.list("namespaces")
    versions = sorted({r.api_version for r in RESOURCES})
    inv.out("".join(v + "\n" for v in versions))
    return 0
