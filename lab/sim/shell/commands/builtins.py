"""bash built-ins: echo, printf, test/[, cd, pwd, export, unset, read, exit,
alias, source, eval, type, bash -c ... with bash's own messages."""
from __future__ import annotations

import re

from ...fs import FSError
from ..interp import AbortLine, ExitShell, LoopControl, ReturnFromFunction
from ..lexer import decode_escapes
from . import COMMANDS, register

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
SHELL_BUILTINS = {"echo", "printf", "test", "[", "cd", "pwd", "export", "unset", "read",
                  "exit", "alias", "unalias", "source", ".", "eval", "type", "true", "false",
                  ":", "break", "continue", "return", "shift", "set", "local", "history",
                  "declare", "logout", "exec", "wait", "jobs", "hash", "umask", "let"}


def _bash_err(ctx, msg: str) -> None:
    ctx.err(f"bash: {ctx.name}: {msg}\n")


@register("true", ":")
def cmd_true(ctx, argv):
    return 0


@register("false")
def cmd_false(ctx, argv):
    return 1


@register("echo")
def cmd_echo(ctx, argv):
    args = argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for c in args[0][1:]:
            newline = newline and c != "n"
            escapes = True if c == "e" else (False if c == "E" else escapes)
        args = args[1:]
    text = " ".join(args)
    if escapes:
        cut = text.find("\\c")
        if cut >= 0:
            text, newline = text[:cut], False
        text = _echo_escapes(text)
    ctx.out(text + ("\n" if newline else ""))
    return 0


def _echo_escapes(s: str) -> str:
    # echo -e: \0nnn is octal (unlike $'...' where \nnn is).
    s = re.sub(r"\\0([0-7]{0,3})", lambda m: chr(int(m.group(1) or "0", 8)), s)
    return decode_escapes(s)[0]


# ---- printf --------------------------------------------------------------
FMT_RE = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXfFeEgGcsbq%])")


def _check_field_size(ctx, width: str | None, prec: str | None) -> None:
    """A field wider than the line may print (`%0999999999d`) stops the
    line before the text is built, as its output would."""
    budget = getattr(ctx.session, "output_budget", None)
    if budget is None:
        return
    for size in (width, prec):
        digits = (size or "").lstrip("-")
        if digits.isdigit() and int(digits) > budget.limit:
            budget.spend(int(digits))


def printf_format(ctx, fmt: str, args: list[str]) -> tuple[str, int]:
    """bash printf: the format is reused until the arguments run out."""
    out = []
    status = 0
    args = list(args)
    fmt = decode_escapes(fmt)[0] if "\\" in fmt else fmt
    while True:
        consumed = False
        pos = 0
        for m in FMT_RE.finditer(fmt):
            out.append(fmt[pos:m.start()])
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            if width == "*":
                width = args.pop(0) if args else "0"
                consumed = True
            if prec == "*":
                prec = args.pop(0) if args else "0"
                consumed = True
            arg = args.pop(0) if args else None
            consumed = consumed or arg is not None
            _check_field_size(ctx, width, prec)
            spec = "%" + flags + (width or "") + ("." + prec if prec is not None else "")
            if conv in "sq":
                out.append((spec + "s") % (arg or ""))
            elif conv == "b":
                out.append((spec + "s") % _echo_escapes(arg or ""))
            elif conv == "c":
                out.append((spec + "s") % ((arg or "")[:1]))
            elif conv in "diouxX":
                n, ok = _int_arg(arg)
                if not ok:
                    ctx.err(f"bash: printf: {arg}: invalid number\n")
                    status = 1
                out.append((spec + ("d" if conv in "iu" else conv)) % n)
            else:
                try:
                    f = float(arg) if arg else 0.0
                except ValueError:
                    ctx.err(f"bash: printf: {arg}: invalid number\n")
                    f, status = 0.0, 1
                out.append((spec + conv) % f)
        out.append(fmt[pos:])
        if not args or not consumed:
            break
    return "".join(out), status


