"""The `ip kube-proxy` nftables table as structured objects.

Every rule is a tuple of expressions (matches, lookups, statements, a
verdict) that renders two ways:

- `input()`: the text kube-proxy v1.32 hands to `nft -f` through knftables
  (`mark set mark or 0x00004000`, `ip daddr { 172.30.0.0/16 }` ...);
- `listing()`: what `nft list table ip kube-proxy` prints back for it
  (nftables 1.0.6: `meta mark set meta mark | 0x00004000`, single-element
  anonymous sets collapsed, set elements sorted as nft sorts them ...).

A `Table` prints itself like `nft list table` (`listing()`): the table
comment, then every set and map in creation order, then every chain in
creation order, one tab per level, a blank line between objects, elements
wrapped as nft wraps them (two addresses a line for an `ipv4_addr` set,
one element a line for concatenations and maps).

Evaluation API (see `evaluate.py`): the same objects are what a packet is
walked through.

    from lab.sim.proxy.nftables.evaluate import Packet, EvalContext, evaluate, run_hook
    ctx = EvalContext(local_addresses={"192.168.0.2"}, rng=world.rng, now=world.clock.elapsed)
    v = run_hook(table, "prerouting", Packet("10.0.0.2", "172.30.0.41", "tcp", 40000, 80), ctx)
    v.kind        # "accept" | "drop" | "reject"
    v.packet      # the packet after DNAT and mark changes
    v.dnat        # ("10.180.0.1", 80) or None; v.masquerade: bool
    v.trace       # [TraceEntry(chain, index, rule, matched, note)], every rule and map lookup

`evaluate(table, chain, packet, ctx)` runs one chain the same way.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator

# -- small helpers -----------------------------------------------------------------------

PROTO_NUMBERS = {"tcp": 6, "udp": 17, "sctp": 132}


def quote(text: str) -> str:
    """Go %q for the plain comments kube-proxy writes (and nft prints)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nft_time(seconds: float) -> str:
    """nft's time_print: `3h`, `1d2h`, `10s`."""
    ms = int(round(seconds * 1000))
    out = ""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    if ms:
        out += f"{ms}ms"
    return out or "0s"


def _addr_listing(value: str) -> str:
    """nft prints a /32 prefix as the bare address."""
    return value[:-3] if value.endswith("/32") else value


