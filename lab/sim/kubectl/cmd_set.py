"""`kubectl set` and `kubectl set image`: new images for containers of pod templates.

Mirrors kubectl 1.32's set.go and set_image.go: `set` alone prints its help
on stderr (exit 1); `set image` splits resources from `NAME=IMAGE` pairs,
finds each container by name (`*` means all, init containers included),
sends a strategic merge patch only when something changed (an unchanged
object prints nothing), reports `unable to find container named "x"` for
each unknown name after the others were applied, and prints
`deployment.apps/x image updated`.
"""
from __future__ import annotations

import copy
from typing import Any

from ..api.errors import StatusError
from ..api.resources import Resource
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, Invocation, subcommand
from .cmd_expose import NO_RESOURCES
from .errors import KubectlError, render_errors
from .flags import Flag, Parsed
from .output import check_format, print_result


@subcommand("set")
def set_(inv: Invocation, parsed: Parsed) -> int:
    """cmdutil.DefaultSubCommandRun."""
    from .command import help_text

    if parsed.args:
        raise inv.usage_error(f'unknown command "{" ".join(parsed.args)}"')
    inv.err(help_text("set") or "")
    return 1


def split_images(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """getResourcesAndImages: resources first, then NAME=IMAGE pairs."""
    resources: list[str] = []
    images: dict[str, str] = {}
    for arg in args:
        if "=" in arg:
            name, _, image = arg.partition("=")
            images[name] = image
        elif images:
            raise KubectlError(f"all resources must be specified before image changes: {arg}")
        else:
            resources.append(arg)
    return resources, images


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj.get("kind") == "Pod":
        return obj.setdefault("spec", {})
    template = (obj.get("spec") or {}).get("template")
    if isinstance(template, dict):
        return template.setdefault("spec", {})
    return None


def _objects(inv: Invocation, parsed: Parsed, names: list[str]) -> list[tuple[Resource, dict[str, Any]]]:
    files = [f for f in parsed.get("filename") or [] if f]
    if files:
        out = []
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            if parsed.get("local"):
                out.append((fo.resource, copy.deepcopy(fo.obj)))
                continue
            ns = (fo.obj.get("metadata") or {}).get("namespace") or inv.namespace
            out.append((fo.resource, inv.api.get(fo.resource, fo.obj["metadata"]["name"], namespace=ns)))
        return out
    selector = parsed.get("selector") or ""
    out = []
    for target in inv.targets(names):
        if target.name is not None:
            out.append((target.resource, inv.api.get(target.resource, target.name, namespace=inv.namespace)))
        elif parsed.get("all") or selector:
            for obj in inv.api.list(target.resource, namespace=inv.namespace, label_selector=selector or None):
                out.append((target.resource, obj))
        else:
            raise KubectlError("resource(s) were provided, but no name was specified")
    return out


@subcommand("set image", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    DRY_RUN_FLAG, SELECTOR_FLAG,
    Flag("all", kind="bool", default=False),
    Flag("field-manager", default="kubectl-set"),
    Flag("local", kind="bool", default=False),
))
def set_image(inv: Invocation, parsed: Parsed) -> int:
    names, images = split_images(parsed.args)
    files = [f for f in parsed.get("filename") or [] if f]
    if parsed.get("local") and not files:
        raise KubectlError("you must specify resources by --filename when --local is set.\n"
                           "Example resource specifications include:\n"
                           "   '-f rsrc.yaml'\n"
                           "   '--filename=rsrc.json'")
    if not names and not files:
        raise KubectlError(NO_RESOURCES)
    strategy = inv.dry_run()
    check_format(parsed.get("output", "") or "")
    objects = _objects(inv, parsed, names)
    if not images:
        raise KubectlError("at least one image update is required")
    errors: list[Exception] = []
    for res, obj in objects:
        spec = _pod_spec(obj)
        if spec is None:
            errors.append(KubectlError(f"{res.plural}/{obj['metadata']['name']} the object is not a pod or "
                                       f"does not have a pod template: *v1.{obj.get('kind', '')}"))
            continue
        patch_containers: dict[str, list[dict[str, Any]]] = {}
        for cname, image in images.items():
            found = False
            for field in ("initContainers", "containers"):
                for container in spec.get(field) or []:
                    if cname == "*" or container.get("name") == cname:
                        found = True
                        if container.get("image") != (image or None):
                            patch_containers.setdefault(field, []).append(
                                {"name": container["name"], "image": image or None})
                            if image:
                                container["image"] = image
                            else:
                                container.pop("image", None)
            if not found:
                errors.append(KubectlError(f'unable to find container named "{cname}"'))
        if not patch_containers:
            continue
        if strategy == "client" or parsed.get("local"):
            result = obj
        else:
            body: dict[str, Any] = dict(patch_containers)
            patch = {"spec": body} if obj.get("kind") == "Pod" else {"spec": {"template": {"spec": body}}}
            try:
                result = inv.api.patch(res, obj["metadata"]["name"], patch, "strategic",
                                       namespace=obj["metadata"].get("namespace"), dry_run=(strategy == "server"))
            except StatusError as exc:
                errors.append(exc)
                continue
        print_result(inv, result, res, "image updated", strategy)
    if errors:
        inv.err(render_errors(errors))
        return 1
    return 0
