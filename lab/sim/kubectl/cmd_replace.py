"""`kubectl replace -f`: PUT every object of the files, as kubectl 1.32 does.

Mirrors k8s.io/kubectl/pkg/cmd/replace: with no resourceVersion in the
manifest the helper takes the live one (Helper.Replace with overwrite), so
only a stale resourceVersion written in the file gives the 409 Conflict;
a missing object is NotFound. `--force` deletes every object (through
delete's DeleteResult, printing `service "x" deleted`), waits until each
is gone, then creates them again. Prints `service/x replaced`.
"""
from __future__ import annotations

from ..api.errors import StatusError
from .apply_patch import (
    Printer, create_or_update_annotation, place_in_namespace, read_objects, render_aggregate, report,
    validate_directive,
)
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, VALIDATE_FLAG, Invocation, subcommand
from .cmd_create import require_filenames
from .cmd_delete import Deleter, FlagValueError, Item, parse_duration
from .errors import KubectlError, add_source
from .flags import Flag, Parsed
from .output import check_format

FLAGS = FILENAME_FLAGS + PRINT_FLAGS + (
    DRY_RUN_FLAG,
    VALIDATE_FLAG,
    Flag("field-manager", default="kubectl-replace"),
    Flag("cascade", default="background", no_opt_default="background"),
    Flag("force", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("raw", default=""),
    Flag("save-config", kind="bool", default=False),
    Flag("subresource", default=""),
    Flag("timeout", default="0s"),
    Flag("wait", kind="bool", default=False),
)


@subcommand("replace", flags=FLAGS)
def replace(inv: Invocation, parsed: Parsed) -> int:
    try:
        timeout = parse_duration(parsed.get("timeout") or "0s")
    except FlagValueError as exc:
        inv.err(f"Error: {exc}\nSee 'kubectl replace --help' for usage.\n")
        return 1
    paths = require_filenames(parsed)
    check_format(parsed.get("output", "") or "")
    dry_run = inv.dry_run()
    validate = validate_directive(inv)
    force = bool(parsed.get("force"))
    if int(parsed.get("grace-period")) >= 0 and not force:
        raise KubectlError("--grace-period must have --force specified")
    if timeout != 0 and not force:
        raise KubectlError("--timeout must have --force specified")
    if force and dry_run != "none":
        raise KubectlError("--dry-run can not be used when --force is set")
    if force:
        return _force_replace(inv, parsed, paths, validate)
    stream = read_objects(inv, paths, parsed.get("recursive", False), validate != "ignore")
    printer = Printer(inv)
    errs: list = []
    subresource = parsed.get("subresource") or ""
    for fo in stream.objects:
        try:
            place_in_namespace(inv, fo)
            create_or_update_annotation(bool(parsed.get("save-config")), fo.obj)
            if dry_run == "client":
                printer.print(fo.obj, fo.resource, "replaced", dry_run)
                continue
            try:
                obj = inv.api.update(_with_live_version(inv, fo), dry_run=(dry_run == "server"),
                                     subresource=subresource)
            except StatusError as exc:
                raise add_source("replacing", fo.source, exc) from exc
            printer.print(obj, fo.resource, "replaced", dry_run)
        except (StatusError, KubectlError) as exc:
            errs.append(exc)
    if stream.decode_errors:
        errs.append(list(stream.decode_errors))
    return report(inv, errs)


def _with_live_version(inv: Invocation, fo) -> dict:
    """Helper.Replace(overwrite=true): no resourceVersion in the file means "the live one"."""
    meta = fo.obj.setdefault("metadata", {})
    if meta.get("resourceVersion"):
        return fo.obj
    try:
        live = inv.api.get(fo.resource, meta.get("name", ""), meta.get("namespace"))
    except StatusError:
        return fo.obj
    meta["resourceVersion"] = live["metadata"].get("resourceVersion", "")
    return fo.obj


def _force_replace(inv: Invocation, parsed: Parsed, paths: list[str], validate: str) -> int:
    """forceReplace: delete (and wait), then create."""
    stream = read_objects(inv, paths, parsed.get("recursive", False), validate=False)
    deleter = Deleter(inv, parsed)
    deleter.dry_run = "none"
    # Replace re-creates what is missing: NotFound is not an error; a zero grace
    # period becomes 1 (replace does not run delete's own --force rules).
    deleter.ignore_not_found = True
    deleter.grace = int(parsed.get("grace-period"))
    if deleter.grace == 0:
        deleter.grace = 1
    items: list = []
    for fo in stream.objects:
        try:
            place_in_namespace(inv, fo)
        except KubectlError as exc:
            items.append(exc)
            continue
        meta = fo.obj.get("metadata") or {}
        items.append(Item(fo.resource, meta.get("name") or "", meta.get("namespace"), fo.source))
    deleter._decode_errors = list(stream.decode_errors)
    parsed.values["wait"] = True
    if deleter.timeout == 0:
        deleter.timeout = 300.0
    status = deleter.run(items)
    if status != 0:
        return status
    stream = read_objects(inv, paths, parsed.get("recursive", False), validate != "ignore")
    printer = Printer(inv)
    count = 0
    errs: list = []
    for fo in stream.objects:
        try:
            place_in_namespace(inv, fo)
            create_or_update_annotation(bool(parsed.get("save-config")), fo.obj)
            meta = fo.obj.setdefault("metadata", {})
            meta.pop("resourceVersion", None)
            obj = inv.api.create(fo.obj, namespace=meta.get("namespace"))
        except (StatusError, KubectlError) as exc:
            errs.append(exc)
            continue
        count += 1
        printer.print(obj, fo.resource, "replaced")
    if errs:
        inv.err(render_aggregate(errs))
        return 1
    if count == 0:
        raise KubectlError("no objects passed to replace")
    return 0
