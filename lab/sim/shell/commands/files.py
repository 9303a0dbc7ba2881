"""File commands with GNU coreutils 9 messages and formats: cat, ls, mkdir,
rm, rmdir, cp, mv, touch, tee, chmod, basename, dirname.

Quoting follows coreutils in a UTF-8 locale: rm/ls/cp/mv quote operands
as 'x' (shell-escape style), mkdir as ‘x’.
"""
from __future__ import annotations

import datetime as dt
import math
import posixpath
import re

from ...fs import EISDIR, ENOENT, ENOSPC, FSError
from ..collate import collate_key
from . import Inputs, UsageError, parse_opts, register


@register("cat", "more", "less")
def cmd_cat(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "nAbsETv", {"number": "n", "show-all": "A"})
    except UsageError:
        return 1
    number = any(o == "n" for o, _ in opts)
    inputs = Inputs(ctx, files)
    n = 0
    for _name, text in inputs:
        if number:
            lines = text.split("\n")
            tail = lines.pop() if lines else ""
            out = []
            for line in lines:
                n += 1
                out.append(f"{n:6d}\t{line}\n")
            if tail:
                n += 1
                out.append(f"{n:6d}\t{tail}")
            text = "".join(out)
        ctx.out(text)
    return 1 if inputs.failed else 0


# ---- ls ------------------------------------------------------------------
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _mode_string(node) -> str:
    bits = "rwxrwxrwx"
    perm = "".join(b if node.mode & (1 << (8 - i)) else "-" for i, b in enumerate(bits))
    return ("d" if node.is_dir else "-") + perm


def _size(node) -> int:
    return 4096 if node.is_dir else len(node.content.encode())