def _int_arg(arg: str | None) -> tuple[int, bool]:
    if arg is None or arg == "":
        return 0, True
    if arg[0] in "'\"" and len(arg) > 1:
        return ord(arg[1]), True
    try:
        return int(arg, 0) if re.fullmatch(r"[-+]?0[xX][0-9a-fA-F]+", arg) else int(arg), True
    except ValueError:
        m = re.match(r"[-+]?\d+", arg)
        return (int(m.group()) if m else 0), False


@register("printf")
def cmd_printf(ctx, argv):
    args = argv[1:]
    var = None
    if len(args) >= 2 and args[0] == "-v":
        var, args = args[1], args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        ctx.err("printf: usage: printf [-v var] format [arguments]\n")
        return 2
    text, status = printf_format(ctx, args[0], args[1:])
    if var:
        ctx.shell.set_var(var, text)
    else:
        ctx.out(text)
    return status


# ---- test / [ ------------------------------------------------------------
class TestError(Exception):
    pass


UNARY = {"-e", "-f", "-d", "-s", "-r", "-w", "-x", "-z", "-n", "-L", "-h", "-a", "-b",
         "-c", "-p", "-S", "-g", "-u", "-k", "-O", "-G", "-N", "-t", "-v"}
BINARY = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "<", ">", "-nt", "-ot", "-ef"}


def _test_int(s: str) -> int:
    try:
        return int(s.strip())
    except ValueError:
        raise TestError(f"{s}: integer expression expected")


class _TestParser:
    def __init__(self, ctx, args: list[str]):
        self.ctx, self.a, self.i = ctx, args, 0

    def more(self) -> bool:
        return self.i < len(self.a)

    def expr(self) -> bool:
        v = self.and_()
        while self.more() and self.a[self.i] == "-o":
            self.i += 1
            v = self.and_() or v
        return v

    def and_(self) -> bool:
        v = self.not_()
        while self.more() and self.a[self.i] == "-a":
            self.i += 1
            v = self.not_() and v
        return v

    def not_(self) -> bool:
        if self.more() and self.a[self.i] == "!" and len(self.a) - self.i > 1:
            self.i += 1
            return not self.not_()
        return self.primary()

    def primary(self) -> bool:
        a = self.a
        if not self.more():
            raise TestError("argument expected")
        t = a[self.i]
        if self.i + 2 < len(a) and a[self.i + 1] in BINARY:
            l, op, r = t, a[self.i + 1], a[self.i + 2]
            self.i += 3
            return self.binary(l, op, r)
        if t == "(" and len(a) - self.i >= 3:
            self.i += 1
            v = self.expr()
            if not self.more() or a[self.i] != ")":
                raise TestError("`)' expected")
            self.i += 1
            return v
        if t in UNARY and self.i + 1 < len(a):
            self.i += 2
            return self.unary(t, a[self.i - 1])
        self.i += 1
        return t != ""

    def unary(self, op: str, x: str) -> bool:
        fs, cwd = self.ctx.fs, self.ctx.cwd
        if op == "-z":
            return x == ""
        if op == "-n":
            return x != ""
        if op in ("-e", "-a"):
            return fs.exists(x, cwd)
        if op == "-f":
            return fs.isfile(x, cwd)
        if op == "-d":
            return fs.isdir(x, cwd)
        if op == "-s":
            return fs.isfile(x, cwd) and fs.read(x, cwd) != "" or fs.isdir(x, cwd)
        if op in ("-r", "-w"):
            return fs.exists(x, cwd)
        if op == "-x":
            return fs.exists(x, cwd) and bool(fs.stat(x, cwd).mode & 0o111)
        if op == "-v":
            return self.ctx.shell.get_var(x) is not None
        return False

    def binary(self, l: str, op: str, r: str) -> bool:
        if op in ("=", "=="):
            return l == r
        if op == "!=":
            return l != r
        if op == "<":
            return l < r
        if op == ">":
            return l > r
        if op in ("-nt", "-ot", "-ef"):
            return False
        a, b = _test_int(l), _test_int(r)
        return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b,
                "-gt": a > b, "-ge": a >= b}[op]


