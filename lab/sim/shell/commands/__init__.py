"""Command registry: `COMMANDS[name] = fn(ctx, argv) -> int`.

Other modules (kubectl, curl, iptables-save ...) add themselves with
`@register("name")`; the built-in coreutils-like commands live in the
submodules imported at the bottom.
"""
from __future__ import annotations

from typing import Callable

COMMANDS: dict[str, Callable] = {}


def register(*names: str) -> Callable[[Callable], Callable]:
    def deco(fn: Callable) -> Callable:
        for n in names:
            COMMANDS[n] = fn
        return fn
    return deco


class UsageError(Exception):
    pass


def parse_opts(ctx, args: list[str], short: str, long: dict[str, str] | None = None,
               permute: bool = True) -> tuple[list[tuple[str, str]], list[str]]:
    """GNU getopt_long: `short` like "nvA:" (':' = takes a value), `long`
    maps "lines=" / "count" to the short key it stands for. Options may
    follow operands unless permute is False; `--` ends options.
    Prints the coreutils message and raises UsageError on a bad option."""
    long = long or {}
    takes = {c for i, c in enumerate(short) if i + 1 < len(short) and short[i + 1] == ":"}
    flags = set(short.replace(":", ""))
    opts: list[tuple[str, str]] = []
    operands: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            operands.extend(args[i + 1:])
            break
        if a.startswith("--"):
            name, eq, val = a[2:].partition("=")
            match = [k for k in long if k.rstrip("=") == name]
            if not match:
                cands = [k for k in long if k.rstrip("=").startswith(name)]
                if len({long[k] for k in cands}) == 1:
                    match = cands[:1]
            if not match:
                ctx.usage_error(f"unrecognized option '{a}'")
                raise UsageError(a)
            key = match[0]
            if key.endswith("="):
                if not eq:
                    if i + 1 >= len(args):
                        ctx.usage_error(f"option '--{key.rstrip('=')}' requires an argument")
                        raise UsageError(a)
                    i += 1
                    val = args[i]
                opts.append((long[key], val))
            else:
                if eq:
                    ctx.usage_error(f"option '--{name}' doesn't allow an argument")
                    raise UsageError(a)
                opts.append((long[key], ""))
            i += 1
            continue
        if a.startswith("-") and a != "-":
            j = 1
            while j < len(a):
                c = a[j]
                if c in takes:
                    val = a[j + 1:]
                    if not val:
                        if i + 1 >= len(args):
                            ctx.usage_error(f"option requires an argument -- '{c}'")
                            raise UsageError(a)
                        i += 1
                        val = args[i]
                    opts.append((c, val))
                    break
                if c not in flags:
                    ctx.usage_error(f"invalid option -- '{c}'")
                    raise UsageError(a)
                opts.append((c, ""))
                j += 1
            i += 1
            continue
        if not permute:
            operands.extend(args[i:])
            break
        operands.append(a)
        i += 1
    return opts, operands


class Inputs:
    """Iterate file operands the coreutils way (none or '-' = stdin)."""

    def __init__(self, ctx, files: list[str], prog: str | None = None):
        self.ctx = ctx
        self.files = files or ["-"]
        self.prog = prog
        self.failed = 0

    def __iter__(self):
        from ...fs import FSError
        for f in self.files:
            if f == "-":
                yield f, self.ctx.stdin
                continue
            try:
                yield f, self.ctx.fs.read(f, self.ctx.cwd)
            except FSError as e:
                self.ctx.fs_error(e, self.prog)
                self.failed += 1


def split_lines(text: str) -> list[str]:
    """Lines without their newlines; a last line without one still counts."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


from . import builtins, files, text, grep, sed, awk, system  # noqa: E402,F401
