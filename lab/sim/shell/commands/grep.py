"""GNU grep 3.x: BRE/ERE/fixed patterns, -v -i -c -o -w -x -n -q -l -h -H
-A/-B/-C context with `--` group separators, several files, -r."""
from __future__ import annotations

import re

from ...fs import FSError
from ..posixre import RegexError, compile_posix
from . import UsageError, parse_opts, register, split_lines

LONG = {"invert-match": "v", "ignore-case": "i", "count": "c", "extended-regexp": "E",
        "fixed-strings": "F", "only-matching": "o", "word-regexp": "w", "line-regexp": "x",
        "line-number": "n", "quiet": "q", "silent": "q", "files-with-matches": "l",
        "files-without-match": "L", "no-filename": "h", "with-filename": "H",
        "after-context=": "A", "before-context=": "B", "context=": "C", "regexp=": "e",
        "recursive": "r", "max-count=": "m", "no-messages": "s", "color=": "_", "colour=": "_",
        "color": "_", "basic-regexp": "G"}


@register("grep", "egrep", "fgrep")
def cmd_grep(ctx, argv):
    args = argv[1:]
    # -5 means -C 5
    args = [f"-C{a[1:]}" if re.fullmatch(r"-\d+", a) else a for a in args]
    try:
        opts, operands = parse_opts(ctx, args, "viEcFowxnqlLhHA:B:C:e:rRm:sG", LONG)
    except UsageError:
        return 2
    o = {k for k, _ in opts}
    patterns = [v for k, v in opts if k == "e"]
    if not patterns:
        if not operands:
            ctx.err("Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                    "Try 'grep --help' for more information.\n")
            return 2
        patterns = [operands.pop(0)]
    pats = [p for pat in patterns for p in pat.split("\n")]
    extended = "E" in o or ctx.name == "egrep"
    fixed = "F" in o or ctx.name == "fgrep"
    after = before = 0
    max_count = None
    for k, v in opts:
        try:
            if k == "A":
                after = int(v)
            elif k == "B":
                before = int(v)
            elif k == "C":
                after = before = int(v)
            elif k == "m":
                max_count = int(v)
        except ValueError:
            ctx.err(f"grep: {v}: invalid context length argument\n")
            return 2
    try:
        rxs = []
        for p in pats:
            src = re.escape(p) if fixed else compile_posix(p, extended).pattern
            if "w" in o:
                src = rf"(?<!\w)(?:{src})(?!\w)"
            if "x" in o:
                src = rf"^(?:{src})$"
            rxs.append(re.compile(src, re.I if "i" in o else 0))
    except RegexError as e:
        ctx.err(f"grep: {e}\n")
        return 2

    recursive = bool({"r", "R"} & o)
    files: list[str] = []
    errors = False
    for f in operands or (["."] if recursive else ["-"]):
        if recursive and f != "-" and ctx.fs.isdir(f, ctx.cwd):
            base = ctx.fs.resolve(f, ctx.cwd)
            for p in ctx.fs.walk(base):
                if ctx.fs.isfile(p):
                    rel = p[len(base):].lstrip("/")
                    files.append((f.rstrip("/") + "/" + rel) if operands else rel)
        else:
            files.append(f)
    show_name = ("H" in o or len(files) > 1 or recursive and bool(operands) and
                 not (len(operands) == 1 and ctx.fs.isfile(operands[0], ctx.cwd))) and "h" not in o
    invert = "v" in o
    any_selected = False
    out: list[str] = []
    for f in files:
        if f == "-":
            text, name = ctx.stdin, "(standard input)"
        else:
            name = f
            try:
                text = ctx.fs.read(f, ctx.cwd)
            except FSError as e:
                if "s" not in o:
                    ctx.fs_error(e)
                errors = True
                continue
        lines = split_lines(text)
        selected = [i for i, l in enumerate(lines) if any(r.search(l) for r in rxs) != invert]
        if max_count is not None:
            selected = selected[:max_count]
        if selected:
            any_selected = True
        if "q" in o:
            if selected:
                break
            continue
        if "l" in o:
            if selected:
                out.append(name + "\n")
            continue
        if "L" in o:
            if not selected:
                out.append(name + "\n")
            continue
        prefix = (name + ":") if show_name else ""
        if "c" in o:
            out.append(f"{prefix}{len(selected)}\n")
            continue
        if "o" in o:
            if invert:
                continue
            for i in selected:
                spans = sorted(m.span() for r in rxs for m in r.finditer(lines[i]) if m.end() > m.start())
                pos = 0
                for s, e in spans:
                    if s < pos:
                        continue
                    out.append(prefix + (f"{i + 1}:" if "n" in o else "") + lines[i][s:e] + "\n")
                    pos = e
            continue
        if not (after or before):
            for i in selected:
                out.append(prefix + (f"{i + 1}:" if "n" in o else "") + lines[i] + "\n")
            continue
        sel = set(selected)
        show = set()
        for i in selected:
            show.update(range(max(0, i - before), min(len(lines), i + after + 1)))
        last = None
        for i in sorted(show):
            if last is not None and i != last + 1:
                out.append("--\n")
            elif last is None and out and out[-1] != "--\n" and any(x for x in out):
                out.append("--\n")
            sep = ":" if i in sel else "-"
            p = (name + sep) if show_name else ""
            out.append(p + (f"{i + 1}{sep}" if "n" in o else "") + lines[i] + "\n")
            last = i
    ctx.out("".join(out))
    if "q" in o and any_selected:
        return 0
    if errors:
        return 2
    return 0 if any_selected else 1
