"""Field paths into API objects (`spec.ports[0].nodePort`, `metadata.labels["app"]`)
and the value tests object checks use (equal, exists, regex, not, min, subset)."""
from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r'\.?([^.\[\]]+)|\[(\d+)\]|\["([^"]*)"\]')
MISSING = object()


class PathError(ValueError):
    pass


def parse_path(path: str) -> list[str | int]:
    """`spec.ports[0].nodePort` -> ["spec", "ports", 0, "nodePort"]."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise PathError(f"bad field path {path!r} at character {pos + 1}")
        name, index, quoted = m.groups()
        parts.append(int(index) if index is not None else (quoted if quoted is not None else name))
        pos = m.end()
    if not parts:
        raise PathError("empty field path")
    return parts


def get(obj: Any, path: str) -> Any:
    """The value at `path`, or MISSING."""
    cur = obj
    for part in parse_path(path):
        if isinstance(part, int):
            if not isinstance(cur, list) or part >= len(cur):
                return MISSING
            cur = cur[part]
        else:
            if not isinstance(cur, dict) or part not in cur:
                return MISSING
            cur = cur[part]
    return cur


def _contains(have: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _contains(have[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(have) == len(want) and all(map(_contains, have, want))
    return have == want


def matches(have: Any, want: Any) -> bool:
    """Does the field value `have` satisfy the check's `want`?"""
    if isinstance(want, dict) and len(want) == 1 and next(iter(want)) in ("exists", "regex", "not", "min"):
        (op, arg), = want.items()
        if op == "exists":
            return (have is not MISSING and have is not None) == bool(arg)
        if have is MISSING:
            return op == "not"
        if op == "regex":
            return re.search(arg, str(have)) is not None
        if op == "not":
            return not _contains(have, arg)
        return isinstance(have, (int, float)) and have >= arg
    return have is not MISSING and _contains(have, want)


_SHOW = {"en": {"set": "is set", "unset": "is not set", "regex": "matches /{}/", "not": "is not {!r}"},
         "zh-CN": {"set": "已设置", "unset": "未设置", "regex": "匹配 /{}/", "not": "不是 {!r}"}}


def show(want: Any, lang: str = "en") -> str:
    """A test as the check's description prints it, in `lang`."""
    words = _SHOW.get(lang, _SHOW["en"])
    if isinstance(want, dict) and len(want) == 1:
        (op, arg), = want.items()
        if op == "exists":
            return words["set"] if arg else words["unset"]
        if op == "regex":
            return words["regex"].format(arg)
        if op == "not":
            return words["not"].format(arg)
        if op == "min":
            return f">= {arg}"
    return f"= {want!r}" if not isinstance(want, str) else f"= {want}"
