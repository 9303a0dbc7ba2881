"""Fast deep copies of JSON-shaped objects.

The store hands out copies of every object it holds; `copy.deepcopy` is the
engine's hottest function on big clusters. Objects here are plain JSON
(dict, list, str, int, float, bool, None), so a JSON round trip through
orjson copies them exactly, several times faster.
"""
from __future__ import annotations

from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is pinned in requirements.txt
    orjson = None


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    return value


def clone(value: Any) -> Any:
    """A deep copy of a JSON value (dict key order kept)."""
    if orjson is not None and type(value) is dict:
        try:
            return orjson.loads(orjson.dumps(value))
        except (TypeError, orjson.JSONEncodeError):
            pass  # a non-JSON value slipped in (a tuple, a huge int): copy by hand
    return _copy(value)
