"""`kubectl label` and `kubectl annotate`: metadata changes sent as JSON merge patches.

Mirrors kubectl 1.32's label.go and annotate.go: how arguments split into
resources and `key=value` / `key-` pairs, the client-side checks (label
values only; keys are left to the apiserver), the --overwrite rules, the
merge patch computed from the old and new object (sent even when empty),
and the result words: `labeled`, `unlabeled` (the object got smaller and
--overwrite is off), `not labeled` (nothing changed); `annotated` always.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..api.resources import Resource, by_kind
from ..api.validation.formats import is_valid_label_value
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, Invocation, Target, subcommand
from .cmd_expose import NO_RESOURCES
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format, print_result
from .yamlout import compact_json


@dataclass(frozen=True)
class Kind:
    """What differs between label and annotate."""

    verb: str        # label / annotate
    field: str       # labels / annotations
    noun: str        # label / annotation
    done: str        # labeled / annotated


LABEL = Kind("label", "labels", "label", "labeled")
ANNOTATE = Kind("annotate", "annotations", "annotation", "annotated")


def split_args(args: list[str], noun: str) -> tuple[list[str], list[str]]:
    """cmdutil.GetResourcesAndPairs: resources first, then pairs."""
    resources: list[str] = []
    pairs: list[str] = []
    for arg in args:
        is_pair = ("=" in arg and not arg.startswith("=")) or (arg.endswith("-") and arg != "-")
        if is_pair:
            pairs.append(arg)
        elif pairs:
            raise KubectlError(f"all resources must be specified before {noun} changes: {arg}")
        else:
            resources.append(arg)
    return resources, pairs


def parse_label_pairs(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    """label.go parseLabels: values are validated here, keys by the server."""
    new: dict[str, str] = {}
    remove: list[str] = []
    for spec in pairs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise KubectlError(f"invalid label spec: {spec}")
            errs = is_valid_label_value(parts[1])
            if errs:
                raise KubectlError(f'invalid label value: "{spec}": ' + ";".join(errs))
            new[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"unknown label spec: {spec}")
    if any(key in new for key in remove):
        raise KubectlError("can not both modify and remove a label in the same command")
    return new, remove


def parse_annotation_pairs(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    """cmdutil.ParsePairs(..., "annotation", true) plus annotate's own conflict check."""
    new: dict[str, str] = {}
    remove: list[str] = []
    for spec in pairs:
        if "=" in spec and not spec.startswith("="):
            key, _, value = spec.partition("=")
            new[key] = value
        else:
            remove.append(spec[:-1])
    both = [key for key in remove if key in new]
    if both:
        raise KubectlError("can not both modify and remove the following annotation(s) in the same command: "
                           + ", ".join(both))
    return new, remove


def check_overwrite(kind: Kind, current: dict[str, str], new: dict[str, str]) -> None:
    """validateNoOverwrites / validateNoAnnotationOverwrites."""
    clashes = [(k, current[k]) for k, v in new.items() if k in current and current[k] != v]
    if not clashes:
        return
    if kind is LABEL:
        key, value = clashes[0]
        raise KubectlError(f"'{key}' already has a value ({value}), and --overwrite is false")
    text = "; ".join(f"'{k}' already has a value ({v})" for k, v in clashes
                     if k != "kubernetes.io/change-cause")
    if text:
        raise KubectlError(f"--overwrite is false but found the following declared annotation(s): {text}")


def _json_len(obj: dict[str, Any]) -> int:
    """len(json.Marshal(obj)) with Go's omitempty for metadata maps."""
    obj = copy.deepcopy(obj)
    meta = obj.get("metadata") or {}
    for key in ("labels", "annotations"):
        if key in meta and not meta[key]:
            del meta[key]
    return len(compact_json(obj).encode())


def change_message(old: dict[str, Any], new: dict[str, Any], overwrite: bool) -> str:
    """updateDataChangeMsg: labeled / unlabeled / not labeled."""
    if old == new:
        return "not labeled"
    if not overwrite and _json_len(new) < _json_len(old):
        return "unlabeled"
    return "labeled"


