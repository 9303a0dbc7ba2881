"""`kubectl explain RESOURCE[.field.path] [--recursive] [--api-version]`.

kubectl 1.32 renders explain from OpenAPI v3 through its plaintext template
(k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl). This module is a
line-by-line port of that template: the KIND/VERSION header, DESCRIPTION
(every description along the `allOf` chain, word-wrapped at 76 columns by
go-wordwrap, indented 4), and FIELDS (`name\\t<type>`, `-required-`, the
`enum:` line, descriptions wrapped at 78-indent), or the recursive tree.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from ..api import resources
from .base import subcommand
from .errors import KubectlError
from .explain_data import resolve_ref, schema_for
from .flags import Flag

NBSP = "\u00a0"


def wrap_string(text: str, limit: int) -> str:
    """github.com/mitchellh/go-wordwrap WrapString: wrap at spaces, keep newlines."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    space: list[str] = []
    for char in text:
        if char == "\n":
            if not word:
                if current + len(space) > limit:
                    current = 0
                else:
                    current += len(space)
                    out.extend(space)
                space = []
            else:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space = []
                word = []
            out.append(char)
            current = 0
        elif char.isspace() and char != NBSP:
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space = []
                word = []
            space.append(char)
        else:
            word.append(char)
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= limit:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)


def _indent(amount: int, text: str) -> str:
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    return resolve_ref(schema.get("$ref")) or schema


def _has_map_items(schema: dict[str, Any]) -> bool:
    extra = schema.get("additionalProperties")
    return bool(extra) and not isinstance(extra, bool)


def type_guess(schema: dict[str, Any]) -> str:
    """The template's typeGuess: string, Object, []ServicePort, map[string]string ..."""
    if schema.get("items"):
        return "[]" + type_guess(schema["items"])
    if _has_map_items(schema):
        return "map[string]" + type_guess(schema["additionalProperties"])
    all_of = schema.get("allOf")
    if all_of and not schema.get("properties") and len(all_of) == 1:
        return type_guess(all_of[0])
    ref = schema.get("$ref")
    if ref:
        ref_schema = resolve_ref(ref)
        if not ref_schema or not ref_schema.get("type") or ref_schema.get("type") == "object":
            name = ref.split("/")[-1]
            return name.split(".")[-1] or "Object"
        return ref_schema.get("type") or "Object"
    if schema.get("type") == "object":
        return "Object"
    return schema.get("type") or "Object"


def _enum_text(schema: dict[str, Any], long_view: bool, limit: int, indent: int = 0) -> str:
    values = schema.get("enum")
    if not values:
        return ""
    text = "ENUM:" if long_view else "\n" + " " * indent + "enum: "
    for index, value in enumerate(values):
        if limit > -1 and index >= limit:
            text += ", ...."
            break
        if index > 0 and not long_view:
            text += ", "
        elif long_view:
            text += "\n    "
        text += '""' if value == "" else str(value)
    return text


def _description(schema: dict[str, Any]) -> str:
    resolved = _resolve(schema)
    text = ""
    if resolved.get("description"):
        text += resolved["description"] + "\n"
    for sub in resolved.get("allOf") or []:
        text += _description(sub)
    if resolved.get("items"):
        text += _description(resolved["items"])
    if _has_map_items(resolved):
        text += _description(resolved["additionalProperties"])
    return text


def _field_detail(name: str, parent: dict[str, Any], short: bool, level: int) -> str:
    indent = level * 2
    field = parent["properties"][name]
    text = _indent(indent, name) + "\t<" + type_guess(field) + ">"
    if name in (parent.get("required") or []):
        text += " -required-"
    text += _enum_text(field, False, 4, indent)
    text += "\n"
    if not short:
        text += _indent(indent + 2, wrap_string(field.get("description") or "<no description>", 78 - indent))
        text += "\n"
        text += "\n"
    return text


def _field_list(schema: dict[str, Any], level: int, recursive: bool, history: frozenset[str]) -> str:
    ref = schema.get("$ref") or ""
    if ref and ref in history:
        return ""
    history = history | {ref}
    resolved = _resolve(schema)
    text = ""
    for name in sorted(resolved.get("properties") or {}):
        text += _field_detail(name, resolved, recursive, level)
        if recursive:
            text += _field_list(resolved["properties"][name], level + 1, recursive, history)
    for sub in resolved.get("allOf") or []:
        text += _field_list(sub, level, recursive, history)
    if resolved.get("items"):
        text += _field_list(resolved["items"], level, recursive, history)
    if _has_map_items(resolved):
        text += _field_list(resolved["additionalProperties"], level, recursive, history)
    return text


