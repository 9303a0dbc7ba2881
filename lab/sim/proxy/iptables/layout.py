"""The service ports' share of the chains every iptables sync rewrites, kept
in write order so that a partial sync splices ports in and out.

KUBE-SERVICES and KUBE-NODEPORTS (nat), and KUBE-SERVICES,
KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and KUBE-PROXY-FIREWALL (filter) hold,
port after port in write order, the dispatch rules each service port writes
(nat KUBE-SERVICES ends with the nodeports rule). kube-proxy writes these
chains whole on every sync; rebuilding them from 20,000 ports costs far more
than the one port a partial sync changed. So each chain's rules are kept
with the sort key of the port that wrote each one (a "lane"): a port's rules
are found by bisect and replaced in place, a new port's rules go where a
full sync would have put them, and the result is the very list a full sync
builds. The ports' restore-input lines of those chains are kept the same
way, one string per port.

A layout belongs to one ruleset. `derive()` starts the next sync's layout
from it without copying anything: a list is copied the first time that sync
changes it, so the lists it leaves alone stay the same objects, and the
chains built on them keep their caches (rendered text, lookup index).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, Iterable, Mapping, Protocol

from ..base import ServicePortName
from .model import Rule

#: (table, chain) of every chain the service ports write dispatch rules to
SHARED_CHAINS: tuple[tuple[str, str], ...] = (
    ("filter", "KUBE-SERVICES"), ("filter", "KUBE-EXTERNAL-SERVICES"), ("filter", "KUBE-NODEPORTS"),
    ("filter", "KUBE-PROXY-FIREWALL"), ("nat", "KUBE-SERVICES"), ("nat", "KUBE-NODEPORTS"))

SortKey = tuple[str, ...]
Lane = tuple[list[Rule], list[SortKey]]


class PortBlock(Protocol):
    """What a layout needs of one service port's block."""

    filter_rules: list[tuple[str, Rule]]
    nat_top: list[tuple[str, Rule]]

    def texts(self) -> tuple[str, str, str]: ...


def _dispatch(block: PortBlock | None) -> dict[tuple[str, str], list[Rule]]:
    """A block's dispatch rules by (table, chain), in written order."""
    out: dict[tuple[str, str], list[Rule]] = {}
    if block is not None:
        for c, r in block.filter_rules:
            out.setdefault(("filter", c), []).append(r)
        for c, r in block.nat_top:
            out.setdefault(("nat", c), []).append(r)
    return out


