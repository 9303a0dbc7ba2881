"""The structured iptables model: tables, chains and rules whose matches and
targets are data, rendered exactly as iptables v1.8.9 (nf_tables) prints them.

A Rule keeps its IP-header fields (-s -d -i -o -p), its matches in the order
they were written and its target. From that one object come:

* ``rule.save_args()``: the `iptables-save` form. The kernel round trip puts
  the header first (`[!] -s A/len [!] -d B/len -i X -o Y -p proto`), then
  the `-m` matches in written order, bare addresses gain `/32`, comments are
  always quoted, MARK becomes `--set-xmark V/M`, a probability p becomes
  `%.11f` of lround(p*2^31)/2^31, recent gains `--mask ... --rsource`,
  REJECT gains `--reject-with icmp-port-unreachable`.
* ``rule.written``: what the writer (kube-proxy) fed to iptables-restore,
  kept verbatim when known (used for the restore-input form).
* ``list_line(rule, ...)``: one line of `iptables -L [-n] [-v] [-x]
  [--line-numbers]`.

Evaluation (see evaluate.py) walks the same objects:
``Tables.evaluate(table, chain, packet, ctx) -> Verdict`` runs one chain
with netfilter semantics (jumps, RETURN, fall-through to the built-in
policy), records a trace of every rule looked at and increments the rules'
packet/byte counters; ``Tables.run_hook(hook, packet, ctx) -> Verdict`` runs
every table registered at a hook in netfilter priority order. ``packet`` is
``evaluate.Packet``; ``ctx`` is ``evaluate.EvalContext`` (LOCAL addresses for
`-m addrtype`, the caller's RNG for `-m statistic`, the virtual time for
`-m recent`).

`parse_save(text)` reads iptables-save / iptables-restore text back into
Tables (for tests, round trips and baselines).
"""
from __future__ import annotations

import bisect
import gc
import math
from contextlib import contextmanager
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator

from ..layered import LayeredDict

VERSION = "v1.8.9 (nf_tables)"


#: objects allocated in a no_gc block beyond which they go straight to the oldest generation
NO_GC_PROMOTE = 100_000


