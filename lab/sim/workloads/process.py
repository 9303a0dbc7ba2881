"""A container's processes, run by the lab's own shell.

A container is a pseudo-host for ShellSession: its name is the pod's
hostname, its file system the container's HostFS, its IP the pod IP, and
only the image's tools are on its command table (`curl` is there in nginx,
not in busybox), as `kubectl exec` finds them in a real image.

The main process (the container's command + args, or the image's
ENTRYPOINT/CMD, merged as the kubelet does) runs through the same table in
"main" mode: `sleep` does not move the lab clock but adds to how long the
process runs, and a server program (`nginx -g 'daemon off;'`,
`python -m SimpleHTTPServer 8080`) raises Serve, because a real one would
block there forever. Running the main process again on a copy of the files
("dry" mode, logs dropped) tells what the container serves, so what it
serves is a function of its image, command, args, env and files.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from ..fs import HostFS
from .base import ContainerEnv

#: a main process that loops longer than this is taken to run forever
FOREVER_SECONDS = 10 * 365 * 86400.0

PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
CONTAINER_PATH = ":".join(PATH_DIRS)

#: what every image with a shell has (shell built-ins and the basic file tools)
CORE_TOOLS = frozenset({
    "echo", "printf", "test", "[", "cd", "pwd", "export", "unset", "read", "exit", "alias",
    "unalias", "source", ".", "eval", "type", "true", "false", ":", "break", "continue",
    "return", "shift", "set", "local", "declare", "exec", "wait", "hash", "umask", "let",
    "cat", "ls", "mkdir", "rm", "rmdir", "cp", "mv", "touch", "tee", "chmod", "basename",
    "dirname", "head", "tail", "wc", "sort", "uniq", "tr", "cut", "seq", "xargs", "env",
    "printenv", "sleep", "date", "id", "whoami", "uname", "grep", "egrep", "fgrep", "sed",
    "awk", "hostname", "more", "which",
})


class Serve(Exception):
    """The main process became a server and blocks: `server` says which
    (kind, port, protocol and whatever the server needs, JSON-compatible)."""

    def __init__(self, server: dict[str, Any]):
        super().__init__(server.get("kind", ""))
        self.server = server


class StartFailed(Exception):
    """The runtime could not start the process (no such executable)."""

    def __init__(self, message: str, exit_code: int = 128):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class MainWorld:
    """The world as the main process sees it: `sleep` adds to `elapsed`
    instead of moving the lab clock; `dry_run` tells network tools to stay
    quiet (a dry run only wants to know what the process would serve)."""

    main_process = True

    def __init__(self, world: Any, now: Callable[[], Any], dry_run: bool = False):
        self._world = world
        self._now = now
        self.elapsed = 0.0
        self.dry_run = dry_run
        self.clock = _MainClock(self)

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, float(seconds))
        if self.elapsed > FOREVER_SECONDS:
            raise RunsForever()

    def wait(self, seconds: float) -> bool:
        """World.wait for the main process: its own time passes, not the lab's."""
        self.advance(seconds)
        return False

    def settle(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self._world is None:
            raise AttributeError(name)
        return getattr(self._world, name)


class _MainClock:
    """`date` in a main process: the start time plus the time it slept."""

    def __init__(self, world: MainWorld):
        self._main = world

    @property
    def now(self) -> Any:
        import datetime as dt
        return self._main._now() + dt.timedelta(seconds=self._main.elapsed)


class RunsForever(Exception):
    """A main process that never ends by itself (an endless loop)."""


@dataclass
class ContainerHost:
    """A container seen as a host by the shell."""

    name: str
    ip: str
    fs: HostFS
    env: ContainerEnv
    workload: Any
    role: str = "container"
    powered: bool = True
    #: which shell prints "not found" messages: ash (busybox), dash (Debian sh), bash
    shell_flavor: str = "bash"

    @property
    def kubelet_alive(self) -> bool:
        return False

    def not_found_message(self, name: str) -> str:
        if self.shell_flavor == "ash":
            return f"sh: {name}: not found\n"
        if self.shell_flavor == "dash":
            return f"sh: 1: {name}: not found\n"
        return f"bash: {name}: command not found\n"

    def prompt(self, session: Any) -> str:
        """PS1 as each shell shows it to root: busybox ash `\\w \\$ ` (`/ # `),
        dash's built-in `# `, and Debian's bash.bashrc `\\u@\\h:\\w\\$ `."""
        cwd = session.state.cwd
        home = session.state.vars.get("HOME", "/root")
        shown = "~" + cwd[len(home):] if home != "/" and (cwd == home or cwd.startswith(home + "/")) else cwd
        if self.shell_flavor == "ash":
            return f"{shown} # "
        if self.shell_flavor == "dash":
            return "# "
        return f"root@{self.name}:{shown}# "


def command_table(workload: Any) -> dict[str, Callable]:
    """The commands a container of this image can run, with their paths."""
    from ..shell.commands import COMMANDS

    names = set(workload.tools)
    if workload.shell:
        names |= CORE_TOOLS
    table = {n: COMMANDS[n] for n in sorted(names) if n in COMMANDS}
    table.update(workload.programs())
    for name, fn in list(table.items()):
        if "/" in name:
            continue
        for d in PATH_DIRS:
            table.setdefault(f"{d}/{name}", fn)
    return table


def container_session(world: Any, env: ContainerEnv, workload: Any, shell_flavor: str | None = None) -> Any:
    """A ShellSession whose host is the container (for `kubectl exec` and the main process)."""
    from ..shell.session import ShellSession

    flavor = shell_flavor or workload.shell_flavor
    host = ContainerHost(env.hostname, env.ip, env.fs, env, workload, shell_flavor=flavor)
    session = ShellSession(world, env.hostname, host=host, commands=command_table(workload))
    home = "/root"
    variables = {"PATH": CONTAINER_PATH, "HOSTNAME": env.hostname, "HOME": home}
    variables.update(workload.image_env())
    variables.update(env.env)
    cwd = env.container.get("workingDir") or workload.workdir or "/"
    if not env.fs.isdir(cwd):
        env.fs.mkdir(cwd, parents=True)
    variables["PWD"] = cwd
    session.state.vars = dict(variables)
    session.state.exported = set(variables)
    session.state.cwd = cwd
    return session


class LogSink:
    """A stream of the main process: whole lines go to the container log."""

    is_tty = False

    def __init__(self, log: Callable[[str, str], None], stream: str):
        self.log = log
        self.stream = stream
        self.buffer = ""

    def write(self, text: str) -> None:
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.log(self.stream, line + "\n")

    def flush(self) -> None:
        if self.buffer:
            self.log(self.stream, self.buffer)
            self.buffer = ""


@dataclass
class MainOutcome:
    """What the main process did: became a server, ended, or never ends."""

    server: dict[str, Any] | None = None
    exit_code: int = 0
    elapsed: float = 0.0
    forever: bool = False
    start_error: str = ""


def main_argv(workload: Any, container: dict[str, Any]) -> list[str]:
    """ENTRYPOINT/CMD merged with command/args as the kubelet does: command
    replaces the entrypoint (and drops the image's CMD), args replace CMD."""
    command = list(container.get("command") or [])
    args = list(container.get("args") or [])
    if command:
        return command + args
    return list(workload.entrypoint) + (args if args else list(workload.cmd))


def run_main(world: Any, env: ContainerEnv, workload: Any, dry_run: bool = False) -> MainOutcome:
    """Run the container's main process until it serves, ends or would run forever."""
    from ..shell.context import Input
    from ..limits import CommandLimitReached
    from ..shell.interp import AbortLine, ExitShell, Interrupted, LoopControl, ReturnFromFunction, Shell

    if dry_run:
        env = copy.copy(env)
        env.fs = HostFS.from_state(env.fs.to_state())
        env.log = lambda stream, text: None
        env.state = {}
    proxy = MainWorld(world, env.now, dry_run=dry_run)
    argv = main_argv(workload, env.container)
    if not argv:
        return MainOutcome(start_error="no command specified: unknown")
    session = container_session(proxy, env, workload)
    name = argv[0]
    if name not in session.commands and not env.fs.isfile(name, session.state.cwd):
        return MainOutcome(start_error=(
            "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
            "runc create failed: unable to start container process: exec: "
            f"\"{name}\": executable file not found in $PATH: unknown"))
    out, err = LogSink(env.log, "stdout"), LogSink(env.log, "stderr")
    shell = Shell(session, session.state, {1: out, 2: err}, Input("", is_tty=False))
    outcome = MainOutcome()
    try:
        outcome.exit_code = shell.run_argv(argv, {1: out, 2: err}, Input("", is_tty=False), None)
    except Serve as s:
        outcome.server = s.server
    except ExitShell as e:
        outcome.exit_code = e.status
    except AbortLine as e:
        outcome.exit_code = e.status
    except (Interrupted, RunsForever, CommandLimitReached):
        # A main process still looping (or sleeping) at the shell's limits runs forever.
        outcome.forever = True
    except (LoopControl, ReturnFromFunction):
        outcome.exit_code = 0
    out.flush()
    err.flush()
    outcome.elapsed = proxy.elapsed
    return outcome


def in_main(ctx: Any) -> bool:
    """A program runs as the container's main process (not under kubectl exec)."""
    return bool(getattr(ctx.world, "main_process", False))


def container_of(ctx: Any) -> ContainerEnv | None:
    env = getattr(ctx.host, "env", None)
    return env if isinstance(env, ContainerEnv) else None