def _merged_intervals(values: Iterable[str]) -> list[str]:
    """An anonymous interval set as nft lists it: ranges sorted, overlapping or
    adjacent ones merged, each printed as an address, a prefix or `a-b`."""
    spans = sorted((int(n.network_address), int(n.broadcast_address))
                   for n in (ipaddress.ip_network(v, strict=False) for v in values))
    merged: list[list[int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    out = []
    for lo, hi in merged:
        size = hi - lo + 1
        if size & (size - 1) == 0 and lo % size == 0:
            plen = 32 - (size.bit_length() - 1)
            out.append(_addr_listing(f"{ipaddress.IPv4Address(lo)}/{plen}"))
        else:
            out.append(f"{ipaddress.IPv4Address(lo)}-{ipaddress.IPv4Address(hi)}")
    return out


# -- expressions --------------------------------------------------------------------------

class Expr:
    """One piece of a rule."""

    def input(self) -> str:
        raise NotImplementedError

    def listing(self) -> str:
        return self.input()


@dataclass(frozen=True)
class AnonSet:
    """An anonymous set `{ a , b }` as kube-proxy writes it."""

    values: tuple[str, ...]
    input_text: str

    def listing(self) -> str:
        vals = _merged_intervals(self.values)
        if len(vals) == 1:
            return vals[0]
        return "{ " + ", ".join(vals) + " }"


@dataclass(frozen=True)
class Match(Expr):
    """`<field> [!=] <value>`: ip saddr/daddr, tcp dport, meta l4proto, ct state, fib ... type."""

    field: str
    value: str | AnonSet
    negate: bool = False

    def input(self) -> str:
        v = self.value.input_text if isinstance(self.value, AnonSet) else self.value
        return f"{self.field} {'!= ' if self.negate else ''}{v}"

    def listing(self) -> str:
        v = self.value.listing() if isinstance(self.value, AnonSet) else _addr_listing(self.value)
        return f"{self.field} {'!= ' if self.negate else ''}{v}"


@dataclass(frozen=True)
class SetMatch(Expr):
    """`ip saddr @affinity-...` / `ip daddr @cluster-ips`."""

    field: str
    set_name: str

    def input(self) -> str:
        return f"{self.field} @{self.set_name}"


@dataclass(frozen=True)
class MarkMatch(Expr):
    """`mark and M == V` (listed `meta mark & 0x0000M == 0x0000V`)."""

    mask: int
    value: int

    def input(self) -> str:
        return f"mark and {self.mask:#010x} == {self.value}"

    def listing(self) -> str:
        return f"meta mark & 0x{self.mask:08x} == 0x{self.value:08x}"


@dataclass(frozen=True)
class VmapLookup(Expr):
    """`ip daddr . meta l4proto . th dport vmap @service-ips`."""

    keys: tuple[str, ...]
    map_name: str

    def input(self) -> str:
        return " . ".join(self.keys) + f" vmap @{self.map_name}"


@dataclass(frozen=True)
class NumgenVmap(Expr):
    """`numgen random mod N vmap { 0 : goto A , 1 : goto B }`: one endpoint at random."""

    targets: tuple[str, ...]          # chain names, reached with goto

    def input(self) -> str:
        inner = " , ".join(f"{i} : goto {t}" for i, t in enumerate(self.targets))
        return f"numgen random mod {len(self.targets)} vmap {{ {inner} }}"

    def listing(self) -> str:
        inner = ", ".join(f"{i} : goto {t}" for i, t in enumerate(self.targets))
        return f"numgen random mod {len(self.targets)} vmap {{ {inner} }}"


@dataclass(frozen=True)
class MarkSet(Expr):
    """`mark set mark or|xor M`."""

    op: str
    value: int

    def input(self) -> str:
        return f"mark set mark {self.op} {self.value:#010x}"

    def listing(self) -> str:
        sym = {"or": "|", "xor": "^"}[self.op]
        return f"meta mark set meta mark {sym} 0x{self.value:08x}"


@dataclass(frozen=True)
class SetUpdate(Expr):
    """`update @affinity-... { ip saddr }`: remember the client for session affinity."""

    set_name: str
    field: str = "ip saddr"

    def input(self) -> str:
        return f"update @{self.set_name} {{ {self.field} }}"


@dataclass(frozen=True)
class Dnat(Expr):
    """`dnat to IP:PORT` (terminal)."""

    addr: str
    port: int

    def input(self) -> str:
        return f"dnat to {self.addr}:{self.port}"


@dataclass(frozen=True)
class Masquerade(Expr):
    """`masquerade fully-random` (terminal)."""

    def input(self) -> str:
        return "masquerade fully-random"


@dataclass(frozen=True)
class Verdict(Expr):
    """jump / goto CHAIN, return, drop, reject, accept."""

    kind: str
    target: str = ""

    def input(self) -> str:
        return f"{self.kind} {self.target}" if self.target else self.kind


# -- rules, chains, sets --------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A rule: expressions evaluated left to right, optional comment."""

    exprs: tuple[Expr, ...]
    comment: str | None = None

    def input(self) -> str:
        text = " ".join(e.input() for e in self.exprs)
        return text + (f" comment {quote(self.comment)}" if self.comment is not None else "")

    def listing(self) -> str:
        text = " ".join(e.listing() for e in self.exprs)
        return text + (f" comment {quote(self.comment)}" if self.comment is not None else "")


# standard priorities nft 1.0.6 prints by name (prio2str): within 10 of the
# value and, for dstnat/srcnat, only in the prerouting/postrouting hook.
_STD_PRIOS = (("raw", -300), ("mangle", -150), ("dstnat", -100), ("filter", 0),
              ("security", 50), ("srcnat", 100))


def priority_listing(hook: str, prio: int) -> str:
    for name, value in _STD_PRIOS:
        if abs(prio - value) <= 10:
            if (name == "dstnat" and hook != "prerouting") or (name == "srcnat" and hook != "postrouting"):
                break
            off = prio - value
            return name + (f" + {off}" if off > 0 else f" - {-off}" if off < 0 else "")
    return str(prio)


@dataclass(frozen=True)
class BaseHook:
    """The base-chain part of a chain: `type filter hook input priority -110`."""

    type: str
    hook: str
    priority: int
    policy: str = "accept"


class Chain:
    """A chain; regular unless `base` is set. Caches its listing text."""

    __slots__ = ("name", "base", "comment", "rules", "_listing")

    def __init__(self, name: str, rules: Iterable[Rule] = (), base: BaseHook | None = None,
                 comment: str | None = None):
        self.name = name
        self.base = base
        self.comment = comment
        self.rules: list[Rule] = list(rules)
        self._listing: str | None = None

    def header_input(self) -> str:
        parts = []
        if self.base:
            parts.append(f" type {self.base.type} hook {self.base.hook} priority {self.base.priority} ;")
        if self.comment is not None:
            parts.append(f" comment {quote(self.comment)} ;")
        return (" {" + "".join(parts) + " }") if parts else ""

    def listing(self) -> str:
        """`\\tchain NAME {...}\\n` exactly as nft prints it inside a table."""
        if self._listing is None:
            lines = [f"\tchain {self.name} {{"]
            if self.comment is not None:
                lines.append(f"\t\tcomment {quote(self.comment)}")
            if self.base:
                b = self.base
                lines.append(f"\t\ttype {b.type} hook {b.hook} priority "
                             f"{priority_listing(b.hook, b.priority)}; policy {b.policy};")
            lines.extend("\t\t" + r.listing() for r in self.rules)
            lines.append("\t}")
            self._listing = "\n".join(lines) + "\n"
        return self._listing


@dataclass(frozen=True)
class Element:
    """A set or map element: key components, verdict value (maps), comment."""

    key: tuple[str, ...]
    value: str | None = None
    comment: str | None = None

    def input(self) -> str:
        text = " . ".join(self.key)
        if self.comment is not None:
            text += f" comment {quote(self.comment)}"
        if self.value is not None:
            text += f" : {self.value}"
        return text

    listing = input


def _component_bytes(kind: str, value: str) -> bytes:
    if kind == "ipv4_addr":
        return ipaddress.IPv4Address(value).packed
    if kind == "inet_proto":
        return bytes([PROTO_NUMBERS.get(value, 0)]) + b"\0\0\0"
    if kind == "inet_service":
        return int(value).to_bytes(2, "big") + b"\0\0"
    raise ValueError(kind)


def element_sort_key(types: tuple[str, ...], key: tuple[str, ...]) -> bytes:
    """The order nft 1.0.6 lists elements in.

    nft sorts the elements it reads back: a single `ipv4_addr` by address;
    a concatenation by its whole key (each part padded to 4 bytes) read as
    a host-endian (little-endian) number, i.e. by the reversed key bytes.
    """
    if len(types) == 1:
        return _component_bytes(types[0], key[0])
    raw = b"".join(_component_bytes(t, v) for t, v in zip(types, key))
    return raw[::-1]


class NftSet:
    """A named set or verdict map."""

    __slots__ = ("name", "types", "is_map", "comment", "flags", "timeout", "elements")

    def __init__(self, name: str, types: tuple[str, ...], *, is_map: bool = False,
                 comment: str | None = None, flags: tuple[str, ...] = (), timeout: int | None = None):
        self.name = name
        self.types = types
        self.is_map = is_map
        self.comment = comment
        self.flags = flags
        self.timeout = timeout
        self.elements: dict[tuple[str, ...], Element] = {}

    @property
    def type_text(self) -> str:
        return " . ".join(self.types) + (" : verdict" if self.is_map else "")

    def add_input(self, family: str, table: str) -> str:
        """The knftables `add set|map` line."""
        text = f"add {'map' if self.is_map else 'set'} {family} {table} {self.name} {{ type {self.type_text} ;"
        if self.flags:
            text += " flags " + ",".join(self.flags) + " ;"
        if self.timeout is not None:
            text += f" timeout {self.timeout}s ;"
        if self.comment is not None:
            text += f" comment {quote(self.comment)} ;"
        return text + " }"

    def listing(self, dynamic: dict[str, float] | None = None, now: float = 0.0) -> str:
        lines = [f"\t{'map' if self.is_map else 'set'} {self.name} {{", f"\t\ttype {self.type_text}"]
        if "dynamic" in self.flags:
            # nft gives a set that an `update @set` rule uses the default size 65535
            lines.append("\t\tsize 65535")
        if self.flags:
            lines.append("\t\tflags " + ",".join(self.flags))
        if self.timeout is not None:
            lines.append(f"\t\ttimeout {nft_time(self.timeout)}")
        if self.comment is not None:
            lines.append(f"\t\tcomment {quote(self.comment)}")
        texts = [e.listing() for _, e in sorted(
            ((element_sort_key(self.types, k), e) for k, e in self.elements.items()), key=lambda p: p[0])]
        if dynamic:
            for ip, expires in sorted(dynamic.items(), key=lambda p: ipaddress.IPv4Address(p[0])):
                if expires > now:
                    # elements carrying the set's own timeout print only `expires`
                    left = int(round((expires - now) * 1000)) / 1000
                    texts.append(f"{ip} expires {nft_time(left)}")
        if texts:
            per_line = 2 if self.types == ("ipv4_addr",) and not self.is_map else 1
            out = []
            for i, t in enumerate(texts):
                if i and i % per_line == 0:
                    out.append(",\n\t\t\t     ")
                elif i:
                    out.append(", ")
                out.append(t)
            lines.append("\t\telements = { " + "".join(out) + " }")
        lines.append("\t}")
        return "\n".join(lines) + "\n"


class Layered(Mapping):
    """A read-only name -> object mapping in table order: the `head` objects
    (the fixed part, in their order), then those `body_order()` yields (the
    service ports', in theirs), found by name through `body`. A partial sync
    copies `body` and changes a few names instead of rebuilding the order."""

    def __init__(self, head: dict[str, Any], body: dict[str, Any], body_order: Callable[[], Iterable[Any]]):
        self.head = head
        self.body = body
        self.body_order = body_order

    def __getitem__(self, name: str) -> Any:
        obj = self.head.get(name)
        return obj if obj is not None else self.body[name]

    def get(self, name: str, default: Any = None) -> Any:
        obj = self.head.get(name)
        return obj if obj is not None else self.body.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.head or name in self.body

    def __len__(self) -> int:
        return len(self.head) + len(self.body)

    def values(self) -> Iterable[Any]:  # type: ignore[override]
        yield from self.head.values()
        yield from self.body_order()

    def __iter__(self) -> Iterator[str]:
        yield from self.head
        for obj in self.body_order():
            yield obj.name

    def items(self) -> Iterable[tuple[str, Any]]:  # type: ignore[override]
        for obj in self.values():
            yield obj.name, obj


@dataclass
class Table:
    """A table: sets/maps and chains in creation order, plus dynamic set contents.

    `dynamic[set_name][ip] = expires_at` (virtual-clock seconds) holds what
    `update @set` rules added at run time (session affinity); kube-proxy
    never writes those elements itself.
    """

    family: str = "ip"
    name: str = "kube-proxy"
    comment: str | None = "rules for kube-proxy"
    sets: dict[str, NftSet] = field(default_factory=dict)
    chains: dict[str, Chain] = field(default_factory=dict)
    dynamic: dict[str, dict[str, float]] = field(default_factory=dict)

    def base_chains(self, hook: str) -> list[Chain]:
        """The base chains on `hook`, in the order netfilter runs them (priority, then creation)."""
        chains = self.chains
        # a Layered mapping holds the base chains in its head
        found = [c for c in (chains.head if isinstance(chains, Layered) else chains).values()
                 if c.base and c.base.hook == hook]
        return sorted(found, key=lambda c: c.base.priority)  # type: ignore[union-attr]

    def listing(self, now: float = 0.0) -> str:
        """`nft list table ip kube-proxy`."""
        parts = [f"table {self.family} {self.name} {{\n"]
        if self.comment is not None:
            parts.append(f"\tcomment {quote(self.comment)}\n")
        blocks = [s.listing(self.dynamic.get(s.name), now) for s in self.sets.values()]
        blocks.extend(c.listing() for c in self.chains.values())
        parts.append("\n".join(blocks))
        parts.append("}\n")
        return "".join(parts)

    def list_object(self, kind: str, name: str, now: float = 0.0) -> str | None:
        """`nft list chain|set|map ip kube-proxy NAME`, or None when it does not exist."""
        if kind == "chain":
            obj = self.chains.get(name)
            text = obj.listing() if obj else None
        else:
            s = self.sets.get(name)
            text = s.listing(self.dynamic.get(name), now) if s and s.is_map == (kind == "map") else None
        if text is None:
            return None
        return f"table {self.family} {self.name} {{\n{text}}}\n"
