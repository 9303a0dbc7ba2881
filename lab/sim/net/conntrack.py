"""Each node's connection tracking table, as plain data in world.runtime["conntrack"].

An entry is what nf_conntrack keeps for a flow: the original tuple (as the
first packet entered the node, before any NAT) and the reply tuple (what a
reply looks like after the node's DNAT/SNAT/MASQUERADE: the reply's source
is the real endpoint, its destination the masqueraded address), the TCP
state and when it expires on the virtual clock. Timeouts are the kernel's
(SYN_SENT 120 s, TIME_WAIT 120 s, CLOSE 10 s) and kube-proxy's conntrack
settings (ESTABLISHED 86400 s, CLOSE_WAIT 3600 s).

`render_list` prints entries as `conntrack -L` (conntrack-tools 1.4.7)
does; the summary line goes to stderr.
SIMPLIFICATION: only the lab's own connections are tracked (no kubelet or
apiserver traffic), at most MAX_ENTRIES per node (the most recent).
"""
from __future__ import annotations

import math
from typing import Any, Iterable

KEY = "conntrack"
MAX_ENTRIES = 300
PROTO_NUM = {"tcp": 6, "udp": 17, "sctp": 132}
TIMEOUTS = {"SYN_SENT": 120, "ESTABLISHED": 86400, "TIME_WAIT": 120, "CLOSE": 10, "CLOSE_WAIT": 3600, "UDP": 30}
VERSION = "conntrack v1.4.7 (conntrack-tools)"

Tuple = tuple[str, str, int, int]   # src, dst, sport, dport


def _table(world: Any, node: str) -> list[dict[str, Any]]:
    return world.runtime.setdefault(KEY, {}).setdefault(node, [])


def add(world: Any, node: str, proto: str, orig: Tuple, reply: Tuple, state: str,
        assured: bool = False, unreplied: bool = False) -> dict[str, Any]:
    """Record a flow on `node` (replacing an entry with the same original tuple)."""
    table = _table(world, node)
    now = world.clock.elapsed
    table[:] = [e for e in table if e["expires"] > now and tuple(e["orig"]) != tuple(orig)]
    entry = {"proto": proto, "orig": list(orig), "reply": list(reply), "state": state,
             "expires": now + TIMEOUTS.get(state, 120), "assured": assured, "unreplied": unreplied, "mark": 0}
    table.append(entry)
    if len(table) > MAX_ENTRIES:
        del table[: len(table) - MAX_ENTRIES]
    return entry


def entries(world: Any, node: str) -> list[dict[str, Any]]:
    """The node's live entries (expired ones are dropped, as the kernel's GC does)."""
    table = (world.runtime.get(KEY) or {}).get(node)
    if not table:
        return []
    now = world.clock.elapsed
    live = [e for e in table if e["expires"] > now]
    if len(live) != len(table):
        table[:] = live
    return list(live)


def flush(world: Any, node: str) -> None:
    (world.runtime.get(KEY) or {}).pop(node, None)


def remaining(entry: dict[str, Any], now: float) -> int:
    """The timeout column: whole seconds left, as the kernel truncates them."""
    return max(0, math.ceil(entry["expires"] - now) - 1)


def _tuple_text(t: Iterable[Any]) -> str:
    src, dst, sport, dport = t
    return f"src={src} dst={dst} sport={sport} dport={dport}"


def line(entry: dict[str, Any], now: float) -> str:
    proto = entry["proto"]
    head = f"{proto:<8} {PROTO_NUM.get(proto, 0)} {remaining(entry, now)} "
    if proto == "tcp":
        head += f"{entry['state']} "
    text = head + _tuple_text(entry["orig"]) + " "
    if entry.get("unreplied"):
        text += "[UNREPLIED] "
    text += _tuple_text(entry["reply"]) + " "
    if entry.get("assured"):
        text += "[ASSURED] "
    return text + f"mark={entry.get('mark', 0)} use=1"


def matches(entry: dict[str, Any], proto: str | None = None, src: str | None = None, dst: str | None = None,
            sport: int | None = None, dport: int | None = None) -> bool:
    o = entry["orig"]
    return ((proto is None or entry["proto"] == proto) and (src is None or o[0] == src)
            and (dst is None or o[1] == dst) and (sport is None or o[2] == sport)
            and (dport is None or o[3] == dport))


def render_list(world: Any, node: str, **filters: Any) -> tuple[str, str]:
    """(stdout, stderr) of `conntrack -L [filters]` on the node."""
    now = world.clock.elapsed
    shown = [e for e in entries(world, node) if matches(e, **filters)]
    out = "".join(line(e, now) + "\n" for e in shown)
    return out, f"{VERSION}: {len(shown)} flow entries have been shown.\n"


__all__ = ["add", "entries", "flush", "render_list", "line", "remaining", "matches", "TIMEOUTS"]
