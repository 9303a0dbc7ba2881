"""`kubectl create -f FILE|DIR|-`: create every object of every document.

Mirrors k8s.io/kubectl/pkg/cmd/create (RunCreate): the builder reads the
files with ContinueOnError, each object gets its namespace (or the
mismatch error when -n was given), `--save-config` adds the
last-applied annotation, the object is POSTed (or not, with
--dry-run=client), `service/x created` is printed per success, and all
errors are printed at the end as one aggregate (exit 1).
The `create deployment|service|namespace` generators are separate
subcommands.
"""
from __future__ import annotations

from ..api.errors import StatusError
from .apply_patch import (
    Printer, create_or_update_annotation, filter_by_selector, place_in_namespace, read_objects, report,
    validate_directive,
)
from .base import (
    DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, VALIDATE_FLAG, Invocation,
    subcommand,
)
from .errors import KubectlError, add_source
from .flags import Flag, Parsed
from .output import check_format

FLAGS = FILENAME_FLAGS + PRINT_FLAGS + (
    DRY_RUN_FLAG,
    SELECTOR_FLAG,
    VALIDATE_FLAG,
    Flag("field-manager", default="kubectl-create"),
    Flag("save-config", kind="bool", default=False),
    Flag("edit", kind="bool", default=False),
    Flag("raw", default=""),
    Flag("windows-line-endings", kind="bool", default=False),
)


def require_filenames(parsed: Parsed) -> list[str]:
    """cmdutil's check for file-driven commands: `must specify one of -f and -k`."""
    paths = [p for p in parsed.get("filename") or [] if p != ""]
    if not paths and not parsed.get("kustomize"):
        raise KubectlError("must specify one of -f and -k")
    if parsed.get("kustomize"):
        # SIMPLIFICATION: kustomize directories are not supported by the lab.
        raise KubectlError(f'unable to find one of \'kustomization.yaml\', \'kustomization.yml\' or '
                           f'\'Kustomization\' in directory \'{parsed.get("kustomize")}\'')
    return paths


@subcommand("create", flags=FLAGS)
def create(inv: Invocation, parsed: Parsed) -> int:
    if parsed.args:
        raise inv.usage_error(f"Unexpected args: [{' '.join(parsed.args)}]")
    paths = require_filenames(parsed)
    check_format(parsed.get("output", "") or "")
    dry_run = inv.dry_run()
    validate = validate_directive(inv)
    stream = read_objects(inv, paths, parsed.get("recursive", False), validate != "ignore")
    objects = filter_by_selector(stream.objects, parsed.get("selector", "") or "")
    printer = Printer(inv)
    errs: list = []
    count = 0
    for fo in objects:
        try:
            place_in_namespace(inv, fo)
            create_or_update_annotation(bool(parsed.get("save-config")), fo.obj)
            obj = fo.obj
            if dry_run != "client":
                try:
                    obj = inv.api.create(fo.obj, namespace=(fo.obj.get("metadata") or {}).get("namespace"),
                                         dry_run=(dry_run == "server"))
                except StatusError as exc:
                    raise add_source("creating", fo.source, exc) from exc
            count += 1
            printer.print(obj, fo.resource, "created", dry_run)
        except (StatusError, KubectlError) as exc:
            errs.append(exc)
    if stream.decode_errors:
        errs.append(list(stream.decode_errors))
    if errs:
        return report(inv, errs)
    if count == 0:
        raise KubectlError("no objects passed to create")
    return 0
