"""The journal of command lines learners ran, kept in `world.runtime["commands"]`.

Lesson checks ask what was done, not only what the cluster looks like
now: "`kubectl expose` was run and succeeded", "a curl from the node
reached two different Pods", "the nodePort range error was met". So every
line typed on one of the world's hosts is recorded with its host, text,
exit status, the first line of its stderr and the connections it made
(summaries of lab.sim.net's Traces: who dialled what, the outcome and the
Pod that answered). The journal is persisted with the world and bounded:
the latest MAX_ENTRIES lines, at most MAX_CONNECTIONS distinct connection
summaries per line (a curl loop of a thousand requests to two Pods is two
summaries with their counts), lines cut at MAX_LINE characters.
"""
from __future__ import annotations

import re
from typing import Any

RUNTIME_KEY = "commands"
MAX_ENTRIES = 200
MAX_CONNECTIONS = 32
MAX_LINE = 2000
MAX_STDERR = 500

_SERVER = re.compile(r"^pod (?P<ns>[^/ ]+)/(?P<name>\S+) (?P<addr>\S+)$")


def summarize(trace: Any) -> dict[str, Any]:
    """One Trace as a small JSON record (no hops): from, to, proto, result, pod, seen."""
    match = _SERVER.match(trace.server or "")
    return {
        "from": trace.source,
        "to": trace.target,
        "proto": trace.proto,
        "result": trace.result,
        "pod": f"{match['ns']}/{match['name']}" if match else "",
        "backend": match["addr"] if match else "",
        "seen": trace.seen_from.rsplit(":", 1)[0] if trace.seen_from else "",
    }


def _connections(traces: list[Any]) -> list[dict[str, Any]]:
    merged: dict[tuple, dict[str, Any]] = {}
    for trace in traces:
        item = summarize(trace)
        key = tuple(sorted(item.items()))
        if key in merged:
            merged[key]["count"] += 1
        elif len(merged) < MAX_CONNECTIONS:
            merged[key] = {**item, "count": 1}
    return list(merged.values())


def record(world: Any, host: str, line: str, status: int, stderr: str, traces: list[Any]) -> dict[str, Any]:
    """Append one command line to the world's journal (oldest entries fall off)."""
    journal = world.runtime.setdefault(RUNTIME_KEY, {"seq": 0, "entries": []})
    journal["seq"] += 1
    first = stderr.split("\n", 1)[0] if stderr else ""
    entry = {
        "seq": journal["seq"],
        "host": host,
        "line": line.rstrip("\n")[:MAX_LINE],
        "status": status,
        "stderr": first[:MAX_STDERR],
        "at": world.clock.elapsed,
        "connections": _connections(traces),
    }
    journal["entries"].append(entry)
    del journal["entries"][:-MAX_ENTRIES]
    return entry


def entries(world: Any) -> list[dict[str, Any]]:
    """The recorded lines, oldest first (read-only use)."""
    return (world.runtime.get(RUNTIME_KEY) or {}).get("entries", [])


def last_seq(world: Any) -> int:
    """The number of the latest recorded line (0: none yet)."""
    return int((world.runtime.get(RUNTIME_KEY) or {}).get("seq", 0))


def forget_since(world: Any, seq: int) -> None:
    """Drop the lines recorded after line `seq` (hidden set-up lines are not the learner's work)."""
    journal = world.runtime.get(RUNTIME_KEY)
    if journal:
        journal["entries"] = [e for e in journal["entries"] if e["seq"] <= seq]


def clear(world: Any) -> None:
    """Forget every recorded line (a lesson's hidden set-up is not the learner's work)."""
    world.runtime.pop(RUNTIME_KEY, None)


__all__ = ["record", "entries", "clear", "forget_since", "last_seq", "summarize", "RUNTIME_KEY", "MAX_ENTRIES"]
