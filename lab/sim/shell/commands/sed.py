"""GNU sed 4.x subset: -n -i -e -E/-r -s; addresses N, $, /re/, \\cREc,
first~step, ranges (with +N) and `!`; commands s y p P d D q Q a i c = n N h
H g G x z { }, labels and branches (: b t T) and comments. Errors use sed's
"-e expression #1, char N" form.

The script runs as a flat program (a block's `{` jumps past its `}` when its
address does not match), so a branch may reach a label anywhere, as in GNU
sed. Every branch taken counts against the lab's loop limit per command
line (limits.max_loop_iterations): `:a; s/a/aa/; ta` stops there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...fs import FSError
from ...limits import CommandLimitReached
from ..posixre import RegexError, compile_posix
from . import UsageError, parse_opts, register


class SedError(Exception):
    pass


@dataclass
class Addr:
    kind: str           # line, last, re, step, plus
    value: object = None


@dataclass
class Cmd:
    a1: Addr | None = None
    a2: Addr | None = None
    negate: bool = False
    name: str = ""
    args: dict = field(default_factory=dict)
    block: list["Cmd"] = field(default_factory=list)
    active: bool = False
    end_line: int = 0


class ScriptParser:
    def __init__(self, script: str, extended: bool):
        self.s = script
        self.i = 0
        self.extended = extended

    def error(self, msg: str):
        raise SedError(f"-e expression #1, char {self.i}: {msg}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip_ws(self, newlines: bool = True):
        while self.peek() and (self.peek() in " \t" or (newlines and self.peek() in "\n;")):
            self.i += 1

    def parse(self, in_block: bool = False) -> list[Cmd]:
        cmds = []
        while True:
            self.skip_ws()
            c = self.peek()
            if not c:
                if in_block:
                    self.error("unmatched `{'")
                return cmds
            if c == "#":
                while self.peek() and self.peek() != "\n":
                    self.i += 1
                continue
            if c == "}":
                if not in_block:
                    self.i += 1
                    self.error("unexpected `}'")
                self.i += 1
                return cmds
            cmds.append(self.parse_cmd())

    def parse_regex_until(self, delim: str) -> str:
        out = []
        while True:
            c = self.peek()
            if not c or c == "\n" and delim != "\n":
                return None  # type: ignore[return-value]
            self.i += 1
            if c == "\\":
                n = self.peek()
                self.i += 1
                if n == delim:
                    out.append(delim)
                elif n == "n":
                    out.append("\\n")
                else:
                    out.append("\\" + n)
                continue
            if c == delim:
                return "".join(out)
            if c == "[":
                # brackets may contain the delimiter
                j = self.i
                if j < len(self.s) and self.s[j] == "^":
                    j += 1
                if j < len(self.s) and self.s[j] == "]":
                    j += 1
                end = self.s.find("]", j)
                if end >= 0 and "\n" not in self.s[self.i - 1:end]:
                    out.append(self.s[self.i - 1:end + 1])
                    self.i = end + 1
                    continue
            out.append(c)

    def compile(self, pat: str, flags: str = "") -> re.Pattern:
        try:
            return compile_posix(pat, self.extended, "I" in flags or "i" in flags)
        except RegexError as e:
            self.error(str(e))

    def parse_addr(self) -> Addr | None:
        c = self.peek()
        if c.isdigit():
            m = re.match(r"(\d+)(~(\d+))?", self.s[self.i:])
            self.i += m.end()
            if m.group(2):
                return Addr("step", (int(m.group(1)), int(m.group(3))))
            return Addr("line", int(m.group(1)))
        if c == "$":
            self.i += 1
            return Addr("last")
        if c in "/\\":
            self.i += 1
            delim = "/"
            if c == "\\":
                delim = self.peek()
                self.i += 1
            pat = self.parse_regex_until(delim)
            if pat is None:
                self.error("unterminated address regex")
            flags = ""
            while self.peek() in ("I", "M"):
                flags += self.peek()
                self.i += 1
            return Addr("re", self.compile(pat, flags) if pat else None)
        return None

    def read_text(self) -> str:
        """Text of a/i/c: GNU one-liner `a text` or `a\\` + next line."""
        self.skip_ws(newlines=False)
        if self.s.startswith("\\\n", self.i):
            self.i += 2
        elif self.peek() == "\\":
            self.i += 1
        out = []
        while self.peek() and self.peek() != "\n":
            c = self.peek()
            if c == "\\" and self.i + 1 < len(self.s):
                self.i += 1
                c = self.peek()
                if c == "\n":
                    out.append("\n")
                    self.i += 1
                    continue
            out.append(c)
            self.i += 1
        return "".join(out)

    def parse_cmd(self) -> Cmd:
        cmd = Cmd()
        cmd.a1 = self.parse_addr()
        if cmd.a1 is not None and self.peek() == ",":
            self.i += 1
            self.skip_ws(newlines=False)
            if self.peek() == "+":
                self.i += 1
                m = re.match(r"\d+", self.s[self.i:])
                if not m:
                    self.error("unexpected `,'")
                self.i += m.end()
                cmd.a2 = Addr("plus", int(m.group()))
            else:
                cmd.a2 = self.parse_addr()
                if cmd.a2 is None:
                    self.error("unexpected `,'")
        self.skip_ws(newlines=False)
        while self.peek() == "!":
            cmd.negate = True
            self.i += 1
            self.skip_ws(newlines=False)
        c = self.peek()
        if not c:
            self.error("missing command")
        self.i += 1
        cmd.name = c
        if c == "{":
            cmd.block = self.parse(in_block=True)
            return cmd
        if c == "s":
            delim = self.peek()
            if not delim or delim in "\n\\":
                self.error("unterminated `s' command")
            self.i += 1
            pat = self.parse_regex_until(delim)
            if pat is None:
                self.error("unterminated `s' command")
            rep = []
            while True:
                ch = self.peek()
                if not ch:
                    self.error("unterminated `s' command")
                self.i += 1
                if ch == "\\":
                    n = self.peek()
                    self.i += 1
                    rep.append(delim if n == delim else "\\" + n)
                    continue
                if ch == delim:
                    break
                rep.append(ch)
            flags = ""
            while self.peek() and self.peek() in "gpiIme0123456789":
                flags += self.peek()
                self.i += 1
            if self.peek() == "w":
                self.i += 1
                self.skip_ws(newlines=False)
                start = self.i
                while self.peek() and self.peek() != "\n":
                    self.i += 1
                cmd.args["wfile"] = self.s[start:self.i]
            cmd.args.update(rx=self.compile(pat, flags) if pat else None, rep="".join(rep),
                            g="g" in flags, p="p" in flags,
                            n=int(re.sub(r"\D", "", flags) or 1))
        elif c == "y":
            delim = self.peek()
            self.i += 1
            src = self.parse_regex_until(delim)
            dst = self.parse_regex_until(delim) if src is not None else None
            if src is None or dst is None:
                self.error("unterminated `y' command")
            src, dst = src.replace("\\n", "\n"), dst.replace("\\n", "\n")
            if len(src) != len(dst):
                self.error("strings for `y' command are different lengths")
            cmd.args["table"] = str.maketrans(src, dst)
        elif c in "aic":
            cmd.args["text"] = self.read_text()
        elif c in "qQ":
            self.skip_ws(newlines=False)
            m = re.match(r"\d+", self.s[self.i:])
            cmd.args["code"] = int(m.group()) if m else 0
            if m:
                self.i += m.end()
        elif c in "pdDnNhHgGx=lPz":
            pass
        elif c in "btT:":
            if c == ":" and cmd.a1 is not None:
                self.error(": doesn't want any addresses")
            # read_label: up to a blank, `;', `}', `#' or the line's end; the next
            # command may follow right after (GNU reads no end of command here)
            self.skip_ws(newlines=False)
            start = self.i
            while self.peek() and self.peek() not in "\n; \t}#":
                self.i += 1
            cmd.args["arg"] = self.s[start:self.i]
            if c == ":" and not cmd.args["arg"]:
                self.error('":" lacks a label')
            return cmd
        elif c in "rw":
            self.skip_ws(newlines=False)
            start = self.i
            while self.peek() and self.peek() not in "\n;":
                self.i += 1
            cmd.args["arg"] = self.s[start:self.i].strip()
        else:
            self.error(f"unknown command: `{c}'")
        self.skip_ws(newlines=False)
        if self.peek() and self.peek() not in "\n;}#":
            self.error(f"extra characters after command")
        return cmd


def _expand_replacement(rep: str, m: re.Match) -> str:
    out = []
    case = None   # 'U' / 'L'
    one = None    # 'u' / 'l'
    i = 0

    def emit(s: str):
        nonlocal one
        if not s:
            return
        if case == "U":
            s = s.upper()
        elif case == "L":
            s = s.lower()
        if one == "u":
            s = s[0].upper() + s[1:]
            one = None
        elif one == "l":
            s = s[0].lower() + s[1:]
            one = None
        out.append(s)

    while i < len(rep):
        c = rep[i]
        if c == "\\" and i + 1 < len(rep):
            n = rep[i + 1]
            i += 2
            if n.isdigit():
                emit(m.group(int(n)) or "" if int(n) <= (m.re.groups or 0) else "")
            elif n == "n":
                emit("\n")
            elif n == "t":
                emit("\t")
            elif n == "&":
                emit("&")
            elif n in "UL":
                case = n
            elif n == "E":
                case = None
            elif n in "ul":
                one = n
            else:
                emit(n)
            continue
        if c == "&":
            emit(m.group(0))
        else:
            emit(c)
        i += 1
    return "".join(out)


class Quit(Exception):
    def __init__(self, code: int, print_ps: bool):
        self.code = code
        self.print_ps = print_ps


def flatten(cmds: list[Cmd], out: list[Cmd] | None = None) -> list[Cmd]:
    """The script as one list: a `{` keeps in args["end"] the index just past its `}`."""
    out = [] if out is None else out
    for c in cmds:
        out.append(c)
        if c.name == "{":
            flatten(c.block, out)
            out.append(Cmd(name="}"))
            c.args["end"] = len(out)
    return out


def labels_of(program: list[Cmd]) -> dict[str, int]:
    """Where each `:label` stands; raises SedError for a branch to a label nobody defined."""
    labels = {c.args["arg"]: i for i, c in enumerate(program) if c.name == ":"}
    for c in program:
        if c.name in "btT" and c.args.get("arg") and c.args["arg"] not in labels:
            raise SedPanic(f"can't find label for jump to `{c.args['arg']}'")
    return labels


class SedPanic(SedError):
    """Errors GNU sed reports through panic() (exit status 4)."""


class RestartCycle(Exception):
    """D: a new cycle on what is left of the pattern space, without reading input."""

    def __init__(self, ps: str):
        super().__init__(ps)
        self.ps = ps


class SedRun:
    def __init__(self, cmds: list[Cmd], quiet: bool, tick=None):
        self.cmds = cmds
        self.program = flatten(cmds)
        self.labels = labels_of(self.program)
        self.quiet = quiet
        self.hold = ""
        self.last_regex = None
        self.substituted = False
        #: called for every branch taken (the lab's loop limit)
        self.tick = tick or (lambda: None)

    def matches(self, a: Addr, lineno: int, ps: str, is_last: bool) -> bool:
        if a.kind == "line":
            return lineno == a.value
        if a.kind == "last":
            return is_last
        if a.kind == "step":
            first, step = a.value
            return lineno == first if step <= 0 else lineno >= first and (lineno - first) % step == 0
        if a.kind == "re":
            rx = a.value or self.last_regex
            if a.value is not None:
                self.last_regex = a.value
            return rx is not None and rx.search(ps) is not None
        return False

    def selected(self, c: Cmd, lineno: int, ps: str, is_last: bool) -> bool:
        if c.a1 is None:
            r = True
        elif c.a2 is None:
            r = self.matches(c.a1, lineno, ps, is_last)
        elif c.active:
            a2 = c.a2
            if a2.kind == "line":
                r = True
                if lineno >= a2.value:
                    c.active = False
            elif a2.kind == "plus":
                r = True
                if lineno >= c.end_line:
                    c.active = False
            else:
                r = True
                if self.matches(a2, lineno, ps, is_last):
                    c.active = False
        elif self.matches(c.a1, lineno, ps, is_last):
            r = True
            a2 = c.a2
            if a2.kind == "line":
                c.active = a2.value > lineno
            elif a2.kind == "plus":
                c.end_line = lineno + a2.value
                c.active = a2.value > 0
            elif a2.kind == "last":
                c.active = not is_last
            else:
                c.active = True
        else:
            r = False
        return r != c.negate

    def emit(self, text: str) -> None:
        if self.missing_nl:
            self.out.append("\n")
            self.missing_nl = False
        self.out.append(text)

    def emit_ps(self, ps: str) -> None:
        """Print the pattern space; a last input line without a newline is
        printed without one (GNU adds it back if more output follows)."""
        if self.idx == len(self.lines) and not self.final_newline:
            self.emit(ps)
            self.missing_nl = True
        else:
            self.emit(ps + "\n")

    def run(self, lines: list[str], final_newline: bool) -> tuple[str, int]:
        self.out: list[str] = []
        self.missing_nl = False
        self.final_newline = final_newline
        self.lines = lines
        self.idx = 0
        restart: str | None = None
        while self.idx < len(lines) or restart is not None:
            if restart is None:
                ps = lines[self.idx]
                self.idx += 1
                self.substituted = False
            else:
                ps, restart = restart, None
            self.append_queue: list[str] = []
            try:
                ps, deleted = self.exec_cmds(self.cmds, ps)
            except RestartCycle as again:
                for t in self.append_queue:
                    self.emit(t)
                restart = again.ps
                continue
            except Quit as q:
                if q.print_ps and not self.quiet:
                    self.emit_ps(self.cur_ps)
                for t in self.append_queue:
                    self.emit(t)
                return "".join(self.out), q.code
            if not deleted and not self.quiet:
                self.emit_ps(ps)
            for t in self.append_queue:
                self.emit(t)
        return "".join(self.out), 0

    def exec_cmds(self, cmds: list[Cmd], ps: str):
        """One cycle over the pattern space: (pattern space, deleted)."""
        program = self.program
        pc = 0
        while pc < len(program):
            c = program[pc]
            pc += 1
            n = c.name
            if n in ":}":
                continue
            lineno = self.idx
            is_last = self.idx == len(self.lines)
            self.cur_ps = ps
            if not self.selected(c, lineno, ps, is_last):
                if n == "{":
                    pc = c.args["end"]
                continue
            if n == "{":
                continue
            if n in "btT":
                if n == "b":
                    jump = True
                elif n == "t":
                    jump, self.substituted = self.substituted, False
                else:
                    jump = not self.substituted
                    self.substituted = False
                if jump:
                    self.tick()
                    pc = self.labels[c.args["arg"]] if c.args.get("arg") else len(program)
            elif n == "D":
                if "\n" not in ps:
                    return ps, True
                raise RestartCycle(ps.split("\n", 1)[1])
            elif n == "s":
                rx = c.args["rx"] or self.last_regex
                if c.args["rx"] is not None:
                    self.last_regex = c.args["rx"]
                if rx is None:
                    raise SedError("no previous regular expression")
                count = 0
                done = False
                res = []
                pos = 0
                for m in rx.finditer(ps):
                    count += 1
                    if c.args["g"] and count >= c.args["n"] or count == c.args["n"]:
                        res.append(ps[pos:m.start()])
                        res.append(_expand_replacement(c.args["rep"], m))
                        pos = m.end()
                        done = True
                        if not c.args["g"]:
                            break
                if done:
                    res.append(ps[pos:])
                    ps = "".join(res)
                    self.substituted = True
                    if c.args["p"]:
                        self.emit_ps(ps)
            elif n == "y":
                ps = ps.translate(c.args["table"])
            elif n == "p":
                self.emit_ps(ps)
            elif n == "P":
                self.emit(ps.split("\n")[0] + "\n")
            elif n == "d":
                return ps, True
            elif n == "q":
                self.cur_ps = ps
                raise Quit(c.args["code"], True)
            elif n == "Q":
                raise Quit(c.args["code"], False)
            elif n == "=":
                self.emit(f"{lineno}\n")
            elif n == "a":
                self.append_queue.append(c.args["text"] + "\n")
            elif n == "i":
                self.emit(c.args["text"] + "\n")
            elif n == "c":
                if c.a2 is None or not c.active:
                    self.emit(c.args["text"] + "\n")
                return ps, True
            elif n == "n":
                if self.idx >= len(self.lines):
                    self.cur_ps = ps
                    raise Quit(0, True)
                if not self.quiet:
                    self.emit_ps(ps)
                ps = self.lines[self.idx]
                self.idx += 1
                self.substituted = False
            elif n == "N":
                if self.idx >= len(self.lines):
                    self.cur_ps = ps
                    raise Quit(0, True)
                ps = ps + "\n" + self.lines[self.idx]
                self.idx += 1
                self.substituted = False
            elif n == "h":
                self.hold = ps
            elif n == "H":
                self.hold = self.hold + "\n" + ps
            elif n == "g":
                ps = self.hold
            elif n == "G":
                ps = ps + "\n" + self.hold
            elif n == "x":
                ps, self.hold = self.hold, ps
            elif n == "z":
                ps = ""
        return ps, False


@register("sed")
def cmd_sed(ctx, argv):
    args = []
    inplace = None
    for a in argv[1:]:
        if a.startswith("-i") and not a.startswith("--"):
            inplace = a[2:]
            continue
        if a.startswith("--in-place"):
            inplace = a.partition("=")[2]
            continue
        args.append(a)
    try:
        opts, operands = parse_opts(ctx, args, "ne:f:Ersuz", {
            "quiet": "n", "silent": "n", "expression=": "e", "file=": "f",
            "regexp-extended": "E", "separate": "s", "posix": "_"})
    except UsageError:
        return 1
    o = {k for k, _ in opts}
    scripts = []
    for k, v in opts:
        if k == "e":
            scripts.append(v)
        elif k == "f":
            try:
                scripts.append(ctx.fs.read(v, ctx.cwd).rstrip("\n"))
            except FSError as e:
                ctx.err(f"sed: couldn't open file {v}: {e.strerror}\n")
                return 1
    if not scripts:
        if not operands:
            ctx.err("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n")
            return 1
        scripts.append(operands.pop(0))
    extended = bool({"E", "r"} & o)
    try:
        cmds = ScriptParser("\n".join(scripts), extended).parse()
        labels_of(flatten(cmds))
    except SedPanic as e:
        ctx.err(f"sed: {e}\n")
        return 4
    except SedError as e:
        ctx.err(f"sed: {e}\n")
        return 1
    tick = lambda: ctx.shell.loop_tick("sed")  # noqa: E731
    quiet = "n" in o
    status = 0
    if inplace is not None:
        if not operands:
            ctx.err("sed: no input files\n")
            return 1
        for f in operands:
            try:
                text = ctx.fs.read(f, ctx.cwd)
            except FSError as e:
                ctx.err(f"sed: can't read {f}: {e.strerror}\n")
                status = 2
                continue
            for c in _all(cmds):
                c.active = False
            try:
                result, code = SedRun(cmds, quiet, tick).run(*_lines(text))
            except SedError as e:
                ctx.err(f"sed: {e}\n")
                return 4
            if inplace:
                ctx.fs.write(f + inplace, text, ctx.cwd)
            ctx.fs.write(f, result, ctx.cwd)
            if code:
                return code
        return status
    texts = []
    for f in operands or ["-"]:
        if f == "-":
            texts.append(ctx.stdin)
            continue
        try:
            texts.append(ctx.fs.read(f, ctx.cwd))
        except FSError as e:
            ctx.err(f"sed: can't read {f}: {e.strerror}\n")
            status = 2
    # GNU sed joins inputs into one stream; a file without a final newline
    # still ends its line before the next file starts.
    joined = "".join(t if t.endswith("\n") or i == len(texts) - 1 else t + "\n"
                     for i, t in enumerate(texts) if t)
    run = SedRun(cmds, quiet, tick)
    try:
        result, code = run.run(*_lines(joined))
    except SedError as e:
        ctx.err(f"sed: {e}\n")
        return 4
    except CommandLimitReached:
        ctx.out("".join(run.out))    # the cycles that ended before the lab stopped the loop
        raise
    ctx.out(result)
    return code or status


def _all(cmds):
    for c in cmds:
        yield c
        yield from _all(c.block)


def _lines(text: str) -> tuple[list[str], bool]:
    if not text:
        return [], True
    final_nl = text.endswith("\n")
    lines = text.split("\n")
    if final_nl:
        lines.pop()
    return lines, final_nl
