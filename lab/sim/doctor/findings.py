"""What a diagnosis is made of: findings with evidence, a fix and the topology marks they point at.

A Finding is one check of the debugging method (DNS, then the Service's
Pods and Endpoints, then what the packet meets on its way: the exposure,
kube-proxy and its rules, hairpin), with its outcome:

- "pass": the check holds (the evidence says why),
- "fail": this breaks the Service from the chosen vantage point,
- "warn": the Service works, but something the learner is likely to try
  from here does not (a short name from another namespace, a ConfigMap
  edit kube-proxy has not picked up ...);
- "note": how things are from here, worth knowing, nothing to fix (a
  node's resolver knows no cluster name: use the ClusterIP).

Texts are bilingual (`Text`: English and Simplified Chinese); facts that
are the same in both languages (a rule, a label, an address) are written
once. Marks are plain dicts naming objects and edges of the topology
(`service_mark`, `pod_mark`, `selector_edge` ...) so a page can draw them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "zh")
PASS, FAIL, WARN, NOTE = "pass", "fail", "warn", "note"
STATUSES = (PASS, FAIL, WARN, NOTE)

#: every check id a diagnosis may report, in the order the method runs them (a lesson's
#: `doctor` check names one of these)
CHECK_IDS = ("service.exists", "source.running", "service.externalName", "dns.coredns", "dns.name",
             "endpoints.selector", "endpoints.ready", "endpoints.targetPort", "exposure.type",
             "exposure.nodePort", "exposure.loadBalancer", "exposure.externalIPs", "exposure.trafficPolicy",
             "proxy.running", "proxy.mode", "proxy.rules", "proxy.hairpin")


@dataclass(frozen=True)
class Text:
    """One sentence in English and Chinese (a fact shared by both: `Text.same(s)`)."""

    en: str
    zh: str

    @classmethod
    def same(cls, text: str) -> "Text":
        return cls(text, text)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Fix:
    """How to repair what failed: a sentence and the commands that do it (run as they are)."""

    text: Text
    commands: list[str] = field(default_factory=list)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"text": self.text.get(lang), "commands": list(self.commands)}


@dataclass
class Finding:
    check: str                  # stable id, e.g. "endpoints.selector"
    status: str                 # pass | fail | warn | note
    summary: Text
    evidence: list[Text] = field(default_factory=list)
    fix: Fix | None = None
    marks: list[dict[str, Any]] = field(default_factory=list)
    #: facts a lesson check may read (counts, names); JSON-compatible
    data: dict[str, Any] = field(default_factory=dict)
    #: the probe's path as `labtrace` prints it, line by line (proxy.rules)
    trace: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "summary": self.summary.get(lang),
                "evidence": [e.get(lang) for e in self.evidence],
                "fix": self.fix.to_dict(lang) if self.fix else None,
                "marks": [dict(m) for m in self.marks], "data": dict(self.data), "trace": list(self.trace)}


@dataclass
class Diagnosis:
    """Every finding for one Service seen from one source, in the order they were checked."""

    namespace: str
    name: str
    source: str                 # "k8s-master (node)", "pod default/bb", "external (external)"
    findings: list[Finding] = field(default_factory=list)
    #: the probes sent, as lab.sim.net.trace.Trace objects (the path a request takes)
    traces: list[Any] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No check failed (warnings allowed)."""
        return not any(f.failed for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.failed]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.status == WARN]

    def finding(self, check: str) -> Finding | None:
        """The finding of one check (None when the check did not apply)."""
        return next((f for f in self.findings if f.check == check), None)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"service": {"namespace": self.namespace, "name": self.name}, "source": self.source,
                "lang": lang, "healthy": self.healthy,
                "findings": [f.to_dict(lang) for f in self.findings],
                "traces": [t.to_dict() for t in self.traces]}


# -- marks: what a finding points at on the topology ------------------------------------------

def object_mark(kind: str, namespace: str, name: str) -> dict[str, Any]:
    mark: dict[str, Any] = {"kind": kind, "name": name}
    if namespace:
        mark["namespace"] = namespace
    return mark


def service_mark(namespace: str, name: str) -> dict[str, Any]:
    return object_mark("Service", namespace, name)


def pod_mark(namespace: str, name: str) -> dict[str, Any]:
    return object_mark("Pod", namespace, name)


def node_mark(name: str) -> dict[str, Any]:
    return {"kind": "Node", "name": name}


def selector_edge(namespace: str, service: str, pod: str) -> dict[str, Any]:
    """The Service -> Pod edge its selector draws (or should draw)."""
    return {"kind": "Edge", "type": "selector", "from": service_mark(namespace, service),
            "to": pod_mark(namespace, pod)}


def endpoint_mark(namespace: str, service: str, ip: str, port: int | str, pod: str = "",
                  ready: bool | None = None) -> dict[str, Any]:
    mark: dict[str, Any] = {"kind": "Endpoint", "service": service_mark(namespace, service), "ip": ip,
                            "port": port}
    if pod:
        mark["pod"] = pod_mark(namespace, pod)
    if ready is not None:
        mark["ready"] = ready
    return mark


__all__ = ["Text", "Fix", "Finding", "Diagnosis", "PASS", "FAIL", "WARN", "NOTE", "LANGS", "object_mark",
           "service_mark", "pod_mark", "node_mark", "selector_edge", "endpoint_mark"]
