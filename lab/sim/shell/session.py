"""A login shell on one simulated host: `ShellSession(world, host_name)`.

Keeps variables, exports, cwd, aliases and history between input lines,
as an interactive bash does, and returns every line's output as a Result
whose chunks keep stdout and stderr interleaved in the order written.
"""
from __future__ import annotations

import posixpath
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable

from ..limits import CommandLimitReached, OutputBudget, default_limits
from ..net import recording
from . import journal
from .context import Input, TerminalSink
from .interp import (AbortLine, ExitShell, Interrupted, LoopControl, ReturnFromFunction, Shell, ShellState,
                     incomplete_message, syntax_message)
from .lexer import Incomplete, Lexer, ShellSyntaxError
from .parser import Parser, as_line

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/root/bin"
#: (world id, thread id) of each journaled line running: a session nested in
#: it (kubectl exec) records nothing; other terminals' lines run in threads
#: of their own and are journaled on their own
_JOURNALING: set[tuple[int, int]] = set()


@dataclass
class Result:
    stdout: str = ""
    stderr: str = ""
    status: int = 0
    chunks: list[tuple[str, str]] = field(default_factory=list)


class ShellSession:
    """`interrupt` is a threading.Event the terminal sets on Ctrl-C; loops
    and commands poll it. `loop_budget` bounds loop iterations per line
    (default: the world's limits.max_loop_iterations); the world's
    command_limits() bound the virtual time a line may take."""

    #: commands this session can run (None: every registered command); a
    #: container session offers only its image's tools
    commands: dict | None = None

    def __init__(self, world: Any, host_name: str, loop_budget: int | None = None,
                 host: Any = None, commands: dict | None = None):
        """`host` replaces world.hosts[host_name] (a container is a pseudo-host
        with .name .ip .fs); `commands` restricts the command table."""
        self.world = world
        self.host_name = host_name
        self.host = host if host is not None else world.hosts[host_name]
        self.commands = commands
        self.fs = self.host.fs
        if getattr(self.fs, "clock", None) is None:
            clock = getattr(world, "clock", None)
            if clock is not None and hasattr(clock, "now"):
                self.fs.clock = lambda: clock.now.timestamp()
        if loop_budget is None:
            limits = getattr(world, "limits", None)
            loop_budget = limits.max_loop_iterations if limits is not None else default_limits().max_loop_iterations
        self.loop_budget = loop_budget
        #: False while this session runs inside another's command line (kubectl exec)
        self._outermost = True
        self.interrupt = threading.Event()
        #: called with (stream, text) for every write to the screen as it happens
        self.on_output: Callable[[str, str], None] | None = None
        self.iterations = 0
        #: what the running command line may still write (lab.sim.limits)
        self.output_budget: OutputBudget | None = None
        self.history: list[str] = []
        self.exited = False
        self.pid = 1000 + sum(map(ord, host_name)) % 9000
        self._rng_state = self.pid
        self.prompt_char = "$"
        env = {
            "HOSTNAME": host_name, "USER": "root", "LOGNAME": "root", "HOME": "/root",
            "SHELL": "/bin/bash", "TERM": "xterm", "PATH": DEFAULT_PATH,
            "PWD": "/root", "LANG": "en_US.UTF-8", "SHLVL": "1",
        }
        self.state = ShellState(vars=dict(env), exported=set(env), cwd="/root")
        if not self.fs.isdir("/root"):
            self.fs.mkdir("/root", parents=True)

    # -- prompt ---------------------------------------------------------------
    def prompt(self) -> str:
        """`[root@kube-node01 yaml]$ ` (bash's `[\\u@\\h \\W]\\$ `)."""
        custom = getattr(self.host, "prompt", None)
        if callable(custom):
            return custom(self)
        cwd = self.state.cwd
        home = self.state.vars.get("HOME", "/root")
        if cwd == home:
            d = "~"
        elif cwd == "/":
            d = "/"
        else:
            d = posixpath.basename(cwd)
        host = self.host_name.split(".")[0]
        return f"[root@{host} {d}]{self.prompt_char} "

    @property
    def cwd(self) -> str:
        return self.state.cwd

    @property
    def env(self) -> dict[str, str]:
        return self.state.vars

    def rng_next(self) -> int:
        """$RANDOM from a private LCG (deterministic per host)."""
        self._rng_state = (self._rng_state * 1103515245 + 12345) & 0x7FFFFFFF
        return (self._rng_state >> 16) & 0x7FFF

    # -- input ----------------------------------------------------------------
    @staticmethod
    def needs_more(text: str) -> bool:
        """True when bash would show its `> ` continuation prompt: open
        quotes, unfinished here-documents, compound commands or pipes."""
        try:
            toks = Lexer(as_line(text)).tokenize()
            if any(t.heredoc is not None and not t.heredoc.terminated for t in toks):
                return True
            Parser(toks).parse_program()
        except Incomplete:
            return True
        except ShellSyntaxError:
            return False
        return text.endswith("\\\n") or text.endswith("\\")

    def run(self, line: str, stdin: str = "") -> Result:
        """Run one input line (which may span several lines)."""
        chunks: list[tuple[str, str]] = []
        limits = getattr(self.world, "limits", None) or default_limits()
        self.output_budget = OutputBudget(limits.max_output_bytes)
        out = TerminalSink(chunks, "out", self.output_budget, self.on_output)
        err = TerminalSink(chunks, "err", self.output_budget, self.on_output)
        self.interrupt.clear()
        self.iterations = 0
        if line.strip():
            self.history.append(line.rstrip("\n"))
        scope = getattr(self.world, "command_limits", None)
        with scope() if callable(scope) else nullcontext(True) as outermost:
            self._outermost = outermost
            if self._journaled():
                me = threading.current_thread()
                key = (id(self.world), me.ident)
                with recording(self.world, accept=lambda: threading.current_thread() is me) as traces:
                    _JOURNALING.add(key)
                    try:
                        status = self._run(line, stdin, out, err)
                    finally:
                        _JOURNALING.discard(key)
            else:
                traces = None
                status = self._run(line, stdin, out, err)
        result = Result(
            stdout="".join(t for s, t in chunks if s == "out"),
            stderr="".join(t for s, t in chunks if s == "err"),
            status=status, chunks=chunks)
        if traces is not None and line.strip():
            journal.record(self.world, self.host_name, line, status, result.stderr, traces)
        return result

    def _journaled(self) -> bool:
        """Lines typed on one of the world's hosts are journaled; a container's
        shell (kubectl exec, a main process) and a line run inside another
        journaled line are not (the outer line records their connections)."""
        runtime = getattr(self.world, "runtime", None)
        hosts = getattr(self.world, "hosts", None)
        return (isinstance(runtime, dict) and hosts is not None and hosts.get(self.host_name) is self.host
                and (id(self.world), threading.get_ident()) not in _JOURNALING)

    def _run(self, line: str, stdin: str, out: TerminalSink, err: TerminalSink) -> int:
        try:
            toks = Lexer(as_line(line)).tokenize()
            tree = Parser(toks).parse_program()
        except ShellSyntaxError as e:
            err.write(syntax_message(e) + "\n")
            self.state.status = 2
            return 2
        except Incomplete as e:
            err.write(incomplete_message(e))
            self.state.status = 2
            return 2
        for t in toks:
            hd = t.heredoc
            if hd is not None and not hd.terminated:
                err.write(f"bash: warning: here-document at line {hd.line} delimited by "
                          f"end-of-file (wanted `{hd.delimiter}')\n")
        shell = Shell(self, self.state, {1: out, 2: err}, Input(stdin, is_tty=not stdin))
        try:
            status = shell.run_list(tree)
        except ExitShell as e:
            self.exited = True
            status = e.status
        except AbortLine as e:
            status = e.status
        except Interrupted as e:
            err.write(e.message)
            status = 130
        except CommandLimitReached as e:
            if not self._outermost:
                raise  # the whole outer line stops, as its budget is spent
            err.write(e.message)
            status = 130
        except (LoopControl, ReturnFromFunction):
            status = 0
        self.state.status = status
        return status

    # -- persistence ------------------------------------------------------------
    def to_state(self) -> dict:
        st = self.state
        return {"vars": dict(st.vars), "exported": sorted(st.exported), "cwd": st.cwd,
                "status": st.status, "aliases": dict(st.aliases),
                "history": list(self.history)}

    def load_state(self, data: dict) -> None:
        """Restore what to_state() saved (functions are not persisted)."""
        self.state = ShellState(vars=dict(data["vars"]), exported=set(data["exported"]),
                                cwd=data["cwd"], status=data.get("status", 0),
                                aliases=dict(data.get("aliases", {})))
        self.history = list(data.get("history", []))
