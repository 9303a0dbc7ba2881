"""Connecting from a host or a pod to an IP:port, as the cluster network does.

`connect(world, source, ip, port, protocol)` follows a connection attempt
through the dataplane (lab.sim.net.dataplane): the first packet walks the
rules kube-proxy wrote on every node it crosses, with routes, NAT, marks
and conntrack as the kernel keeps them. The result is a Connection to the
container that accepted it (`client_ip` is the post-NAT source it sees) or
a ConnectError: refused (REJECT, or RST from a port nobody listens on),
timeout (DROP, a lost packet), unreachable (no ARP answer), denied (a DROP
in the client's own OUTPUT hook: EPERM). Both carry the Trace of the walk;
`recording(world)` collects the traces of every connect() while active
(`labtrace`).
"""
from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..workloads import workload_for
from ..workloads.base import ContainerEnv, Request, Response
from ..workloads.containers import container_env, listens, save
from . import dataplane
from .trace import Trace

#: Linux gives up a connect() after 6 SYN retries: 1+2+4+8+16+32+64 s
SYN_TIMEOUT = 127.0
#: ARP for an address nobody has fails after 3 s: EHOSTUNREACH
ARP_TIMEOUT = 3.0
EPHEMERAL_FIRST = 32768


@dataclass
class ConnectError:
    """A failed connect(): `kind` refused | timeout | unreachable; `strerror`
    the errno text; `after` how long the kernel took to say so (seconds)."""

    kind: str
    strerror: str
    after: float = 0.0
    trace: Any = None

    @property
    def timed_out(self) -> bool:
        return self.kind == "timeout"


REFUSED = ("refused", "Connection refused", 0.0)


@dataclass
class Connection:
    """An established connection to a container's listening port."""

    world: Any
    pod: dict[str, Any]
    env: ContainerEnv
    workload: Any
    client_ip: str
    client_port: int
    port: int
    protocol: str = "TCP"
    #: the address and port the client connected to (before any DNAT)
    dest_ip: str = ""
    dest_port: int = 0
    path: list[str] = field(default_factory=list)
    trace: Any = None

    def request(self, request: Request) -> Response | None:
        """Hand an HTTP request to the container; None: it closed the connection."""
        request.client_ip = self.client_ip
        request.client_port = self.client_port
        request.port = self.port
        request.protocol = self.protocol
        response = self.workload.serve(self.env, request)
        save(self.world, self.env)
        return response


def _source(world: Any, source: Any) -> tuple[str, str, dict[str, Any] | None, str]:
    """(kind "node"|"external"|"pod", node name (the host's name for external), pod, source IP)."""
    if isinstance(source, dict):
        pod = source
    elif source in world.hosts:
        host = world.hosts[source]
        return host.role, host.name, None, host.ip
    else:
        pod = next((p for p in world.store.iter("pods") if p["metadata"].get("uid") == source), None)
        if pod is None:
            raise KeyError(f"no host or pod {source!r}")
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    if spec.get("hostNetwork"):
        # A host-network pod uses its node's network namespace.
        node = spec.get("nodeName", "")
        return "node", node, None, world.hosts[node].ip if node in world.hosts else status.get("podIP", "")
    return "pod", spec.get("nodeName", ""), pod, status.get("podIP", "")


def _client_port(world: Any) -> int:
    """Ephemeral ports in order, as a fresh kernel hands them out (persisted)."""
    net = world.runtime.setdefault("net", {})
    port = int(net.get("nextPort", EPHEMERAL_FIRST))
    net["nextPort"] = port + 1 if port < 60999 else EPHEMERAL_FIRST
    return port


_RECORDERS: "weakref.WeakKeyDictionary[Any, list[list[Trace]]]" = weakref.WeakKeyDictionary()


class _Recorder(list):
    """The traces one recording() collects: a list that takes a trace only
    when `accept()` (if given) says so."""

    def __init__(self, accept: Callable[[], bool] | None = None):
        super().__init__()
        self.accept = accept

    def append(self, trace: Trace) -> None:
        if self.accept is None or self.accept():
            super().append(trace)


@contextmanager
def recording(world: Any, accept: Callable[[], bool] | None = None) -> Iterator[list[Trace]]:
    """Collect the Trace of every connect() made while the block runs (for
    which `accept()` is true, when given: a lab runner keeps the
    connections of one command, not those other terminals make while it
    waits)."""
    traces = _Recorder(accept)
    _RECORDERS.setdefault(world, []).append(traces)
    try:
        yield traces
    finally:
        # by identity: nested recorders may hold equal lists (the same traces)
        active = _RECORDERS[world]
        del active[next(i for i, t in enumerate(active) if t is traces)]


_ERRORS = {"refused": "Connection refused", "timeout": "Connection timed out", "unreachable": "No route to host",
           "denied": "Operation not permitted"}


def connect(world: Any, source: Any, ip: str, port: int, protocol: str = "TCP") -> Connection | ConnectError:
    """A connection attempt from `source` (host name or pod uid/dict) to ip:port."""
    if ip == "localhost":
        ip = "127.0.0.1"
    if ip == "::1":
        ip = "127.0.0.1"
    src = _source(world, source)
    out = dataplane.walk(world, src, ip, int(port), protocol, _client_port(world))
    for traces in _RECORDERS.get(world, ()):
        traces.append(out.trace)
    if out.kind != "connected":
        err = ConnectError(out.kind if out.kind != "denied" else "denied", _ERRORS[out.kind], out.after)
        err.trace = out.trace
        return err
    pod = out.pod
    assert pod is not None
    for container in (pod.get("spec") or {}).get("containers") or []:
        if (out.port, protocol) not in listens(world, pod, container["name"]):
            continue
        env = container_env(world, pod, container["name"])
        if env is not None:
            hops = [f"{h.host} {h.stage}" for h in out.trace.hops]
            return Connection(world, pod, env, workload_for(container), out.client_ip, out.client_port, out.port,
                              protocol, ip, int(port), hops, trace=out.trace)
    return ConnectError("refused", "Connection refused", 0.0, trace=out.trace)


__all__ = ["connect", "Connection", "ConnectError", "SYN_TIMEOUT", "recording"]
