"""Text filters with GNU coreutils formats: head, tail, wc, sort, uniq, tr,
cut, seq, xargs."""
from __future__ import annotations

import re
import shlex

from ...fs import FSError
from ..collate import collate_key
from . import Inputs, UsageError, parse_opts, register, split_lines


def _keep_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) if text else []


def _count_arg(ctx, val: str, what: str) -> int | None:
    try:
        return int(val)
    except ValueError:
        ctx.err(f"{ctx.name}: invalid number of {what}: '{val}'\n")
        return None


def _numeric_shorthand(argv: list[str]) -> list[str]:
    """head -5 / tail -5 / tail +5 mean -n 5 / -n +5."""
    out: list[str] = []
    for a in argv:
        if out and out[-1] in ("-n", "-c", "--lines", "--bytes"):
            out.append(a)
        elif re.fullmatch(r"-\d+", a):
            out += ["-n", a[1:]]
        elif re.fullmatch(r"\+\d+", a) and not out:
            out += ["-n", a]
        else:
            out.append(a)
    return out


def _head_tail(ctx, argv, head: bool) -> int:
    args = _numeric_shorthand(argv[1:])
    try:
        opts, files = parse_opts(ctx, args, "n:c:qvfF", {"lines=": "n", "bytes=": "c", "quiet": "q",
                                                      "silent": "q", "verbose": "v", "follow": "f"})
    except UsageError:
        return 1
    lines, nbytes, verbose, quiet = 10, None, False, False
    from_start = False
    for k, v in opts:
        if k in ("n", "c"):
            from_start = v.startswith("+")
            n = _count_arg(ctx, v.lstrip("+"), "lines" if k == "n" else "bytes")
            if n is None:
                return 1
            if k == "n":
                lines, nbytes = n, None
            else:
                nbytes = n
        elif k == "v":
            verbose = True
        elif k == "q":
            quiet = True
        # SIMPLIFICATION: tail -f prints the current content and returns.
    files = files or ["-"]
    show = (len(files) > 1 or verbose) and not quiet
    status = 0
    first = True
    for f in files:
        if f == "-":
            text = ctx.stdin
            name = "standard input"
        else:
            try:
                text = ctx.fs.read(f, ctx.cwd)
            except FSError as e:
                ctx.err(f"{ctx.name}: cannot open '{f}' for reading: {e.strerror}\n")
                status = 1
                continue
            name = f
        if show:
            ctx.out(("" if first else "\n") + f"==> {name} <==\n")
        first = False
        if nbytes is not None:
            data = text.encode()
            if head:
                chunk = data[:nbytes] if nbytes >= 0 else data[:nbytes or len(data)]
            else:
                chunk = data[nbytes - 1:] if from_start else (data[-nbytes:] if nbytes else b"")
            ctx.out(chunk.decode(errors="replace"))
            continue
        ls = _keep_lines(text)
        if head:
            sel = ls[:lines] if lines >= 0 else ls[:len(ls) + lines]
        elif from_start:
            sel = ls[max(lines - 1, 0):]
        else:
            sel = ls[-lines:] if lines else []
        ctx.out("".join(sel))
    return status


@register("head")
def cmd_head(ctx, argv):
    return _head_tail(ctx, argv, True)


@register("tail")
def cmd_tail(ctx, argv):
    return _head_tail(ctx, argv, False)


# ---- wc ------------------------------------------------------------------
@register("wc")
def cmd_wc(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "lwcmL", {"lines": "l", "words": "w", "bytes": "c",
                                                        "chars": "m", "max-line-length": "L"})
    except UsageError:
        return 1
    sel = {k for k, _ in opts} or {"l", "w", "c"}
    order = [k for k in "lwmcL" if k in sel]
    rows: list[tuple[list[int], str | None]] = []
    regular_total = 0
    minimum = 1
    status = 0
    for f in files or [None]:
        if f is None or f == "-":
            text = ctx.stdin
            if ctx.stdin_is_file:
                regular_total += len(text.encode())
            else:
                minimum = 7
        else:
            try:
                text = ctx.fs.read(f, ctx.cwd)
            except FSError as e:
                ctx.fs_error(e)
                status = 1
                continue
            regular_total += len(text.encode())
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode()),
                  "m": len(text), "L": max((len(x) for x in text.split("\n")), default=0)}
        rows.append(([counts[k] for k in order], f))
    nfiles = len(files) if files else 1
    if nfiles > 1:
        total = [sum(r[0][i] for r in rows) for i in range(len(order))]
        if "L" in order:
            total[order.index("L")] = max((r[0][order.index("L")] for r in rows), default=0)
        rows.append((total, "total"))
    if len(order) == 1 and nfiles == 1:
        width = 1
    else:
        width = max(len(str(regular_total)), minimum)
    out = []
    for counts, name in rows:
        line = " ".join(f"{c:>{width}}" for c in counts)
        if name is not None and name != "-" or (name == "-" and files):
            line += f" {name}"
        out.append(line + "\n")
    ctx.out("".join(out))
    return status


