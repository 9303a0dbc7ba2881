"""`kubectl apply -f`: client-side apply, as kubectl 1.32 does it.

Mirrors k8s.io/kubectl/pkg/cmd/apply (ApplyOptions.Run, applyOneObject)
and the patcher's patchSimple: the builder reads every object first
(its errors come first in the report), then per object the modified
configuration is computed with the last-applied annotation embedded; a
missing object is created with the annotation (`created`); an existing one
gets a three-way strategic merge patch between the annotation (original),
the manifest (modified) and the live object (current) — `unchanged` when
the patch is `{}` (no request is sent), `configured` otherwise. An object
that lacks the annotation gets kubectl's warning before the patch.
"""
from __future__ import annotations

from typing import Any

from ..api.errors import StatusError
from ..api.patch import three_way_patch
from .apply_patch import (
    LAST_APPLIED, Printer, create_apply_annotation, filter_by_selector, modified_configuration,
    object_name, object_namespace, original_configuration, place_in_namespace, read_objects, report,
    validate_directive,
)
from .base import (
    DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, VALIDATE_FLAG, FileObject, Invocation, subcommand,
)
from .cmd_create import require_filenames
from .errors import KubectlError, add_source
from .flags import Flag, Parsed
from .output import check_format, render, split_format
from .yamlout import compact_json

FLAGS = FILENAME_FLAGS + PRINT_FLAGS + (
    DRY_RUN_FLAG,
    SELECTOR_FLAG,
    VALIDATE_FLAG,
    Flag("field-manager", default="kubectl-client-side-apply"),
    Flag("all", kind="bool", default=False),
    Flag("cascade", default="background", no_opt_default="background"),
    Flag("force", kind="bool", default=False),
    Flag("force-conflicts", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("openapi-patch", kind="bool", default=True),
    Flag("overwrite", kind="bool", default=True),
    Flag("prune", kind="bool", default=False),
    Flag("prune-allowlist", kind="array", default=[]),
    Flag("server-side", kind="bool", default=False),
    Flag("subresource", default=""),
    Flag("timeout", default="0s"),
    Flag("wait", kind="bool", default=False),
)

WARNING_NO_LAST_APPLIED = (
    "Warning: resource {name} is missing the {annotation} annotation which is required by kubectl apply. "
    "kubectl apply should only be used on resources created declaratively by either kubectl create "
    "--save-config or kubectl apply. The missing annotation will be patched automatically.\n")


def info_string(fo: FileObject) -> str:
    """resource.Info.String(): the mapping and the name, as apply's error messages show it."""
    res = fo.resource
    gv = f"{res.group}/{res.version}"
    return (f'Resource: "{gv}, Resource={res.plural}", GroupVersionKind: "{gv}, Kind={res.kind}"\n'
            f'Name: "{object_name(fo)}", Namespace: "{object_namespace(fo) or ""}"')


class _Applier:
    """One `kubectl apply` run."""

    def __init__(self, inv: Invocation, dry_run: str):
        self.inv = inv
        self.dry_run = dry_run
        self.printer = Printer(inv)
        fmt = inv.parsed.get("output", "") or ""
        # shouldPrintObject: every -o except name prints the objects at the end.
        self.print_objects = bool(fmt) and split_format(fmt)[0] != "name"
        self.printed: list[dict[str, Any]] = []

    def emit(self, obj: dict[str, Any], fo: FileObject, verb: str) -> None:
        if self.print_objects:
            self.printed.append(obj)
        else:
            self.printer.print(obj, fo.resource, verb, self.dry_run)

    def apply_one(self, fo: FileObject) -> None:
        api = self.inv.api
        name = object_name(fo)
        meta = fo.obj.get("metadata") or {}
        if not name and meta.get("generateName"):
            raise KubectlError(f"from {meta['generateName']}: cannot use generate name with apply")
        namespace = object_namespace(fo)
        modified_text = modified_configuration(fo.obj, annotate=True)
        try:
            current = api.get(fo.resource, name, namespace)
        except StatusError as exc:
            if exc.reason != "NotFound":
                raise add_source(f"retrieving current configuration of:\n{info_string(fo)}\nfrom server for:",
                                 fo.source, exc) from exc
            current = None
        if current is None:
            create_apply_annotation(fo.obj)
            obj = fo.obj
            if self.dry_run != "client":
                try:
                    obj = api.create(fo.obj, namespace=namespace, dry_run=(self.dry_run == "server"))
                except StatusError as exc:
                    raise add_source("creating", fo.source, exc) from exc
            self.emit(obj, fo, "created")
            return
        if self.dry_run == "client":
            # info.Get() replaced the object with the live one: that is what is printed.
            self.emit(current, fo, "configured")
            return
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        if LAST_APPLIED not in annotations:
            self.inv.err(WARNING_NO_LAST_APPLIED.format(
                name=f"{fo.resource.plural}/{name}", annotation=LAST_APPLIED))
        import json
        modified = json.loads(modified_text)
        patch = three_way_patch(original_configuration(current), modified, current)
        if not patch:
            if self.print_objects:
                self.printed.append(current)
            else:
                self.printer.print(current, fo.resource, "unchanged", self.dry_run)
            return
        try:
            obj = api.patch(fo.resource, name, patch, "strategic", namespace,
                            dry_run=(self.dry_run == "server"))
        except StatusError as exc:
            raise add_source(f"applying patch:\n{compact_json(patch)}\nto:\n{info_string(fo)}\nfor:",
                             fo.source, exc) from exc
        self.emit(obj, fo, "configured")

    def print_collected(self) -> None:
        """printObjects: one object as itself, several as a List."""
        if not self.print_objects or not self.printed:
            return
        inv = self.inv
        inv.out(render(self.printed, inv.parsed.get("output", ""), single=len(self.printed) == 1,
                       template=inv.parsed.get("template", "") or "",
                       read_file=lambda p: inv.read_file(p)[0]))


@subcommand("apply", flags=FLAGS)
def apply(inv: Invocation, parsed: Parsed) -> int:
    paths = require_filenames(parsed)
    check_format(parsed.get("output", "") or "")
    dry_run = inv.dry_run()
    validate = validate_directive(inv)
    if parsed.get("server-side"):
        # SIMPLIFICATION: server-side apply (managed fields, conflicts) is not simulated.
        raise KubectlError("--server-side is not supported by this lab's apiserver; use client-side apply")
    if parsed.get("prune"):
        # SIMPLIFICATION: pruning is not simulated.
        raise KubectlError("--prune is not supported by this lab")
    stream = read_objects(inv, paths, parsed.get("recursive", False), validate != "ignore")
    objects = filter_by_selector(stream.objects, parsed.get("selector", "") or "")
    builder_errors: list[Exception] = []
    infos: list[FileObject] = []
    for fo in objects:
        try:
            place_in_namespace(inv, fo)
        except KubectlError as exc:
            builder_errors.append(exc)
            continue
        infos.append(fo)
    builder_errors.extend(stream.decode_errors)
    errs: list = [builder_errors] if builder_errors else []
    if not infos and not errs:
        raise KubectlError("no objects passed to apply")
    applier = _Applier(inv, dry_run)
    for fo in infos:
        try:
            applier.apply_one(fo)
        except (StatusError, KubectlError) as exc:
            errs.append(exc)
    if errs:
        return report(inv, errs)
    applier.print_collected()
    return 0