def _blocks(node) -> int:
    """1K blocks used, with 4K file system blocks."""
    size = _size(node)
    return ((size + 4095) // 4096) * 4


def _ls_time(mtime: float, now: float) -> str:
    t = dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
    mon = MONTHS[t.month - 1]
    six_months = 31556952 // 2
    if now - six_months < mtime <= now + 0.0:
        return f"{mon} {t.day:2d} {t.hour:02d}:{t.minute:02d}"
    return f"{mon} {t.day:2d}  {t.year}"


def _human(n: int) -> str:
    """ls -h: one decimal below 10, rounded up, as GNU does."""
    if n < 1024:
        return str(n)
    v = float(n)
    for unit in "KMGTPE":
        v /= 1024
        if v < 1024 or unit == "E":
            if v < 10:
                r = math.ceil(v * 10) / 10
                if r < 10:
                    return f"{r:.1f}{unit}"
                v = r
            return f"{math.ceil(v)}{unit}"
    return str(n)


def _columns(names: list[str], width: int) -> str:
    """GNU ls -C: fill columns top to bottom, as many as fit, tab-indented."""
    n = len(names)
    if n == 0:
        return ""
    lens = [len(x) for x in names]
    max_cols = min(n, max(1, width // 3))
    best = 1
    best_widths = [max(lens)]
    for cols in range(max_cols, 0, -1):
        rows = (n + cols - 1) // cols
        widths = []
        for c in range(cols):
            col = lens[c * rows:(c + 1) * rows]
            if not col:
                break
            widths.append(max(col) + (2 if c < cols - 1 else 0))
        # GNU counts the +2 for every column but the last possible one.
        if sum(widths) < width or cols == 1:
            best, best_widths = cols, widths
            break
    cols = best
    rows = (n + cols - 1) // cols
    out = []
    for r in range(rows):
        pos = 0
        line = []
        c = 0
        idx = r
        while True:
            name = names[idx]
            line.append(name)
            colw = best_widths[c] if c < len(best_widths) else len(name) + 2
            idx += rows
            if idx >= n:
                break
            start, target = pos + len(name), pos + colw
            while start < target:
                if (target // 8) > ((start + 1) // 8):
                    line.append("\t")
                    start += 8 - start % 8
                else:
                    line.append(" ")
                    start += 1
            pos += colw
            c += 1
        out.append("".join(line) + "\n")
    return "".join(out)


@register("ls")
def cmd_ls(ctx, argv):
    try:
        opts, operands = parse_opts(ctx, argv[1:], "laAhd1rtSRFC", {
            "all": "a", "almost-all": "A", "human-readable": "h", "directory": "d",
            "reverse": "r", "recursive": "R", "color=": "_", "color": "_"})
    except UsageError:
        return 2
    o = {k for k, _ in opts}
    long_fmt = "l" in o
    fs = ctx.fs
    now = fs._now()
    status = 0
    files, dirs = [], []
    for op in operands or ["."]:
        try:
            node = fs.stat(op, ctx.cwd)
        except FSError as e:
            ctx.err(f"ls: cannot access '{op}': {e.strerror}\n")
            status = 2
            continue
        (dirs if node.is_dir and "d" not in o else files).append((op, node))

    def order(entries):
        entries = sorted(entries, key=lambda e: collate_key(e[0]))
        if "t" in o:
            entries = sorted(entries, key=lambda e: -e[1].mtime)
        if "S" in o:
            entries = sorted(entries, key=lambda e: -_size(e[1]))
        if "r" in o:
            entries.reverse()
        return entries

    def render(entries, with_total: bool, dirpath: str) -> str:
        if not entries and not with_total:
            return ""
        if long_fmt:
            rows = []
            for name, node in entries:
                nlink = 1
                if node.is_dir:
                    ap = fs.resolve(posixpath.join(dirpath, name))
                    nlink = 2 + sum(1 for c in fs.listdir(ap) if fs.isdir(ap + "/" + c))
                size = _human(_size(node)) if "h" in o else str(_size(node))
                shown = name + ("/" if "F" in o and node.is_dir else "")
                rows.append((_mode_string(node), str(nlink), "root", "root", size,
                             _ls_time(node.mtime, now), shown))
            out = []
            if with_total:
                total = sum(_blocks(n) for _, n in entries)
                out.append(f"total {_human(total * 1024) if 'h' in o else total}\n")
            if rows:
                w = [max(len(r[i]) for r in rows) for i in range(5)]
                for r in rows:
                    out.append(f"{r[0]} {r[1]:>{w[1]}} {r[2]:<{w[2]}} {r[3]:<{w[3]}} "
                               f"{r[4]:>{w[4]}} {r[5]} {r[6]}\n")
            return "".join(out)
        names = [n + ("/" if "F" in o and node.is_dir else "") for n, node in entries]
        if ctx.stdout_is_tty and "1" not in o or "C" in o:
            try:
                width = int(ctx.env.get("COLUMNS", "80"))
            except ValueError:
                width = 80
            return _columns(names, width)
        return "".join(n + "\n" for n in names)

    out = []
    if files:
        out.append(render(order(files), False, ctx.cwd))
    dirs = order(dirs)
    show_header = len(dirs) + len(files) > 1 or "R" in o or status != 0
    todo = list(dirs)
    first = not files
    while todo:
        op, node = todo.pop(0)
        ap = fs.resolve(op, ctx.cwd)
        names = fs.listdir(ap)
        entries = []
        if "a" in o:
            entries += [(".", fs.stat(ap)), ("..", fs.stat(posixpath.dirname(ap) or "/"))]
        for nm in names:
            if nm.startswith(".") and not ({"a", "A"} & o):
                continue
            entries.append((nm, fs.stat(posixpath.join(ap, nm))))
        entries = order(entries)
        text = ""
        if show_header:
            text = ("" if first else "\n") + f"{op}:\n"
        text += render(entries, True, ap)
        out.append(text)
        first = False
        if "R" in o:
            subs = [(posixpath.join(op, nm), n) for nm, n in entries
                    if n.is_dir and nm not in (".", "..")]
            todo = subs + todo
    ctx.out("".join(out))
    return status


# ---- changing files --------------------------------------------------------
@register("mkdir")
def cmd_mkdir(ctx, argv):
    try:
        opts, operands = parse_opts(ctx, argv[1:], "pvm:", {"parents": "p", "verbose": "v", "mode=": "m"})
    except UsageError:
        return 1
    if not operands:
        ctx.usage_error("missing operand")
        return 1
    parents = any(k == "p" for k, _ in opts)
    status = 0
    for d in operands:
        try:
            ctx.fs.mkdir(d, ctx.cwd, parents=parents)
            if any(k == "v" for k, _ in opts):
                ctx.out(f"mkdir: created directory '{d}'\n")
        except FSError as e:
            ctx.err(f"mkdir: cannot create directory \u2018{d}\u2019: {e.strerror}\n")
            status = 1
    return status


@register("rm")
def cmd_rm(ctx, argv):
    try:
        opts, operands = parse_opts(ctx, argv[1:], "rRfvid", {"recursive": "r", "force": "f", "verbose": "v"})
    except UsageError:
        return 1
    o = {k for k, _ in opts}
    force = "f" in o
    recursive = bool({"r", "R"} & o)
    if not operands:
        if force:
            return 0
        ctx.usage_error("missing operand")
        return 1
    status = 0
    for p in operands:
        try:
            node = ctx.fs.stat(p, ctx.cwd)
            if node.is_dir and not recursive:
                if "d" in o:
                    ctx.fs.rmdir(p, ctx.cwd)
                    continue
                raise FSError(EISDIR, p)
            if ctx.fs.resolve(p, ctx.cwd) == "/":
                ctx.err("rm: it is dangerous to operate recursively on '/'\n"
                        "rm: use --no-preserve-root to override this failsafe\n")
                status = 1
                continue
            ctx.fs.remove(p, ctx.cwd, recursive=recursive)
            if "v" in o:
                ctx.out(f"removed {'directory ' if node.is_dir else ''}'{p}'\n")
        except FSError as e:
            if force and e.strerror == ENOENT:
                continue
            ctx.fs_error(e, what="cannot remove")
            status = 1
    return status


@register("rmdir")
def cmd_rmdir(ctx, argv):
    status = 0
    for p in argv[1:]:
        try:
            ctx.fs.rmdir(p, ctx.cwd)
        except FSError as e:
            ctx.fs_error(e, what="failed to remove")
            status = 1
    return status


def _copy_file(ctx, fs, shown: str, target: str, content: str, mode: int | None = None) -> bool:
    """Copy one file's content as cp does: open (creating or truncating) the destination, then
    write; a full disk fails the write (`cp: error writing 'x': No space left on device`) and
    leaves the destination empty (the lab's writes land whole or not at all)."""
    fs.write(target, "", ctx.cwd)
    if mode is not None:
        fs.stat(target, ctx.cwd).mode = mode
    try:
        fs.write(target, content, ctx.cwd)
    except FSError as e:
        if e.strerror != ENOSPC:
            raise
        ctx.err(f"cp: error writing '{shown}': {e.strerror}\n")
        return False
    return True


def _copy_tree(ctx, fs, src_ap: str, dst_ap: str, shown: str) -> bool:
    """cp -r: every directory and file below src_ap; a file the disk cannot hold is reported and skipped."""
    ok = True
    for p in list(fs.walk(src_ap)):
        node = fs.stat(p)
        target = dst_ap + p[len(src_ap):]
        if node.is_dir:
            fs.mkdir(target, parents=True)
        else:
            ok = _copy_file(ctx, fs, shown + p[len(src_ap):], target, node.content, node.mode) and ok
    return ok


def _two_operands(ctx, operands):
    if not operands:
        ctx.usage_error("missing file operand")
        return None
    if len(operands) == 1:
        ctx.usage_error(f"missing destination file operand after '{operands[0]}'")
        return None
    return operands[:-1], operands[-1]


@register("cp")
def cmd_cp(ctx, argv):
    try:
        opts, operands = parse_opts(ctx, argv[1:], "rRafpvi", {"recursive": "r", "force": "f"})
    except UsageError:
        return 1
    o = {k for k, _ in opts}
    recursive = bool({"r", "R", "a"} & o)
    ops = _two_operands(ctx, operands)
    if ops is None:
        return 1
    srcs, dst = ops
    fs = ctx.fs
    dst_is_dir = fs.isdir(dst, ctx.cwd)
    if len(srcs) > 1 and not dst_is_dir:
        ctx.err(f"cp: target '{dst}': Not a directory\n" if fs.exists(dst, ctx.cwd)
                else f"cp: target '{dst}': No such file or directory\n")
        return 1
    status = 0
    for s in srcs:
        try:
            node = fs.stat(s, ctx.cwd)
        except FSError as e:
            ctx.fs_error(e, what="cannot stat")
            status = 1
            continue
        target = posixpath.join(dst, posixpath.basename(s.rstrip("/"))) if dst_is_dir else dst
        try:
            if node.is_dir:
                if not recursive:
                    ctx.err(f"cp: -r not specified; omitting directory '{s}'\n")
                    status = 1
                    continue
                if not _copy_tree(ctx, fs, fs.resolve(s, ctx.cwd), fs.resolve(target, ctx.cwd), target):
                    status = 1
            elif not _copy_file(ctx, fs, target, target, node.content):
                status = 1
        except FSError as e:
            ctx.err(f"cp: cannot create regular file '{target}': {e.strerror}\n")
            status = 1
    return status


@register("mv")
def cmd_mv(ctx, argv):
    try:
        opts, operands = parse_opts(ctx, argv[1:], "fvin", {"force": "f"})
    except UsageError:
        return 1
    ops = _two_operands(ctx, operands)
    if ops is None:
        return 1
    srcs, dst = ops
    fs = ctx.fs
    dst_is_dir = fs.isdir(dst, ctx.cwd)
    if len(srcs) > 1 and not dst_is_dir:
        ctx.err(f"mv: target '{dst}': Not a directory\n")
        return 1
    status = 0
    for s in srcs:
        if not fs.exists(s, ctx.cwd):
            ctx.err(f"mv: cannot stat '{s}': {ENOENT}\n")
            status = 1
            continue
        target = posixpath.join(dst, posixpath.basename(s.rstrip("/"))) if dst_is_dir else dst
        try:
            fs.rename(s, target, ctx.cwd)
        except FSError as e:
            ctx.err(f"mv: cannot move '{s}' to '{target}': {e.strerror}\n")
            status = 1
    return status


@register("touch")
def cmd_touch(ctx, argv):
    try:
        _opts, operands = parse_opts(ctx, argv[1:], "acmd:t:r:", {})
    except UsageError:
        return 1
    if not operands:
        ctx.usage_error("missing file operand")
        return 1
    status = 0
    for p in operands:
        try:
            ctx.fs.touch(p, ctx.cwd)
        except FSError as e:
            ctx.fs_error(e, what="cannot touch")
            status = 1
    return status


@register("tee")
def cmd_tee(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "ai", {"append": "a"})
    except UsageError:
        return 1
    append = any(k == "a" for k, _ in opts)
    data = ctx.stdin
    status = 0
    for f in files:
        try:
            if f == "/dev/null":
                continue
            ctx.fs.write(f, data, ctx.cwd, append=append)
        except FSError as e:
            ctx.fs_error(e)
            status = 1
    ctx.out(data)
    return status


@register("chmod")
def cmd_chmod(ctx, argv):
    args = [a for a in argv[1:] if a not in ("-R", "-v")]
    if len(args) < 2:
        ctx.usage_error("missing operand")
        return 1
    mode, files = args[0], args[1:]
    status = 0
    for f in files:
        try:
            node = ctx.fs.stat(f, ctx.cwd)
        except FSError as e:
            ctx.err(f"chmod: cannot access '{f}': {e.strerror}\n")
            status = 1
            continue
        if mode.isdigit():
            node.mode = int(mode, 8)
        else:
            # SIMPLIFICATION: symbolic modes handle [ugoa]*[+-=][rwx]+ only.
            for clause in mode.split(","):
                m = re.fullmatch(r"([ugoa]*)([+=-])([rwx]*)", clause)
                if not m:
                    ctx.err(f"chmod: invalid mode: '{mode}'\n")
                    return 1
                who = m.group(1) or "a"
                bits = 0
                for w in who:
                    shifts = {"u": [6], "g": [3], "o": [0], "a": [6, 3, 0]}[w]
                    for sh in shifts:
                        for p in m.group(3):
                            bits |= {"r": 4, "w": 2, "x": 1}[p] << sh
                if m.group(2) == "+":
                    node.mode |= bits
                elif m.group(2) == "-":
                    node.mode &= ~bits
                else:
                    node.mode = bits
    return status


@register("basename")
def cmd_basename(ctx, argv):
    args = argv[1:]
    if not args:
        ctx.usage_error("missing operand")
        return 1
    name = args[0].rstrip("/") or "/"
    base = posixpath.basename(name) if name != "/" else "/"
    if len(args) > 1 and base.endswith(args[1]) and base != args[1]:
        base = base[:-len(args[1])]
    ctx.out(base + "\n")
    return 0


@register("dirname")
def cmd_dirname(ctx, argv):
    if len(argv) < 2:
        ctx.usage_error("missing operand")
        return 1
    for p in argv[1:]:
        q = p.rstrip("/")
        if not q:
            ctx.out("/\n")
            continue
        d = posixpath.dirname(q).rstrip("/")
        ctx.out((d or ("/" if q.startswith("/") else ".")) + "\n")
    return 0