# ---- sort / uniq -----------------------------------------------------------
_NUM_RE = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))")


def _numeric_value(s: str) -> float:
    m = _NUM_RE.match(s)
    return float(m.group(1)) if m else 0.0


_HUMAN = {"": 1, "K": 1e3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def _human_value(s: str) -> float:
    m = re.match(r"\s*([-+]?\d+(?:\.\d+)?)([KkMGTP]?)", s)
    return float(m.group(1)) * _HUMAN[m.group(2)] if m else 0.0


def _fields(line: str, sep: str | None) -> list[tuple[int, int]]:
    """(start, end) of each field; without -t a field is leading blanks
    plus the following non-blanks, as in GNU sort."""
    if sep is not None:
        spans = []
        pos = 0
        for part in line.split(sep):
            spans.append((pos, pos + len(part)))
            pos += len(part) + 1
        return spans
    return [(m.start(), m.end()) for m in re.finditer(r"[ \t]*[^ \t]+", line)]


def _key_text(line: str, spec: tuple[int, int, int | None, int], sep: str | None, blank: bool) -> str:
    f1, c1, f2, c2 = spec
    spans = _fields(line, sep)
    if f1 - 1 >= len(spans):
        return ""
    start = spans[f1 - 1][0]
    if blank or c1 > 1:
        seg = line[start:]
        stripped = len(seg) - len(seg.lstrip(" \t")) if blank else 0
        start = start + stripped + (c1 - 1)
    if f2 is None:
        end = len(line)
    elif f2 - 1 >= len(spans):
        end = len(line)
    else:
        end = spans[f2 - 1][1] if c2 == 0 else spans[f2 - 1][0] + c2
    return line[start:end]


def _parse_key(ctx, spec: str):
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?([bdfgMhnrRV]*)(?:,(\d+)(?:\.(\d+))?([bdfgMhnrRV]*))?", spec)
    if not m or m.group(1) == "0":
        ctx.err(f"sort: invalid number at field start: invalid count at start of '{spec}'\n")
        return None
    flags = (m.group(3) or "") + (m.group(6) or "")
    return ((int(m.group(1)), int(m.group(2) or 1), int(m.group(4)) if m.group(4) else None,
             int(m.group(5) or 0)), flags)


@register("sort")
def cmd_sort(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "nrufbhk:t:sVcMo:", {
            "numeric-sort": "n", "reverse": "r", "unique": "u", "ignore-case": "f",
            "key=": "k", "field-separator=": "t", "human-numeric-sort": "h", "stable": "s"})
    except UsageError:
        return 2
    o = {k for k, _ in opts}
    sep = next((v for k, v in opts if k == "t"), None)
    outfile = next((v for k, v in opts if k == "o"), None)
    keys = []
    for k, v in opts:
        if k == "k":
            parsed = _parse_key(ctx, v)
            if parsed is None:
                return 2
            keys.append(parsed)
    lines: list[str] = []
    for f in files or ["-"]:
        if f == "-":
            lines += split_lines(ctx.stdin)
            continue
        try:
            lines += split_lines(ctx.fs.read(f, ctx.cwd))
        except FSError as e:
            ctx.err(f"sort: cannot read: {f}: {e.strerror}\n")
            return 2

    def keyfunc_for(flags: str):
        if "n" in flags:
            return lambda t: (_numeric_value(t),)
        if "h" in flags:
            return lambda t: (_human_value(t),)
        if "f" in flags:
            return lambda t: collate_key(t.upper())
        return collate_key

    global_flags = "".join(c for c in "nhf" if c in o)
    specs = keys or [((1, 1, None, 0), "")]

    def full_key(line: str):
        parts = []
        for spec, fl in specs:
            text = line if not keys else _key_text(line, spec, sep, "b" in o or "b" in fl)
            parts.append(keyfunc_for((fl.replace("r", "") or global_flags))(text))
        return parts

    reverse = "r" in o
    decorated = [(full_key(l), l) for l in lines]
    if "s" in o or "u" in o:
        decorated.sort(key=lambda d: d[0], reverse=reverse)
    else:
        # last-resort comparison of whole lines, reversed with -r like GNU
        decorated.sort(key=lambda d: (d[0], collate_key(d[1])), reverse=reverse)
    if any("r" in fl for _, fl in specs) and not reverse:
        decorated.reverse()
    if "u" in o:
        uniq = []
        last = object()
        for k, l in decorated:
            if k != last:
                uniq.append((k, l))
            last = k
        decorated = uniq
    text = "".join(l + "\n" for _, l in decorated)
    if outfile:
        try:
            ctx.fs.write(outfile, text, ctx.cwd)
        except FSError as e:
            ctx.err(f"sort: open failed: {outfile}: {e.strerror}\n")
            return 2
    else:
        ctx.out(text)
    return 0


@register("uniq")
def cmd_uniq(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "cdui", {"count": "c", "repeated": "d",
                                                        "unique": "u", "ignore-case": "i"})
    except UsageError:
        return 1
    o = {k for k, _ in opts}
    if files:
        try:
            text = ctx.fs.read(files[0], ctx.cwd) if files[0] != "-" else ctx.stdin
        except FSError as e:
            ctx.fs_error(e)
            return 1
    else:
        text = ctx.stdin
    groups: list[list] = []
    for line in split_lines(text):
        key = line.lower() if "i" in o else line
        if groups and groups[-1][0] == key:
            groups[-1][2] += 1
        else:
            groups.append([key, line, 1])
    out = []
    for _k, line, n in groups:
        if "d" in o and n < 2 or "u" in o and n > 1:
            continue
        out.append(f"{n:7d} {line}\n" if "c" in o else line + "\n")
    ctx.out("".join(out))
    return 0


# ---- tr / cut ----------------------------------------------------------------
TR_CLASSES = {"lower": "abcdefghijklmnopqrstuvwxyz", "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
              "digit": "0123456789", "space": " \t\n\r\f\v", "blank": " \t",
              "alpha": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
              "alnum": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
              "punct": "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())}


def _tr_set(s: str) -> str:
    out = []
    i = 0
    esc = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "0": "\0"}
    chars = []
    while i < len(s):
        m = re.match(r"\[:(\w+):\]", s[i:])
        if m and m.group(1) in TR_CLASSES:
            chars.append(("class", TR_CLASSES[m.group(1)]))
            i += m.end()
            continue
        if s[i] == "\\" and i + 1 < len(s):
            chars.append(("c", esc.get(s[i + 1], s[i + 1])))
            i += 2
            continue
        chars.append(("c", s[i]))
        i += 1
    j = 0
    while j < len(chars):
        kind, c = chars[j]
        if kind == "c" and j + 2 < len(chars) and chars[j + 1] == ("c", "-") and chars[j + 2][0] == "c":
            lo, hi = ord(c), ord(chars[j + 2][1])
            out.extend(chr(x) for x in range(lo, hi + 1))
            j += 3
            continue
        out.append(c)
        j += 1
    return "".join(out)


@register("tr")
def cmd_tr(ctx, argv):
    try:
        opts, sets = parse_opts(ctx, argv[1:], "dscC", {"delete": "d", "squeeze-repeats": "s"})
    except UsageError:
        return 1
    o = {k for k, _ in opts}
    if not sets:
        ctx.usage_error("missing operand")
        return 1
    text = ctx.stdin
    s1 = _tr_set(sets[0])
    complement = bool({"c", "C"} & o)
    inset = (lambda ch: ch not in s1) if complement else (lambda ch: ch in s1)
    if "d" in o:
        text = "".join(ch for ch in text if not inset(ch))
        squeeze = _tr_set(sets[1]) if len(sets) > 1 else ""
    else:
        if len(sets) < 2 and "s" not in o:
            ctx.usage_error(f"missing operand after '{sets[0]}'")
            return 1
        if len(sets) >= 2:
            s2 = _tr_set(sets[1])
            if complement:
                text = "".join(s2[-1] if inset(ch) else ch for ch in text)
            else:
                s2 = s2 + s2[-1:] * (len(s1) - len(s2))
                table = {}
                for a, b in zip(s1, s2):
                    table[a] = b
                text = "".join(table.get(ch, ch) for ch in text)
            squeeze = s2
        else:
            squeeze = s1
    if "s" in o:
        out = []
        for ch in text:
            if out and out[-1] == ch and ch in squeeze:
                continue
            out.append(ch)
        text = "".join(out)
    ctx.out(text)
    return 0


def _parse_list(spec: str) -> list[tuple[int, int]] | None:
    ranges = []
    for part in spec.split(","):
        m = re.fullmatch(r"(\d*)-(\d*)|(\d+)", part)
        if not m or part == "-":
            return None
        if m.group(3):
            n = int(m.group(3))
            ranges.append((n, n))
        else:
            lo = int(m.group(1)) if m.group(1) else 1
            hi = int(m.group(2)) if m.group(2) else 10 ** 9
            ranges.append((lo, hi))
    return ranges


@register("cut")
def cmd_cut(ctx, argv):
    try:
        opts, files = parse_opts(ctx, argv[1:], "d:f:c:b:s", {"delimiter=": "d", "fields=": "f",
                                                            "characters=": "c", "bytes=": "b",
                                                            "only-delimited": "s"})
    except UsageError:
        return 1
    od = dict(opts)
    delim = od.get("d", "\t")
    if len(delim) != 1:
        ctx.usage_error("the delimiter must be a single character")
        return 1
    mode = "f" if "f" in od else ("c" if "c" in od else ("c" if "b" in od else None))
    if mode is None:
        ctx.usage_error("you must specify a list of bytes, characters, or fields")
        return 1
    spec = od.get("f") or od.get("c") or od.get("b")
    ranges = _parse_list(spec)
    if ranges is None:
        ctx.usage_error(f"invalid field value '{spec}'" if mode == "f" else f"invalid byte or character range")
        return 1

    def wanted(i: int) -> bool:
        return any(lo <= i <= hi for lo, hi in ranges)

    inputs = Inputs(ctx, files)
    out = []
    for _name, text in inputs:
        for line in split_lines(text):
            if mode == "c":
                out.append("".join(ch for i, ch in enumerate(line, 1) if wanted(i)) + "\n")
            elif delim not in line:
                if "s" not in od:
                    out.append(line + "\n")
            else:
                parts = line.split(delim)
                out.append(delim.join(p for i, p in enumerate(parts, 1) if wanted(i)) + "\n")
    ctx.out("".join(out))
    return 1 if inputs.failed else 0


# ---- seq / xargs ------------------------------------------------------------
@register("seq")
def cmd_seq(ctx, argv):
    args = argv[1:]
    sep, width = "\n", False
    while args and args[0] in ("-s", "-w") or (args and args[0].startswith("-s") and len(args[0]) > 2):
        a = args.pop(0)
        if a == "-w":
            width = True
        elif a == "-s":
            if not args:
                ctx.usage_error("option requires an argument -- 's'")
                return 1
            sep = args.pop(0)
        else:
            sep = a[2:]
    if not args:
        ctx.usage_error("missing operand")
        return 1
    if len(args) > 3:
        ctx.usage_error(f"extra operand '{args[3]}'")
        return 1
    nums = []
    for a in args:
        try:
            nums.append(float(a))
        except ValueError:
            ctx.usage_error(f"invalid floating point argument: \u2018{a}\u2019")
            return 1
    first, step, last = (1.0, 1.0, nums[0]) if len(nums) == 1 else \
        ((nums[0], 1.0, nums[1]) if len(nums) == 2 else tuple(nums))
    if step == 0:
        ctx.usage_error("invalid Zero increment value: \u20180\u2019")
        return 1
    decimals = max((len(a.split(".")[1]) if "." in a else 0) for a in args)
    vals = []
    v, i = first, 0
    while (step > 0 and v <= last + 1e-12) or (step < 0 and v >= last - 1e-12):
        vals.append(f"{v:.{decimals}f}")
        i += 1
        v = first + i * step
        if i > 1_000_000:
            break
    if width and vals:
        w = max(len(x) for x in vals)
        vals = [x.zfill(w) if not x.startswith("-") else "-" + x[1:].zfill(w - 1) for x in vals]
    if vals:
        ctx.out(sep.join(vals) + "\n")
    return 0


@register("xargs")
def cmd_xargs(ctx, argv):
    try:
        opts, cmd = parse_opts(ctx, argv[1:], "n:I:r0tL:", {"max-args=": "n", "no-run-if-empty": "r"},
                               permute=False)
    except UsageError:
        return 1
    od = dict(opts)
    cmd = cmd or ["echo"]
    data = ctx.stdin
    status = 0
    if "I" in od:
        rep = od["I"]
        for line in split_lines(data):
            if not line.strip():
                continue
            s = ctx.run_argv([a.replace(rep, line.strip()) for a in cmd], stdin="")
            status = 123 if s else status
        return status
    try:
        items = data.split("\0") if "0" in od else shlex.split(data)
    except ValueError:
        ctx.err("xargs: unmatched single quote; by default quotes are special to xargs unless you use the -0 option\n")
        return 1
    items = [i for i in items if i != ""] if "0" in od else items
    if not items and "r" in od:
        return 0
    n = int(od.get("n") or od.get("L") or 0) or len(items) or 1
    batches = [items[i:i + n] for i in range(0, len(items), n)] or [[]]
    for b in batches:
        s = ctx.run_argv(cmd + b, stdin="")
        if s == 127:
            return 127
        if s:
            status = 123
    return status
