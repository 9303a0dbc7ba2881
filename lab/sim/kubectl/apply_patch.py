"""What create, apply, replace, delete and patch share.

- Reading `-f` objects the way cli-runtime's builder does with
  ContinueOnError: objects are visited in file order; errors a decorator
  or the command raises for one object are collected in order, while the
  decoding errors of every file (unknown kinds, bad YAML) are gathered by
  EagerVisitorList and reported last, as one aggregate.
- The namespace decorators SetNamespace / RequireNamespace / FilterNamespace.
- The `kubectl.kubernetes.io/last-applied-configuration` annotation
  (k8s.io/kubectl/pkg/util/apply.go: GetModifiedConfiguration,
  CreateApplyAnnotation, CreateOrUpdateAnnotation).
- How cmdutil.CheckErr prints an aggregate of errors.
- A printer that separates YAML documents with `---` as kubectl's
  YAMLPrinter does from the second object on.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Union

from ..api.errors import StatusError
from ..api.labels import SelectorError, parse_selector
from ..api.resources import Resource
from .base import FileObject, Invocation
from .errors import KubectlError, render_error, standard_message
from .output import is_structured, print_result, split_format
from .yamlout import compact_json

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# One element of an aggregate: an error, or a nested aggregate (a list).
AggError = Union[Exception, list]


# -- reading manifests ---------------------------------------------------------
@dataclass
class ObjectStream:
    """The objects of `-f` paths in visiting order, and the decoding errors kept for the end."""

    objects: list[FileObject] = field(default_factory=list)
    decode_errors: list[Exception] = field(default_factory=list)


def validate_directive(inv: Invocation) -> str:
    """cmdutil.GetValidationDirective: strict (true), warn, ignore (false)."""
    value = (inv.parsed.get("validate", "strict") or "strict").lower()
    mapping = {"strict": "strict", "true": "strict", "warn": "warn", "ignore": "ignore", "false": "ignore"}
    if value not in mapping:
        raise KubectlError(f'invalid - validate option "{inv.parsed.get("validate")}"; '
                           f"must be one of: strict (or true), warn, ignore (or false)")
    return mapping[value]


def read_objects(inv: Invocation, paths: list[str], recursive: bool, validate: bool = True) -> ObjectStream:
    """Decode every document of every path; a missing path fails at once (builder.Err())."""
    from ..api.decode import read_documents

    stream = ObjectStream()
    for given in paths:
        if given != "-" and inv.ctx.fs.isdir(inv.ctx.resolve(given)) and not inv.manifest_paths([given], recursive):
            raise KubectlError(f"error reading [{given}]: recognized file extensions are [.json .yaml .yml]")
    for path in inv.manifest_paths(paths, recursive):
        text, source = inv.read_file(path)
        result = read_documents(text, source, validate)
        for doc in result.documents:
            obj = doc.obj
            from ..api.resources import by_kind
            res = by_kind(obj.get("apiVersion", "") or "v1", obj.get("kind", ""))
            if res is None:  # pragma: no cover - decode already refused it
                continue
            stream.objects.append(FileObject(copy.deepcopy(obj), source, res))
        stream.decode_errors.extend(KubectlError(e.detail) for e in result.errors)
    return stream


def filter_by_selector(objects: list[FileObject], selector: str) -> list[FileObject]:
    """FilterByLabelSelector: `-l` keeps the file objects whose labels match."""
    if not selector:
        return objects
    try:
        sel = parse_selector(selector)
    except SelectorError as exc:
        raise KubectlError(str(exc)) from exc
    return [fo for fo in objects if sel.matches((fo.obj.get("metadata") or {}).get("labels"))]


def place_in_namespace(inv: Invocation, fo: FileObject, enforce: bool | None = None) -> None:
    """SetNamespace + RequireNamespace + FilterNamespace for one file object."""
    meta = fo.obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        return
    if not fo.resource.namespaced:
        meta.pop("namespace", None)
        return
    if enforce is None:
        enforce = inv.namespace_explicit
    ns = meta.get("namespace") or ""
    if not ns:
        meta["namespace"] = inv.namespace
        return
    if enforce and ns != inv.namespace:
        raise KubectlError(
            f'the namespace from the provided object "{ns}" does not match the namespace '
            f'"{inv.namespace}". You must pass \'--namespace={ns}\' to perform this operation.')


def object_namespace(fo: FileObject) -> str | None:
    return (fo.obj.get("metadata") or {}).get("namespace") if fo.resource.namespaced else None


def object_name(fo: FileObject) -> str:
    return (fo.obj.get("metadata") or {}).get("name") or ""


# -- the last-applied annotation --------------------------------------------
def encode(obj: Any) -> str:
    """runtime.Encode with UnstructuredJSONScheme: json.Encoder, sorted keys, a trailing newline."""
    return compact_json(obj) + "\n"


def modified_configuration(obj: dict[str, Any], annotate: bool) -> str:
    """GetModifiedConfiguration: the object without its last-applied annotation, encoded.

    With `annotate` the encoding is embedded as the annotation and the object
    encoded again (what apply's patch carries). `obj` keeps an
    `annotations` map afterwards, empty or not, as it does in kubectl.
    """
    meta = obj.setdefault("metadata", {})
    annots = dict(meta.get("annotations") or {})
    original = annots.pop(LAST_APPLIED, "")
    meta["annotations"] = annots
    modified = encode(obj)
    if annotate:
        annots = dict(annots)
        annots[LAST_APPLIED] = modified
        meta["annotations"] = annots
        modified = encode(obj)
    restored = dict(meta["annotations"])
    restored[LAST_APPLIED] = original
    meta["annotations"] = restored
    return modified


def create_apply_annotation(obj: dict[str, Any]) -> None:
    """CreateApplyAnnotation: the annotation holds the object's own configuration."""
    modified = modified_configuration(obj, annotate=False)
    obj["metadata"]["annotations"][LAST_APPLIED] = modified


def create_or_update_annotation(enabled: bool, obj: dict[str, Any]) -> None:
    """CreateOrUpdateAnnotation: `--save-config` on create and replace."""
    if enabled:
        create_apply_annotation(obj)


def original_configuration(obj: dict[str, Any]) -> dict[str, Any] | None:
    """GetOriginalConfiguration: the decoded annotation of the live object, or None."""
    import json

    text = ((obj.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# -- errors ------------------------------------------------------------------
def _message_in_aggregate(err: AggError) -> str:
    """messageForError inside MultipleErrors: StandardErrorMessage, else err.Error()."""
    if isinstance(err, list):
        return _error_string(err)
    if isinstance(err, StatusError):
        return standard_message(err)
    return getattr(err, "message", None) or str(err)


def _error_string(err: AggError) -> str:
    """err.Error(): an aggregate of one is its error; of several `[a, b]`."""
    if isinstance(err, list):
        if len(err) == 1:
            return _error_string(err[0])
        return "[" + ", ".join(_error_string(e) for e in err) + "]"
    if isinstance(err, StatusError):
        return err.message
    return getattr(err, "message", None) or str(err)


def render_aggregate(errs: list[AggError]) -> str:
    """cmdutil.CheckErr for an aggregate: one error alone as itself, else one line each."""
    while len(errs) == 1 and isinstance(errs[0], list):
        errs = errs[0]
    if not errs:
        return ""
    if len(errs) == 1:
        return render_error(errs[0])
    out = []
    for err in errs:
        out.append(_message_in_aggregate(err).rstrip("\n") + "\n")
    return "".join(out)


def report(inv: Invocation, errs: list[AggError]) -> int:
    """Print the collected errors (if any) to stderr; the exit status."""
    text = render_aggregate(errs)
    if text:
        inv.err(text)
        return 1
    return 0


# -- printing ----------------------------------------------------------------
class Printer:
    """kubectl's printer for one command run: `kind/name verb`, or -o output."""

    def __init__(self, inv: Invocation):
        self.inv = inv
        self.count = 0
        self.fmt = inv.parsed.get("output", "") or ""

    @property
    def structured(self) -> bool:
        return bool(self.fmt) and is_structured(self.fmt)

    def print(self, obj: dict[str, Any], res: Resource, verb: str, dry_run: str = "none") -> None:
        self.count += 1
        if self.count > 1 and split_format(self.fmt)[0] == "yaml":
            self.inv.out("---\n")
        print_result(self.inv, obj, res, verb, dry_run)
