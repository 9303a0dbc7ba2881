"""kube-proxy, the process: which backend a mode uses, what the Pod logs, where a node's rules live.

- `backend_for(mode)`: the Backend of a proxy mode (lab.sim.proxy.iptables,
  .ipvs, .nftables), found by its `mode`; tests may `register_backend`.
- `KubeProxyWorkload`: what the `registry.k8s.io/kube-proxy` container does
  when the kubelet starts it. Like the real binary it reads
  /var/lib/kube-proxy/config.conf (the kube-proxy ConfigMap) once, at start:
  an invalid config makes it log `"command failed"` and exit 1 (the Pod goes
  into CrashLoopBackOff); a valid one logs the real start-up lines (klog
  format, virtual clock) for its mode and keeps running.
- `startup_lines(mode, ...)`: those log lines.
- `proxy_ruleset(world, node)`: the node's programmed Ruleset (None when no
  kube-proxy ever ran there); kept by the kube-proxy controller
  (lab/sim/controllers/kube_proxy.py), also reachable as
  `world.proxy_ruleset(node)`.
"""
from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any, Callable

from ..workloads.base import ContainerEnv, StartResult, Workload
from .base import Backend, Ruleset
from .config import CONFIG_KEY, ConfigResult, parse_config

MODES = ("iptables", "ipvs", "nftables")
_REGISTERED: dict[str, Backend] = {}
_FOUND: dict[str, Backend | None] = {}


def register_backend(mode: str, backend: Backend | None) -> None:
    """Use `backend` for `mode` (None removes a registration)."""
    if backend is None:
        _REGISTERED.pop(mode, None)
    else:
        _REGISTERED[mode] = backend


