"""What a container does: the interface between the kubelet and image behaviours.

The kubelet starts a container by asking its image's Workload to `start` it
in a ContainerEnv (the container's own file system, environment, hostname,
IP and a log writer). The network layer hands a request that reached a
container port to `serve`. Probes and `kubectl exec` use the same objects,
so a container behaves the same whoever asks it.

A container's behaviour is a function of its image, command, args, env and
files only (plus the virtual clock), so editing a Deployment changes what
it serves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..fs import HostFS


@dataclass
class ContainerEnv:
    """Everything a running container can see."""

    pod: dict[str, Any]            # the Pod object (read-only by convention)
    container: dict[str, Any]      # its entry in spec.containers
    fs: HostFS                     # the container's file system (persisted by the kubelet)
    env: dict[str, str]            # resolved environment variables
    hostname: str                  # the Pod name (or spec.hostname)
    ip: str                        # the Pod IP
    node: str                      # the node it runs on
    now: Callable[[], Any]         # the virtual clock's current datetime
    log: Callable[[str, str], None]  # log(stream "stdout"|"stderr", text with trailing newline)
    #: JSON-compatible memory of the running process (request counters ...),
    #: kept per container start by whoever builds the env
    state: dict[str, Any] = field(default_factory=dict)
    #: the World, so that a main process can reach the network (`curl` in a
    #: start-up script); None keeps it offline
    world: Any = None

    @property
    def command(self) -> list[str]:
        return list(self.container.get("command") or [])

    @property
    def args(self) -> list[str]:
        return list(self.container.get("args") or [])


@dataclass
class StartResult:
    """How a container's main process came up."""

    running: bool = True           # still running after start
    exit_code: int = 0             # when not running
    reason: str = ""               # Completed / Error (for a terminated container)
    listens: list[tuple[int, str]] = field(default_factory=list)  # (port, protocol)
    message: str = ""
    #: when running: virtual seconds until the main process ends by itself
    #: (`sleep 3600`), with `exit_code`/`reason` then; None = runs until stopped
    runs_for: float | None = None


@dataclass
class Request:
    """One request that reached a container port (HTTP when `method` is set)."""

    client_ip: str
    client_port: int
    port: int
    protocol: str = "TCP"
    method: str = "GET"
    path: str = "/"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    host: str = ""
    version: str = "HTTP/1.1"

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.path} {self.version}"

    def header(self, name: str, default: str = "") -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default


@dataclass
class Response:
    status: int = 200
    reason: str = "OK"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    version: str = "HTTP/1.1"

    def header(self, name: str, default: str = "") -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default


class Workload:
    """Base behaviour: runs, listens on nothing, knows no tools."""

    #: whether the lab knows this image (unknown ones get an Event saying so)
    known = False
    #: commands `kubectl exec` can run in this image (besides the shell's built-ins)
    tools: frozenset[str] = frozenset()
    #: the shell found in the image (`sh`, `bash`) or "" when there is none
    shell = ""
    #: how long `docker pull` takes on a node that lacks the image (virtual seconds)
    pull_seconds = 3.0
    #: whether the main process (PID 1) exits on SIGTERM, as nginx, httpd and python do;
    #: `sleep 3600` as PID 1 (busybox) ignores it and is killed when the grace period
    #: ends. May also be a method `(env) -> bool` when it depends on the command.
    exits_on_sigterm = True

    def start(self, env: ContainerEnv) -> StartResult:
        return StartResult(running=True)

    def serve(self, env: ContainerEnv, request: Request) -> Response | None:
        """The answer to a request on a port it listens on; None refuses the connection."""
        return None

    def stop(self, env: ContainerEnv) -> None:
        """SIGTERM: the chance to write shutdown log lines."""
