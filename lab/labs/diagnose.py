"""The page's "diagnose" request: which labdoctor line to run, and its answer.

A diagnosis from the page is a command like any other (its probes' counters
and conntrack entries are saved, it is journaled and shown to every page as
a finished command), run by the lab's runner:

    labdoctor svc/NAME -n NS --from SOURCE -o json --lang en|zh

For a Service's menu the page names the Service and the source; for a
failed packet trace it sends the Trace, and the Service it dialled and its
source are found in the runner's World (lab.sim.doctor.fromtrace), as
`diagnose_trace` does. The answer (`diagnosis` on the live socket) carries
the JSON labdoctor printed (docs/doctor.md), parsed.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import orjson

#: labdoctor's languages (the page's zh-CN is zh)
LANGS = ("en", "zh")


@dataclass(frozen=True)
class DiagnoseLine:
    """The command a diagnose request runs: on `host`, this `line`."""

    host: str
    line: str
    namespace: str
    name: str
    source: str


def line_for(namespace: str, name: str, source: str, lang: str) -> str:
    return " ".join(["labdoctor", shlex.quote(f"svc/{name}"), "-n", shlex.quote(namespace),
                     "--from", shlex.quote(source), "-o", "json", "--lang", lang])


def source_label(label: str) -> str:
    """A Trace's `source` ("pod NS/NAME", "HOST (node)", "HOST (external)") as labdoctor's --from."""
    if label.startswith("pod "):
        return label[4:].split(" ", 1)[0]
    return label.split(" (", 1)[0]


def resolve(world: Any, request: dict) -> DiagnoseLine | str:
    """The labdoctor line for a request, or the reason there is none (a
    trace that dialled no Service). `request` is the live socket's
    `diagnose` message, already checked for shape by the consumer."""
    from lab.sim.doctor.fromtrace import service_at

    lang = request.get("lang") or "en"
    default = world.default_host
    trace = request.get("trace")
    if trace is not None:
        ip, _, port = str(trace.get("target", "")).rpartition(":")
        found = service_at(world, ip, int(port)) if port.isdigit() else None
        if found is None:
            return f"the connection to {trace.get('target', '?')} dialled no Service\n"
        namespace, name = found
        source = source_label(str(trace.get("source", "")))
    else:
        namespace, name = request["namespace"], request["name"]
        source = request.get("from") or default
    host = source if source in world.hosts else default
    return DiagnoseLine(host, line_for(namespace, name, source, lang), namespace, name, source)


def answer(status: int, output: str, resolved: DiagnoseLine | None) -> dict:
    """The `diagnosis` answer to a page: labdoctor's JSON parsed, or its message."""
    diagnosis = None
    text = output
    if output.lstrip().startswith("{"):
        try:
            diagnosis = orjson.loads(output)
            text = ""
        except orjson.JSONDecodeError:
            diagnosis = None
    return {"status": status, "line": resolved.line if resolved else "",
            "service": {"namespace": resolved.namespace, "name": resolved.name} if resolved else None,
            "source": resolved.source if resolved else "",
            "diagnosis": diagnosis, "message": text}