def run_test(ctx, args: list[str], prog: str) -> int:
    if not args:
        return 1
    try:
        p = _TestParser(ctx, args)
        if len(args) == 2 and args[0] == "!":
            return 0 if args[1] == "" else 1
        if len(args) == 2 and args[0] not in UNARY and args[0] != "(":
            raise TestError(f"{args[0]}: unary operator expected")
        if len(args) == 3 and args[1] not in BINARY and args[0] not in ("!", "(") \
                and args[1] not in ("-a", "-o"):
            raise TestError(f"{args[1]}: binary operator expected")
        v = p.expr()
        if p.more():
            raise TestError("too many arguments")
        return 0 if v else 1
    except TestError as e:
        ctx.err(f"bash: {prog}: {e}\n")
        return 2


@register("test")
def cmd_test(ctx, argv):
    return run_test(ctx, argv[1:], "test")


@register("[")
def cmd_bracket(ctx, argv):
    if argv[-1] != "]":
        ctx.err("bash: [: missing `]'\n")
        return 2
    return run_test(ctx, argv[1:-1], "[")


# ---- directory and variables ----------------------------------------------
@register("cd")
def cmd_cd(ctx, argv):
    args = argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if len(args) > 1:
        _bash_err(ctx, "too many arguments")
        return 1
    target = args[0] if args else ctx.shell.get_var("HOME")
    print_dir = False
    if target == "-":
        target = ctx.shell.get_var("OLDPWD")
        if target is None:
            _bash_err(ctx, "OLDPWD not set")
            return 1
        print_dir = True
    if target is None:
        _bash_err(ctx, "HOME not set")
        return 1
    if target == "":
        return 0
    try:
        ctx.shell.chdir(target)
    except FSError as e:
        ctx.err(f"bash: cd: {target}: {e.strerror}\n")
        return 1
    if print_dir:
        ctx.out(ctx.shell.state.cwd + "\n")
    return 0


@register("pwd")
def cmd_pwd(ctx, argv):
    ctx.out(ctx.cwd + "\n")
    return 0


def _dq(v: str) -> str:
    return '"' + re.sub(r'([\\"$`])', r"\\\1", v) + '"'


@register("export", "declare", "typeset", "readonly", "local")
def cmd_export(ctx, argv):
    st = ctx.shell.state
    args = argv[1:]
    unexport = False
    is_export = ctx.name == "export"
    while args and args[0].startswith("-") and len(args[0]) > 1:
        flags = args.pop(0)
        if flags == "--":
            break
        if "n" in flags:
            unexport = True
        if "x" in flags:
            is_export = True
    if not args:
        if ctx.name in ("export", "declare", "typeset") and (is_export or ctx.name == "export"):
            for k in sorted(st.exported):
                if k in st.vars:
                    ctx.out(f"declare -x {k}={_dq(st.vars[k])}\n")
                else:
                    ctx.out(f"declare -x {k}\n")
        return 0
    status = 0
    for a in args:
        name, eq, val = a.partition("=")
        if name.endswith("+") and eq:
            name = name[:-1]
            val = st.vars.get(name, "") + val
        if not NAME_RE.match(name):
            ctx.err(f"bash: {ctx.name}: `{a}': not a valid identifier\n")
            status = 1
            continue
        if eq:
            st.vars[name] = val
        if unexport:
            st.exported.discard(name)
        elif is_export:
            st.exported.add(name)
    return status


@register("unset")
def cmd_unset(ctx, argv):
    st = ctx.shell.state
    args = argv[1:]
    funcs = False
    if args and args[0] in ("-v", "-f"):
        funcs = args[0] == "-f"
        args = args[1:]
    status = 0
    for name in args:
        if funcs:
            st.functions.pop(name, None)
            continue
        if not NAME_RE.match(name):
            ctx.err(f"bash: unset: `{name}': not a valid identifier\n")
            status = 1
            continue
        st.vars.pop(name, None)
        st.exported.discard(name)
    return status


