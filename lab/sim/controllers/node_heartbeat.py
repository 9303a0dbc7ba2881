"""The kubelet's side of node health: heartbeats and node status reports.

A real kubelet renews its Lease in kube-node-lease every 10 s and posts
NodeStatus every 5 min unless a condition changed; the node lifecycle
controller reads those heartbeats. A kubelet can only beat while its host
is powered and the kubelet service runs (`Host.kubelet_alive`).

SIMPLIFICATION: the lab serves no Leases and rewrites the Node only when a
condition changes. The time of the last heartbeat lives in
`world.runtime["nodes"][<node>]` ("lastHeartbeat", seconds of lab time):
the last 10 s lease renewal before the kubelet stopped. Conditions'
lastHeartbeatTime is therefore the time of the last status change, not of
the last 5-minute report.

Hosts are not API objects, so a clock-and-state ticker compares every
node's host with its record and wakes this controller when a kubelet
stopped or came back (by `poweroff`, `systemctl`, or the UI).
"""
from __future__ import annotations

import math
from typing import Any

from .manager import Controller
from .node_lifecycle import node_ref, record_event

#: the kubelet's lease renew interval (0.25 x the 40 s lease duration)
LEASE_RENEW_SECONDS = 10.0
#: how long a `reboot` keeps the host off before the kubelet runs again
BOOT_SECONDS = 40.0
RUNTIME_KEY = "nodes"

HEALTHY_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
#: the kubelet's event for a condition that turned healthy (recordEventFunc in nodestatus setters)
CONDITION_EVENTS = {"MemoryPressure": "NodeHasSufficientMemory", "DiskPressure": "NodeHasNoDiskPressure",
                    "PIDPressure": "NodeHasSufficientPID", "Ready": "NodeReady"}


def node_records(world: Any) -> dict[str, dict[str, Any]]:
    return world.runtime.setdefault(RUNTIME_KEY, {})


def node_record(world: Any, name: str) -> dict[str, Any]:
    """This node's kubelet record; a kubelet that ran since the cluster was installed by default."""
    records = node_records(world)
    rec = records.get(name)
    if rec is None:
        rec = records[name] = {"kubelet": "running", "since": 0.0, "lastHeartbeat": 0.0, "boots": 0}
    return rec


def last_heartbeat(world: Any, name: str) -> float:
    """Lab time of the node's last heartbeat (now, while its kubelet is alive)."""
    rec = node_record(world, name)
    if rec["kubelet"] == "running":
        return world.clock.elapsed
    return float(rec["lastHeartbeat"])


def observe_host(world: Any, name: str) -> bool:
    """Bring the record in line with the host; True when the kubelet stopped or came back."""
    host = world.hosts.get(name)
    if host is None or host.role != "node":
        return False
    rec = node_record(world, name)
    now = world.clock.elapsed
    alive = host.kubelet_alive
    if rec["kubelet"] == "running" and not alive:
        rec["kubelet"] = "stopped"
        rec["lastHeartbeat"] = math.floor(now / LEASE_RENEW_SECONDS) * LEASE_RENEW_SECONDS
        rec["since"] = now
        return True
    if rec["kubelet"] == "stopped" and alive:
        rec["kubelet"] = "running"
        rec["since"] = now
        rec["started"] = True
        return True
    return False


# -- what the host commands do ------------------------------------------------

def power_off(world: Any, name: str) -> None:
    """The machine goes down: no kubelet, no heartbeats, nothing on it runs."""
    host = world.hosts[name]
    host.powered = False
    node_record(world, name).pop("bootAt", None)
    observe_host(world, name)
    _wake(world, name)


def reboot(world: Any, name: str) -> None:
    """Down now, up again (kubelet enabled, so it starts) after BOOT_SECONDS."""
    host = world.hosts[name]
    host.powered = False
    rec = node_record(world, name)
    observe_host(world, name)
    rec["bootAt"] = world.clock.elapsed + BOOT_SECONDS
    _wake(world, name)


def power_on(world: Any, name: str) -> bool:
    """The machine is switched on (the page's node action): it boots, and
    is up, kubelet started, after BOOT_SECONDS. False when it is on or
    already booting."""
    host = world.hosts[name]
    rec = node_record(world, name)
    if host.powered or rec.get("bootAt") is not None:
        return False
    rec["bootAt"] = world.clock.elapsed + BOOT_SECONDS
    _wake(world, name)
    return True


def set_kubelet(world: Any, name: str, running: bool, restart: bool = False) -> None:
    """`systemctl start|stop|restart kubelet` on a powered host."""
    host = world.hosts[name]
    host.kubelet_running = running
    observe_host(world, name)
    if restart and running:
        rec = node_record(world, name)
        rec["since"] = world.clock.elapsed
        rec["started"] = True
    _wake(world, name)


