"""`kubectl get`: list or fetch objects and print them (cmd/get/get.go).

Arguments go through the resource builder (`TYPE [NAME...]`, `TYPE/NAME`,
`TYPE1,TYPE2`, the `all` category, `-f FILE`). Names that do not exist are
reported one `Error from server (NotFound)` each after the found objects
are printed. Tables (default, wide) come from printers.py, one per kind with
a blank line between them; every other -o format prints a single object
when one name was given and a List otherwise (get.go printGeneric).
"""
from __future__ import annotations

from typing import Any

from ..api import resources
from ..api.errors import StatusError
from ..api.resources import Resource
from . import printers
from .base import FILENAME_FLAGS, PRINT_FLAGS, Target, subcommand
from .errors import KubectlError, render_errors
from .flags import Flag
from .output import check_format, render, split_format

# The `all` category as the apiserver's discovery lists it, in discovery order
# (core group first, then apps); kinds the lab does not serve are absent.
ALL_CATEGORY = ("pods", "services", "daemonsets", "deployments", "replicasets")

GET_FLAGS = PRINT_FLAGS + FILENAME_FLAGS + (
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("chunk-size", kind="int", default=500),
    Flag("field-selector", default=""),
    Flag("ignore-not-found", kind="bool", default=False),
    Flag("label-columns", "L", kind="slice", default=[]),
    Flag("no-headers", kind="bool", default=False),
    Flag("output-watch-events", kind="bool", default=False),
    Flag("raw", default=""),
    Flag("selector", "l", default=""),
    Flag("server-print", kind="bool", default=True),
    Flag("show-kind", kind="bool", default=False),
    Flag("show-labels", kind="bool", default=False),
    Flag("sort-by", default=""),
    Flag("subresource", default=""),
    Flag("watch", "w", kind="bool", default=False),
    Flag("watch-only", kind="bool", default=False),
)

TABLE_FORMATS = ("wide", "custom-columns", "custom-columns-file")

NO_TYPE_HELP = ('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list '
                "of supported resources.\n\n")
NO_TYPE_ERROR = ("error: Required resource not specified.\n"
                 'Use "kubectl explain <resource>" for a detailed description of that resource '
                 "(e.g. kubectl explain pods).\n"
                 "See 'kubectl get -h' for help and examples\n")


def multiple_types_requested(args: list[str]) -> bool:
    """resource.MultipleTypesRequested: `all`, `a,b`, or TYPE/NAME args of several types."""
    if not args:
        return False
    if args[0] == "all" or "," in args[0]:
        return True
    types = {a.split("/", 1)[0] for a in args if "/" in a}
    return len(types) > 1


def expand_targets(inv, args: list[str]) -> list[Target]:
    """The builder's targets, with the `all` category expanded."""
    if args and "/" not in args[0]:
        type_words = args[0].split(",")
        if "all" in type_words:
            expanded = []
            for word in type_words:
                expanded.extend(ALL_CATEGORY if word == "all" else [word])
            args = [",".join(dict.fromkeys(expanded))] + args[1:]
    return inv.targets(args)


def selector_error(res: Resource, exc: StatusError, label: str, field: str) -> StatusError:
    """cli-runtime selector.go: say which list failed, keeping the apiserver's reason."""
    gvr = f"{res.group}/{res.version}, Resource={res.plural}"
    if label or field:
        exc.message = (f'Unable to find "{gvr}" that match label selector "{label}", field selector '
                       f'"{field}": {exc.message}')
    else:
        exc.message = f'Unable to list "{gvr}": {exc.message}'
    return exc


def collect(inv, parsed) -> tuple[list[tuple[Resource, dict[str, Any]]], list[Exception], bool]:
    """Fetch what the arguments name: (resource, object) pairs in builder order, errors, single-item."""
    args = parsed.args
    all_ns = bool(parsed.get("all-namespaces"))
    namespace = None if all_ns else inv.namespace
    label = parsed.get("selector") or ""
    field = parsed.get("field-selector") or ""
    found: list[tuple[Resource, dict[str, Any]]] = []
    errs: list[Exception] = []
    single = False
    filenames = parsed.get("filename") or []
    if filenames:
        if args:
            raise KubectlError("Unexpected args: " + str(args).replace("'", "").replace(",", ""))
        file_objs = inv.file_objects(filenames, bool(parsed.get("recursive")))
        single = len(file_objs) == 1
        for fo in file_objs:
            meta = fo.obj.get("metadata") or {}
            ns = meta.get("namespace") or inv.namespace
            try:
                found.append((fo.resource, inv.api.get(fo.resource, meta.get("name", ""), ns)))
            except StatusError as exc:
                errs.append(exc)
        return found, errs, single
    targets = expand_targets(inv, args)
    named = [t for t in targets if t.name is not None]
    if named and all_ns:
        raise KubectlError("a resource cannot be retrieved by name across all namespaces")
    if named and (label or field):
        raise KubectlError("name cannot be provided when a selector is specified")
    single = len(named) == 1 and len(targets) == 1
    for target in targets:
        if target.name is None:
            try:
                objs = inv.api.list(target.resource, namespace=namespace, label_selector=label or None,
                                    field_selector=field or None)
            except StatusError as exc:
                if exc.reason in ("BadRequest", "NotFound"):
                    exc = selector_error(target.resource, exc, label, field)
                errs.append(exc)
                continue
            found.extend((target.resource, o) for o in objs)
        else:
            try:
                found.append((target.resource, inv.api.get(target.resource, target.name, inv.namespace)))
            except StatusError as exc:
                errs.append(exc)
    return found, errs, single


