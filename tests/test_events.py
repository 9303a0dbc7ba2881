"""Event recorder: legacy and events/v1 shapes, aggregation, names, the 1h TTL."""
from __future__ import annotations

import re

from lab.sim.controllers import events
from lab.sim.world import World


def _pod(w: World) -> dict:
    w.hosts[w.default_host].fs.write("/root/p.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
                                     "spec:\n  nodeName: k8s-node9\n  containers:\n  - name: c\n    image: nginx\n")
    w.run("kubectl create -f /root/p.yaml")
    return w.api.get("pods", "p")


def test_legacy_event_shape_and_aggregation():
    w = World.from_profile("kubeadm")
    pod = _pod(w)
    first = events.record(w, pod, "Warning", "BackOff", "Back-off", "kubelet", "k8s-node1",
                          field_path="spec.containers{c}")
    assert re.fullmatch(r"p\.[0-9a-f]{16}", first["metadata"]["name"])
    assert first["source"] == {"component": "kubelet", "host": "k8s-node1"}
    assert first["involvedObject"]["fieldPath"] == "spec.containers{c}"
    assert (first["count"], first["firstTimestamp"], first["reportingComponent"], first["reportingInstance"]) == \
        (1, "2026-12-01T09:00:00Z", "kubelet", "k8s-node1")
    w.advance(30)
    again = events.record(w, pod, "Warning", "BackOff", "Back-off", "kubelet", "k8s-node1",
                          field_path="spec.containers{c}")
    assert again["metadata"]["name"] == first["metadata"]["name"]
    assert (again["count"], again["firstTimestamp"], again["lastTimestamp"]) == \
        (2, "2026-12-01T09:00:00Z", "2026-12-01T09:00:30Z")
    other = events.record(w, pod, "Warning", "BackOff", "different", "kubelet", "k8s-node1")
    assert other["metadata"]["name"] != first["metadata"]["name"]


def test_events_v1_shape_and_series():
    w = World.from_profile("kubeadm")
    pod = _pod(w)
    ev = events.record(w, pod, "Warning", "FailedScheduling", "no", "default-scheduler", "k8s-master",
                       action="Scheduling")
    assert (ev["source"], ev["firstTimestamp"], ev["eventTime"], ev["reportingInstance"], ev["action"]) == \
        ({}, None, "2026-12-01T09:00:00.000000Z", "default-scheduler-k8s-master", "Scheduling")
    w.advance(60)
    ev = events.record(w, pod, "Warning", "FailedScheduling", "no", "default-scheduler", "k8s-master",
                       action="Scheduling")
    assert ev["series"] == {"count": 2, "lastObservedTime": "2026-12-01T09:01:00.000000Z"}


def test_names_of_one_instant_sort_in_order():
    w = World.from_profile("kubeadm")
    pod = _pod(w)
    names = [events.record(w, pod, "Normal", r, r, "kubelet", "k8s-node1")["metadata"]["name"]
             for r in ("Pulled", "Created", "Started")]
    assert names == sorted(names)


def test_events_expire_an_hour_after_their_last_write():
    w = World.from_profile("kubeadm")
    pod = _pod(w)
    events.record(w, pod, "Normal", "Test", "m", "kubelet", "k8s-node1")
    w.advance(1800)
    events.record(w, pod, "Normal", "Test", "m", "kubelet", "k8s-node1")
    w.advance(3599)
    assert len(w.api.list("events", "default")) == 1
    w.advance(2)
    assert w.api.list("events", "default") == []
