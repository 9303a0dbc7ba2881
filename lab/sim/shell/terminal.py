"""A terminal's stack of shells: the login shell on a host, and the shells
that `kubectl exec -it POD -- sh` opens inside a container on top of it.

In a real terminal `kubectl exec -it nginx -- sh` connects the terminal to a
shell in the container until that shell exits; the lines typed meanwhile run
in the container (its files, its tools, its prompt `# `), and `exit` comes
back to the node's prompt, kubectl printing `command terminated with exit
code N` when the shell's status was not 0. TerminalSession keeps that stack
for one terminal; like ShellSession it runs one line at a time, gives the
prompt, and saves to and restores from JSON data (the page's terminal keeps
that between lines while the lab itself is reloaded for each command).

`editor`, when a terminal has one (the lab page's YAML editor), is what
`kubectl edit` opens instead of a program: editor(path, text) returns the
saved text, or None when the edit was closed without saving.
"""
from __future__ import annotations

import posixpath
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .session import Result, ShellSession

#: what a terminal's editor does: (path of the file, its text) -> the saved text, or None
Editor = Callable[[str, str], "str | None"]

#: the status kubectl reports when the container was killed under the shell (SIGKILL)
KILLED_STATUS = 137


@dataclass
class ExecShell:
    """One `kubectl exec -it` shell: which container, which program, and
    its shell state (variables, cwd) between lines."""

    namespace: str
    pod: str
    uid: str
    container: str
    command: list[str]
    state: dict | None = None

    def to_state(self) -> dict:
        return {"namespace": self.namespace, "pod": self.pod, "uid": self.uid, "container": self.container,
                "command": list(self.command), "state": self.state}

    @classmethod
    def from_state(cls, data: dict) -> "ExecShell":
        return cls(data["namespace"], data["pod"], data["uid"], data["container"], list(data["command"]),
                   data.get("state"))

    def open(self, world: Any) -> tuple[Any, Any] | None:
        """(ShellSession in the container, its ContainerEnv), or None when the
        container no longer runs (deleted, restarted or its node stopped)."""
        from ..workloads import workload_for
        from ..workloads.containers import container_env
        from ..workloads.process import container_session

        pod = world.store.peek("pods", self.namespace, self.pod)
        if pod is None or pod["metadata"].get("uid") != self.uid:
            return None
        env = container_env(world, pod, self.container)
        if env is None:
            return None
        spec = next(c for c in pod["spec"]["containers"] if c["name"] == self.container)
        workload = workload_for(spec)
        flavor = "bash" if posixpath.basename(self.command[0]) == "bash" else workload.shell_flavor
        session = container_session(world, env, workload, flavor)
        if self.state is not None:
            session.load_state(self.state)
        return session, env


def exec_shell_for(world: Any, request: dict) -> ExecShell:
    """The ExecShell for kubectl exec's attach request (a running container)."""
    pod = world.store.peek("pods", request["namespace"], request["pod"])
    return ExecShell(request["namespace"], request["pod"], pod["metadata"]["uid"], request["container"],
                     list(request["command"]))


class TerminalSession:
    """The shells of one terminal (see the module docstring).

    The same interface as ShellSession where a terminal needs it: run(line),
    prompt(), exited, host_name, interrupt, to_state() and load_state()."""

    def __init__(self, world: Any, host_name: str, editor: Editor | None = None):
        self.world = world
        self.login = ShellSession(world, host_name)
        self.login.can_attach = True
        self.login.editor = editor
        self.nested: list[ExecShell] = []
        self.interrupt = self.login.interrupt
        #: (stream, text) for every write to the screen as it happens, whichever shell writes
        self.on_output: Callable[[str, str], None] | None = None
        self._current: ShellSession = self.login

    @property
    def host_name(self) -> str:
        return self.login.host_name

    @property
    def exited(self) -> bool:
        return self.login.exited

    @property
    def in_container(self) -> bool:
        return bool(self.nested)

    @property
    def iterations(self) -> int:
        """Loop iterations of the running line (a runner resets it while a loop waits)."""
        return self._current.iterations

    @iterations.setter
    def iterations(self, count: int) -> None:
        self._current.iterations = count

    @property
    def interrupt(self) -> Any:
        return self._interrupt

    @interrupt.setter
    def interrupt(self, flag: Any) -> None:
        """The terminal's Ctrl-C flag, shared by every shell on the stack."""
        self._interrupt = flag
        self.login.interrupt = flag

    # -- running lines --------------------------------------------------------
    def run(self, line: str, stdin: str = "") -> Result:
        """Run one line in the shell on top of the stack."""
        if self.nested:
            return self._run_in_container(line, stdin)
        self.login.__dict__.pop("attach_request", None)
        self.login.on_output = self.on_output
        result = self.login.run(line, stdin)
        request = self.login.__dict__.pop("attach_request", None)
        if request is not None and not self.login.exited:
            self.nested.append(exec_shell_for(self.world, request))
        return result

    def _run_in_container(self, line: str, stdin: str) -> Result:
        shell = self.nested[-1]
        opened = shell.open(self.world)
        if opened is None:
            # The container went away under the shell: kubectl's stream ends.
            self.nested.pop()
            return self._exec_ended(Result(), KILLED_STATUS)
        session, env = opened
        session.interrupt = self._interrupt
        session.on_output = self.on_output
        self._current = session
        try:
            result = session.run(line, stdin)
        finally:
            self._current = self.login
        from ..workloads.containers import save

        save(self.world, env)
        if session.exited:
            self.nested.pop()
            return self._exec_ended(result, result.status)
        shell.state = session.to_state()
        return result

    def _exec_ended(self, result: Result, status: int) -> Result:
        """The exec'd shell ended with `status`: kubectl exec's own ending."""
        status &= 0xFF
        if status:
            text = f"command terminated with exit code {status}\n"
            if self.on_output is not None:
                self.on_output("err", text)
            result.stderr += text
            if result.chunks and result.chunks[-1][0] == "err":
                result.chunks[-1] = ("err", result.chunks[-1][1] + text)
            else:
                result.chunks.append(("err", text))
        result.status = status
        self.login.state.status = status
        return result

    def prompt(self) -> str:
        if self.nested:
            opened = self.nested[-1].open(self.world)
            if opened is not None:
                return opened[0].prompt()
        return self.login.prompt()

    @staticmethod
    def needs_more(text: str) -> bool:
        return ShellSession.needs_more(text)

    # -- persistence ------------------------------------------------------------
    def to_state(self) -> dict:
        """The login shell's state (ShellSession.to_state()) plus the exec shells."""
        state = self.login.to_state()
        if self.nested:
            state["exec"] = [shell.to_state() for shell in self.nested]
        return state

    def load_state(self, data: dict) -> None:
        self.login.load_state(data)
        self.nested = [ExecShell.from_state(d) for d in data.get("exec") or []]


def terminal_session(world: Any, host_name: str, state: dict | None = None, *,
                     interrupt: Any = None, editor: Editor | None = None) -> TerminalSession:
    """A terminal's shells on `host_name`, restored from `state` when given."""
    session = TerminalSession(world, host_name, editor=editor)
    if state is not None:
        session.load_state(state)
    session.interrupt = interrupt if interrupt is not None else threading.Event()
    return session


def attached_shell(state: dict | None) -> dict | None:
    """The container shell a terminal's state is in ({"namespace", "pod",
    "container", "command"} of the innermost), or None on the host's own."""
    nested = (state or {}).get("exec") or []
    if not nested:
        return None
    top = nested[-1]
    return {k: top[k] for k in ("namespace", "pod", "container", "command")}
