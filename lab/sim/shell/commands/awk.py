"""A small awk: what tutorials pipe kubectl output into.

Supports -F and -v; BEGIN/END; patterns (/re/, expressions, `$2 ~ /re/`);
actions with print / printf, assignments (= += -= ++ --), if/else, next,
while, do ... while, for (init; cond; step), break, continue, exit;
expressions over $N, NF, NR, FS, OFS, variables, strings, numbers,
concatenation, arithmetic, comparisons, && || !, and the functions length,
substr, tolower, toupper, int, index.
Every loop iteration counts against the lab's loop limit per command line
(limits.max_loop_iterations), shared with the shell's own loops: an endless
`while (1)` stops there with what it printed so far.
SIMPLIFICATION: no arrays, user functions or getline.
"""
from __future__ import annotations

import re

from ...limits import CommandLimitReached
from ..posixre import RegexError, compile_posix
from . import Inputs, register, split_lines
from .builtins import printf_format

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t]+|\\\n) |
    (?P<nl>[\n;]) |
    (?P<num>\d+(?:\.\d*)?|\.\d+) |
    (?P<str>"(?:[^"\\]|\\.)*") |
    (?P<name>[A-Za-z_][A-Za-z0-9_]*) |
    (?P<op>\+\+|--|\+=|-=|\*=|==|!=|<=|>=|&&|\|\||!~|[-+*%<>=!~$(),{}?:]) |
    (?P<re>/)
