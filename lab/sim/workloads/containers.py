"""Reaching a running container from outside the kubelet.

The network (a request reaching a port) and `kubectl exec` need the same
container the kubelet started: its files, its log and its process memory,
which live in the kubelet's runtime records (lab/sim/runtime.py).
"""
from __future__ import annotations

from typing import Any

from .. import runtime as rt
from .base import ContainerEnv


def is_running(world: Any, pod: dict[str, Any], name: str) -> bool:
    """The container's process runs now, as the container runtime knows it."""
    return rt.container_state(world, pod["metadata"].get("uid", ""), name) == "running"


def listens(world: Any, pod: dict[str, Any], name: str) -> list[tuple[int, str]]:
    """The ports the running container listens on (recorded when it started)."""
    crec = rt.container_record(world, pod["metadata"].get("uid", ""), name)
    if crec is None or crec.get("state") != "running":
        return []
    return [(int(p), str(proto)) for p, proto in crec.get("listens") or []]


def container_env(world: Any, pod: dict[str, Any], name: str) -> ContainerEnv | None:
    """The env of a running container of the pod (None when it does not run)."""
    return rt.container_env(world, pod, name)


def save(world: Any, env: ContainerEnv) -> None:
    """Keep what a request or an exec changed in the container's files."""
    rt.save_env(world, env.pod["metadata"]["uid"], env.container["name"], env)
