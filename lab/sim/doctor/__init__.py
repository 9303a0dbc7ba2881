"""The Service doctor: "why doesn't my Service work?", answered from the lab's real state.

    from lab.sim.doctor import diagnose
    d = diagnose(world, "default", "web", "pod/client")   # or a host name, or None
    d.healthy, d.problems, d.warnings, d.finding("endpoints.selector")
    d.to_dict("zh")                                        # JSON for the lab page
    diagnose_trace(world, trace)                           # the Service a failed connection dialled

It follows the debugging method an expert uses (DNS, then the Service's
Pods and Endpoints, then the exposure, kube-proxy and its rules with a real
probe through lab.sim.net, then hairpin) and reports each check as a
Finding with evidence, a fix (text and commands) and topology marks.
`labdoctor` (command.py) is the shell's way in. See docs/doctor.md.
"""
from __future__ import annotations

from .diagnose import diagnose
from .findings import CHECK_IDS, FAIL, NOTE, PASS, STATUSES, WARN, Diagnosis, Finding, Fix, Text
from .fromtrace import diagnose_trace
from .scene import Source, SourceError, find_source

__all__ = ["diagnose", "diagnose_trace", "Diagnosis", "Finding", "Fix", "Text", "PASS", "FAIL", "WARN", "NOTE",
           "STATUSES", "CHECK_IDS",
           "Source", "SourceError", "find_source"]