class SharedLayout:
    """Service ports in write order (`order`, with their sort keys `keys`),
    each shared chain's rules with the sort key of the port that wrote them
    (`lanes`: (rules, keys); a lane's rules may end with fixed rules that
    have no key), and, once asked for, each port's restore-input lines of
    the filter chains and of nat KUBE-SERVICES/KUBE-NODEPORTS."""

    __slots__ = ("order", "keys", "lanes", "filter_parts", "top_parts", "_own", "_filter_text")

    def __init__(self, order: list[ServicePortName], keys: list[SortKey], lanes: dict[tuple[str, str], Lane],
                 filter_parts: list[str] | None = None, top_parts: list[str] | None = None):
        self.order = order
        self.keys = keys
        self.lanes = lanes
        self.filter_parts = filter_parts
        self.top_parts = top_parts
        self._own: set[Any] = set()          # the lists this layout copied (free to change)
        self._filter_text: str | None = None

    @classmethod
    def build(cls, order: list[ServicePortName], keys: list[SortKey], blocks: Iterable[PortBlock],
              tails: Mapping[tuple[str, str], list[Rule]]) -> "SharedLayout":
        """The layout of a full sync: `blocks` in `order`; `tails` are the fixed
        rules written after the ports' (nat KUBE-SERVICES' nodeports rule)."""
        lanes: dict[tuple[str, str], Lane] = {ck: ([], []) for ck in SHARED_CHAINS}
        for k, b in zip(keys, blocks):
            for c, r in b.filter_rules:
                rules, ks = lanes["filter", c]
                rules.append(r)
                ks.append(k)
            for c, r in b.nat_top:
                rules, ks = lanes["nat", c]
                rules.append(r)
                ks.append(k)
        for ck, rules in tails.items():
            lanes[ck][0].extend(rules)
        return cls(list(order), list(keys), lanes)

    def derive(self) -> "SharedLayout":
        """The next sync's layout: the same lists until it changes them."""
        new = SharedLayout(self.order, self.keys, dict(self.lanes), self.filter_parts, self.top_parts)
        new._filter_text = self._filter_text
        return new

    # ------------------------------------------------------------ copy on write
    def _mine(self, name: str) -> list:
        if name not in self._own:
            setattr(self, name, list(getattr(self, name)))
            self._own.add(name)
        return getattr(self, name)

    def _lane(self, ck: tuple[str, str]) -> Lane:
        if ck not in self._own:
            rules, keys = self.lanes[ck]
            self.lanes[ck] = (list(rules), list(keys))
            self._own.add(ck)
        return self.lanes[ck]

    # ------------------------------------------------------------ queries
    def position(self, key: SortKey) -> int:
        """Where the port with sort key `key` is (or would go) in `order`."""
        return bisect_left(self.keys, key)

    def rules(self, ck: tuple[str, str]) -> list[Rule]:
        return self.lanes[ck][0]

    def parts(self, blocks: Mapping[ServicePortName, PortBlock]) -> tuple[list[str], list[str]]:
        """Each port's restore lines of the filter chains and of nat
        KUBE-SERVICES/KUBE-NODEPORTS, in `order` (built from `blocks` once)."""
        if self.filter_parts is None or self.top_parts is None:
            texts = [blocks[spn].texts() for spn in self.order]
            self.filter_parts = [t[0] for t in texts]
            self.top_parts = [t[1] for t in texts]
            self._own.update(("filter_parts", "top_parts"))
        return self.filter_parts, self.top_parts

    def filter_text(self, blocks: Mapping[ServicePortName, PortBlock]) -> str:
        """Every port's filter lines, joined once while they do not change."""
        if self._filter_text is None:
            self._filter_text = "".join(self.parts(blocks)[0])
        return self._filter_text

    # ------------------------------------------------------------ the splice
    def put(self, spn: ServicePortName, key: SortKey, old: PortBlock | None, new: PortBlock | None) -> None:
        """Port `spn` (sort key `key`) goes from block `old` to block `new`;
        None for `old` when it is new, for `new` when it is gone."""
        i = bisect_left(self.keys, key)
        present = i < len(self.keys) and self.keys[i] == key
        if present != (old is not None):
            raise ValueError(f"{spn} is {'already' if present else 'not'} in the layout")
        if old is None and new is not None:
            self._mine("order").insert(i, spn)
            self._mine("keys").insert(i, key)
        elif new is None and old is not None:
            del self._mine("order")[i]
            del self._mine("keys")[i]
        self._splice_rules(key, old, new)
        if self.filter_parts is not None and self.top_parts is not None:
            self._splice_parts(i, old, new)

    def _splice_rules(self, key: SortKey, old: PortBlock | None, new: PortBlock | None) -> None:
        before, after = _dispatch(old), _dispatch(new)
        for ck in before.keys() | after.keys():
            was, now = before.get(ck, []), after.get(ck, [])
            if len(was) == len(now) and all(a.save_args() == b.save_args() for a, b in zip(was, now)):
                continue           # the same rules: the chain's list stays as it was
            rules, keys = self._lane(ck)
            lo = bisect_left(keys, key)
            hi = bisect_right(keys, key, lo)
            rules[lo:hi] = now
            keys[lo:hi] = [key] * len(now)

    def _splice_parts(self, i: int, old: PortBlock | None, new: PortBlock | None) -> None:
        was = old.texts() if old is not None else ("", "", "")
        now = new.texts() if new is not None else ("", "", "")
        for name, j in (("filter_parts", 0), ("top_parts", 1)):
            if old is None:
                self._mine(name).insert(i, now[j])
            elif new is None:
                del self._mine(name)[i]
            elif was[j] != now[j]:
                self._mine(name)[i] = now[j]
        if was[0] != now[0]:
            self._filter_text = None
