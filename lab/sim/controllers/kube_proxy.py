"""kube-proxy on every node: keeps each node's programmed rules in step with Services and EndpointSlices.

A node's kube-proxy is the running `kube-proxy` container of the
kube-proxy DaemonSet's Pod on that node (on a binary install, without the
DaemonSet, a service that runs while the node is on). As on a real cluster:

- the mode and the rest of the KubeProxyConfiguration are read when the
  container STARTS (a new containerID): editing the ConfigMap changes
  nothing until the Pods are restarted (`kubectl -n kube-system rollout
  restart ds kube-proxy`, or deleting them); the first sync after a start
  is a full one;
- while it runs, every Service / EndpointSlice change is synced, partially:
  only the ServicePortNames that changed since the node's last sync are
  handed to the backend as `changed`;
- a node whose kube-proxy is not running keeps the rules it last wrote
  (the kernel keeps them); a node where none ever ran has none.

Rulesets are derived state held in memory and rebuilt after a load. The
persisted facts (world.runtime["kube-proxy"]["nodes"][node]) are small: the
container a rule set belongs to, the config it started with, and, only
while that proxy is stopped, the digest its rules were written from.
SIMPLIFICATION: a stopped proxy's frozen digest is taken when the stop is
noticed, so a change made in the same instant as the stop may be included.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..api.store import WatchEvent
from ..proxy.base import NodeContext, ProxyConfig, Ruleset
from ..proxy.config import CONFIGMAP, config_from_state, config_to_state
from ..proxy.digest import NODES, SERVICES, SLICES, DigestTracker, digest_from_state, digest_to_state
from ..proxy.kubeproxy import backend_for, read_pod_config, startup_lines
from .manager import Controller

KEY = "kube-proxy"
CONTAINER = "kube-proxy"
LABELS = {"k8s-app": "kube-proxy"}
NAMESPACE = "kube-system"


class KubeProxyController(Controller):
    """One kube-proxy per node, syncing that node's Ruleset."""

    name = "kube-proxy"
    watches = ("pods", SERVICES, SLICES, NODES)
    order = 300

    def __init__(self, world: Any):
        super().__init__(world)
        self.tracker: DigestTracker | None = None
        self._rulesets: dict[str, Ruleset] = {}
        self._synced: dict[str, int] = {}
        self._configs: dict[str, ProxyConfig] = {}

    # -- state -----------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        return self.world.runtime.setdefault(KEY, {}).setdefault("nodes", {})

    def _tracker(self) -> DigestTracker:
        if self.tracker is None:
            self.tracker = DigestTracker(self.store)
        return self.tracker

    def ruleset(self, node_name: str) -> Ruleset | None:
        """The node's programmed rules (rebuilt on demand after a load)."""
        if node_name not in self._rulesets:
            rec = (self.world.runtime.get(KEY) or {}).get("nodes", {}).get(node_name)
            if rec and rec.get("frozen") and rec.get("config"):
                self._rebuild_frozen(node_name, rec)
        return self._rulesets.get(node_name)

    # -- watch mapping -------------------------------------------------------------
    def _node_names(self) -> list[str]:
        return [h.name for h in self.world.hosts.values() if h.role == "node"]

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "pods":
            meta = event.object.get("metadata") or {}
            if meta.get("namespace") == NAMESPACE and (meta.get("labels") or {}).get("k8s-app") == "kube-proxy":
                node = (event.object.get("spec") or {}).get("nodeName")
                if node:
                    yield node
            return
        if self.tracker is not None:
            self.tracker.observe(event)
        yield from self._node_names()

    def all_keys(self) -> Iterable[str]:
        return self._node_names()

    # -- which kube-proxy runs on a node ----------------------------------------------
    def _daemonset_installed(self) -> bool:
        return self.store.peek("daemonsets.apps", NAMESPACE, "kube-proxy") is not None

    def _running(self, node: str) -> tuple[str, dict[str, Any] | None] | None:
        """(start identity, pod) of the node's running kube-proxy, or None."""
        host = self.world.hosts.get(node)
        if host is None or not host.powered:
            return None
        pods = [p for p in self.store.with_labels("pods", NAMESPACE, LABELS)
                if (p.get("spec") or {}).get("nodeName") == node]
        if not pods and not self._daemonset_installed():
            # SIMPLIFICATION: a binary install's kube-proxy service starts with the node.
            return "systemd", None
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            for status in (pod.get("status") or {}).get("containerStatuses") or ():
                if status.get("name") == CONTAINER and "running" in (status.get("state") or {}):
                    return status.get("containerID") or pod["metadata"].get("uid", ""), pod
        return None

    # -- the sync ----------------------------------------------------------------
    def reconcile(self, key: str) -> float | None:
        node = key
        tracker = self._tracker()
        running = self._running(node)
        rec = self.state.get(node)
        if running is None:
            # Decided from the persisted record, not from the in-memory rulesets: a world
            # loaded just before the stop has not rebuilt them yet, and must freeze the same.
            if rec is not None and not rec.get("frozen") and self._wrote_rules(rec):
                rec["frozen"] = digest_to_state(tracker.digest)
            return None
        start, pod = running
        if rec is None or rec.get("container") != start:
            result = read_pod_config(self.world, pod) if pod is not None else self._host_config()
            if result.config is None:
                # The process exits at once; the rules it had written stay.
                if rec is None or rec.get("container") != start:
                    keep = {k: v for k, v in (rec or {}).items() if k in ("config", "frozen", "mode")}
                    self.state[node] = dict(keep, container=start, failed=True)
                return None
            rec = self.state[node] = {"container": start, "mode": result.config.mode,
                                      "config": config_to_state(result.config)}
            self._write_fallback_logs(pod, result.config)
            self._sync(node, result.config, full=True)
            return None
        if rec.get("failed"):
            return None
        if rec.pop("frozen", None) is not None:
            self._rulesets.pop(node, None)
        config = self._configs.get(node) or config_from_state(rec["config"])
        full = node not in self._rulesets or node not in self._synced
        self._sync(node, config, full=full)
        return None

    @staticmethod
    def _wrote_rules(rec: dict[str, Any]) -> bool:
        """Whether the node's last started proxy programmed rules (a config with a known backend)."""
        config = rec.get("config")
        return bool(config) and backend_for(config_from_state(config).mode) is not None

    def _host_config(self) -> Any:
        from ..proxy.config import load_config
        return load_config(self.store, CONFIGMAP)

    def _node_context(self, node: str, digest: Any) -> NodeContext:
        host = self.world.hosts.get(node)
        ip = digest.node_ips.get(node) or (host.ip if host else "")
        return NodeContext(node, ip, digest.node_pod_cidrs.get(node, ""))

    def _sync(self, node: str, config: ProxyConfig, full: bool) -> None:
        tracker = self._tracker()
        backend = backend_for(config.mode)
        self._configs[node] = config
        if backend is None:
            return
        changed = None if full else tracker.changes_since(self._synced.get(node, 0))
        if changed is not None and not changed:
            return
        digest = tracker.digest
        digest.cluster_cidr = config.cluster_cidr
        previous = None if changed is None else self._rulesets.get(node)
        if previous is not None and getattr(previous, "mode", config.mode) != config.mode:
            previous, changed = None, None
        self._rulesets[node] = backend.sync(self._node_context(node, digest), digest, config, previous, changed)
        self._synced[node] = tracker.seq
        self._compact()

    def _compact(self) -> None:
        tracker = self.tracker
        if tracker is None or len(tracker._log_seq) < 4096:
            return
        running = [self._synced.get(n, 0) for n in self._node_names() if n in self._synced]
        if running:
            tracker.compact(min(running))

    def _rebuild_frozen(self, node: str, rec: dict[str, Any]) -> None:
        config = config_from_state(rec["config"])
        backend = backend_for(config.mode)
        if backend is None:
            return
        digest = digest_from_state(rec["frozen"])
        digest.cluster_cidr = config.cluster_cidr
        self._rulesets[node] = backend.sync(self._node_context(node, digest), digest, config, None, None)

    def _write_fallback_logs(self, pod: dict[str, Any] | None, config: ProxyConfig) -> None:
        """Start-up lines when the image catalogue did not run KubeProxyWorkload for this container."""
        if pod is None:
            return
        from .. import runtime as rt
        uid = pod["metadata"].get("uid", "")
        crec = rt.container_record(self.world, uid, CONTAINER)
        if crec is None or (crec.get("proc") or {}).get("kubeProxy") or crec.get("logs"):
            return
        host = self.world.hosts.get((pod.get("spec") or {}).get("nodeName", ""))
        image = ""
        for c in (pod.get("spec") or {}).get("containers") or ():
            if c.get("name") == CONTAINER:
                image = c.get("image") or ""
        version = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
        for line in startup_lines(config.mode, host.ip if host else "", version, self.world.clock.now,
                                  "" if config.ipvs_scheduler == "rr" else config.ipvs_scheduler):
            rt.append_log(self.world, uid, CONTAINER, "stderr", line)


CONTROLLERS = [KubeProxyController]