@register("read")
def cmd_read(ctx, argv):
    args = argv[1:]
    raw = False
    prompt = ""
    while args and args[0].startswith("-") and len(args[0]) > 1:
        o = args.pop(0)
        if o == "-r":
            raw = True
        elif o == "-p" and args:
            prompt = args.pop(0)
        elif o in ("-s", "-e"):
            pass
        else:
            ctx.err(f"bash: read: {o}: invalid option\n")
            return 2
    if prompt:
        ctx.err(prompt)
    names = args or ["REPLY"]
    line = ctx.stdin_stream.readline()
    eof = not line.endswith("\n")
    line = line[:-1] if line.endswith("\n") else line
    if not raw:
        while line.endswith("\\") and not eof:
            nxt = ctx.stdin_stream.readline()
            eof = not nxt.endswith("\n")
            line = line[:-1] + (nxt[:-1] if nxt.endswith("\n") else nxt)
        line = re.sub(r"\\(.)", r"\1", line)
    if names == ["REPLY"] and not args:
        ctx.shell.set_var("REPLY", line)
    else:
        ifs = ctx.shell.get_var("IFS")
        ifs = " \t\n" if ifs is None else ifs
        rest = line.strip(ifs) if ifs else line
        for i, n in enumerate(names):
            if i == len(names) - 1:
                ctx.shell.set_var(n, rest)
                break
            parts = re.split(f"[{re.escape(ifs)}]+", rest, maxsplit=1) if rest else [""]
            ctx.shell.set_var(n, parts[0])
            rest = parts[1] if len(parts) > 1 else ""
    return 1 if eof and line == "" else (1 if eof else 0)


@register("exit", "logout")
def cmd_exit(ctx, argv):
    if not ctx.shell.subshell and getattr(ctx.host, "shell_flavor", "bash") == "bash":
        # An interactive bash says "exit"; dash and busybox ash say nothing.
        ctx.err("exit\n")
    if len(argv) > 1:
        try:
            status = int(argv[1]) & 0xFF
        except ValueError:
            ctx.err(f"bash: exit: {argv[1]}: numeric argument required\n")
            status = 2
    else:
        status = ctx.shell.state.status
    raise ExitShell(status)


@register("break", "continue")
def cmd_break(ctx, argv):
    n = 1
    if len(argv) > 1:
        try:
            n = int(argv[1])
        except ValueError:
            ctx.err(f"bash: {ctx.name}: {argv[1]}: numeric argument required\n")
            return 1
    if ctx.shell.loop_depth == 0:
        ctx.err(f"bash: {ctx.name}: only meaningful in a `for', `while', or `until' loop\n")
        return 0
    raise LoopControl(ctx.name, min(n, ctx.shell.loop_depth))


@register("return")
def cmd_return(ctx, argv):
    raise ReturnFromFunction(int(argv[1]) if len(argv) > 1 else ctx.shell.state.status)


@register("shift")
def cmd_shift(ctx, argv):
    n = int(argv[1]) if len(argv) > 1 else 1
    st = ctx.shell.state
    if n > len(st.args):
        return 1
    st.args = st.args[n:]
    return 0


@register("set")
def cmd_set(ctx, argv):
    st = ctx.shell.state
    args = argv[1:]
    if not args:
        for k in sorted(st.vars):
            v = st.vars[k]
            q = v if re.fullmatch(r"[\w@%+=:,./-]*", v) and v else "'" + v.replace("'", "'\\''") + "'"
            ctx.out(f"{k}={q}\n")
        return 0
    while args:
        a = args.pop(0)
        if a == "--":
            st.args = list(args)
            return 0
        if a in ("-o", "+o"):
            if args:
                args.pop(0)  # SIMPLIFICATION: named options are accepted and ignored
            continue
        if a[:1] in "-+" and len(a) > 1:
            for c in a[1:]:
                (st.options.add if a[0] == "-" else st.options.discard)(c)
            continue
        st.args = [a] + args
        return 0
    return 0


@register("alias")
def cmd_alias(ctx, argv):
    st = ctx.shell.state
    args = [a for a in argv[1:] if a != "-p"]
    if not args:
        for k in sorted(st.aliases):
            ctx.out(f"alias {k}='{st.aliases[k]}'\n")
        return 0
    status = 0
    for a in args:
        name, eq, val = a.partition("=")
        if eq:
            st.aliases[name] = val
        elif name in st.aliases:
            ctx.out(f"alias {name}='{st.aliases[name]}'\n")
        else:
            ctx.err(f"bash: alias: {name}: not found\n")
            status = 1
    return status