def _targets(inv: Invocation, parsed: Parsed, names: list[str]) -> list[tuple[Resource, dict[str, Any]]]:
    """The builder: -f files, TYPE NAME..., TYPE/NAME, or TYPE with --all / -l."""
    selector = parsed.get("selector") or ""
    out: list[tuple[Resource, dict[str, Any]]] = []
    files = [f for f in parsed.get("filename") or [] if f]
    if files:
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            if parsed.get("local"):
                out.append((fo.resource, copy.deepcopy(fo.obj)))
            else:
                ns = (fo.obj.get("metadata") or {}).get("namespace") or inv.namespace
                out.append((fo.resource, inv.api.get(fo.resource, fo.obj["metadata"]["name"], namespace=ns)))
        return out
    if not names:
        raise KubectlError(NO_RESOURCES)
    targets: list[Target] = inv.targets(names)
    for target in targets:
        if target.name is not None:
            if selector:
                raise KubectlError("name cannot be provided when a selector is specified")
            out.append((target.resource, inv.api.get(target.resource, target.name, namespace=inv.namespace)))
        elif parsed.get("all") or selector:
            ns = None if parsed.get("all-namespaces") else inv.namespace
            for obj in inv.api.list(target.resource, namespace=ns, label_selector=selector or None,
                                    field_selector=parsed.get("field-selector") or None):
                out.append((target.resource, obj))
        else:
            raise KubectlError("resource(s) were provided, but no name was specified")
    return out


def run_metadata_command(inv: Invocation, parsed: Parsed, kind: Kind) -> int:
    if parsed.get("all") and parsed.get("selector"):
        raise KubectlError("cannot set --all and --selector at the same time")
    if parsed.get("all") and parsed.get("field-selector"):
        raise KubectlError("cannot set --all and --field-selector at the same time")
    names, pairs = split_args(parsed.args, kind.noun)
    if kind is LABEL:
        new, remove = parse_label_pairs(pairs)
    else:
        new, remove = parse_annotation_pairs(pairs)
    files = [f for f in parsed.get("filename") or [] if f]
    if parsed.get("local"):
        if not files:
            raise KubectlError("can only use local files by -f pod.yaml or --filename=pod.json when "
                               "--local=true is set")
    elif not names and not files:
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove and not parsed.get("list"):
        raise KubectlError(f"at least one {kind.noun} update is required")
    strategy = inv.dry_run()
    check_format(parsed.get("output", "") or "")
    overwrite = bool(parsed.get("overwrite"))
    resource_version = parsed.get("resource-version") or ""
    targets = _targets(inv, parsed, names)
    for res, obj in targets:
        meta = obj.setdefault("metadata", {})
        current = dict(meta.get(kind.field) or {})
        if parsed.get("list"):
            if len(targets) > 1:
                inv.err(f"Listing {kind.field} for {obj.get('kind')}.{res.group}/{meta.get('name')}:\n")
            indent = " " if len(targets) > 1 else ""
            for key in sorted(current):
                inv.out(f"{indent}{key}={current[key]}\n")
            continue
        if not overwrite:
            check_overwrite(kind, current, new)
        updated = dict(current)
        updated.update(new)
        for key in remove:
            if key in updated:
                del updated[key]
            elif kind is LABEL:
                inv.out(f'{kind.noun} "{key}" not found.\n')
        before = copy.deepcopy(obj)
        after = copy.deepcopy(obj)
        if updated:
            after["metadata"][kind.field] = updated
        else:
            after["metadata"].pop(kind.field, None)
        verb = kind.done if kind is ANNOTATE else change_message(before, after, overwrite)
        if strategy == "client" or parsed.get("local"):
            result = after
        else:
            patch: dict[str, Any] = {}
            changes = {k: v for k, v in new.items() if current.get(k) != v}
            changes.update({k: None for k in remove if k in current})
            if changes:
                patch["metadata"] = {kind.field: changes}
            if resource_version:
                patch.setdefault("metadata", {})["resourceVersion"] = resource_version
            result = inv.api.patch(res, meta["name"], patch, "merge", namespace=meta.get("namespace"),
                                   dry_run=(strategy == "server"))
        print_result(inv, result, by_kind(result["apiVersion"], result["kind"]) or res, verb, strategy)
    return 0


META_FLAGS = PRINT_FLAGS + FILENAME_FLAGS + (
    DRY_RUN_FLAG, SELECTOR_FLAG,
    Flag("all", kind="bool", default=False),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("field-selector", default=""),
    Flag("list", kind="bool", default=False),
    Flag("local", kind="bool", default=False),
    Flag("overwrite", kind="bool", default=False),
    Flag("resource-version", default=""),
)


@subcommand("label", flags=META_FLAGS + (Flag("field-manager", default="kubectl-label"),))
def label(inv: Invocation, parsed: Parsed) -> int:
    return run_metadata_command(inv, parsed, LABEL)


@subcommand("annotate", flags=META_FLAGS + (Flag("field-manager", default="kubectl-annotate"),))
def annotate(inv: Invocation, parsed: Parsed) -> int:
    return run_metadata_command(inv, parsed, ANNOTATE)
