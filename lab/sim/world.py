"""A World: one simulated cluster with its hosts, store, clock and RNG.

`World.from_profile("kubeadm")` builds a fresh cluster; `world.run(line)`
runs a shell command line on a host; `to_state()` / `from_state()` turn the
whole world into JSON and back, so the Django layer can persist it and the
same commands give the same output, byte for byte.
"""
from __future__ import annotations

import copy
import hashlib
import random
from contextlib import contextmanager
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from . import commands as _commands  # noqa: F401  (registers kubectl and the other host commands)
from .api.resources import by_kind
from .api.server import ApiServer, ApiServerConfig
from .api.store import Store, WatchEvent
from .apiserver_manifest import MANIFEST_PATH, ManifestError, parse_manifest, render_manifest
from .bootstrap import bootstrap_objects
from .static_manifests import static_manifests
from .clock import Clock, format_time, parse_time
from .controllers import build_controllers
from .fs import HostFS
from .limits import CommandLimitReached, LabLimits, default_limits, time_limit_message
from .profiles import Profile, load_profile
from .randomness import RandomStreams

STATE_VERSION = 1


@dataclass
class Host:
    """A machine a learner can type on: a node, or the external client."""

    name: str
    ip: str
    role: str  # "node" or "external"
    fs: HostFS = field(default_factory=HostFS)
    control_plane: bool = False
    #: the machine is on (`poweroff` turns it off)
    powered: bool = True
    #: the kubelet service runs (`systemctl stop kubelet` stops it)
    kubelet_running: bool = True

    @property
    def kubelet_alive(self) -> bool:
        """A node whose kubelet can act and post heartbeats."""
        return self.role == "node" and self.powered and self.kubelet_running