""", re.X)


class AwkError(Exception):
    pass


def tokenize(src: str) -> list[tuple[str, str]]:
    toks = []
    i = 0
    while i < len(src):
        if src[i] == "#":
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        m = TOKEN_RE.match(src, i)
        if not m:
            raise AwkError(f"syntax error at source line 1: `{src[i]}'")
        kind = m.lastgroup
        if kind == "re":
            # a regex literal where an operand is expected
            prev = toks[-1] if toks else ("nl", "")
            if prev[0] in ("num", "str", "name") or prev[1] in (")", "$"):
                if src.startswith("/=", i):
                    toks.append(("op", "/="))
                    i += 2
                    continue
                toks.append(("op", "/"))
                i = m.end()
                continue
            j = i + 1
            buf = []
            while j < len(src) and src[j] != "/":
                if src[j] == "\\" and j + 1 < len(src):
                    buf.append(src[j:j + 2])
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            toks.append(("regex", "".join(buf)))
            i = j + 1
            continue
        if kind != "ws":
            toks.append((kind, m.group()))
        i = m.end()
    toks.append(("eof", ""))
    return toks


class Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self, k=0):
        return self.t[min(self.i + k, len(self.t) - 1)]

    def next(self):
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, val):
        if self.peek()[1] == val and self.peek()[0] in ("op", "name"):
            self.i += 1
            return True
        return False

    def expect(self, val):
        if not self.accept(val):
            raise AwkError(f"syntax error at source line 1 near `{self.peek()[1]}'")

    def skip_nl(self):
        while self.peek()[0] == "nl":
            self.i += 1

    def program(self):
        items = []
        self.skip_nl()
        while self.peek()[0] != "eof":
            if self.peek() == ("name", "BEGIN") or self.peek() == ("name", "END"):
                kind = self.next()[1]
                self.skip_nl()
                items.append((kind, None, self.block()))
            else:
                pat = None if self.peek()[1] == "{" else self.expr()
                action = self.block() if self.peek()[1] == "{" else None
                items.append(("main", pat, action))
            self.skip_nl()
        return items

    def block(self):
        self.expect("{")
        stmts = []
        self.skip_nl()
        while not self.accept("}"):
            stmts.append(self.stmt())
            self.skip_nl()
        return stmts

    def stmt(self):
        tok = self.peek()
        if tok[1] == "{":
            return ("block", self.block())
        if tok == ("name", "print") or tok == ("name", "printf"):
            self.i += 1
            args = []
            if self.peek()[0] not in ("nl", "eof") and self.peek()[1] not in ("}", ">"):
                args.append(self.expr(no_gt=True))
                while self.accept(","):
                    args.append(self.expr(no_gt=True))
            return (tok[1], args)
        if tok == ("name", "if"):
            self.i += 1
            self.expect("(")
            cond = self.expr()
            self.expect(")")
            self.skip_nl()
            then = self.stmt()
            save = self.i
            self.skip_nl()
            if self.accept("else"):
                self.skip_nl()
                return ("if", cond, then, self.stmt())
            self.i = save
            return ("if", cond, then, None)
        if tok == ("name", "next"):
            self.i += 1
            return ("next",)
        if tok == ("name", "while"):
            self.i += 1
            cond = self.condition()
            if self.peek() == ("nl", ";"):       # `while (c);`: an empty body
                return ("while", cond, ("block", []))
            self.skip_nl()
            return ("while", cond, self.stmt())
        if tok == ("name", "do"):
            self.i += 1
            self.skip_nl()
            body = self.stmt()
            self.skip_nl()
            if not self.accept("while"):
                raise AwkError(f"syntax error at source line 1 near `{self.peek()[1]}'")
            return ("do", body, self.condition())
        if tok == ("name", "for"):
            self.i += 1
            return self.for_loop()
        if tok in (("name", "break"), ("name", "continue")):
            self.i += 1
            return (tok[1],)
        if tok == ("name", "exit"):
            self.i += 1
            code = None
            if self.peek()[0] not in ("nl", "eof") and self.peek()[1] != "}":
                code = self.expr()
            return ("exit", code)
        return ("expr", self.expr())

    def condition(self):
        self.expect("(")
        cond = self.expr()
        self.expect(")")
        return cond

    def for_loop(self):
        """for (init; cond; step) stmt: each part may be empty."""
        self.expect("(")
        parts = []
        for end in (";", ";", ")"):
            part = None
            if not (self.peek() == ("nl", ";") if end == ";" else self.peek()[1] == ")"):
                part = self.expr()
            if end == ";":
                if self.peek() != ("nl", ";"):
                    raise AwkError(f"syntax error at source line 1 near `{self.peek()[1]}'")
                self.i += 1
            else:
                self.expect(")")
            parts.append(part)
        self.skip_nl()
        return ("for", parts[0], parts[1], parts[2], self.stmt())

    # precedence climbing
    def expr(self, no_gt=False):
        return self.ternary(no_gt)

    def ternary(self, no_gt):
        c = self.or_(no_gt)
        if self.accept("?"):
            a = self.ternary(no_gt)
            self.expect(":")
            return ("?", c, a, self.ternary(no_gt))
        return c

    def or_(self, no_gt):
        left = self.and_(no_gt)
        while self.accept("||"):
            left = ("||", left, self.and_(no_gt))
        return left

    def and_(self, no_gt):
        left = self.match(no_gt)
        while self.accept("&&"):
            left = ("&&", left, self.match(no_gt))
        return left

    def match(self, no_gt):
        left = self.compare(no_gt)
        while self.peek()[1] in ("~", "!~") and self.peek()[0] == "op":
            op = self.next()[1]
            left = (op, left, self.compare(no_gt))
        return left

    def compare(self, no_gt):
        left = self.concat()
        ops = ("<", "<=", "==", "!=", ">=") + (() if no_gt else (">",))
        if self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.next()[1]
            return ("cmp", op, left, self.concat())
        return left

    def concat(self):
        left = self.additive()
        while self.starts_operand():
            left = ("concat", left, self.additive())
        return left

    def starts_operand(self) -> bool:
        kind, val = self.peek()
        if kind in ("num", "str"):
            return True
        if kind == "name":
            return val not in ("else", "in")
        return kind == "op" and val in ("$", "(", "++", "--")

    def additive(self):
        left = self.mul()
        while self.peek()[0] == "op" and self.peek()[1] in ("+", "-"):
            op = self.next()[1]
            left = ("bin", op, left, self.mul())
        return left

    def mul(self):
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/", "%"):
            op = self.next()[1]
            left = ("bin", op, left, self.unary())
        return left

    def unary(self):
        if self.accept("!"):
            return ("!", self.unary())
        if self.accept("-"):
            return ("neg", self.unary())
        if self.accept("+"):
            return ("num", self.unary())
        return self.postfix()

    def postfix(self):
        e = self.primary()
        if e[0] in ("var", "field"):
            if self.peek()[1] in ("=", "+=", "-=", "*=", "/=") and self.peek()[0] == "op":
                op = self.next()[1]
                return ("assign", op, e, self.expr())
            if self.peek()[1] in ("++", "--"):
                return ("post", self.next()[1], e)
        return e

    def primary(self):
        kind, val = self.next()
        if kind == "num":
            return ("const", float(val))
        if kind == "str":
            return ("const", decode(val[1:-1]))
        if kind == "regex":
            return ("regex", val)
        if kind == "op" and val == "$":
            return ("field", self.primary_for_field())
        if kind == "op" and val == "(":
            e = self.expr()
            self.expect(")")
            return e
        if kind == "op" and val in ("++", "--"):
            target = self.primary()
            return ("pre", val, target)
        if kind == "name":
            if self.peek()[1] == "(" and val in FUNCS:
                self.i += 1
                args = []
                if not self.accept(")"):
                    args.append(self.expr())
                    while self.accept(","):
                        args.append(self.expr())
                    self.expect(")")
                return ("call", val, args)
            if val == "length":
                return ("call", val, [])
            return ("var", val)
        raise AwkError(f"syntax error at source line 1 near `{val}'")

    def primary_for_field(self):
        if self.peek()[0] == "num":
            return ("const", float(self.next()[1]))
        if self.peek()[0] == "name":
            return ("var", self.next()[1])
        if self.accept("("):
            e = self.expr()
            self.expect(")")
            return e
        raise AwkError("syntax error at source line 1")


FUNCS = {"length", "substr", "tolower", "toupper", "int", "index", "sprintf"}


def decode(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.get(
        m.group(1), "\\" + m.group(1)), s)


def num(v) -> float:
    if isinstance(v, float):
        return v
    m = re.match(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", v)
    return float(m.group()) if m else 0.0


def fmt_num(v: float) -> str:
    if v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return f"{v:.6g}"


def to_str(v) -> str:
    return fmt_num(v) if isinstance(v, float) else v


def looks_numeric(v) -> bool:
    return isinstance(v, float) or re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", v) is not None


class NextRecord(Exception):
    pass


class LoopJump(Exception):
    """break / continue inside a loop."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class ExitProgram(Exception):
    """exit [status]: END still runs after an exit outside END (as gawk does)."""

    def __init__(self, status: int | None):
        super().__init__(status)
        self.status = status