def _output(schema: dict[str, Any], path: list[str], recursive: bool, history: frozenset[str]) -> str:
    ref = schema.get("$ref") or ""
    next_history = history | {ref}
    resolved = _resolve(schema)
    if not path:
        text = "DESCRIPTION:\n"
        text += _indent(4, wrap_string(_description(resolved) or "<empty>", 76)) + "\n"
        fields = _field_list(resolved, 1, recursive, frozenset())
        if fields:
            text += "FIELDS:\n" + fields
        return text
    if ref and ref in history:
        return ""
    props = resolved.get("properties") or {}
    if path[0] in props:
        sub = props[path[0]]
        text = ""
        if len(path) == 1:
            text += f"FIELD: {path[0]} <{type_guess(sub)}>\n"
            text += _enum_text(sub, True, -1) + "\n"
            text += "\n"
        return text + _output(sub, path[1:], recursive, frozenset())
    if resolved.get("items"):
        return _output(resolved["items"], path, recursive, next_history)
    if _has_map_items(resolved):
        return _output(resolved["additionalProperties"], path, recursive, next_history)
    for sub in resolved.get("allOf") or []:
        text = _output(sub, path, recursive, next_history)
        if text:
            return text
    return ""


class FieldNotFound(KubectlError):
    """A field path that is not in the schema; the header was already printed."""

    def __init__(self, header: str, name: str):
        super().__init__(f'field "{name}" does not exist')
        self.header = header


def explain(res: resources.Resource, field_path: list[str], recursive: bool = False) -> str:
    """The plaintext explain output for a resource and a field path below it.

    Raises FieldNotFound (carrying the KIND/VERSION header that kubectl has
    already written to stdout when the template fails) for a missing field.
    """
    schema = schema_for(res.group, res.version, res.kind)
    if schema is None:
        raise KubectlError(f"GVK {res.group}/{res.version}, Kind={res.kind} not found in OpenAPI schema")
    text = ""
    if res.group:
        text += f"GROUP:      {res.group}\n"
    text += f"KIND:       {res.kind}\n"
    text += f"VERSION:    {res.version}\n"
    text += "\n"
    body = _output(schema, field_path, recursive, frozenset())
    if not body:
        raise FieldNotFound(text, field_path[-1])
    return text + body + "\n"


EXPLAIN_FLAGS = (
    Flag("api-version", default=""),
    Flag("output", "o", default="plaintext"),
    Flag("recursive", kind="bool", default=False),
)


@subcommand("explain", flags=EXPLAIN_FLAGS)
def run_explain(inv, parsed) -> int:
    """kubectl explain (cmd/explain/explain.go: Complete, Validate, Run)."""
    args = parsed.args
    if len(args) == 0:
        raise KubectlError("You must specify the type of resource to explain. Use \"kubectl api-resources\" "
                           "for a complete list of supported resources.")
    if len(args) > 1:
        raise KubectlError("We accept only this format: explain RESOURCE")
    output = parsed.get("output") or "plaintext"
    if output not in ("plaintext", "plaintext-openapiv2"):
        raise KubectlError(f"unrecognized format: {output}")
    # SIMPLIFICATION: plaintext-openapiv2 (the pre-1.27 layout) is rendered with the plaintext template.
    type_text, _, rest = args[0].partition(".")
    field_path = rest.split(".") if rest else []
    res = resources.resolve(type_text)
    if res is None:
        # explain prints the mapper's error as is, without the `error: ` prefix.
        inv.err(f'the server doesn\'t have a resource type "{type_text}"\n')
        return 1
    api_version = parsed.get("api-version") or ""
    if api_version:
        group, _, version = api_version.rpartition("/")
        served = {(r.group, r.version) for r in resources.RESOURCES}
        if (group, version) != (res.group, res.version):
            if (group, version) in served:
                raise KubectlError(f"GVR ({api_version}, Resource={res.plural}) not found in OpenAPI schema")
            raise KubectlError(f'couldn\'t find resource for "{group}/{version}, Resource={res.plural}"')
    try:
        inv.out(explain(res, field_path, bool(parsed.get("recursive"))))
    except FieldNotFound as exc:
        inv.out(exc.header)
        raise
    return 0