class World:
    """Store + apiserver + clock + hosts. Pure Python; no Django."""

    #: how many of the latest watch events travel with the saved state
    PERSISTED_EVENTS = 200

    def __init__(self, profile: Profile, seed: int = 0, *, _bootstrap: bool = True,
                 limits: LabLimits | None = None):
        self.profile = profile
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.clock = Clock(parse_time(profile.cluster_created))
        self.store = Store()
        self.revision = 0
        cp = profile.control_plane_node
        self.api = ApiServer(self.store, self.clock, self.streams, ApiServerConfig(
            service_cluster_ip_range=profile.service_cluster_ip_range,
            service_node_port_range=profile.service_node_port_range,
            advertise_address=cp.ip, secure_port=profile.apiserver_port))
        self.api.limits = limits or default_limits()
        #: the clock's furthest point for the command line running now (None between commands)
        self._time_deadline: float | None = None
        self.hosts: dict[str, Host] = {}
        for node in profile.nodes:
            self.hosts[node.name] = Host(node.name, node.ip, "node", self._new_fs(), node.control_plane)
        self.hosts[profile.external_name] = Host(profile.external_name, profile.external_ip, "external",
                                                 self._new_fs())
        self._manifest_digest = ""
        self._tickers: list[Callable[[], None]] = []
        #: the pacing seam (see wait()): None lets waits pass at once; a runner
        #: that plays the clock in real time sets its own
        self.pacer: Callable[[float], bool] | None = None
        #: per-lab runtime state of simulated components (kubelets' containers, IPAM ...),
        #: JSON-compatible, persisted with the world; each component owns its key
        self.runtime: dict[str, Any] = {}
        self.controllers = build_controllers(self)
        if _bootstrap:
            self._write_host_files()
            self._manifest_digest = self._digest(self.manifest_text())
            for controller in self.controllers.controllers:
                if controller.name == "staticPods":
                    controller.preload_images()
            bootstrap_objects(self.api, profile, before_workers_join=lambda: self.advance(self.JOIN_SECONDS))
            self.settle()
            self._arrive(parse_time(profile.lab_start))

    #: virtual seconds a fresh cluster runs in detail before the learner's quiet gap
    BOOT_SECONDS = 120.0
    #: virtual seconds between `kubeadm init` (control plane and add-ons) and the workers joining
    JOIN_SECONDS = 60.0

    def _arrive(self, lab_start: datetime) -> None:
        """Let the installed cluster come up, then jump to when the learner arrives.

        The cluster runs in detail for BOOT_SECONDS (system Pods pulled,
        started, ready). The rest of the time up to `lab_start` (days, in
        the kubeadm profile) passes as a quiet gap: the clock's epoch moves
        forward, so objects show their real age and every component's own
        schedule (probes, heartbeats) continues where it was.
        SIMPLIFICATION: nothing happens during the gap, as nothing would on
        a healthy idle cluster, except that Events older than the
        apiserver's --event-ttl are gone.
        """
        self.advance(min(self.BOOT_SECONDS, max(0.0, (lab_start - self.clock.now).total_seconds())))
        gap = (lab_start - self.clock.now).total_seconds()
        if gap > 0:
            self.clock.skip(gap)
            self.controllers.resync()
            self.settle()

    # -- construction --------------------------------------------------------
    @classmethod
    def from_profile(cls, profile: str = "kubeadm", seed: int = 0, limits: LabLimits | None = None) -> "World":
        return cls(load_profile(profile), seed, limits=limits)

    @property
    def limits(self) -> LabLimits:
        """This lab's limits (lab.sim.limits); the apiserver enforces the object ones."""
        return self.api.limits

    @limits.setter
    def limits(self, limits: LabLimits) -> None:
        self.api.limits = limits
        for host in self.hosts.values():
            host.fs.capacity = limits.max_disk_bytes

    def _new_fs(self) -> HostFS:
        return HostFS(clock=lambda: self.clock.now.timestamp(), capacity=self.limits.max_disk_bytes)

    def _write_host_files(self) -> None:
        for host in self.hosts.values():
            host.fs.mkdir("/etc", parents=True)
            host.fs.write("/etc/hostname", host.name + "\n")
        cp = self.hosts[self.profile.control_plane]
        cp.fs.mkdir("/etc/kubernetes/manifests", parents=True)
        cp.fs.write(MANIFEST_PATH, render_manifest(self.profile))
        for path, text in static_manifests(self.profile).items():
            cp.fs.write(path, text)
        from .dns.resolvconf import write_host_files

        write_host_files(self)  # /etc/resolv.conf and /etc/hosts of every machine

    def random(self, stream: str) -> random.Random:
        """The seeded generator for one purpose (see lab.sim.randomness)."""
        return self.streams.get(stream)

    @property
    def rng(self) -> random.Random:
        """The general-purpose stream, for callers with no stream of their own."""
        return self.streams.get("default")

    def proxy_ruleset(self, node_name: str) -> Any:
        """The rules kube-proxy last programmed on a node (None where it never ran)."""
        from .proxy.kubeproxy import proxy_ruleset

        return proxy_ruleset(self, node_name)

    @property
    def default_host(self) -> str:
        return self.profile.control_plane

    @property
    def nodes(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.role == "node"]

    # -- the apiserver's static Pod ------------------------------------------
    def manifest_text(self) -> str | None:
        fs = self.hosts[self.profile.control_plane].fs
        return fs.read(MANIFEST_PATH) if fs.isfile(MANIFEST_PATH) else None

    @staticmethod
    def _digest(text: str | None) -> str:
        return hashlib.sha256((text or "").encode()).hexdigest()

    def sync_apiserver(self) -> None:
        """Restart the apiserver when its manifest changed, as the kubelet does,
        and let the kubelet see its other static Pods' files as they are now."""
        self._sync_apiserver()
        if self.profile.static_pods:
            self.settle()  # the static Pods' file check runs in settle's tick

    def _sync_apiserver(self) -> None:
        text = self.manifest_text()
        digest = self._digest(text)
        if digest == self._manifest_digest:
            return
        self._manifest_digest = digest
        if text is None:
            self.api.up = False
            return
        try:
            config = parse_manifest(text, self.api.config)
        except ManifestError:
            self.api.up = False
            return
        self.api.reconfigure(config)
        self.api.up = True

    # -- running commands ----------------------------------------------------
    def run(self, line: str, host: str | None = None, stdin: str = "") -> Any:
        """Run one command line on a host in a fresh shell session."""
        from .shell.session import Result, ShellSession

        name = host or self.default_host
        target = self.hosts.get(name)
        if target is not None and not target.powered:
            # The terminal cannot reach a machine that is off (ssh's own message).
            text = f"ssh: connect to host {target.ip} port 22: No route to host\n"
            return Result(stderr=text, status=255, chunks=[("err", text)])
        session = ShellSession(self, name)
        return session.run(line, stdin)

    @contextmanager
    def command_limits(self) -> Iterator[bool]:
        """Within: one command line, whose commands together may move the
        clock at most limits.max_virtual_seconds; past that, advance()
        raises CommandLimitReached. Yields True for the outermost line
        (a shell inside `kubectl exec` runs within its caller's budget)."""
        if self._time_deadline is not None:
            yield False
            return
        self._time_deadline = self.clock.elapsed + self.limits.max_virtual_seconds
        try:
            yield True
        finally:
            self._time_deadline = None

    def _time_limit_reached(self) -> CommandLimitReached:
        return CommandLimitReached(time_limit_message(self.limits.max_virtual_seconds))

    # -- time ------------------------------------------------------------------
    def on_tick(self, callback: Callable[[], None]) -> None:
        """Controllers that reconcile whenever time moves or state changes."""
        self._tickers.append(callback)

    def settle(self) -> None:
        """Let controllers react to what just changed, without moving the clock."""
        for _ in range(50):
            before = self.store.revision
            self.controllers.run_until_quiet()
            for tick in list(self._tickers):
                tick()
            if self.store.revision == before and not self.controllers.pending:
                return

    def next_event_time(self) -> float | None:
        return self.clock.next_due()

    def step(self) -> bool:
        """Run the next timer, whenever it is due; False when there is none."""
        deadline = self._time_deadline
        timer = self.clock.pop_due(float("inf") if deadline is None else deadline)
        if timer is None:
            if deadline is not None and self.clock.next_due() is not None:
                self.advance(deadline - self.clock.elapsed)
                raise self._time_limit_reached()
            return False
        if timer.callback:
            timer.callback()
        self.settle()
        return True

    def wait(self, seconds: float) -> bool:
        """Let `seconds` of virtual time pass for a command that waits (sleep,
        rollout status, a connect timeout ...); True when Ctrl-C stopped the
        wait early.

        Every waiting command goes through here. Without a pacer (labsh,
        tests) the time passes at once. A runner that plays the clock in
        real time installs `pacer`, which returns once its clock has moved
        `seconds` on, and lets other terminals and the clock go on meanwhile.
        """
        if self.pacer is None:
            self.advance(seconds)
            return False
        return self.pacer(max(0.0, float(seconds)))

    def wait_step(self) -> bool:
        """Wait for the next timer (a command watching for a change): step()
        at once without a pacer, else wait() until it is due. True when
        interrupted or there is no timer to wait for."""
        if self.pacer is None:
            return not self.step()
        due = self.clock.next_due()
        if due is None:
            return True
        return self.wait(due - self.clock.elapsed)

    def advance(self, seconds: float) -> None:
        """Move the clock forward, firing every timer due on the way."""
        until = self.clock.elapsed + max(0.0, float(seconds))
        deadline = self._time_deadline
        over = deadline is not None and until > deadline + 1e-9
        if over:
            until = max(self.clock.elapsed, deadline)
        self.settle()
        while True:
            timer = self.clock.pop_due(until)
            if timer is None:
                break
            if timer.callback:
                timer.callback()
            self.settle()
        self.clock.elapsed = until
        self.settle()
        if over:
            raise self._time_limit_reached()

    # -- persistence -----------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """Everything needed to rebuild this world, as JSON-compatible data."""
        objects = []
        for (resource, namespace, name), obj in self.store.all_items():
            objects.append({
                "resource": resource,
                "apiVersion": obj.get("apiVersion", ""),
                "kind": obj.get("kind", ""),
                "namespace": namespace,
                "name": name,
                "resourceVersion": obj["metadata"].get("resourceVersion", ""),
                "object": obj,
            })
        return {
            "version": STATE_VERSION,
            "profile": self.profile.name,
            "seed": self.seed,
            "clock": self.clock.elapsed,
            "clockStart": format_time(self.clock.start),
            "clockShifts": [list(shift) for shift in self.clock.shifts],
            "rng": self.streams.to_state(),
            "storeRevision": self.store.revision,
            "revision": self.revision,
            "apiserverUp": self.api.up,
            "manifestDigest": self._manifest_digest,
            "objects": objects,
            "files": {name: host.fs.to_state() for name, host in self.hosts.items()},
            "hosts": {name: {"powered": host.powered, "kubeletRunning": host.kubelet_running}
                      for name, host in self.hosts.items()},
            "runtime": copy.deepcopy(self.runtime),
            # The recent watch stream, so a client in another process can catch
            # up from a resourceVersion (the web push and lessons read it).
            "events": [
                {"type": e.type, "resource": e.resource, "resourceVersion": e.resource_version, "object": e.object}
                for e in self.store.history[-self.PERSISTED_EVENTS:]
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], limits: LabLimits | None = None) -> "World":
        world = cls(load_profile(state["profile"]), state.get("seed", 0), _bootstrap=False, limits=limits)
        world.streams = RandomStreams.from_state(world.seed, state["rng"])
        world.api.rng = world.streams
        world.clock.elapsed = float(state["clock"])
        if state.get("clockStart"):
            world.clock.start = parse_time(state["clockStart"])
        world.clock.shifts = [(float(at), float(seconds)) for at, seconds in state.get("clockShifts", [])]
        world.store.revision = int(state["storeRevision"])
        world.revision = int(state.get("revision", 0))
        for row in state["objects"]:
            obj = copy.deepcopy(row["object"])
            resource = row.get("resource") or by_kind(obj["apiVersion"], obj["kind"]).group_resource
            world.store.load(resource, obj)
        for name, fs_state in state.get("files", {}).items():
            if name in world.hosts:
                fs = HostFS.from_state(fs_state)
                fs.clock = lambda: world.clock.now.timestamp()
                fs.capacity = world.limits.max_disk_bytes
                world.hosts[name].fs = fs
        for name, host_state in state.get("hosts", {}).items():
            if name in world.hosts:
                world.hosts[name].powered = bool(host_state.get("powered", True))
                world.hosts[name].kubelet_running = bool(host_state.get("kubeletRunning", True))
        world._manifest_digest = state.get("manifestDigest", "")
        text = world.manifest_text()
        config = world.api.config
        if text is not None:
            try:
                config = parse_manifest(text, world.api.config)
            except ManifestError:
                pass
        world.api.reconfigure(config)
        world.api.up = bool(state.get("apiserverUp", True))
        world.runtime = copy.deepcopy(state.get("runtime", {}))
        world.store.history = [
            WatchEvent(e["type"], e["resource"], copy.deepcopy(e["object"]), int(e["resourceVersion"]))
            for e in state.get("events", [])
        ]
        # Level-triggered: every controller looks at everything once, which
        # re-creates the timers the saved world had pending.
        world.controllers.resync()
        world.controllers.run_until_quiet()
        return world