class Interp:
    def __init__(self, ctx, fs: str, variables: dict):
        self.ctx = ctx
        self.vars = {"FS": fs, "OFS": " ", "ORS": "\n", "NR": 0.0, "NF": 0.0, **variables}
        self.fields: list[str] = [""]
        self.out: list[str] = []

    def set_record(self, line: str):
        fs = to_str(self.vars["FS"])
        if fs == " ":
            parts = line.split()
        elif len(fs) == 1:
            parts = line.split(fs)
        else:
            parts = re.split(fs, line)
        self.fields = [line] + parts
        self.vars["NF"] = float(len(parts))

    def get_field(self, i: int) -> str:
        return self.fields[i] if 0 <= i < len(self.fields) else ""

    def set_field(self, i: int, val: str):
        while len(self.fields) <= i:
            self.fields.append("")
        self.fields[i] = val
        if i == 0:
            self.set_record(val)
        else:
            self.vars["NF"] = float(len(self.fields) - 1)
            self.fields[0] = to_str(self.vars["OFS"]).join(self.fields[1:])

    def regex(self, src: str):
        try:
            return compile_posix(src, extended=True)
        except RegexError as e:
            raise AwkError(str(e))

    def ev(self, e):
        k = e[0]
        if k == "const":
            return e[1]
        if k == "regex":
            return 1.0 if self.regex(e[1]).search(self.fields[0]) else 0.0
        if k == "field":
            return self.get_field(int(num(self.ev(e[1]))))
        if k == "var":
            return self.vars.get(e[1], "")
        if k == "concat":
            return to_str(self.ev(e[1])) + to_str(self.ev(e[2]))
        if k == "bin":
            a, b = num(self.ev(e[2])), num(self.ev(e[3]))
            op = e[1]
            if op in ("/", "%") and b == 0:
                raise AwkError("division by zero" + (" in %" if op == "%" else ""))
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 0.0,
                    "%": (a - b * int(a / b)) if b else 0.0}[op]
        if k == "neg":
            return -num(self.ev(e[1]))
        if k == "num":
            return num(self.ev(e[1]))
        if k == "!":
            return 0.0 if self.truth(self.ev(e[1])) else 1.0
        if k == "&&":
            return 1.0 if self.truth(self.ev(e[1])) and self.truth(self.ev(e[2])) else 0.0
        if k == "||":
            return 1.0 if self.truth(self.ev(e[1])) or self.truth(self.ev(e[2])) else 0.0
        if k == "?":
            return self.ev(e[2]) if self.truth(self.ev(e[1])) else self.ev(e[3])
        if k in ("~", "!~"):
            rx = e[2][1] if e[2][0] == "regex" else to_str(self.ev(e[2]))
            hit = self.regex(rx).search(to_str(self.ev(e[1]))) is not None
            return 1.0 if hit == (k == "~") else 0.0
        if k == "cmp":
            a, b = self.ev(e[2]), self.ev(e[3])
            if looks_numeric(a) and looks_numeric(b):
                a, b = num(a), num(b)
            else:
                a, b = to_str(a), to_str(b)
            return 1.0 if {"<": a < b, "<=": a <= b, "==": a == b, "!=": a != b,
                           ">=": a >= b, ">": a > b}[e[1]] else 0.0
        if k == "assign":
            op, target, val = e[1], e[2], self.ev(e[3])
            if op != "=":
                val = {"+=": num(self.ev(target)) + num(val), "-=": num(self.ev(target)) - num(val),
                       "*=": num(self.ev(target)) * num(val),
                       "/=": num(self.ev(target)) / num(val) if num(val) else 0.0}[op]
            self.store(target, val)
            return val
        if k in ("post", "pre"):
            old = num(self.ev(e[2]))
            new = old + (1 if e[1] == "++" else -1)
            self.store(e[2], new)
            return old if k == "post" else new
        if k == "call":
            return self.call(e[1], [self.ev(a) for a in e[2]])
        raise AwkError(f"cannot evaluate {k}")

    def store(self, target, val):
        if target[0] == "var":
            self.vars[target[1]] = val
        else:
            self.set_field(int(num(self.ev(target[1]))), to_str(val))

    def call(self, name, args):
        if name == "length":
            return float(len(to_str(args[0]) if args else self.fields[0]))
        if name == "substr":
            s = to_str(args[0])
            start = int(round(num(args[1]))) if len(args) > 1 else 1
            n = int(round(num(args[2]))) if len(args) > 2 else len(s)
            begin = max(start, 1)
            end = start + n
            return s[begin - 1:max(end - 1, begin - 1)]
        if name == "tolower":
            return to_str(args[0]).lower()
        if name == "toupper":
            return to_str(args[0]).upper()
        if name == "int":
            return float(int(num(args[0])))
        if name == "index":
            return float(to_str(args[0]).find(to_str(args[1])) + 1)
        if name == "sprintf":
            return printf_format(self.ctx, to_str(args[0]), [to_str(a) for a in args[1:]])[0]
        raise AwkError(f"calling undefined function {name}")

    @staticmethod
    def truth(v) -> bool:
        if isinstance(v, float):
            return v != 0
        return v != "" and (not looks_numeric(v) or num(v) != 0)

    def run_stmts(self, stmts):
        for s in stmts:
            k = s[0]
            if k == "print":
                vals = [self.ev(a) for a in s[1]] or [self.fields[0]]
                self.out.append(to_str(self.vars["OFS"]).join(
                    fmt_num(v) if isinstance(v, float) else v for v in vals) + to_str(self.vars["ORS"]))
            elif k == "printf":
                vals = [to_str(self.ev(a)) for a in s[1]]
                if vals:
                    self.out.append(printf_format(self.ctx, vals[0], vals[1:])[0])
            elif k == "if":
                if self.truth(self.ev(s[1])):
                    self.run_stmts([s[2]])
                elif s[3] is not None:
                    self.run_stmts([s[3]])
            elif k == "block":
                self.run_stmts(s[1])
            elif k == "next":
                raise NextRecord()
            elif k == "while":
                while self.truth(self.ev(s[1])):
                    if self.iterate(s[2]):
                        break
            elif k == "do":
                while True:
                    if self.iterate(s[1]) or not self.truth(self.ev(s[2])):
                        break
            elif k == "for":
                _, init, cond, step, body = s
                if init is not None:
                    self.ev(init)
                while cond is None or self.truth(self.ev(cond)):
                    if self.iterate(body):
                        break
                    if step is not None:
                        self.ev(step)
            elif k in ("break", "continue"):
                raise LoopJump(k)
            elif k == "exit":
                raise ExitProgram(None if s[1] is None else int(num(self.ev(s[1]))))
            else:
                self.ev(s[1])

    def iterate(self, body) -> bool:
        """One pass of a loop's body, counted against the lab's loop limit; True after break."""
        self.ctx.shell.loop_tick("awk")
        try:
            self.run_stmts([body])
        except LoopJump as jump:
            return jump.kind == "break"
        return False