@register("unalias")
def cmd_unalias(ctx, argv):
    st = ctx.shell.state
    status = 0
    for a in argv[1:]:
        if a == "-a":
            st.aliases.clear()
        elif a in st.aliases:
            del st.aliases[a]
        else:
            ctx.err(f"bash: unalias: {a}: not found\n")
            status = 1
    return status


@register("source", ".")
def cmd_source(ctx, argv):
    if len(argv) < 2:
        ctx.err(f"bash: {ctx.name}: filename argument required\n"
                f"{ctx.name}: usage: {ctx.name} filename [arguments]\n")
        return 2
    try:
        text = ctx.fs.read(argv[1], ctx.cwd)
    except FSError as e:
        ctx.err(f"bash: {argv[1]}: {e.strerror}\n")
        return 1
    return ctx.shell.run_source(text, ctx.fds, ctx.stdin_stream)


@register("eval")
def cmd_eval(ctx, argv):
    return ctx.shell.run_source(" ".join(argv[1:]), ctx.fds, ctx.stdin_stream)


@register("bash", "sh")
def cmd_bash(ctx, argv):
    args = argv[1:]
    sub = ctx.shell.subshell_copy(fds=ctx.fds, stdin=ctx.stdin_stream)
    try:
        if args and args[0] == "-c":
            if len(args) < 2:
                ctx.err(f"{ctx.name}: -c: option requires an argument\n")
                return 2
            sub.state.args = args[3:] if len(args) > 2 else []
            return sub.run_source(args[1])
        if args:
            try:
                text = ctx.fs.read(args[0], ctx.cwd)
            except FSError as e:
                ctx.err(f"{ctx.name}: {args[0]}: {e.strerror}\n")
                return 127
            sub.state.args = args[1:]
            return sub.run_source(text)
        if not ctx.stdin_is_tty:
            # `echo cmd | sh`, `kubectl exec -i POD -- sh < script`: the commands come on stdin.
            return sub.run_source(ctx.stdin)
        # SIMPLIFICATION: a nested interactive shell is not started here (a
        # terminal attaches to `kubectl exec -it ... -- sh`: shell/terminal.py).
        return 0
    except (ExitShell, AbortLine) as e:
        return e.status


def command_path(name: str) -> str:
    """Where a registered command lives on the simulated host."""
    return COMMAND_PATHS.get(name, f"/usr/bin/{name}")


COMMAND_PATHS: dict[str, str] = {"hostname": "/usr/bin/hostname"}


@register("type")
def cmd_type(ctx, argv):
    st = ctx.shell.state
    status = 0
    for name in argv[1:]:
        if name in st.aliases:
            ctx.out(f"{name} is aliased to `{st.aliases[name]}'\n")
        elif name in st.functions:
            ctx.out(f"{name} is a function\n")
        elif name in SHELL_BUILTINS and name in COMMANDS:
            ctx.out(f"{name} is a shell builtin\n")
        elif name in COMMANDS:
            ctx.out(f"{name} is {command_path(name)}\n")
        else:
            ctx.err(f"bash: type: {name}: not found\n")
            status = 1
    return status


@register("which")
def cmd_which(ctx, argv):
    status = 0
    for name in argv[1:]:
        if name in COMMANDS and name not in SHELL_BUILTINS - {"echo", "pwd", "test", "[", "true", "false", "printf"}:
            ctx.out(command_path(name) + "\n")
        else:
            path = ctx.env.get("PATH", "")
            ctx.err(f"/usr/bin/which: no {name} in ({path})\n")
            status = 1
    return status


@register("history")
def cmd_history(ctx, argv):
    hist = ctx.session.history
    if len(argv) > 1 and argv[1] == "-c":
        hist.clear()
        return 0
    start = 0
    if len(argv) > 1 and argv[1].isdigit():
        start = max(0, len(hist) - int(argv[1]))
    for i, line in enumerate(hist[start:], start + 1):
        ctx.out(f"{i:5d}  {line}\n")
    return 0