@contextmanager
def no_gc() -> Iterator[None]:
    """Run a sync without the cyclic garbage collector: a big sync allocates
    millions of small objects (rules, matches, chains), none of them cyclic
    garbage, and each collection would traverse them all again. Afterwards,
    when there were many, they are moved to the oldest generation at once
    (gc.freeze then gc.unfreeze), so the next young collections do not
    traverse them either; a full collection still sees them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_count()[0] > NO_GC_PROMOTE and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()

BUILTIN_CHAINS: dict[str, tuple[str, ...]] = {
    "raw": ("PREROUTING", "OUTPUT"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
# iptables-nft saves the tables in its own table-list order.
TABLE_ORDER = ("mangle", "security", "raw", "filter", "nat")

PROTO_NUM = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "all": 0}
PORT_NAMES = {22: "ssh", 53: "domain", 80: "http", 443: "https", 8080: "http-alt",
              2379: "etcd-client", 2380: "etcd-server", 6443: "sun-sr-https",
              9153: "9153", 10250: "10250"}
CT_ORDER = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")
TERMINAL_TARGETS = {"ACCEPT", "DROP", "REJECT", "DNAT", "SNAT", "MASQUERADE", "RETURN"}
STANDARD_TARGETS = {"ACCEPT", "DROP", "RETURN", ""}


class ParseError(ValueError):
    """A rule line iptables-restore would refuse."""


def _addr(text: str) -> str:
    """Normalise an address operand the way the kernel round trip does."""
    text = text.strip()
    if "/" in text:
        return text
    return text + ("/128" if ":" in text else "/32")


def quantise_probability(p: float) -> int:
    """libxt_statistic: the kernel stores lround(p * 2^31)."""
    return int(math.floor(p * 0x80000000 + 0.5))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- matches

@dataclass(frozen=True, slots=True)
class Match:
    """One `-m module` with its options (a dict of plain values).

    Modules used: comment{comment}, tcp/udp/sctp{sport,dport,sport_inv,dport_inv},
    addrtype{src_type,src_inv,dst_type,dst_inv}, conntrack{ctstate(tuple),inv},
    mark{value,mask,inv}, statistic{mode,prob(u32)}, recent{name,cmd,seconds,reap},
    nfacct{name}.
    """

    module: str
    opts: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.opts:
            if k == key:
                return v
        return default

    def save(self) -> str:
        m, g = self.module, self.get
        if m == "comment":
            return f"-m comment --comment {_quote(g('comment'))}"
        if m in ("tcp", "udp", "sctp") and not self.opts:
            return "-m " + m
        if m in ("tcp", "udp", "sctp"):
            out = f"-m {m}"
            if g("sport") is not None:
                out += (" !" if g("sport_inv") else "") + f" --sport {g('sport')}"
            if g("dport") is not None:
                out += (" !" if g("dport_inv") else "") + f" --dport {g('dport')}"
            return out
        if m == "addrtype":
            out = "-m addrtype"
            if g("src_type"):
                out += (" !" if g("src_inv") else "") + f" --src-type {g('src_type')}"
            if g("dst_type"):
                out += (" !" if g("dst_inv") else "") + f" --dst-type {g('dst_type')}"
            return out
        if m == "conntrack":
            return "-m conntrack" + (" !" if g("inv") else "") + " --ctstate " + ",".join(g("ctstate"))
        if m == "mark":
            return "-m mark" + (" !" if g("inv") else "") + " --mark " + _mark_text(g("value"), g("mask"))
        if m == "statistic":
            return f"-m statistic --mode random --probability {g('prob') / 0x80000000:.11f}"
        if m == "recent":
            if g("cmd") == "set":
                return f"-m recent --set --name {g('name')} --mask 255.255.255.255 --rsource"
            out = f"-m recent --{g('cmd')}"
            if g("seconds"):
                out += f" --seconds {g('seconds')}"
            if g("reap"):
                out += " --reap"
            return out + f" --name {g('name')} --mask 255.255.255.255 --rsource"
        if m == "nfacct":
            return f"-m nfacct --nfacct-name {g('name')}"
        raise ValueError(f"unknown match {m}")

    def listing(self, numeric: bool) -> str:
        m, g = self.module, self.get
        if m == "comment":
            return f" /* {g('comment')} */"
        if m in ("tcp", "udp", "sctp"):
            out = f" {m}"
            for key, short in (("sport", "spt"), ("dport", "dpt")):
                v = g(key)
                if v is None:
                    continue
                inv = "!" if g(key + "_inv") else ""
                if ":" in str(v):
                    out += f" {short}s:{inv}{v}"
                else:
                    port = int(v)
                    name = str(port) if numeric else PORT_NAMES.get(port, str(port))
                    out += f" {short}:{inv}{name}"
            return out
        if m == "addrtype":
            out = " ADDRTYPE match"
            if g("src_type"):
                out += " src-type " + ("!" if g("src_inv") else "") + g("src_type")
            if g("dst_type"):
                out += " dst-type " + ("!" if g("dst_inv") else "") + g("dst_type")
            return out
        if m == "conntrack":
            return (" !" if g("inv") else "") + " ctstate " + ",".join(g("ctstate"))
        if m == "mark":
            return " mark match" + (" !" if g("inv") else "") + " " + _mark_text(g("value"), g("mask"))
        if m == "statistic":
            return f" statistic mode random probability {g('prob') / 0x80000000:.11f}"
        if m == "recent":
            word = {"set": "SET", "rcheck": "CHECK", "update": "UPDATE", "remove": "REMOVE"}[g("cmd")]
            out = f" recent: {word}"
            if g("seconds"):
                out += f" seconds: {g('seconds')}"
            if g("reap"):
                out += " reap"
            return out + f" name: {g('name')} side: source mask: 255.255.255.255"
        if m == "nfacct":
            return f" nfacct-name  {g('name')}"
        return ""


def _mark_text(value: int, mask: int) -> str:
    return f"0x{value:x}" if mask == 0xFFFFFFFF else f"0x{value:x}/0x{mask:x}"


def comment(text: str) -> Match:
    return Match("comment", (("comment", text),))


def proto_match(proto: str, dport: int | str | None = None, sport: int | str | None = None,
                dport_inv: bool = False) -> Match:
    opts: list[tuple[str, Any]] = []
    if sport is not None:
        opts.append(("sport", str(sport)))
    if dport is not None:
        opts += [("dport", str(dport)), ("dport_inv", dport_inv)]
    return Match(proto, tuple(opts))


def addrtype(src_type: str = "", dst_type: str = "", src_inv: bool = False, dst_inv: bool = False) -> Match:
    return Match("addrtype", (("src_type", src_type), ("src_inv", src_inv),
                              ("dst_type", dst_type), ("dst_inv", dst_inv)))


def conntrack(states: Iterable[str], inv: bool = False) -> Match:
    wanted = set(states)
    return Match("conntrack", (("ctstate", tuple(s for s in CT_ORDER if s in wanted)), ("inv", inv)))


def mark_match(value: int, mask: int = 0xFFFFFFFF, inv: bool = False) -> Match:
    return Match("mark", (("value", value), ("mask", mask), ("inv", inv)))


def statistic(probability: float) -> Match:
    return Match("statistic", (("mode", "random"), ("prob", quantise_probability(probability))))


def recent(name: str, cmd: str, seconds: int = 0, reap: bool = False) -> Match:
    return Match("recent", (("name", name), ("cmd", cmd), ("seconds", seconds), ("reap", reap)))


# ---------------------------------------------------------------- targets

@dataclass(frozen=True, slots=True)
class Target:
    """`-j NAME ...`: a standard verdict, a user chain, or an extension target.

    MARK keeps the kernel's (value, mask) form: mark = (mark & ~mask) ^ value.
    """

    name: str = ""
    opts: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.opts:
            if k == key:
                return v
        return default

    def save(self) -> str:
        n, g = self.name, self.get
        if not n:
            return ""
        if n == "MARK":
            return f"-j MARK --set-xmark 0x{g('value'):x}/0x{g('mask'):x}"
        if n == "MASQUERADE":
            return "-j MASQUERADE" + (" --random-fully" if g("random_fully") else "")
        if n == "DNAT":
            return f"-j DNAT --to-destination {g('to')}"
        if n == "SNAT":
            return f"-j SNAT --to-source {g('to')}" + (" --random-fully" if g("random_fully") else "")
        if n == "REJECT":
            return f"-j REJECT --reject-with {g('reject_with', 'icmp-port-unreachable')}"
        return f"-j {n}"

    def listing(self) -> str:
        n, g = self.name, self.get
        if n == "MARK":
            v, m = g("value"), g("mask")
            if v == 0:
                return f" MARK and 0x{(~m) & 0xFFFFFFFF:x}"
            if v == m:
                return f" MARK or 0x{v:x}"
            if m == 0:
                return f" MARK xor 0x{v:x}"
            if m == 0xFFFFFFFF:
                return f" MARK set 0x{v:x}"
            return f" MARK xset 0x{v:x}/0x{m:x}"
        if n == "MASQUERADE":
            return " random-fully" if g("random_fully") else ""
        if n == "DNAT":
            return f" to:{g('to')}"
        if n == "SNAT":
            return f" to:{g('to')}" + (" random-fully" if g("random_fully") else "")
        if n == "REJECT":
            return f" reject-with {g('reject_with', 'icmp-port-unreachable')}"
        return ""


def jump(chain: str) -> Target:
    return Target(chain)


def mark_or(m: int) -> Target:
    return Target("MARK", (("value", m), ("mask", m)))


def mark_xor(m: int) -> Target:
    return Target("MARK", (("value", m), ("mask", 0)))


def masquerade(random_fully: bool = False) -> Target:
    return Target("MASQUERADE", (("random_fully", random_fully),))


def dnat(to: str) -> Target:
    return Target("DNAT", (("to", to),))


def reject() -> Target:
    return Target("REJECT", (("reject_with", "icmp-port-unreachable"),))


# ---------------------------------------------------------------- rules

@dataclass(slots=True, eq=False)
class Rule:
    """One rule: IP-header fields, matches in written order, a target."""

    src: str = ""           # "10.0.0.0/8" (always with a prefix length), "" = any
    src_inv: bool = False
    dst: str = ""
    dst_inv: bool = False
    in_if: str = ""
    in_inv: bool = False
    out_if: str = ""
    out_inv: bool = False
    proto: str = ""         # "tcp" | "udp" | "sctp" | "" (all)
    proto_inv: bool = False
    matches: tuple[Match, ...] = ()
    target: Target = field(default_factory=Target)
    written: str | None = None   # the args as the writer gave them (restore input)
    _save: str | None = None
    _net: Any = None             # cached (src, dst) networks for evaluation
    _ikey: Any = False           # cached evaluate._index_key (False: not yet known)

    def save_args(self) -> str:
        """Everything after `-A CHAIN ` in iptables-save form."""
        if self._save is None:
            parts: list[str] = []
            if self.src:
                parts.append(("! -s " if self.src_inv else "-s ") + self.src)
            if self.dst:
                parts.append(("! -d " if self.dst_inv else "-d ") + self.dst)
            if self.in_if:
                parts.append(("! -i " if self.in_inv else "-i ") + self.in_if)
            if self.out_if:
                parts.append(("! -o " if self.out_inv else "-o ") + self.out_if)
            if self.proto:
                parts.append(("! -p " if self.proto_inv else "-p ") + self.proto)
            for m in self.matches:
                parts.append(m.save())
            t = self.target.save()
            if t:
                parts.append(t)
            self._save = " ".join(parts)
        return self._save

    def written_args(self) -> str:
        return self.written if self.written is not None else self.save_args()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and self.save_args() == other.save_args()

    def __hash__(self) -> int:
        return hash(self.save_args())


@dataclass(slots=True)
class Chain:
    """A chain; `policy` is set for built-in chains only. `counters[i]` is
    [packets, bytes] of rules[i]; `policy_counters` those of the policy.

    `save_text()` (the chain's `-A` lines) is cached while `rules` is the
    same list of the same length, so a ruleset that reuses a chain object
    renders it again for free."""

    name: str
    rules: list[Rule] = field(default_factory=list)
    policy: str | None = None
    counters: list[list[int]] | None = None
    policy_counters: list[int] = field(default_factory=lambda: [0, 0])
    _text: str | None = field(default=None, repr=False, compare=False)
    _text_of: Any = field(default=None, repr=False, compare=False)
    _text_n: int = field(default=-1, repr=False, compare=False)
    _index: Any = field(default=None, repr=False, compare=False)     # evaluate.chain_index's cache
    _sig: Any = field(default=None, repr=False, compare=False)
    _nz: Any = field(default=None, repr=False, compare=False)        # (counters, indices maybe non-zero, len)

    def rules_signature(self) -> str:
        """sha256 (16 hex digits) of the rules' iptables-save args joined by
        newlines, cached as save_text is (what the dataplane keys saved
        counters by)."""
        rules = self.rules
        sig = self._sig
        if sig is None or sig[0] is not rules or sig[1] != len(rules):
            import hashlib
            digest = hashlib.sha256("\n".join(r.save_args() for r in rules).encode()).hexdigest()[:16]
            sig = self._sig = (rules, len(rules), digest)
        return sig[2]

    def ensure_counters(self) -> list[list[int]]:
        """The counters, for the caller to read or set (so `nonzero_counters` looks at all of them again)."""
        self._nz = None
        if self.counters is None or len(self.counters) != len(self.rules):
            self.counters = [[0, 0] for _ in self.rules]
        return self.counters

    def bump(self, index: int, length: int) -> None:
        """Rule `index` matched a packet of `length` bytes."""
        cnt = self.counters
        if cnt is None or len(cnt) != len(self.rules):
            cnt = self.ensure_counters()
        c = cnt[index]
        c[0] += 1
        c[1] += length
        nz = self._nz
        if nz is not None and nz[0] is cnt:
            nz[1].add(index)

    def nonzero_counters(self) -> list[list[int]]:
        """[index, packets, bytes] of every rule with a non-zero counter, in
        rule order; the indices are remembered while only `bump` changes them."""
        cnt = self.counters
        if not cnt:
            return []
        nz = self._nz
        if nz is None or nz[0] is not cnt or nz[2] != len(cnt):
            nz = self._nz = (cnt, {i for i, (p, b) in enumerate(cnt) if p or b}, len(cnt))
        return [[i, cnt[i][0], cnt[i][1]] for i in sorted(nz[1]) if cnt[i][0] or cnt[i][1]]

    def counter(self, index: int) -> tuple[int, int]:
        if self.counters is None or index >= len(self.counters):
            return (0, 0)
        p, b = self.counters[index]
        return (p, b)

    def save_text(self) -> str:
        """`-A NAME args` lines of every rule, newline-terminated ("" when empty)."""
        rules = self.rules
        if self._text is None or self._text_of is not rules or self._text_n != len(rules):
            if rules:
                prefix = f"-A {self.name} "
                self._text = prefix + ("\n" + prefix).join([r.save_args() for r in rules]) + "\n"
            else:
                self._text = ""
            self._text_of, self._text_n = rules, len(rules)
        return self._text


class ChainDict(LayeredDict):
    """A table's chains by name. A LayeredDict: the next sync's table starts
    from `derive()`, which shares these chains instead of copying 80,000 of
    them. Keeps its names sorted as they come and go (bisect), so listing a
    big table does not sort 100,000 names every time; a derived one shares
    the sorted list until its first change of names."""

    __slots__ = ("_sorted", "_sorted_own")

    def __init__(self, items: Any = None):
        super().__init__(items)
        self._sorted: list[str] | None = None
        self._sorted_own = True

    def derive(self) -> "ChainDict":
        new = super().derive()
        assert isinstance(new, ChainDict)
        new._sorted, new._sorted_own = self._sorted, False
        self._sorted_own = False
        return new

    def sorted_names(self) -> list[str]:
        if self._sorted is None:
            self._sorted, self._sorted_own = sorted(self), True
        return self._sorted

    def pick(self, names: Iterable[str]) -> list[Chain]:
        """The chains of `names` (all present), in that order."""
        if not self._top:
            return list(map(self._base.__getitem__, names))
        return [self[n] for n in names]

    def _names(self) -> list[str]:
        """The sorted names, this dict's own to change."""
        assert self._sorted is not None
        if not self._sorted_own:
            self._sorted, self._sorted_own = list(self._sorted), True
        return self._sorted

    def __setitem__(self, key: str, value: Chain) -> None:
        if self._sorted is not None and key not in self:
            bisect.insort(self._names(), key)
        if not self._frozen:
            self._base[key] = value
            self._len = len(self._base)
        else:
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        if self._sorted is not None:
            i = bisect.bisect_left(self._sorted, key)
            if i < len(self._sorted) and self._sorted[i] == key:
                del self._names()[i]

    def clear(self) -> None:
        super().clear()
        self._sorted, self._sorted_own = None, True


class Table:
    """One table: built-in chains first (fixed order), user chains by name."""

    def __init__(self, name: str, chains: dict[str, Chain] | None = None):
        self.name = name
        self.chains = ChainDict()
        for b in BUILTIN_CHAINS.get(name, ()):
            self.chains[b] = Chain(b, policy="ACCEPT")
        if chains:
            self.chains.update(chains)

    @property
    def chains(self) -> ChainDict:
        return self._chains

    @chains.setter
    def chains(self, value: dict[str, Chain]) -> None:
        self._chains = value if isinstance(value, ChainDict) else ChainDict(value)

    def chain(self, name: str) -> Chain:
        c = self.chains.get(name)
        if c is None:
            c = self.chains[name] = Chain(name)
        return c

    def ordered_chains(self) -> list[Chain]:
        chains = self.chains
        builtin_names = BUILTIN_CHAINS.get(self.name, ())
        builtins = [chains[b] for b in builtin_names if b in chains]
        users = [c for c in chains.pick(chains.sorted_names()) if c.policy is None]
        return builtins + users

    def references(self) -> dict[str, int]:
        refs: dict[str, int] = {}
        for c in self.chains.values():
            for r in c.rules:
                t = r.target.name
                if t and t not in STANDARD_TARGETS:
                    refs[t] = refs.get(t, 0) + 1
        return refs


def save_date(now: datetime | None) -> str:
    """The ctime-style date iptables-save prints ("Tue Dec  1 17:59:56 2026")."""
    if now is None:
        now = datetime(1970, 1, 1)
    return f"{now:%a %b} {now.day:2d} {now:%H:%M:%S %Y}"


def render_table_save(table: Table, now: datetime | None = None, counters: bool = False) -> str:
    """One table exactly as `iptables-save [-c] -t <table>` prints it."""
    date = save_date(now)
    out = [f"# Generated by iptables-save {VERSION} on {date}", f"*{table.name}"]
    chains = table.ordered_chains()
    out.extend([f":{c.name} {c.policy} [{c.policy_counters[0]}:{c.policy_counters[1]}]" if c.policy is not None
                else f":{c.name} - [0:0]" for c in chains])
    head = "\n".join(out) + "\n"
    if counters:
        for c in chains:
            prefix = f"-A {c.name} "
            for i, r in enumerate(c.rules):
                p, b = c.counter(i)
                out.append(f"[{p}:{b}] {prefix}{r.save_args()}")
        out.append("COMMIT")
        out.append(f"# Completed on {date}")
        return "\n".join(out) + "\n"
    return "".join([head] + [c.save_text() for c in chains] + [f"COMMIT\n# Completed on {date}\n"])


def render_save(tables: dict[str, Table], now: datetime | None = None, counters: bool = False,
                only: str | None = None) -> str:
    names = [only] if only else [t for t in TABLE_ORDER if t in tables]
    return "".join(render_table_save(tables[n], now, counters) for n in names if n in tables)


def render_rules_spec(table: Table, chain: str | None = None) -> str:
    """`iptables -t T -S [CHAIN]`."""
    out: list[str] = []
    chains = table.ordered_chains() if chain is None else [table.chains[chain]]
    for c in chains:
        out.append(f"-P {c.name} {c.policy}" if c.policy is not None else f"-N {c.name}")
    for c in chains:
        out.extend(f"-A {c.name} {r.save_args()}" for r in c.rules)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- -L listing

def _num(n: int, exact: bool, table_fmt: bool = True) -> str:
    """xtables_print_num."""
    if exact:
        return f"{n:8d} " if table_fmt else f"{n} "
    if n <= 99999:
        return f"{n:5d} " if table_fmt else f"{n} "
    for unit in "KMGT":
        n = (n + 500) // 1000
        if n <= 9999 or unit == "T":
            return f"{n:4d}{unit} " if table_fmt else f"{n}{unit} "
    raise AssertionError


def _list_addr(addr: str, numeric: bool) -> str:
    if not addr:
        return "0.0.0.0/0" if numeric else "anywhere"
    ip, _, plen = addr.partition("/")
    if not numeric and ip == "127.0.0.0":
        ip = "loopback"   # /etc/networks on Debian
    # SIMPLIFICATION: without -n real iptables reverse-resolves addresses; we print them numerically.
    return ip if plen in ("32", "128") else f"{ip}/{plen}"


def list_header(verbose: bool, exact: bool, line_numbers: bool) -> str:
    out = "num  " if line_numbers else ""
    if verbose:
        out += "    pkts      bytes " if exact else " pkts bytes "
    out += "target     prot opt "
    if verbose:
        out += "in     out     "
    out += "source               destination         "
    return out


def list_line(rule: Rule, counters: tuple[int, int], index: int, numeric: bool, verbose: bool,
              exact: bool, line_numbers: bool) -> str:
    out = f"{index:<4d} " if line_numbers else ""
    if verbose:
        out += _num(counters[0], exact) + _num(counters[1], exact)
    out += f"{rule.target.name:<9s} "
    out += "!" if rule.proto_inv else " "
    if numeric:
        out += f"{PROTO_NUM.get(rule.proto or 'all', 0):<5d}"
    else:
        out += f"{rule.proto or 'all':<5s}"
    out += "-- "
    if verbose:
        any_if = "*" if numeric else "any"
        i = ("!" if rule.in_inv else "") + (rule.in_if or any_if)
        o = ("!" if rule.out_inv else "") + (rule.out_if or any_if)
        out += f" {i:<6s} {o:<6s} "
    out += ("!" if rule.src_inv else " ") + f"{_list_addr(rule.src, numeric):<19s} "
    out += ("!" if rule.dst_inv else " ") + f"{_list_addr(rule.dst, numeric):<19s} "
    out += "".join(m.listing(numeric) for m in rule.matches) + rule.target.listing()
    return out


def render_list(table: Table, chain: str | None = None, numeric: bool = False, verbose: bool = False,
                exact: bool = False, line_numbers: bool = False) -> str:
    """`iptables -t T -L [CHAIN] [-n] [-v] [-x] [--line-numbers]`."""
    refs = table.references()
    chains = table.ordered_chains() if chain is None else [table.chains[chain]]
    blocks: list[str] = []
    header = list_header(verbose, exact, line_numbers)
    for c in chains:
        if c.policy is not None:
            title = f"Chain {c.name} (policy {c.policy}"
            if verbose:
                p, b = c.policy_counters
                title += f" {_num(p, exact, False)}packets, {_num(b, exact, False)}bytes"
            title += ")"
        else:
            title = f"Chain {c.name} ({refs.get(c.name, 0)} references)"
        lines = [title, header]
        for i, r in enumerate(c.rules):
            lines.append(list_line(r, c.counter(i), i + 1, numeric, verbose, exact, line_numbers))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


# ---------------------------------------------------------------- parsing

def parse_rule_args(args: str | list[str]) -> Rule:
    """Parse the arguments of one `-A CHAIN ...` line as iptables does."""
    toks = shlex.split(args) if isinstance(args, str) else list(args)
    r = Rule(written=args if isinstance(args, str) else None)
    matches: list[Match] = []
    cur: dict[str, Any] | None = None
    cur_mod = ""
    tgt_name = ""
    tgt: dict[str, Any] = {}
    inv = False
    i = 0

    def flush() -> None:
        nonlocal cur, cur_mod
        if cur is not None:
            matches.append(_make_match(cur_mod, cur))
        cur, cur_mod = None, ""

    def val() -> str:
        nonlocal i
        i += 1
        if i >= len(toks):
            raise ParseError(f"option {toks[i - 1]} requires an argument")
        return toks[i]

    while i < len(toks):
        t = toks[i]
        if t == "!":
            inv = True
            i += 1
            continue
        if t in ("-s", "--source", "--src"):
            r.src, r.src_inv = _addr(val()), inv
        elif t in ("-d", "--destination", "--dst"):
            r.dst, r.dst_inv = _addr(val()), inv
        elif t in ("-i", "--in-interface"):
            r.in_if, r.in_inv = val(), inv
        elif t in ("-o", "--out-interface"):
            r.out_if, r.out_inv = val(), inv
        elif t in ("-p", "--protocol"):
            r.proto, r.proto_inv = val().lower(), inv
        elif t in ("-m", "--match"):
            flush()
            cur_mod, cur = val(), {}
        elif t in ("-j", "--jump"):
            flush()
            tgt_name = val()
        elif t.startswith("--") and tgt_name:
            key = t[2:]
            if key in ("random-fully", "random", "persistent"):
                tgt[key] = True
            else:
                tgt[key] = val()
        elif t.startswith("--") and cur is not None:
            key = t[2:]
            if key in ("set", "rcheck", "update", "remove"):
                cur["cmd"] = key
            elif key in ("reap", "rsource", "rdest"):
                cur[key] = True
            else:
                cur[key] = val()
                if inv:
                    cur[key + "_inv"] = True
        else:
            raise ParseError(f"unknown argument {t!r}")
        inv = False
        i += 1
    flush()
    r.matches = tuple(matches)
    r.target = _make_target(tgt_name, tgt)
    return r


def _parse_mark(text: str) -> tuple[int, int]:
    v, _, m = text.partition("/")
    return int(v, 0), (int(m, 0) if m else 0xFFFFFFFF)


def _make_match(mod: str, o: dict[str, Any]) -> Match:
    if mod == "comment":
        return comment(o.get("comment", ""))
    if mod in ("tcp", "udp", "sctp"):
        opts: list[tuple[str, Any]] = []
        for key in ("sport", "dport"):
            v = o.get(key) or o.get(key.replace("port", "ource-port" if key == "sport" else "estination-port"))
            if v is not None:
                opts += [(key, v), (key + "_inv", bool(o.get(key + "_inv")))]
        return Match(mod, tuple(opts))
    if mod == "addrtype":
        return addrtype(o.get("src-type", ""), o.get("dst-type", ""),
                        bool(o.get("src-type_inv")), bool(o.get("dst-type_inv")))
    if mod == "conntrack":
        return conntrack(o["ctstate"].split(","), bool(o.get("ctstate_inv")))
    if mod == "mark":
        v, m = _parse_mark(o["mark"])
        return mark_match(v, m, bool(o.get("mark_inv")))
    if mod == "statistic":
        return Match("statistic", (("mode", o.get("mode", "random")),
                                   ("prob", quantise_probability(float(o["probability"])))))
    if mod == "recent":
        return recent(o["name"], o.get("cmd", "set"), int(o.get("seconds", 0)), bool(o.get("reap")))
    if mod == "nfacct":
        return Match("nfacct", (("name", o["nfacct-name"]),))
    raise ParseError(f"Couldn't load match `{mod}'")


def _make_target(name: str, o: dict[str, Any]) -> Target:
    if name == "MARK":
        if "set-xmark" in o:
            v, m = _parse_mark(o["set-xmark"])
        elif "set-mark" in o:
            v, m = _parse_mark(o["set-mark"])
        elif "or-mark" in o:
            v = m = int(o["or-mark"], 0)
        elif "xor-mark" in o:
            v, m = int(o["xor-mark"], 0), 0
        elif "and-mark" in o:
            v, m = 0, (~int(o["and-mark"], 0)) & 0xFFFFFFFF
        else:
            raise ParseError("MARK target: Parameter --set/and/or/xor-mark is required")
        return Target("MARK", (("value", v), ("mask", m)))
    if name == "MASQUERADE":
        return masquerade(bool(o.get("random-fully")))
    if name == "DNAT":
        return dnat(o["to-destination"])
    if name == "SNAT":
        return Target("SNAT", (("to", o["to-source"]), ("random_fully", bool(o.get("random-fully")))))
    if name == "REJECT":
        return Target("REJECT", (("reject_with", o.get("reject-with", "icmp-port-unreachable")),))
    return Target(name)


def parse_save(text: str) -> dict[str, Table]:
    """Parse iptables-save / iptables-restore text (with or without counters)."""
    tables: dict[str, Table] = {}
    table: Table | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = tables.setdefault(line[1:], Table(line[1:]))
            continue
        if table is None:
            raise ParseError(f"no table before {line!r}")
        if line == "COMMIT":
            table = None
            continue
        counters = None
        if line.startswith("["):
            cnt, _, line = line.partition("] ")
            p, b = cnt[1:].split(":")
            counters = [int(p), int(b)]
        if line.startswith(":"):
            name, policy, cnt = line[1:].split(" ", 2)
            c = table.chain(name)
            c.rules = []
            c.counters = None
            if policy != "-":
                c.policy = policy
                p, b = cnt.strip("[]").split(":")
                c.policy_counters = [int(p), int(b)]
            continue
        if line.startswith("-A "):
            _, name, rest = line.split(" ", 2) if line.count(" ") >= 2 else (line.split(" ") + [""])[:3]
            if name not in table.chains:
                raise ParseError(f"Chain '{name}' does not exist")
            c = table.chains[name]
            cnts = c.ensure_counters()
            c.rules.append(parse_rule_args(rest))
            cnts.append(counters or [0, 0])
            continue
        if line.startswith("-X "):
            table.chains.pop(line[3:].strip(), None)
            continue
        raise ParseError(f"cannot parse {line!r}")
    return tables
