"""Executes the syntax tree: lists, pipelines, compound commands, simple
commands with redirections, functions and command substitution.

Pipes are run one command after the other with the previous command's
output as the next one's stdin; each part of a multi-command pipeline and
every $(...) runs in a copy of the shell state (a subshell), as in bash.
Loops are bounded: every iteration counts against the session's budget
(the lab's limit of loop iterations per command, lab.sim.limits) and
checks the interrupt flag (Ctrl-C).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..fs import ENOENT, FSError
from ..limits import CommandLimitReached, loop_limit_message, value_limit_message
from . import ast as A
from .context import BufferSink, CommandContext, FileSink, Input, NullSink, Sink, WriteError
from .expand import Expander, ExpansionError, glob_regex, pattern_match
from .lexer import Incomplete, ShellSyntaxError
from .parser import parse

if TYPE_CHECKING:
    from .session import ShellSession

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ASSIGN_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
DECLARATION_BUILTINS = {"export", "declare", "local", "readonly", "typeset"}
#: builtins whose write errors bash reports as `bash: echo: write error: ...`
WRITE_ERROR_BUILTINS = {"echo", "printf", "pwd", "type", "alias", "declare", "export", "set", "history"}


class ExitShell(Exception):
    def __init__(self, status: int):
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int):
        self.kind = kind  # "break" | "continue"
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, status: int):
        self.status = status


class AbortLine(Exception):
    """An expansion error: the rest of the line (or subshell) is dropped."""

    def __init__(self, status: int):
        self.status = status


class Interrupted(Exception):
    """Ctrl-C stopped the whole input line."""

    def __init__(self, message: str = ""):
        self.message = message


@dataclass
class ShellState:
    """Everything a subshell copies: variables, exports, cwd, $?, ..."""
    vars: dict[str, str] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    cwd: str = "/root"
    status: int = 0
    functions: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    options: set[str] = field(default_factory=set)

    def copy(self) -> "ShellState":
        return ShellState(dict(self.vars), set(self.exported), self.cwd, self.status,
                          dict(self.functions), dict(self.aliases), list(self.args),
                          set(self.options))


class Shell:
    def __init__(self, session: "ShellSession", state: ShellState, fds: dict[int, Sink],
                 stdin: Input, subshell: bool = False):
        self.session = session
        self.state = state
        self.fds = fds
        self.stdin = stdin
        self.subshell = subshell
        self.expander = Expander(self)
        self.loop_depth = 0

    # -- variables ----------------------------------------------------------
    @property
    def nounset(self) -> bool:
        return "u" in self.state.options

    def get_var(self, name: str) -> str | None:
        st = self.state
        if name == "?":
            return str(st.status)
        if name == "$":
            return str(self.session.pid)
        if name == "#":
            return str(len(st.args))
        if name in ("@", "*"):
            return " ".join(st.args)
        if name == "0":
            return "-bash"
        if name.isdigit():
            i = int(name)
            return st.args[i - 1] if i <= len(st.args) else None
        if name == "PWD":
            return st.vars.get("PWD", st.cwd)
        if name == "RANDOM":
            return str(self.session.rng_next())
        return st.vars.get(name)

    def set_var(self, name: str, value: str) -> None:
        budget = getattr(self.session, "output_budget", None)
        if budget is not None and len(value) > budget.limit:
            raise CommandLimitReached(value_limit_message(name, budget.limit))
        self.state.vars[name] = value

    @property
    def output_budget(self) -> Any:
        """The command line's OutputBudget, which every pipe and file sink spends."""
        return getattr(self.session, "output_budget", None)

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in self.state.vars.items() if k in self.state.exported}
        if extra:
            env.update(extra)
        return env

    # -- entry points -----------------------------------------------------
    def run_source(self, source: str, fds: dict[int, Sink] | None = None,
                   stdin: Input | None = None) -> int:
        try:
            tree = parse(source)
        except ShellSyntaxError as e:
            self.fds[2].write(syntax_message(e) + "\n")
            return 2
        except Incomplete as e:
            self.fds[2].write(incomplete_message(e))
            return 2
        saved = (self.fds, self.stdin)
        if fds is not None:
            self.fds = fds
        if stdin is not None:
            self.stdin = stdin
        try:
            return self.run_list(tree)
        finally:
            self.fds, self.stdin = saved

    def run_argv(self, argv: list[str], fds: dict[int, Sink], stdin: Input,
                 extra_env: dict[str, str] | None) -> int:
        return self._invoke(argv, fds, stdin, extra_env or {})

    def subshell_copy(self, fds: dict[int, Sink] | None = None, stdin: Input | None = None) -> "Shell":
        return Shell(self.session, self.state.copy(), fds or dict(self.fds),
                     stdin or self.stdin, subshell=True)

    def command_substitution(self, source: str) -> str:
        buf = BufferSink(self.output_budget)
        sub = self.subshell_copy(fds={1: buf, 2: self.fds[2]})
        try:
            status = sub.run_source(source)
        except (ExitShell, AbortLine) as e:
            status = e.status
        self.state.status = status
        self.last_cmdsub_status = status
        return buf.getvalue().rstrip("\n")

    # -- glob ---------------------------------------------------------------
    def glob(self, pattern: str) -> list[str]:
        """Pathname expansion against the host fs; hidden names need a
        leading dot in the pattern. Sorted like bash (by collation)."""
        from .collate import collate_key
        fs = self.session.fs
        absolute = pattern.startswith("/")
        dirs_only = pattern.endswith("/")
        comps = [c for c in pattern.split("/") if c]
        paths = ["/" if absolute else ""]
        for i, comp in enumerate(comps):
            last = i == len(comps) - 1
            nxt = []
            has_magic = any(ch in comp for ch in "*?[")
            for base in paths:
                real = fs.resolve(base or ".", self.state.cwd)
                if not has_magic:
                    lit = re.sub(r"\\(.)", r"\1", comp)
                    cand = (base.rstrip("/") + "/" + lit) if base else lit
                    if base == "/":
                        cand = "/" + lit
                    if fs.exists(cand, self.state.cwd) and (last or fs.isdir(cand, self.state.cwd)):
                        nxt.append(cand)
                    continue
                try:
                    names = fs.listdir(real)
                except FSError:
                    continue
                rx = re.compile(glob_regex(comp), re.S)
                for name in names:
                    if name.startswith(".") and not comp.startswith("."):
                        continue
                    if rx.fullmatch(name):
                        cand = (base.rstrip("/") + "/" + name) if base else name
                        if base == "/":
                            cand = "/" + name
                        if (last and not dirs_only) or fs.isdir(cand, self.state.cwd):
                            nxt.append(cand)
            paths = nxt
            if not paths:
                return []
        if dirs_only:
            paths = [p + "/" for p in paths]
        return sorted(paths, key=collate_key)

    # -- lists and pipelines ----------------------------------------------
    def check_interrupt(self) -> None:
        if self.session.interrupt.is_set():
            raise Interrupted()

    def run_list(self, lst: A.CommandList) -> int:
        status = self.state.status
        for ao, _sep in lst.items:
            # SIMPLIFICATION: `cmd &` runs in the foreground (no job control).
            status = self.run_and_or(ao)
        return status

    def run_and_or(self, ao: A.AndOr) -> int:
        status = self.run_pipeline(ao.first)
        for op, pl in ao.rest:
            if (op == "&&" and status == 0) or (op == "||" and status != 0):
                status = self.run_pipeline(pl)
        return status

    def run_pipeline(self, pl: A.Pipeline) -> int:
        self.check_interrupt()
        if len(pl.commands) == 1:
            status = self.run_command(pl.commands[0], self.fds, self.stdin)
        else:
            data_in = self.stdin
            status = 0
            stopped: CommandLimitReached | None = None
            for i, cmd in enumerate(pl.commands):
                last = i == len(pl.commands) - 1
                buf = BufferSink(self.output_budget)
                fds = dict(self.fds)
                if not last:
                    fds[1] = buf
                sub = self.subshell_copy(fds=fds, stdin=data_in)
                try:
                    status = sub.run_command(cmd, fds, data_in)
                except (ExitShell, AbortLine) as e:
                    status = e.status
                except CommandLimitReached as e:
                    if last:
                        raise
                    # A writer stopped by a limit: the readers after it still
                    # get what it wrote (end of file), then the line stops.
                    stopped, status = stopped or e, 130
                if not last:
                    data_in = Input(buf.getvalue())
            if stopped is not None:
                raise stopped
        if pl.negate:
            status = 0 if status else 1
        self.state.status = status
        return status

    # -- commands -----------------------------------------------------------
    def run_command(self, cmd: A.Command, fds: dict[int, Sink], stdin: Input) -> int:
        if isinstance(cmd, A.Simple):
            return self.run_simple(cmd, fds, stdin)
        if isinstance(cmd, A.FuncDef):
            self.state.functions[cmd.name] = cmd.body
            return 0
        try:
            fds, stdin = self.apply_redirs(cmd.redirs, fds, stdin)
        except RedirError as e:
            fds[2].write(f"bash: {e}\n")
            return 1
        saved = (self.fds, self.stdin)
        self.fds, self.stdin = fds, stdin
        try:
            if isinstance(cmd, A.Group):
                if cmd.subshell:
                    sub = self.subshell_copy(fds=fds, stdin=stdin)
                    try:
                        return sub.run_list(cmd.body)
                    except (ExitShell, AbortLine) as e:
                        return e.status
                return self.run_list(cmd.body)
            if isinstance(cmd, A.If):
                for cond, body in cmd.branches:
                    if self.run_list(cond) == 0:
                        return self.run_list(body)
                if cmd.else_body is not None:
                    return self.run_list(cmd.else_body)
                return 0
            if isinstance(cmd, A.While):
                return self.run_while(cmd)
            if isinstance(cmd, A.For):
                return self.run_for(cmd)
            if isinstance(cmd, A.Case):
                return self.run_case(cmd)
        finally:
            self.fds, self.stdin = saved
        raise TypeError(cmd)

    def loop_tick(self, prog: str = "bash") -> None:
        """One loop iteration of the command line's budget (the shell's or a command's own loop)."""
        self.check_interrupt()
        self.session.iterations += 1
        if self.session.iterations > self.session.loop_budget:
            raise CommandLimitReached(loop_limit_message(self.session.loop_budget, prog))

    def _loop_body(self, body: A.CommandList) -> tuple[int, str | None]:
        self.loop_depth += 1
        try:
            return self.run_list(body), None
        except LoopControl as lc:
            if lc.levels > 1:
                lc.levels -= 1
                raise
            return 0, lc.kind
        finally:
            self.loop_depth -= 1

    def run_while(self, cmd: A.While) -> int:
        status = 0
        while True:
            self.loop_tick()
            c = self.run_list(cmd.cond)
            if (c == 0) == cmd.until:
                break
            status, ctl = self._loop_body(cmd.body)
            if ctl == "break":
                break
        self.state.status = status
        return status

    def run_for(self, cmd: A.For) -> int:
        if cmd.words is None:
            items = list(self.state.args)
        else:
            try:
                items = [f for w in cmd.words for f in self.expander.fields(w)]
            except ExpansionError as e:
                self.fds[2].write(f"bash: {e}\n")
                raise AbortLine(1)
        status = 0
        for item in items:
            self.loop_tick()
            self.set_var(cmd.var, item)
            status, ctl = self._loop_body(cmd.body)
            if ctl == "break":
                break
        return status

    def run_case(self, cmd: A.Case) -> int:
        word = self.expander.string(cmd.word)
        for pats, body in cmd.arms:
            for p in pats:
                if pattern_match(self.expander.pattern(p), word):
                    return self.run_list(body)
        return 0

    def run_simple(self, cmd: A.Simple, fds: dict[int, Sink], stdin: Input) -> int:
        self.check_interrupt()
        self.last_cmdsub_status: int | None = None
        try:
            words = list(cmd.words)
            if words and self.state.aliases:
                words = self._expand_alias(words)
            argv = self._expand_words(words)
            assigns = []
            for name, w in cmd.assigns:
                val = self.expander.string(w)
                assigns.append((name, val))
        except ExpansionError as e:
            # bash abandons the rest of the input line after an expansion error
            fds[2].write(f"bash: {e}\n")
            self.state.status = 1
            raise AbortLine(1)
        try:
            fds, stdin = self.apply_redirs(cmd.redirs, fds, stdin)
        except RedirError as e:
            fds[2].write(f"bash: {e}\n")
            return 1
        if not argv:
            for name, val in assigns:
                if name.endswith("+"):
                    name = name[:-1]
                    val = (self.state.vars.get(name) or "") + val
                self.set_var(name, val)
            return self.last_cmdsub_status or 0
        extra = {}
        for name, val in assigns:
            if name.endswith("+"):
                name = name[:-1]
                val = (self.state.vars.get(name) or "") + val
            extra[name] = val
        return self._invoke(argv, fds, stdin, extra)

    def _expand_words(self, words: list[A.Word]) -> list[str]:
        """Fields of all words; arguments of declaration builtins that look
        like NAME=value are not split (`export X=$(cmd)`), as in bash."""
        decl = words[0].literal() in DECLARATION_BUILTINS if words else False
        argv: list[str] = []
        for i, w in enumerate(words):
            lit0 = w.parts[0].text if w.parts and isinstance(w.parts[0], A.Lit) else ""
            if decl and i > 0 and ASSIGN_WORD_RE.match(lit0):
                argv.append(self.expander.string(w))
            else:
                argv.extend(self.expander.fields(w))
        return argv

    def _expand_alias(self, words: list[A.Word]) -> list[A.Word]:
        lit = words[0].literal()
        if lit is None or lit not in self.state.aliases:
            return words
        from .lexer import tokenize
        toks = tokenize(self.state.aliases[lit])
        # SIMPLIFICATION: aliases may only expand to plain words.
        new = [t.word for t in toks if t.kind == "WORD"]
        return new + words[1:]

    def _invoke(self, argv: list[str], fds: dict[int, Sink], stdin: Input,
                extra_env: dict[str, str]) -> int:
        from .commands import COMMANDS
        name = argv[0]
        self.check_interrupt()
        if name in self.state.functions:
            return self._call_function(name, argv, fds, stdin)
        table = self.session.commands if getattr(self.session, "commands", None) is not None else COMMANDS
        fn = table.get(name)
        if fn is None and "/" in name:
            return self._run_path(argv, fds, stdin)
        if fn is None:
            not_found = getattr(self.session.host, "not_found_message", None)
            fds[2].write(not_found(name) if callable(not_found) else f"bash: {name}: command not found\n")
            self.state.status = 127
            return 127
        ctx = CommandContext(self, name, self.environ(extra_env), fds, stdin)
        # Prefix assignments (`IFS=: read ...`) are visible to the command
        # only, then the old values come back.
        saved = {k: self.state.vars.get(k) for k in extra_env}
        self.state.vars.update(extra_env)
        try:
            status = fn(ctx, argv)
        except WriteError as e:
            # A full disk under a redirection: the writer fails, the line goes on.
            prog = f"bash: {name}" if name in WRITE_ERROR_BUILTINS else name
            fds[2].write(f"{prog}: write error: {e.strerror}\n")
            status = 1
        finally:
            for k, v in saved.items():
                if v is None:
                    self.state.vars.pop(k, None)
                else:
                    self.state.vars[k] = v
        status = int(status or 0) & 0xFF
        self.state.status = status
        return status

    def _call_function(self, name: str, argv: list[str], fds: dict[int, Sink], stdin: Input) -> int:
        body = self.state.functions[name]
        saved_args = self.state.args
        self.state.args = argv[1:]
        saved = (self.fds, self.stdin)
        self.fds, self.stdin = fds, stdin
        try:
            return self.run_command(body, fds, stdin)
        except ReturnFromFunction as r:
            return r.status
        finally:
            self.state.args = saved_args
            self.fds, self.stdin = saved

    def _run_path(self, argv: list[str], fds: dict[int, Sink], stdin: Input) -> int:
        fs = self.session.fs
        name = argv[0]
        if not fs.exists(name, self.state.cwd):
            fds[2].write(f"bash: {name}: {ENOENT}\n")
            return 127
        if fs.isdir(name, self.state.cwd):
            fds[2].write(f"bash: {name}: Is a directory\n")
            return 126
        node = fs.stat(name, self.state.cwd)
        if not node.mode & 0o111:
            fds[2].write(f"bash: {name}: Permission denied\n")
            return 126
        # SIMPLIFICATION: every executable file is a bash script.
        sub = self.subshell_copy(fds=fds, stdin=stdin)
        sub.state.args = argv[1:]
        try:
            return sub.run_source(fs.read(name, self.state.cwd))
        except (ExitShell, AbortLine) as e:
            return e.status

    # -- redirections -----------------------------------------------------
    def apply_redirs(self, redirs: list[A.Redir], fds: dict[int, Sink],
                     stdin: Input) -> tuple[dict[int, Sink], Input]:
        if not redirs:
            return fds, stdin
        fds = dict(fds)
        for r in redirs:
            op = r.op
            if op in ("<<", "<<-"):
                hd = r.heredoc
                body = hd.body if hd.quoted else self.expander.heredoc(hd.body)
                stdin = Input(body)
                continue
            target = self._redir_target(r)
            if op == "<<<":
                stdin = Input(target + "\n")
            elif op == "<":
                stdin = Input(self._read_file(target), is_file=True)
            elif op in (">", ">|", ">>"):
                fds[r.fd if r.fd is not None else 1] = self._open(target, op == ">>", fds)
            elif op in ("&>", "&>>"):
                sink = self._open(target, op == "&>>", fds)
                fds[1] = fds[2] = sink
            elif op == ">&":
                if target.isdigit():
                    src = int(target)
                    if src not in fds:
                        raise RedirError(f"{target}: Bad file descriptor")
                    fds[r.fd if r.fd is not None else 1] = fds[src]
                elif target == "-":
                    fds[r.fd if r.fd is not None else 1] = NullSink()
                elif r.fd is None:
                    sink = self._open(target, False, fds)
                    fds[1] = fds[2] = sink
                else:
                    raise RedirError(f"{target}: ambiguous redirect")
            elif op == "<&":
                if target.isdigit() and int(target) == 0:
                    continue
            elif op == "<>":
                self._open(target, True, fds)
        return fds, stdin

    def _redir_target(self, r: A.Redir) -> str:
        assert r.target is not None
        fields = self.expander.fields(r.target)
        if len(fields) != 1:
            raise RedirError(f"{r.target.raw}: ambiguous redirect")
        return fields[0]

    def _read_file(self, path: str) -> str:
        try:
            return self.session.fs.read(path, self.state.cwd)
        except FSError as e:
            raise RedirError(f"{path}: {e.strerror}")

    def _open(self, path: str, append: bool, fds: dict[int, Sink]) -> Sink:
        if path == "/dev/null":
            return NullSink()
        if path == "/dev/stdout":
            return fds[1]
        if path == "/dev/stderr":
            return fds[2]
        fs = self.session.fs
        try:
            ap = fs.resolve(path, self.state.cwd)
            if fs.isdir(ap):
                raise FSError("Is a directory", path)
            if append:
                fs.append(ap, "")
            else:
                fs.write(ap, "")
        except FSError as e:
            raise RedirError(f"{path}: {e.strerror}")
        return FileSink(fs, ap, self.output_budget)

    # -- directory changes (cd) -------------------------------------------
    def chdir(self, path: str) -> None:
        fs = self.session.fs
        ap = fs.resolve(path, self.state.cwd)
        if not fs.exists(ap):
            raise FSError(ENOENT, path)
        if not fs.isdir(ap):
            raise FSError("Not a directory", path)
        old = self.state.cwd
        self.state.cwd = ap
        self.state.vars["OLDPWD"] = old
        self.state.vars["PWD"] = ap


class RedirError(Exception):
    pass


def syntax_message(e: ShellSyntaxError) -> str:
    if e.token.startswith("`"):
        return f"bash: {e.token}"
    return f"bash: syntax error near unexpected token `{e.token}'"


def incomplete_message(e: Incomplete) -> str:
    if e.what in ("'", '"', "`", ")", "}"):
        return (f"bash: unexpected EOF while looking for matching `{e.what}'\n"
                "bash: syntax error: unexpected end of file\n")
    return "bash: syntax error: unexpected end of file\n"


__all__ = ["Shell", "ShellState", "ExitShell", "LoopControl", "ReturnFromFunction",
           "Interrupted", "AbortLine", "syntax_message", "incomplete_message"]
