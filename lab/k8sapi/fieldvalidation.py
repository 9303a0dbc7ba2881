"""The `fieldValidation` query parameter: Strict, Warn (the default) or Ignore.

kubectl sends `Strict`, and the simulated apiserver decodes client requests
strictly. Other clients (the Python client, dashboards) usually send
nothing, and then kube-apiserver drops the fields the kind does not have and
says so in a `Warning` header per field (`unknown field "spec.selectr"`);
`Ignore` drops them silently. Wrong types are errors in every mode.
"""
from __future__ import annotations

import re
from typing import Any

from lab.sim.api import errors
from lab.sim.api.schema import unknown_field_paths

DIRECTIVES = ("Strict", "Warn", "Ignore")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def directive(query: dict[str, str], options_kind: str) -> str:
    """The request's directive; an unknown one fails as the apiserver's option validation does."""
    value = query.get("fieldValidation", "")
    if value and value not in DIRECTIVES:
        raise errors.invalid_object(options_kind, "meta.k8s.io", "", [
            errors.not_supported("fieldValidation", value, ["", *DIRECTIVES])])
    return value or "Warn"


def _drop(obj: Any, path: str) -> None:
    steps = [(m.group(1), m.group(2)) for m in _STEP.finditer(path)]
    node = obj
    for key, index in steps[:-1]:
        node = node[int(index)] if index is not None else node[key]
    key, index = steps[-1]
    if index is None and isinstance(node, dict):
        node.pop(key, None)


def drop_unknown_fields(obj: dict[str, Any], mode: str) -> list[str]:
    """Remove the fields `obj`'s kind lacks unless `mode` is Strict; the warnings to send."""
    if mode == "Strict":
        return []
    # Strategic merge patch directives ($patch, $setElementOrder/...) are not fields.
    paths = [p for p in unknown_field_paths(obj) if not p.rsplit(".", 1)[-1].startswith("$")]
    for path in paths:
        _drop(obj, path)
    return [] if mode == "Ignore" else [f'unknown field "{path}"' for path in paths]
