"""A dict that the next sync's copy shares instead of copying.

A partial sync of a big ruleset starts from the previous sync's tables: the
nat table's 80,000 chains at 20,000 Services, an nftables map's 20,000
elements. Copying such a dict costs milliseconds (more once entries have
been deleted from it: CPython then copies entry by entry), while the sync
changes a handful of names. `LayeredDict.derive()` instead returns a mapping
that reads through to the same frozen `base` and keeps its own changes in a
small `top` (a removed name is a tombstone there). When `top` has grown to a
sixteenth of `base` a derive merges the two into a new base, so lookups stay
one or two dict probes and copies stay amortised O(changes).

Iteration order: the base's names, then names only `top` has, in the order
they were added. The users here (chains by name, set elements) do not print
in dict order.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Iterable, Iterator

_MISSING = object()
_GONE = object()          # a tombstone in `top`: the name was deleted

#: `top` entries beyond which derive() merges top into a new base (at least; or a 16th of the base)
MERGE_MIN = 1024


class LayeredDict(MutableMapping):
    """A mutable mapping on a shared frozen base plus its own changes."""

    __slots__ = ("_base", "_top", "_len", "_frozen")

    def __init__(self, items: Any = None):
        self._base: dict = dict(items) if items else {}
        self._top: dict = {}
        self._len = len(self._base)
        self._frozen = False      # True once another LayeredDict shares _base: changes go to _top

    def derive(self) -> "LayeredDict":
        """A copy that shares this one's base (this one stops writing to it)."""
        new = object.__new__(type(self))
        if len(self._top) > max(MERGE_MIN, len(self._base) >> 4):
            new._base, new._top, new._frozen = self.flat(), {}, False
        else:
            new._base, new._top, new._frozen = self._base, dict(self._top), True
            self._frozen = True
        new._len = self._len
        return new

    def copy(self) -> "LayeredDict":
        return self.derive()

    def flat(self) -> dict:
        """A plain dict of the same entries."""
        if not self._top:
            return dict(self._base)
        out = dict(self._base)
        for k, v in self._top.items():
            if v is _GONE:
                del out[k]
            else:
                out[k] = v
        return out

    # ------------------------------------------------------------ reading
    def __getitem__(self, key: Any) -> Any:
        top = self._top
        if top:
            v = top.get(key, _MISSING)
            if v is not _MISSING:
                if v is _GONE:
                    raise KeyError(key)
                return v
        return self._base[key]

    def get(self, key: Any, default: Any = None) -> Any:
        top = self._top
        if top:
            v = top.get(key, _MISSING)
            if v is not _MISSING:
                return default if v is _GONE else v
        return self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        top = self._top
        if top:
            v = top.get(key, _MISSING)
            if v is not _MISSING:
                return v is not _GONE
        return key in self._base

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Any]:
        top = self._top
        if not top:
            yield from self._base
            return
        for k in self._base:
            if top.get(k, _MISSING) is not _GONE:
                yield k
        base = self._base
        for k, v in top.items():
            if v is not _GONE and k not in base:
                yield k

    def values(self) -> Iterable[Any]:  # type: ignore[override]
        if not self._top:
            return self._base.values()
        return [self[k] for k in self]

    def items(self) -> Iterable[tuple[Any, Any]]:  # type: ignore[override]
        if not self._top:
            return self._base.items()
        return [(k, self[k]) for k in self]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.flat()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LayeredDict):
            return self.flat() == other.flat()
        if isinstance(other, dict):
            return self.flat() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------ writing
    def __setitem__(self, key: Any, value: Any) -> None:
        if not self._frozen:
            self._base[key] = value
            self._len = len(self._base)
            return
        if key not in self:
            self._len += 1
        self._top[key] = value

    def __delitem__(self, key: Any) -> None:
        if not self._frozen:
            del self._base[key]
            self._len = len(self._base)
            return
        if key not in self:
            raise KeyError(key)
        self._len -= 1
        if key in self._base:
            self._top[key] = _GONE
        else:
            del self._top[key]

    def pop(self, key: Any, *default: Any) -> Any:
        v = self.get(key, _MISSING)
        if v is _MISSING:
            if default:
                return default[0]
            raise KeyError(key)
        del self[key]
        return v

    def setdefault(self, key: Any, default: Any = None) -> Any:
        v = self.get(key, _MISSING)
        if v is _MISSING:
            self[key] = default
            return default
        return v

    def clear(self) -> None:
        self._base, self._top, self._len, self._frozen = {}, {}, 0, False
