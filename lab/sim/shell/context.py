"""What a command sees while it runs: streams, environment, host and world.

Commands are plain functions `fn(ctx, argv) -> int`; everything they may
touch goes through this object so that pipes, redirections and command
substitution work the same for built-ins and for kubectl, curl ...
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..fs import FSError, HostFS

if TYPE_CHECKING:
    from .interp import Shell


class Input:
    """A readable stdin shared by every command of a loop body, so that
    `while read l; do ...; done < f` consumes the file line by line."""

    def __init__(self, data: str = "", is_file: bool = False, is_tty: bool = False):
        self.data = data
        self.pos = 0
        self.is_file = is_file
        self.is_tty = is_tty

    def read(self) -> str:
        s = self.data[self.pos:]
        self.pos = len(self.data)
        return s

    def readline(self) -> str:
        """One line with its newline ('' at end of input)."""
        end = self.data.find("\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        s = self.data[self.pos:end]
        self.pos = end
        return s


class Sink:
    is_tty = False
    #: the command line's OutputBudget (lab.sim.limits) this sink spends, if any
    budget: Any = None

    def write(self, text: str) -> None:
        raise NotImplementedError


class WriteError(Exception):
    """A redirection's file could not take a write (the disk is full)."""

    def __init__(self, strerror: str):
        super().__init__(strerror)
        self.strerror = strerror


class TerminalSink(Sink):
    """The session's screen: appends (stream, text) chunks in write order,
    and hands each write to `listener` at once, so a terminal shows a
    running loop's output as it is written."""
    is_tty = True

    def __init__(self, chunks: list[tuple[str, str]], stream: str, budget: Any = None,
                 listener: Callable[[str, str], None] | None = None):
        self.chunks = chunks
        self.stream = stream
        self.budget = budget
        self.listener = listener

    def write(self, text: str) -> None:
        if not text:
            return
        if self.budget is not None:
            self.budget.spend(len(text))
        if self.listener is not None:
            self.listener(self.stream, text)
        if self.chunks and self.chunks[-1][0] == self.stream:
            self.chunks[-1] = (self.stream, self.chunks[-1][1] + text)
        else:
            self.chunks.append((self.stream, text))


class BufferSink(Sink):
    def __init__(self, budget: Any = None) -> None:
        self.parts: list[str] = []
        self.budget = budget

    def write(self, text: str) -> None:
        if self.budget is not None:
            self.budget.spend(len(text))
        self.parts.append(text)

    def getvalue(self) -> str:
        return "".join(self.parts)


class NullSink(Sink):
    def write(self, text: str) -> None:
        pass


class FileSink(Sink):
    """A file opened by a redirection; every write lands in the fs at once
    (so `cat f > f` empties f, as on Linux)."""

    def __init__(self, fs: HostFS, path: str, budget: Any = None):
        self.fs = fs
        self.path = path
        self.budget = budget

    def write(self, text: str) -> None:
        if text:
            if self.budget is not None:
                self.budget.spend(len(text))
            try:
                self.fs.append(self.path, text, "/")
            except FSError as e:
                raise WriteError(e.strerror) from None


class CommandContext:
    """ctx for one command: .world .host .fs .env .cwd .stdin .out() .err()
    .session .interrupted() plus path and error helpers."""

    def __init__(self, shell: "Shell", name: str, env: dict[str, str],
                 fds: dict[int, Sink], stdin: Input):
        self.shell = shell
        self.session = shell.session
        self.world: Any = shell.session.world
        self.host: Any = shell.session.host
        self.fs: HostFS = shell.session.fs
        self.name = name
        self.env = env
        self.fds = fds
        self.stdin_stream = stdin

    # -- streams ----------------------------------------------------------
    @property
    def stdin(self) -> str:
        """Everything left on stdin (reading consumes it)."""
        return self.stdin_stream.read()

    @property
    def stdin_is_file(self) -> bool:
        return self.stdin_stream.is_file

    @property
    def stdin_is_tty(self) -> bool:
        return self.stdin_stream.is_tty

    @property
    def stdout_is_tty(self) -> bool:
        return self.fds[1].is_tty

    def out(self, text: str) -> None:
        self.fds[1].write(text)

    def err(self, text: str) -> None:
        self.fds[2].write(text)

    # -- state ------------------------------------------------------------
    @property
    def cwd(self) -> str:
        return self.shell.state.cwd

    def interrupted(self) -> bool:
        return self.session.interrupt.is_set()

    def resolve(self, path: str) -> str:
        """Absolute path of an operand, relative to the shell's cwd."""
        return self.fs.resolve(path, self.cwd)

    # -- errors -----------------------------------------------------------
    def error(self, msg: str, prog: str | None = None) -> None:
        """`prog: msg` on stderr, the coreutils way."""
        self.err(f"{prog or self.name}: {msg}\n")

    def fs_error(self, exc: FSError, prog: str | None = None, what: str | None = None) -> None:
        """`cat: x: No such file or directory`, or with a verb:
        `rm: cannot remove 'x': No such file or directory`."""
        if what:
            self.err(f"{prog or self.name}: {what} '{exc.path}': {exc.strerror}\n")
        else:
            self.err(f"{prog or self.name}: {exc.path}: {exc.strerror}\n")

    def usage_error(self, msg: str, prog: str | None = None) -> None:
        p = prog or self.name
        self.err(f"{p}: {msg}\nTry '{p} --help' for more information.\n")

    # -- running other commands -------------------------------------------
    def run_argv(self, argv: list[str], stdin: str | None = None) -> int:
        """Run a command by argv with this ctx's streams (xargs, env CMD)."""
        inp = Input(stdin) if stdin is not None else self.stdin_stream
        return self.shell.run_argv(argv, self.fds, inp, extra_env=None)

    def run_source(self, source: str, stdin: str | None = None) -> int:
        """Run shell source in the current shell (source, bash -c)."""
        inp = Input(stdin) if stdin is not None else self.stdin_stream
        return self.shell.run_source(source, self.fds, inp)
