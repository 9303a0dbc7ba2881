"""`kubectl wait --for=condition=C|delete|create TYPE NAME` (kubectl 1.32's wait.go).

Each object is watched until its condition holds (condition names and
values compared case-insensitively, value `true` by default), it is gone
(`delete`) or it exists (`create`); the lab's clock moves forward timer by
timer meanwhile, up to --timeout (30s by default). Success prints
`pod/x condition met`; a timeout is `timed out waiting for the condition on
pods/x`.
"""
from __future__ import annotations

from typing import Any

from ..api.errors import StatusError
from ..api.resources import Resource
from .base import FILENAME_FLAGS, PRINT_FLAGS, SELECTOR_FLAG, Invocation, subcommand
from .cmd_delete import FlagValueError, parse_duration
from .cmd_rollout import wait_until
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import print_result


def parse_for(text: str) -> tuple[str, str, str]:
    """conditionFuncFor: ("delete"|"create"|"condition", name, value)."""
    lowered = text.lower()
    if lowered == "delete":
        return "delete", "", ""
    if lowered == "create":
        return "create", "", ""
    if lowered.startswith("condition="):
        name = text[len("condition="):]
        value = "true"
        if "=" in name:
            name, _, value = name.partition("=")
        return "condition", name, value
    raise KubectlError(f"unrecognized condition: {_go_quote(text)}")


def _go_quote(text: str) -> str:
    import json
    return json.dumps(text)


def condition_met(obj: dict[str, Any], name: str, value: str) -> bool:
    """ConditionalWait.checkCondition: a status.conditions entry of that type with that status."""
    generation = int((obj.get("metadata") or {}).get("generation") or 0)
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if not isinstance(cond, dict) or str(cond.get("type", "")).lower() != name.lower():
            continue
        observed = cond.get("observedGeneration")
        if observed is not None and generation > int(observed):
            return False
        return str(cond.get("status", "")).lower() == value.lower()
    return False


@subcommand("wait", flags=PRINT_FLAGS + FILENAME_FLAGS + (
    SELECTOR_FLAG,
    Flag("all", kind="bool", default=False),
    Flag("all-namespaces", "A", kind="bool", default=False),
    Flag("field-selector", default=""),
    Flag("for", default=""),
    Flag("local", kind="bool", default=False),
    Flag("timeout", default="30s"),
))
def wait(inv: Invocation, parsed: Parsed) -> int:
    try:
        timeout = parse_duration(parsed.get("timeout") or "30s")
    except FlagValueError as exc:
        inv.err(f"Error: {exc}\nSee 'kubectl wait --help' for usage.\n")
        return 1
    mode, name, value = parse_for(parsed.get("for") or "")
    targets = _targets(inv, parsed, mode)
    if not targets and mode != "delete":
        raise KubectlError("no matching resources found")
    world = inv.world
    deadline = world.clock.elapsed + timeout
    for res, obj_name, uid in targets:
        remaining = max(0.0, deadline - world.clock.elapsed) if timeout > 0 else 0.0

        def current() -> dict[str, Any] | None:
            obj = world.store.get(res.group_resource, inv.namespace if res.namespaced else "", obj_name)
            if obj is not None and uid and mode == "delete" and obj["metadata"].get("uid") != uid:
                return None
            return obj

        if mode == "delete":
            def done() -> bool:
                return current() is None
        elif mode == "create":
            def done() -> bool:
                return current() is not None
        else:
            def done() -> bool:
                obj = current()
                return obj is not None and condition_met(obj, name, value)
        if timeout > 0:
            ok = wait_until(inv, done, remaining)
        else:
            world.settle()
            ok = done()
        if not ok:
            raise KubectlError(f"timed out waiting for the condition on {res.plural}/{obj_name}")
        final = current() or {"kind": res.kind, "metadata": {"name": obj_name}}
        print_result(inv, final, res, "condition met")
    return 0


def _targets(inv: Invocation, parsed: Parsed, mode: str) -> list[tuple[Resource, str, str]]:
    """(resource, name, uid) of every object to wait for; missing ones only matter when not deleting."""
    if not parsed.args and not [f for f in parsed.get("filename") or [] if f]:
        raise KubectlError("You must provide one or more resources by argument or filename.\n"
                         "Example resource specifications include:\n"
                         "   '-f rsrc.yaml'\n"
                         "   '--filename=rsrc.json'\n"
                         "   '<resource> <name>'\n"
                         "   '<resource>'")
    out: list[tuple[Resource, str, str]] = []
    files = [f for f in parsed.get("filename") or [] if f]
    pairs: list[tuple[Resource, str | None]] = []
    if files:
        for fo in inv.file_objects(files, bool(parsed.get("recursive"))):
            pairs.append((fo.resource, fo.obj["metadata"]["name"]))
    else:
        pairs = [(t.resource, t.name) for t in inv.targets(parsed.args)]
    for res, obj_name in pairs:
        if obj_name is None:
            selector = parsed.get("selector") or None
            if not selector and not parsed.get("all"):
                raise KubectlError("resource(s) were provided, but no name was specified")
            for obj in inv.api.list(res, namespace=inv.namespace, label_selector=selector):
                out.append((res, obj["metadata"]["name"], obj["metadata"].get("uid", "")))
            continue
        if mode == "create":
            out.append((res, obj_name, ""))
            continue
        try:
            obj = inv.api.get(res, obj_name, namespace=inv.namespace)
        except StatusError as exc:
            if exc.code == 404 and mode == "delete":
                continue
            raise
        out.append((res, obj_name, obj["metadata"].get("uid", "")))
    return out
