"""Image references and the behaviour every known image shares.

An ImageWorkload describes an image the way its Dockerfile does (ENTRYPOINT,
CMD, WORKDIR, ENV, the files it ships, the tools on its PATH) plus the
programs it adds (nginx, python ...). Starting a container runs its main
process (see process.py); a request reaching a port is answered by the
server the main process became.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .base import ContainerEnv, Request, Response, StartResult, Workload
from .process import run_main

Server = Callable[[ContainerEnv, Request, dict], Response]
Stopper = Callable[[ContainerEnv, dict], None]

#: kind -> how that server answers a request / says goodbye on SIGTERM
SERVERS: dict[str, Server] = {}
STOPPERS: dict[str, Stopper] = {}


def server(kind: str) -> Callable[[Server], Server]:
    def deco(fn: Server) -> Server:
        SERVERS[kind] = fn
        return fn
    return deco


def stopper(kind: str) -> Callable[[Stopper], Stopper]:
    def deco(fn: Stopper) -> Stopper:
        STOPPERS[kind] = fn
        return fn
    return deco


@dataclass(frozen=True)
class ImageRef:
    """`docker.io/library/nginx:1.27` -> registry docker.io, path nginx, tag 1.27."""

    registry: str
    path: str
    tag: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def parse_image(image: str) -> ImageRef:
    """Split an image reference as the container runtime normalizes it."""
    ref = (image or "").strip()
    ref = ref.split("@", 1)[0]
    tag = "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    parts = ref.split("/")
    registry = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts[0]
        parts = parts[1:]
    if registry in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
        if len(parts) == 2 and parts[0] == "library":
            parts = parts[1:]
    return ImageRef(registry, "/".join(parts), tag)


class ImageWorkload(Workload):
    """A known image: its main process, its files, its tools and its servers."""

    known = True
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    workdir = "/"
    shell = "sh"
    #: who prints "not found" in this image's /bin/sh: ash (busybox), dash (Debian)
    shell_flavor = "dash"

    def __init__(self, ref: ImageRef):
        self.ref = ref

    # -- the image ------------------------------------------------------------
    def programs(self) -> dict[str, Callable]:
        """Executables this image adds to the shell's commands (name -> fn(ctx, argv))."""
        return {}

    def image_env(self) -> dict[str, str]:
        """The image's ENV lines."""
        return {}

    def image_files(self) -> dict[str, tuple[str, float]]:
        """Files the image ships: path -> (content, mtime in epoch seconds)."""
        return {}

    def seed(self, env: ContainerEnv) -> None:
        """Put the image's files in a fresh container file system."""
        for path, (content, mtime) in sorted(self.image_files().items()):
            if env.fs.exists(path):
                continue
            parent = path.rsplit("/", 1)[0] or "/"
            if not env.fs.isdir(parent):
                env.fs.mkdir(parent, parents=True)
            env.fs.write(path, content)
            env.fs.stat(path).mtime = mtime

    # -- the container ----------------------------------------------------------
    def start(self, env: ContainerEnv) -> StartResult:
        self.seed(env)
        outcome = run_main(env.world, env, self)
        if outcome.start_error:
            return StartResult(running=False, exit_code=128, reason="StartError", message=outcome.start_error)
        if outcome.server is not None:
            srv = outcome.server
            return StartResult(running=True, listens=[(int(srv["port"]), srv.get("protocol", "TCP"))])
        if outcome.forever:
            return StartResult(running=True)
        reason = "Completed" if outcome.exit_code == 0 else "Error"
        if outcome.elapsed > 0:
            return StartResult(running=True, exit_code=outcome.exit_code, reason=reason, runs_for=outcome.elapsed)
        return StartResult(running=False, exit_code=outcome.exit_code, reason=reason)

    def current_server(self, env: ContainerEnv) -> dict[str, Any] | None:
        """What the main process serves, found by running it on a copy of the files."""
        return run_main(env.world, env, self, dry_run=True).server

    def listens(self, env: ContainerEnv) -> list[tuple[int, str]]:
        srv = self.current_server(env)
        return [(int(srv["port"]), srv.get("protocol", "TCP"))] if srv else []

    def serve(self, env: ContainerEnv, request: Request) -> Response | None:
        srv = self.current_server(env)
        if not srv or int(srv["port"]) != request.port or srv.get("protocol", "TCP") != request.protocol:
            return None
        handler = SERVERS.get(srv["kind"])
        return handler(env, request, srv) if handler else None

    def exits_on_sigterm(self, env: ContainerEnv) -> bool:
        """PID 1 gets no default signal actions: only a process that handles
        SIGTERM (nginx, httpd) ends at once; `sleep`, a shell, python or node
        as PID 1 ignore it and are killed when the grace period is over."""
        srv = self.current_server(env)
        return bool(srv) and srv["kind"] in ("nginx", "httpd", "echoserver")

    def stop(self, env: ContainerEnv) -> None:
        srv = self.current_server(env)
        if srv and srv["kind"] in STOPPERS:
            STOPPERS[srv["kind"]](env, srv)
