"""Live lint for the lab page's YAML editor: what `kubectl apply -f` would
be told about the open file, marked at the line and field it is about.

Nothing here has rules of its own. The text goes through the engine's own
steps, in kubectl's and the apiserver's order:

1. kubectl's reading of the file (lab.sim.api.decode: go-yaml's syntax
   errors with their line, unknown kinds, missing apiVersion/kind);
2. for each object, a server-side dry run in the lab's World, as
   `kubectl apply --dry-run=server` makes it: a create when the object does
   not exist, else apply's three-way patch. That runs strict decoding
   (unknown fields, wrong types), namespace admission, defaulting, the
   Service allocators (nodePort range, a port already taken) and
   validation, with the apiserver's messages.

A strict-decoding error names its fields (`unknown field "spec.x"`) or its
Go type path; the decoder below walks the object once more to learn the
exact field paths, so each one is marked where it is in the text. The World
is the caller's copy: a dry run stores nothing, but it may draw random
numbers, so it must not be a World that will be saved.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from lab.sim.api.decode import DecodeError, Document, locate, read_documents
from lab.sim.api.errors import StatusError
from lab.sim.api.resources import by_kind
from lab.sim.api.schema import KUBERNETES_VERSION, _Abort, _Decoder, _definitions, definition_for

_UNKNOWN_FIELD = re.compile(r'unknown field "([^"]*)"')


@dataclass
class Diagnostic:
    """One marker: 1-based line and column of what it is about, the text
    kubectl would print, the field path (when it is about a field), and the
    step that found it: "yaml" (kubectl reading the file), "decode" (the
    apiserver's strict decoding), "invalid" (validation and allocation) or
    "server" (any other refusal)."""

    line: int
    column: int
    message: str
    field: str = ""
    source: str = "yaml"
    severity: str = "error"

    def to_dict(self) -> dict:
        return asdict(self)


def lint_text(world: Any, text: str, filename: str = "", namespace: str = "default") -> list[Diagnostic]:
    """The diagnostics for `text` (a manifest named `filename`) against
    `world` (a copy: see the module docstring), in the file's order."""
    result = read_documents(text, filename or "STDIN")
    found = [_read_error(error) for error in result.errors]
    for doc in result.documents:
        found.extend(_dry_run(world, text, doc, namespace))
    found.sort(key=lambda d: (d.line, d.column))
    return found


def _read_error(error: DecodeError) -> Diagnostic:
    return Diagnostic(max(error.line, 1), max(error.column, 1), error.message, source="yaml")


def _where(text: str, doc: Document, field: str) -> tuple[int, int]:
    if field and doc.item is None:
        spot = locate(text, field, doc.index)
        if spot is not None:
            return spot
    return doc.start_line, 1


def _dry_run(world: Any, text: str, doc: Document, namespace: str) -> list[Diagnostic]:
    """The apiserver's answer to the object as apply would send it."""
    obj = copy.deepcopy(doc.obj)
    try:
        _apply_dry_run(world, obj, namespace)
    except StatusError as exc:
        return _status_diagnostics(text, doc, exc)
    return []


def _apply_dry_run(world: Any, obj: dict, namespace: str) -> None:
    from lab.sim.api.patch import three_way_patch
    from lab.sim.kubectl.apply_patch import create_apply_annotation, modified_configuration, \
        original_configuration

    api = world.api
    res = by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name") or ""
    ns = (meta.get("namespace") or namespace) if res is not None and res.namespaced else ""
    with api.client_request():
        current = api.store.peek(res.group_resource, ns, name) if res is not None and name else None
        if current is None:
            create_apply_annotation(obj)
            api.create(obj, namespace=ns or None, dry_run=True)
            return
        modified = json.loads(modified_configuration(obj, annotate=True))
        patch = three_way_patch(original_configuration(current), modified, current)
        if patch:
            api.patch(res, name, patch, "strategic", ns or None, dry_run=True)


def _status_diagnostics(text: str, doc: Document, exc: StatusError) -> list[Diagnostic]:
    from lab.sim.kubectl.errors import standard_message

    if exc.code == 422 and exc.reason == "Invalid":
        details = exc.details or {}
        prefix = f'The {details.get("kind", "")} "{details.get("name", "")}" is invalid'
        out = []
        for cause in details.get("causes") or []:
            field = cause.get("field", "")
            line, column = _where(text, doc, field)
            out.append(Diagnostic(line, column, f'{prefix}: {field}: {cause.get("message", "")}', field, "invalid"))
        return out or [Diagnostic(doc.start_line, 1, prefix, "", "invalid")]
    message = standard_message(exc)
    if exc.code == 400:
        fields = decode_error_fields(doc.obj)
        if fields:
            return [Diagnostic(*_where(text, doc, field), message, field, "decode") for field in fields]
    return [Diagnostic(doc.start_line, 1, message, "", "server")]


class _PathDecoder(_Decoder):
    """The apiserver's strict decoder, remembering where its first type
    error was (the message itself names the Go struct field only)."""

    def __init__(self, definitions: dict[str, dict]):
        super().__init__(definitions)
        self.at = ""
        self.saved_at = ""

    def schema_value(self, value: Any, schema: dict, path: str, go_type: str | None = None) -> None:
        self.at = path
        before = self.saved
        super().schema_value(value, schema, path, go_type)
        if before is None and self.saved is not None and not self.saved_at:
            self.saved_at = path

    def struct_value(self, value: Any, definition: dict, name: str, path: str, go_type: str) -> None:
        self.at = path
        super().struct_value(value, definition, name, path, go_type)


def decode_error_fields(obj: dict, version: str = KUBERNETES_VERSION) -> list[str]:
    """The field paths strict decoding fails on: the first type error's, or
    every unknown field (the error that is reported, as in schema.decode_error)."""
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    name = definition_for(api_version, kind, version)
    if name is None:
        return []
    definitions, _ = _definitions(version)
    decoder = _PathDecoder(definitions)
    try:
        decoder.decode_ref(obj, name, "")
    except _Abort:
        return [decoder.at] if decoder.at else []
    if decoder.saved is not None:
        return [decoder.saved_at] if decoder.saved_at else []
    return [m.group(1) for m in map(_UNKNOWN_FIELD.search, decoder.unknown) if m]
