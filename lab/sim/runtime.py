"""The container runtime's state: what containerd knows about each Pod's containers.

Lives in `world.runtime["kubelet"]` (JSON only, persisted with the world) and
is written by the kubelet controller (lab/sim/controllers/kubelet.py). Other
parts read it, and may change a running container's files, through these
functions only:

    pod_record(world, uid) -> dict | None
    pod_record_for(world, namespace, name) -> dict | None
    container_record(world, uid, container) -> dict | None
    container_names(world, uid) -> list[str]
    container_state(world, uid, container) -> "waiting" | "running" | "terminated" | ""
    restart_count(world, uid, container) -> int
    container_logs(world, uid, container, previous=False) -> list[[timestamp, stream, text]]
    append_log(world, uid, container, stream, text) -> None
    container_fs(world, uid, container) -> HostFS | None
    save_container_fs(world, uid, container, fs) -> None
    container_env(world, pod, container) -> ContainerEnv | None   (a running container)
    save_env(world, uid, container, env) -> None                  (after using an env)

A pod record: {"uid", "namespace", "name", "node", "ip", "containers": [container
record, in spec order], ...}. A container record: {"name", "image", "state",
"reason", "restartCount", "containerID", "logs", "previousLogs", "fs" (HostFS
state), "proc" (the workload's own JSON memory), "listens" [[port, proto]], ...}.
Log timestamps are RFC 3339 with nanoseconds, as `kubectl logs --timestamps`
prints them.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .fs import HostFS

KEY = "kubelet"


def kubelet_state(world: Any) -> dict[str, Any]:
    state = world.runtime.setdefault(KEY, {})
    state.setdefault("pods", {})
    state.setdefault("images", {})
    state.setdefault("pullBusy", {})
    return state


def pod_record(world: Any, uid: str) -> dict[str, Any] | None:
    return kubelet_state(world)["pods"].get(uid)


def pod_record_for(world: Any, namespace: str, name: str) -> dict[str, Any] | None:
    pod = world.store.peek("pods", namespace, name)
    if pod is None:
        return None
    return pod_record(world, pod["metadata"].get("uid", ""))


def container_record(world: Any, uid: str, container: str) -> dict[str, Any] | None:
    rec = pod_record(world, uid)
    if rec is None:
        return None
    for crec in rec["containers"]:
        if crec["name"] == container:
            return crec
    return None


def container_names(world: Any, uid: str) -> list[str]:
    rec = pod_record(world, uid)
    return [c["name"] for c in rec["containers"]] if rec else []


def container_state(world: Any, uid: str, container: str) -> str:
    crec = container_record(world, uid, container)
    return crec["state"] if crec else ""


def restart_count(world: Any, uid: str, container: str) -> int:
    crec = container_record(world, uid, container)
    return int(crec.get("restartCount", 0)) if crec else 0


def nano_time(world: Any) -> str:
    """The clock as RFC 3339 with nanoseconds (the CRI log format's timestamp)."""
    clock = world.clock
    total = int(round(clock.elapsed * 1_000_000_000))
    seconds, nanos = divmod(total, 1_000_000_000)
    from datetime import timedelta
    moment = clock.start + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


def container_logs(world: Any, uid: str, container: str, previous: bool = False) -> list[list[str]]:
    crec = container_record(world, uid, container)
    if crec is None:
        return []
    return list(crec.get("previousLogs" if previous else "logs") or [])


def append_log(world: Any, uid: str, container: str, stream: str, text: str) -> None:
    """Add a line (or lines) the container wrote; each line is stored with its timestamp."""
    crec = container_record(world, uid, container)
    if crec is None:
        return
    stamp = nano_time(world)
    logs = crec.setdefault("logs", [])
    for line in text.splitlines(keepends=True):
        logs.append([stamp, stream, line])


def container_fs(world: Any, uid: str, container: str) -> HostFS | None:
    crec = container_record(world, uid, container)
    if crec is None:
        return None
    fs = HostFS.from_state(crec["fs"]) if crec.get("fs") else HostFS()
    fs.clock = lambda: world.clock.now.timestamp()
    return fs


def save_container_fs(world: Any, uid: str, container: str, fs: HostFS) -> None:
    crec = container_record(world, uid, container)
    if crec is not None:
        crec["fs"] = fs.to_state()


def container_env(world: Any, pod: dict[str, Any], container: str) -> Any:
    """The ContainerEnv of a running container (for exec, probes and the network)."""
    uid = pod["metadata"].get("uid", "")
    rec = pod_record(world, uid)
    crec = container_record(world, uid, container)
    if rec is None or crec is None or crec.get("state") != "running":
        return None
    spec = next((c for c in (pod.get("spec") or {}).get("containers") or [] if c.get("name") == container), None)
    if spec is None:
        return None
    return build_env(world, pod, spec, rec, crec)


def build_env(world: Any, pod: dict[str, Any], spec: dict[str, Any], rec: dict[str, Any],
              crec: dict[str, Any]) -> Any:
    from .controllers.pod_mounts import pod_hostname
    from .workloads.base import ContainerEnv

    uid = rec["uid"]
    name = crec["name"]
    fs = container_fs(world, uid, name) or HostFS()
    values: dict[str, Any] = {
        "pod": pod, "container": spec, "fs": fs, "env": dict(crec.get("env") or {}),
        "hostname": pod_hostname(world, pod),
        "ip": rec.get("ip") or "", "node": rec["node"], "now": lambda: world.clock.now,
        "log": lambda stream, text: append_log(world, uid, name, stream, text),
    }
    fields = {f.name for f in dataclasses.fields(ContainerEnv)}
    if "state" in fields:
        values["state"] = crec.setdefault("proc", {})
    if "world" in fields:
        values["world"] = world
    return ContainerEnv(**{k: v for k, v in values.items() if k in fields})


def save_env(world: Any, uid: str, container: str, env: Any) -> None:
    """Persist what a use of the env changed (its files; `state` is the record's own dict)."""
    save_container_fs(world, uid, container, env.fs)
