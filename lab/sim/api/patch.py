"""Patches: JSON merge (RFC 7386), JSON patch (RFC 6902) and strategic merge.

Strategic merge mirrors k8s.io/apimachinery/pkg/util/strategicpatch for the
fields kubectl touches: lists of objects with a patchMergeKey (containers by
name, ports by containerPort / port, env by name ...) merge item by item,
`$patch: delete` removes an item, `$patch: replace` replaces a whole map or
list, `$deleteFromPrimitiveList/<field>` removes primitive list entries, and
null deletes a key. `three_way_patch` is what `kubectl apply` sends.
"""
from __future__ import annotations

import copy
from typing import Any

from .errors import StatusError, bad_request

# Field name -> merge key, for lists merged by strategic merge patch.
# (The same field name carries the same key in every kind we serve.)
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "ownerReferences": "uid",
    "conditions": "type",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "taints": "key",
    "addresses": "type",
}
# Container ports merge by containerPort; Service ports by port.
PORTS_KEY_BY_PARENT = {"containers": "containerPort", "initContainers": "containerPort", "spec": "port"}
# Primitive lists merged as sets (patchStrategy merge).
MERGED_PRIMITIVE_LISTS = {"finalizers"}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _merge_key(field: str, parent: str | None) -> str | None:
    if field == "ports":
        return PORTS_KEY_BY_PARENT.get(parent or "", "containerPort")
    return MERGE_KEYS.get(field)