@register("awk", "gawk")
def cmd_awk(ctx, argv):
    args = argv[1:]
    fs = " "
    variables: dict = {}
    while args and args[0].startswith("-") and len(args[0]) > 1:
        a = args.pop(0)
        if a == "--":
            break
        if a.startswith("-F"):
            fs = a[2:] or (args.pop(0) if args else " ")
            fs = "\t" if fs == "\\t" else fs
        elif a.startswith("-v"):
            spec = a[2:] or (args.pop(0) if args else "")
            k, _, v = spec.partition("=")
            variables[k] = decode(v)
        else:
            ctx.err(f"awk: not an option: {a}\n")
            return 2
    if not args:
        ctx.err("usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n")
        return 2
    src, files = args[0], args[1:]
    try:
        program = Parser(tokenize(src)).program()
    except AwkError as e:
        # SIMPLIFICATION: one-line message instead of gawk's caret diagnostics
        ctx.err(f"awk: {e}\n")
        return 1
    it = Interp(ctx, fs, variables)
    try:
        status = _run(ctx, it, program, files)
    except AwkError as e:
        ctx.out("".join(it.out))
        ctx.err(f"awk: {e}\n")
        return 2
    except CommandLimitReached:
        ctx.out("".join(it.out))     # what the loop printed before the lab stopped it
        raise
    ctx.out("".join(it.out))
    return status


