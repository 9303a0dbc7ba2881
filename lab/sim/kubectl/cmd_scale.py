"""`kubectl scale TYPE NAME --replicas=N`: through the scale subresource, as kubectl 1.32's scale.go.

--replicas is required and must be >= 0. Without preconditions kubectl
sends `{"spec":{"replicas":N}}` as a merge patch of .../NAME/scale; with
--current-replicas or --resource-version it GETs the Scale, checks them
against it (`Expected replicas to be 3, was 1`) and PUTs it back. The
apiserver's answers come back as they are: a kind without the subresource
is a 404, the object's own validation (and the lab's replica limit) an
Invalid error. A client dry run only prints. `-o` prints the object as it
was read before scaling (kubectl prints info.Object).
"""
from __future__ import annotations

from typing import Any

from ..api.errors import StatusError
from ..api.resources import Resource
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, Invocation, subcommand
from .cmd_create_generators import require_flags
from .cmd_expose import NO_RESOURCES
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format, print_result



def _check(scale: dict[str, Any], current: int, resource_version: str) -> None:
    """ScalePrecondition.validate, against the Scale the apiserver returned."""
    have = (scale.get("spec") or {}).get("replicas", 0)
    if current != -1 and current != have:
        raise KubectlError(f"Expected replicas to be {current}, was {have}")
    rv = (scale.get("metadata") or {}).get("resourceVersion", "")
    if resource_version and resource_version != rv:
        raise KubectlError(f"Expected resource version to be {resource_version}, was {rv}")


def _objects(inv: Invocation, parsed: Parsed) -> list[tuple[Resource, dict[str, Any]]]:
    files = [f for f in parsed.get("filename") or [] if f]
    if files:
        out = []
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            ns = (fo.obj.get("metadata") or {}).get("namespace") or inv.namespace
            out.append((fo.resource, inv.api.get(fo.resource, fo.obj["metadata"]["name"], namespace=ns)))
        return out
    if not parsed.args:
        raise KubectlError(NO_RESOURCES)
    selector = parsed.get("selector") or ""
    out = []
    for target in inv.targets(parsed.args):
        if target.name is not None:
            try:
                out.append((target.resource, inv.api.get(target.resource, target.name, namespace=inv.namespace)))
            except StatusError as exc:
                # ContinueOnError: nothing visited, so kubectl reports both facts at once.
                raise KubectlError(f"no objects passed to scale {exc.message}") from None
        elif parsed.get("all") or selector:
            for obj in inv.api.list(target.resource, namespace=inv.namespace, label_selector=selector or None):
                out.append((target.resource, obj))
        else:
            raise KubectlError("resource(s) were provided, but no name was specified")
    return out


@subcommand("scale", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    DRY_RUN_FLAG, SELECTOR_FLAG,
    Flag("all", kind="bool", default=False),
    Flag("current-replicas", kind="int", default=-1),
    Flag("replicas", kind="int", default=0),
    Flag("resource-version", default=""),
    Flag("timeout", default="0s"),
))
def scale(inv: Invocation, parsed: Parsed) -> int:
    require_flags(parsed, "replicas")
    strategy = inv.dry_run()
    check_format(parsed.get("output", "") or "")
    replicas = parsed["replicas"]
    current = parsed["current-replicas"]
    if replicas < 0:
        raise KubectlError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if current < -1:
        raise KubectlError("The --current-replicas must specify an integer of -1 or greater")
    objects = _objects(inv, parsed)
    if not objects:
        raise KubectlError("no objects passed to scale")
    resource_version = parsed.get("resource-version") or ""
    if resource_version and len(objects) > 1:
        raise KubectlError("cannot use --resource-version with multiple resources")
    precondition = current != -1 or bool(resource_version)
    for res, obj in objects:
        meta = obj.get("metadata") or {}
        if strategy == "client":
            print_result(inv, obj, res, "scaled", strategy)
            continue
        ns = meta.get("namespace")
        if precondition:
            scale = inv.api.get_scale(res, meta["name"], namespace=ns)
            _check(scale, current, resource_version)
            scale["spec"]["replicas"] = replicas
            inv.api.update_scale(res, scale, namespace=ns, dry_run=(strategy == "server"))
        else:
            inv.api.patch_scale(res, meta["name"], {"spec": {"replicas": replicas}}, "merge",
                                namespace=ns, dry_run=(strategy == "server"))
        print_result(inv, obj, res, "scaled", strategy)
    return 0