def strategic_merge(target: Any, patch: Any, field: str | None = None, parent: str | None = None) -> Any:
    """Apply a strategic merge patch to target (both JSON values)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list):
                result[name] = [v for v in result[name] if v not in value]
            continue
        if key.startswith("$setElementOrder/") or key == "$retainKeys":
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            merged = _merge_list(result.get(key), value, key, field)
            result[key] = merged
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value, key, field)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(current: Any, patch: list[Any], field: str, parent: str | None) -> list[Any]:
    key = _merge_key(field, parent)
    if field in MERGED_PRIMITIVE_LISTS and isinstance(current, list):
        out = list(current)
        for item in patch:
            if item not in out:
                out.append(item)
        return out
    if key is None or not isinstance(current, list) or not all(isinstance(i, dict) for i in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if i.get("$patch") != "replace"]
    out = copy.deepcopy(current)
    for item in patch:
        if key not in item:
            out.append(copy.deepcopy(item))
            continue
        idx = next((n for n, cur in enumerate(out) if isinstance(cur, dict) and cur.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append({k: copy.deepcopy(v) for k, v in item.items() if k != "$patch"})
        else:
            out[idx] = strategic_merge(out[idx], item, field, parent)
    return out


def json_patch(target: Any, operations: list[dict[str, Any]]) -> Any:
    """RFC 6902 JSON patch; raises StatusError on a failing operation."""
    doc = copy.deepcopy(target)
    for op in operations:
        kind = op.get("op")
        path = _pointer(op.get("path", ""))
        if kind == "add":
            doc = _set(doc, path, copy.deepcopy(op.get("value")), insert=True)
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            doc = _set(doc, path, copy.deepcopy(op.get("value")), insert=False)
        elif kind == "move":
            value = _get(doc, _pointer(op.get("from", "")))
            doc = _remove(doc, _pointer(op.get("from", "")))
            doc = _set(doc, path, value, insert=True)
        elif kind == "copy":
            value = copy.deepcopy(_get(doc, _pointer(op.get("from", ""))))
            doc = _set(doc, path, value, insert=True)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise bad_request("the server rejected our request due to an error in our request")
        else:
            raise bad_request(f"Unexpected kind: {kind}")
    return doc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def _missing(path: list[str]) -> StatusError:
    return StatusError(422, "Invalid",
                       f"the server rejected our request due to an error in our request",
                       {"causes": [{"message": f"doc is missing path: \"/{'/'.join(path)}\""}]})


def _get(doc: Any, path: list[str]) -> Any:
    cur = doc
    for part in path:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise _missing(path)
    return cur


def _set(doc: Any, path: list[str], value: Any, insert: bool) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            if insert:
                parent.insert(int(last), value)
            else:
                parent[int(last)] = value
        else:
            raise _missing(path)
    else:
        raise _missing(path)
    return doc


def _remove(doc: Any, path: list[str]) -> Any:
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        parent.pop(int(last))
    else:
        raise _missing(path)
    return doc


def three_way_patch(original: dict | None, modified: dict, current: dict, field: str | None = None,
                    parent: str | None = None) -> dict:
    """CreateThreeWayMergePatch: what `kubectl apply` sends.

    Two diffs merged: current -> modified without deletions (every field the
    manifest sets that the live object lacks or holds otherwise), and
    original -> modified with deletions only (null for a field, or
    `$patch: delete` for a merge-keyed list item, that the last-applied
    configuration had and the manifest dropped). Fields only the server or
    other writers set are left alone. An empty patch means `unchanged`.

    Merge-keyed lists that changed carry `$setElementOrder/<field>`.
    SIMPLIFICATION: the lab's strategic merge ignores that directive (list
    order follows the live object), and primitive lists with a merge
    strategy (finalizers) are replaced rather than diffed element by element.
    """
    delta = _diff_maps(current if isinstance(current, dict) else {}, modified, field, parent,
                       ignore_deletions=True, ignore_changes=False)
    deletions = _diff_maps(original if isinstance(original, dict) else {}, modified, field, parent,
                           ignore_deletions=False, ignore_changes=True)
    return _combine(deletions, delta, field, parent)


def _is_map_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) for i in value)


def _diff_maps(a: dict, b: dict, field: str | None, parent: str | None, *, ignore_deletions: bool,
               ignore_changes: bool) -> dict:
    """strategicpatch.diffMaps from a to b."""
    patch: dict[str, Any] = {}
    for key, bv in b.items():
        if key not in a:
            if not ignore_changes:
                patch[key] = copy.deepcopy(bv)
            continue
        av = a[key]
        if isinstance(av, dict) and isinstance(bv, dict):
            sub = _diff_maps(av, bv, key, field, ignore_deletions=ignore_deletions, ignore_changes=ignore_changes)
            if sub:
                patch[key] = sub
        elif isinstance(av, list) and isinstance(bv, list) and _merge_key(key, field) and \
                _is_map_list(av) and _is_map_list(bv):
            items = _diff_map_lists(av, bv, _merge_key(key, field), key, field, ignore_deletions=ignore_deletions,
                                    ignore_changes=ignore_changes)
            if items:
                patch[key] = items
                if not ignore_changes:
                    # SetElementOrder: the order of the manifest's items, by merge key.
                    mk = _merge_key(key, field)
                    patch[f"$setElementOrder/{key}"] = [{mk: item.get(mk)} for item in bv]
        elif av != bv or type(av) is not type(bv) and not (isinstance(av, (int, float)) and
                                                            isinstance(bv, (int, float))):
            if not ignore_changes:
                patch[key] = copy.deepcopy(bv)
    if not ignore_deletions:
        for key in a:
            if key not in b:
                patch[key] = None
    return patch


def _diff_map_lists(a: list, b: list, merge_key: str, field: str, parent: str | None, *,
                    ignore_deletions: bool, ignore_changes: bool) -> list:
    """strategicpatch.diffListsOfMaps: items by merge key; deletions as `$patch: delete`."""
    a_by = {item.get(merge_key): item for item in a}
    b_keys = {item.get(merge_key) for item in b}
    items: list[Any] = []
    for item in b:
        k = item.get(merge_key)
        if k not in a_by:
            if not ignore_changes:
                items.append(copy.deepcopy(item))
            continue
        sub = _diff_maps(a_by[k], item, field, parent, ignore_deletions=ignore_deletions,
                         ignore_changes=ignore_changes)
        if sub:
            items.append({merge_key: k, **sub})
    if not ignore_deletions:
        for item in a:
            if item.get(merge_key) not in b_keys:
                items.append({merge_key: item.get(merge_key), "$patch": "delete"})
    return items


def _combine(base: Any, over: Any, field: str | None, parent: str | None) -> Any:
    """mergeMap(deletions, delta): the two halves of a three-way patch as one."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = _combine(out[key], value, key, field) if key in out else copy.deepcopy(value)
        return out
    key = _merge_key(field or "", parent)
    if key and _is_map_list(base) and _is_map_list(over):
        # The delta's items first, then the deletions (as kubectl's patches read).
        out = copy.deepcopy(over)
        for item in base:
            idx = next((n for n, cur in enumerate(out) if cur.get(key) == item.get(key)), None)
            if idx is None:
                out.append(copy.deepcopy(item))
            else:
                out[idx] = _combine(item, out[idx], field, parent)
        return out
    return copy.deepcopy(over)