def _run(ctx, it: Interp, program: list, files: list[str]) -> int:
    """BEGIN, the records through the main rules, END; exit jumps to END (and out of it)."""
    status = 0
    exit_status: int | None = None
    try:
        for kind, _pat, action in program:
            if kind == "BEGIN":
                it.run_stmts(action)
        mains = [(p, a) for k, p, a in program if k == "main"]
        if mains or any(k == "END" for k, _, _ in program):
            inputs = Inputs(ctx, files)
            for _name, text in inputs:
                for line in split_lines(text):
                    it.vars["NR"] = num(it.vars["NR"]) + 1
                    it.set_record(line)
                    try:
                        for pat, action in mains:
                            if pat is None or it.truth(it.ev(pat)):
                                it.run_stmts(action if action is not None else [("print", [])])
                    except NextRecord:
                        pass
            status = 2 if inputs.failed else 0
    except ExitProgram as e:
        exit_status = e.status if e.status is not None else 0
    except LoopJump as e:
        raise AwkError(f"`{e.kind}' is not allowed outside a loop")
    try:
        for kind, _pat, action in program:
            if kind == "END":
                it.run_stmts(action)
    except ExitProgram as e:
        if e.status is not None:
            exit_status = e.status
    except LoopJump as e:
        raise AwkError(f"`{e.kind}' is not allowed outside a loop")
    return status if exit_status is None else exit_status