def _discover(mode: str) -> Backend | None:
    for module_name in (f"lab.sim.proxy.{mode}.proxier", f"lab.sim.proxy.{mode}", f"lab.sim.proxy.{mode}.backend"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        candidate = getattr(module, "BACKEND", None)
        if candidate is not None:
            return candidate
        for name in sorted(vars(module)):
            obj = getattr(module, name)
            if isinstance(obj, type) and name.endswith("Backend") and getattr(obj, "mode", None) == mode \
                    and callable(getattr(obj, "sync", None)):
                return obj()
    return None


def backend_for(mode: str) -> Backend | None:
    """The Backend programming `mode` ("" means iptables), or None when that mode is not built."""
    mode = mode or "iptables"
    if mode in _REGISTERED:
        return _REGISTERED[mode]
    if mode not in _FOUND:
        _FOUND[mode] = _discover(mode)
    return _FOUND[mode]


# -- log lines -------------------------------------------------------------------

def klog(moment: datetime, severity: str, source: str, message: str) -> str:
    """One klog text line: `I1201 09:00:00.123456       1 server.go:1] "msg"`."""
    return f"{severity}{moment:%m%d %H:%M:%S}.{moment.microsecond:06d} {1:7d} {source}] {message}\n"


_PROXIER_NAMES = {"iptables": "iptables", "ipvs": "ipvs", "nftables": "nftables"}


def startup_lines(mode: str, node_ip: str, version: str, start: datetime,
                  scheduler: str = "") -> list[str]:
    """What kube-proxy v1.32 logs while it starts (server.go, server_linux.go, the config informers).

    SIMPLIFICATION: the microsecond offsets between lines are fixed
    stand-ins for the real start-up's timing.
    """
    steps: list[tuple[int, str, str, str]] = [
        (1_204, "I", "server_linux.go:66", f'"Using {mode} proxy"'),
        (38_118, "I", "server.go:698", f'"Successfully retrieved node IP(s)" IPs=["{node_ip}"]'),
        (38_402, "E", "server.go:234", '"Kube-proxy configuration may be incomplete or incorrect" '
                                       'err="nodePortAddresses is unset; NodePort connections will be accepted '
                                       'on all local IPs. Consider using `--nodeport-addresses primary`"'),
        (61_977, "I", "server.go:243", '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"'),
        (62_030, "I", "server_linux.go:170", f'"Using {_PROXIER_NAMES.get(mode, mode)} Proxier"'),
    ]
    if mode == "iptables":
        steps.append((63_811, "I", "proxier.go:255",
                      '"Setting route_localnet=1 to allow node-ports on localhost; to change this either '
                      'disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set '
                      'nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"'))
    if mode == "ipvs" and not scheduler:
        steps.append((63_811, "I", "proxier.go:373", '"IPVS scheduler not specified, use rr by default" '
                                                    'ipFamily="IPv4"'))
    steps += [
        (64_560, "I", "server.go:497", f'"Version info" version="{version}"'),
        (64_587, "I", "server.go:499", '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
        (66_140, "I", "config.go:199", '"Starting service config controller"'),
        (66_171, "I", "shared_informer.go:313", "Waiting for caches to sync for service config"),
        (66_203, "I", "config.go:105", '"Starting endpoint slice config controller"'),
        (66_214, "I", "shared_informer.go:313", "Waiting for caches to sync for endpoint slice config"),
        (66_893, "I", "config.go:329", '"Starting node config controller"'),
        (66_905, "I", "shared_informer.go:313", "Waiting for caches to sync for node config"),
        (167_021, "I", "shared_informer.go:320", "Caches are synced for node config"),
        (167_044, "I", "shared_informer.go:320", "Caches are synced for service config"),
        (167_068, "I", "shared_informer.go:320", "Caches are synced for endpoint slice config"),
    ]
    return [klog(start + timedelta(microseconds=us), sev, src, msg) for us, sev, src, msg in steps]


def failure_line(start: datetime, error: str) -> str:
    """cli.Run's last words when the command fails."""
    text = error.replace("\\", "\\\\").replace('"', '\\"')
    return klog(start + timedelta(microseconds=2_311), "E", "run.go:72", f'"command failed" err="{text}"')


# -- the container -----------------------------------------------------------------

def _config_source(pod: dict[str, Any]) -> tuple[str, str] | None:
    """The ConfigMap mounted at /var/lib/kube-proxy (namespace, name)."""
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace", "kube-system")
    mounts = {}
    for container in spec.get("containers") or ():
        for mount in container.get("volumeMounts") or ():
            mounts[mount.get("name")] = mount.get("mountPath")
    for volume in spec.get("volumes") or ():
        cm = volume.get("configMap")
        if cm and mounts.get(volume.get("name")) == "/var/lib/kube-proxy":
            return ns, cm.get("name", "")
    return None


def read_pod_config(world: Any, pod: dict[str, Any]) -> ConfigResult:
    """The config a kube-proxy container of `pod` reads when it starts now."""
    source = _config_source(pod)
    text = None
    if source is not None and world is not None:
        cm = world.store.peek("configmaps", *source)
        text = None if cm is None else (cm.get("data") or {}).get(CONFIG_KEY)
    if text is None:
        return ConfigResult(None, "failed to load kube-proxy config: open /var/lib/kube-proxy/config.conf: "
                                  "no such file or directory")
    return parse_config(text)


class KubeProxyWorkload(Workload):
    """registry.k8s.io/kube-proxy: reads its config once, logs, and runs (or exits 1)."""

    known = True
    shell = ""
    pull_seconds = 4.0
    size = 30_637_283

    def __init__(self, ref: Any = None):
        self.ref = ref

    def start(self, env: ContainerEnv) -> StartResult:
        result = read_pod_config(env.world, env.pod)
        now = env.now()
        if result.config is None:
            env.log("stderr", failure_line(now, result.error))
            return StartResult(running=False, exit_code=1, reason="Error")
        node_ip = ""
        if env.world is not None and env.node in getattr(env.world, "hosts", {}):
            node_ip = env.world.hosts[env.node].ip
        version = ""
        image = env.container.get("image") or ""
        if ":" in image.rsplit("/", 1)[-1]:
            version = image.rsplit(":", 1)[-1]
        raw_scheduler = _raw_scheduler(env.world, env.pod)
        for line in startup_lines(result.config.mode, node_ip, version, now, raw_scheduler):
            env.log("stderr", line)
        env.state["kubeProxy"] = {"mode": result.config.mode}
        return StartResult(running=True)


def _raw_scheduler(world: Any, pod: dict[str, Any]) -> str:
    source = _config_source(pod)
    if world is None or source is None:
        return ""
    import yaml
    cm = world.store.peek("configmaps", *source)
    try:
        data = yaml.safe_load(((cm or {}).get("data") or {}).get(CONFIG_KEY) or "") or {}
    except yaml.YAMLError:
        return ""
    return str(((data.get("ipvs") or {}).get("scheduler")) or "") if isinstance(data, dict) else ""


# -- the node's rules ------------------------------------------------------------------

def proxy_ruleset(world: Any, node_name: str) -> Ruleset | None:
    """The Ruleset kube-proxy last programmed on `node_name` (None: never ran there)."""
    controller = kube_proxy_controller(world)
    return controller.ruleset(node_name) if controller is not None else None


def kube_proxy_controller(world: Any) -> Any:
    for ctrl in getattr(getattr(world, "controllers", None), "controllers", ()):
        if getattr(ctrl, "name", "") == "kube-proxy":
            return ctrl
    return None


RulesetGetter = Callable[[str], "Ruleset | None"]