def _wake(world: Any, name: str) -> None:
    controllers = getattr(world, "controllers", None)
    if controllers is None:
        return
    for ctrl in controllers.controllers:
        # kube-proxy too: a proxy on a machine that goes down keeps the rules it last
        # wrote, and they must be taken now, before any later Service change.
        if isinstance(ctrl, NodeHeartbeatController) or ctrl.name == "kube-proxy":
            controllers.enqueue(ctrl, name)


class NodeHeartbeatController(Controller):
    """Per node: finish boots, and post status when a kubelet (re)starts."""

    name = "kubelet-node-status"
    watches = ("nodes",)
    order = 40

    def __init__(self, world: Any):
        super().__init__(world)
        if hasattr(world, "on_tick"):
            world.on_tick(self._watch_hosts)

    def keys_for(self, event):
        yield event.object["metadata"]["name"]

    def all_keys(self):
        for node in self.store.iter("nodes"):
            yield node["metadata"]["name"]

    def _watch_hosts(self) -> None:
        for host in self.world.hosts.values():
            if host.role != "node":
                continue
            rec = node_record(self.world, host.name)
            if (rec["kubelet"] == "running") != host.kubelet_alive or rec.get("started"):
                self.world.controllers.enqueue(self, host.name)

    def reconcile(self, key: str) -> float | None:
        world = self.world
        host = world.hosts.get(key)
        if host is None or host.role != "node":
            return None
        rec = node_record(world, key)
        now = world.clock.elapsed
        boot_at = rec.get("bootAt")
        if boot_at is not None:
            if now < boot_at:
                return boot_at - now
            rec.pop("bootAt")
            rec["boots"] = int(rec.get("boots", 0)) + 1
            host.powered = True
        observe_host(world, key)
        if rec.pop("started", False):
            self._kubelet_started(key)
        if rec["kubelet"] == "running":
            self._post_status(key)
        self._wake_lifecycle(key)
        return None

    def _wake_lifecycle(self, key: str) -> None:
        from .node_lifecycle import NodeLifecycleController

        for ctrl in self.world.controllers.controllers:
            if isinstance(ctrl, NodeLifecycleController):
                self.world.controllers.enqueue(ctrl, key)

    def _kubelet_started(self, name: str) -> None:
        """A starting kubelet: its events, then it confirms pods deleted while it was away."""
        node = self.store.get("nodes", "", name)
        if node is None:
            return
        kubelet_event(self.world, node, "Normal", "Starting", "Starting kubelet.")
        kubelet_event(self.world, node, "Normal", "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        now = self.world.clock.now
        from ..clock import parse_time

        for pod in self.store.list("pods"):
            meta = pod["metadata"]
            if (pod.get("spec") or {}).get("nodeName") != name or not meta.get("deletionTimestamp"):
                continue
            if parse_time(meta["deletionTimestamp"]) <= now:
                self.api.finalize_delete("pods", meta["name"], meta.get("namespace"))

    def _post_status(self, name: str) -> None:
        """The kubelet's node status: healthy conditions, written only when one changed."""
        node = self.store.get("nodes", "", name)
        if node is None:
            return
        status = node.setdefault("status", {})
        conditions = status.setdefault("conditions", [])
        by_type = {c.get("type"): c for c in conditions}
        now = self.world.clock.timestamp()
        changed: list[str] = []
        differs = False
        for ctype, cstatus, reason, message in HEALTHY_CONDITIONS:
            cond = by_type.get(ctype)
            if cond is None:
                cond = {"type": ctype}
                conditions.append(cond)
            if (cond.get("status"), cond.get("reason"), cond.get("message")) == (cstatus, reason, message):
                continue
            differs = True
            if cond.get("status") != cstatus:
                cond["lastTransitionTime"] = now
                changed.append(ctype)
            cond.update({"lastHeartbeatTime": now, "message": message, "reason": reason, "status": cstatus})
        if not differs:
            return
        for cond in conditions:
            cond["lastHeartbeatTime"] = now
        self.api.update_status(node)
        for ctype in changed:
            event = CONDITION_EVENTS.get(ctype)
            if event:
                kubelet_event(self.world, node, "Normal", event, f"Node {name} status is now: {event}")


def kubelet_event(world: Any, node: dict[str, Any], type_: str, reason: str, message: str) -> None:
    name = node["metadata"]["name"]
    record_event(world, node_ref(name), type_, reason, message, "kubelet", host=name)


CONTROLLERS = [NodeHeartbeatController]