def _sort_key(value: Any) -> tuple:
    if isinstance(value, bool):
        return (1, int(value), "")
    if isinstance(value, (int, float)):
        return (0, value, "")
    if value is None:
        return (-1, 0, "")
    return (2, 0, str(value))


def sort_objects(pairs: list[tuple[Resource, dict]], sort_by: str) -> list[tuple[Resource, dict]]:
    """--sort-by: a stable sort on one jsonpath field (get/sorter.go)."""
    from .jsonpath import JSONPath, JSONPathError

    expr = printers.relaxed_jsonpath(sort_by)
    keyed = []
    for res, obj in pairs:
        parser = JSONPath(expr, allow_missing_keys=True)
        try:
            values = parser.find_results(obj, parser.root.nodes, 0)
        except JSONPathError as exc:
            raise KubectlError(str(exc)) from None
        flat = [v for group in values for v in group]
        keyed.append((_sort_key(flat[0] if flat else None), res, obj))
    keyed.sort(key=lambda item: item[0])
    return [(res, obj) for _, res, obj in keyed]


def _print_tables(inv, parsed, pairs: list[tuple[Resource, dict]], show_kind: bool, wide: bool) -> str:
    groups: list[tuple[str, list[dict]]] = []
    for res, obj in pairs:
        if groups and groups[-1][0] == res.kind:
            groups[-1][1].append(obj)
        else:
            groups.append((res.kind, [obj]))
    if len({kind for kind, _ in groups}) > 1:
        show_kind = True
    return printers.print_tables(
        groups, inv.world.clock.now, wide=wide, show_labels=bool(parsed.get("show-labels")),
        show_kind=show_kind, all_namespaces=bool(parsed.get("all-namespaces")),
        no_headers=bool(parsed.get("no-headers")), label_columns=_label_columns(parsed))


def _label_columns(parsed) -> list[str]:
    out: list[str] = []
    for item in parsed.get("label-columns") or []:
        out.extend(k.strip() for k in item.split(",") if k.strip())
    return out


@subcommand("get", flags=GET_FLAGS)
def run_get(inv, parsed) -> int:
    """kubectl get (GetOptions.Complete, Validate, Run)."""
    fmt = parsed.get("output") or ""
    template = parsed.get("template") or ""
    if not fmt and template:
        fmt = "go-template"
    check_format(fmt, table_formats=TABLE_FORMATS)
    if not parsed.args and not parsed.get("filename"):
        inv.out(NO_TYPE_HELP)
        inv.err(NO_TYPE_ERROR)
        return 1
    if parsed.get("watch") or parsed.get("watch-only"):
        if parsed.get("sort-by"):
            inv.err("warning: --watch requested, --sort-by will be ignored for watch events received\n")
        # SIMPLIFICATION: -w prints the current list and returns; the web terminal streams changes.
    pairs, errs, single = collect(inv, parsed)
    if parsed.get("ignore-not-found"):
        errs = [e for e in errs if not (isinstance(e, StatusError) and e.reason == "NotFound")]
    if parsed.get("sort-by") and not (parsed.get("watch") or parsed.get("watch-only")):
        pairs = sort_objects(pairs, parsed["sort-by"])
    name, arg = split_format(fmt)
    if fmt in ("", "wide"):
        text = _print_tables(inv, parsed, pairs, bool(parsed.get("show-kind"))
                             or multiple_types_requested(parsed.args), fmt == "wide")
        inv.out(text)
        if not text and not errs and not parsed.get("ignore-not-found"):
            inv.err(printers.no_resources_found(None if parsed.get("all-namespaces") else inv.namespace))
    else:
        if single and errs and not pairs:
            raise errs[0]
        objs = [obj for _, obj in pairs]
        if not objs and parsed.get("ignore-not-found"):
            pass
        elif name in ("custom-columns", "custom-columns-file"):
            spec = arg if name == "custom-columns" else inv.read_file(arg)[0].strip()
            try:
                inv.out(printers.print_custom_columns(spec, objs, no_headers=bool(parsed.get("no-headers"))))
            except printers.CustomColumnsError as exc:
                raise KubectlError(str(exc)) from None
        elif name == "name":
            inv.out(printers.print_names(objs))
        else:
            inv.out(render(objs, fmt, single=single and len(objs) == 1, template=template,
                           allow_missing_keys=bool(parsed.get("allow-missing-template-keys", True)),
                           read_file=lambda p: inv.read_file(p)[0]))
    if errs:
        inv.err(render_errors(errs))
        return 1
    return 0
