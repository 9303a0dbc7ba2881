"""`-o` printing shared by get, create, apply, expose, run ... (cli-runtime PrintFlags).

Table output belongs to `get`; everything else (yaml, json, name,
jsonpath, go-template) is here so every command prints objects alike.
"""
from __future__ import annotations

from typing import Any

from ..api.resources import Resource, by_kind
from .errors import KubectlError

STRUCTURED = ("go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file",
              "name", "template", "templatefile", "yaml")


def split_format(fmt: str) -> tuple[str, str]:
    """`jsonpath={.x}` -> ("jsonpath", "{.x}")."""
    name, _, arg = fmt.partition("=")
    return name, arg


def check_format(fmt: str, *, table_formats: tuple[str, ...] = ()) -> None:
    """Reject an unknown -o value with kubectl's message (allowed formats listed)."""
    name, _ = split_format(fmt)
    if fmt == "" or name in STRUCTURED or name in table_formats:
        return
    allowed = ",".join(sorted(set(STRUCTURED) | set(table_formats)))
    raise KubectlError(f'unable to match a printer suitable for the output format "{fmt}", '
                       f"allowed formats are: {allowed}")


def is_structured(fmt: str) -> bool:
    return split_format(fmt)[0] in STRUCTURED


def object_name(obj: dict[str, Any]) -> str:
    res = by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
    kind = res.kind_prefix if res else obj.get("kind", "").lower()
    return f"{kind}/{obj.get('metadata', {}).get('name', '')}"


def _strip_managed(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = dict(obj)
        obj["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return obj


def render(objs: list[dict[str, Any]], fmt: str, *, single: bool, template: str = "",
           allow_missing_keys: bool = True, read_file=None, typed: bool = False) -> str:
    """Render objects in a structured format.

    `single` is true when the user named exactly one object (kubectl then
    prints that object, not a List around it). `typed` is true for objects
    kubectl built itself (generators with --dry-run=client): their JSON
    keeps Go struct field order, where objects read from a server or a
    file print with sorted keys.
    """
    from . import jsonpath, yamlout

    name, arg = split_format(fmt)
    if not arg and template:
        arg = template
    objs = [_strip_managed(o) for o in objs]
    if name == "name":
        return "".join(object_name(o) + "\n" for o in objs)
    data: Any = objs[0] if single and len(objs) == 1 else yamlout.list_object(objs)
    if name == "yaml":
        return yamlout.to_yaml(data)
    if name == "json":
        return yamlout.to_json(data, typed=typed)
    if name in ("jsonpath-file", "go-template-file", "templatefile"):
        if read_file is None:
            raise KubectlError(f"error reading --template {arg}")
        arg = read_file(arg)
        name = {"jsonpath-file": "jsonpath", "templatefile": "go-template"}.get(name, "go-template")
    if name in ("jsonpath", "jsonpath-as-json"):
        if not arg:
            raise KubectlError("template format specified but no template given")
        try:
            return jsonpath.print_jsonpath(arg, data, allow_missing_keys=allow_missing_keys,
                                           as_json=(name == "jsonpath-as-json"))
        except jsonpath.JSONPathError as exc:
            raise KubectlError(str(exc).rstrip("\n")) from None
    if name in ("go-template", "template"):
        if not arg:
            raise KubectlError("template format specified but no template given")
        from . import gotemplate
        return gotemplate.execute(arg, data)
    raise KubectlError(f'unable to match a printer suitable for the output format "{fmt}"')


def success_line(res: Resource, name: str, verb: str, dry_run: str = "none") -> str:
    """`service/nginx created`, `deployment.apps/x configured (dry run)`."""
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    return f"{res.kind_prefix}/{name} {verb}{suffix}\n"


def print_result(inv: Any, obj: dict[str, Any], res: Resource, verb: str, dry_run: str = "none",
                 typed: bool = False) -> None:
    """After a mutation: the object in the -o format, or the `kind/name verb` line."""
    fmt = inv.parsed.get("output", "") or ""
    if fmt and is_structured(fmt):
        if split_format(fmt)[0] == "name":
            inv.out(object_name(obj) + "\n")
            return
        inv.out(render([obj], fmt, single=True, template=inv.parsed.get("template", "") or "",
                       read_file=lambda p: inv.read_file(p)[0], typed=typed))
        return
    inv.out(success_line(res, obj.get("metadata", {}).get("name", ""), verb, dry_run))
