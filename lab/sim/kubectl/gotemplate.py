"""`-o go-template=...` / `--template`: a Go text/template subset.

Covers what kubectl users write: `{{.a.b}}`, `{{range}}` (with `$i, $e :=`
and `{{else}}`), `{{if}}/{{else if}}/{{else}}`, `{{with}}`, variables,
pipelines, parenthesised pipelines, `{{- trim -}}`, comments, and the
functions and/or/not/len/index/printf/print/println/eq/ne/lt/le/gt/ge/slice
plus kubectl's own `exists` and `base64decode`.  Values are the object's
unstructured content (ints stay ints); a missing map key prints
`<no value>`, or fails with `map has no entry for key` when
`--allow-missing-template-keys=false`.  Errors carry text/template's
`template: output:1:N: executing "output" at <...>: ...` wording and
kubectl's debugging dump (printed to stdout).

SIMPLIFICATION: `define`/`template`/`block` are parsed only to report
`template "x" not defined`; printf implements the common verbs
(%s %v %d %q %f %x %t %%) with width/precision flags.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from .jsonpath import basic_kind, go_quote, go_v_float
from .yamlout import compact_json


class TemplateError(Exception):
    """text/template's error text (without kubectl's wrapping)."""


class GoTemplateError(Exception):
    """A kubectl failure: `stdout` is the debug dump kubectl writes to stdout,
    `str(self)` the message for stderr (without the leading `error: `)."""

    def __init__(self, message: str, stdout: str = "") -> None:
        super().__init__(message)
        self.stdout = stdout


MISSING = object()  # an invalid reflect.Value (e.g. a missing map key)

# --------------------------------------------------------------------------
# lexer
# --------------------------------------------------------------------------


@dataclass
class Tok:
    typ: str   # text, field, var, ident, string, raw, char, number, bool, nil, dot, pipe, lparen, rparen,
               # decl, assign, comma, space, eof, keyword, left, right
    val: str
    pos: int


_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil"}


def _lex(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(src)
    while i < n:
        j = src.find("{{", i)
        if j < 0:
            toks.append(Tok("text", src[i:], i))
            break
        text = src[i:j]
        trim_left = src.startswith("{{- ", j) or src.startswith("{{-\t", j) or src.startswith("{{-\n", j)
        if trim_left:
            text = text.rstrip(" \t\r\n")
        if text:
            toks.append(Tok("text", text, i))
        k = j + 2 + (2 if trim_left else 0)
        # comment
        rest = src[k:].lstrip(" \t\r\n") if trim_left else src[k:]
        if rest.startswith("/*"):
            cstart = k + (len(src[k:]) - len(rest))
            cend = src.find("*/", cstart)
            if cend < 0:
                raise TemplateError(f"template: output:{src.count(chr(10), 0, j) + 1}: unclosed comment")
            m = cend + 2
            trim_right = src.startswith(" -}}", m)
            if trim_right:
                m += 4
            elif src.startswith("}}", m):
                m += 2
            else:
                raise TemplateError(f"template: output:{src.count(chr(10), 0, j) + 1}: comment ends before closing delimiter")
            i = m
            if trim_right:
                while i < n and src[i] in " \t\r\n":
                    i += 1
            continue
        toks.append(Tok("left", "{{", j))
        i = k
        while True:
            if i >= n:
                raise TemplateError(f"template: output:{src.count(chr(10), 0, j) + 1}: unclosed action")
            c = src[i]
            if src.startswith(" -}}", i) or src.startswith("\t-}}", i) or src.startswith("\n-}}", i):
                toks.append(Tok("right", "}}", i + 2))
                i += 4
                while i < n and src[i] in " \t\r\n":
                    i += 1
                break
            if src.startswith("}}", i):
                toks.append(Tok("right", "}}", i))
                i += 2
                break
            if c in " \t\r\n":
                s = i
                while i < n and src[i] in " \t\r\n":
                    i += 1
                toks.append(Tok("space", src[s:i], s))
                continue
            if c == "|":
                toks.append(Tok("pipe", c, i)); i += 1; continue
            if c == "(":
                toks.append(Tok("lparen", c, i)); i += 1; continue
            if c == ")":
                toks.append(Tok("rparen", c, i)); i += 1; continue
            if c == ",":
                toks.append(Tok("comma", c, i)); i += 1; continue
            if src.startswith(":=", i):
                toks.append(Tok("decl", ":=", i)); i += 2; continue
            if c == "=":
                toks.append(Tok("assign", "=", i)); i += 1; continue
            if c == '"':
                s = i
                i += 1
                while i < n and src[i] != '"':
                    if src[i] == "\\":
                        i += 1
                    if i < n and src[i] == "\n":
                        raise TemplateError(f"template: output:{src.count(chr(10), 0, s) + 1}: unterminated quoted string")
                    i += 1
                if i >= n:
                    raise TemplateError(f"template: output:{src.count(chr(10), 0, s) + 1}: unterminated quoted string")
                i += 1
                toks.append(Tok("string", src[s:i], s))
                continue
            if c == "`":
                s = i
                e = src.find("`", i + 1)
                if e < 0:
                    raise TemplateError(f"template: output:{src.count(chr(10), 0, s) + 1}: unterminated raw quoted string")
                i = e + 1
                toks.append(Tok("raw", src[s:i], s))
                continue
            if c == "'":
                s = i
                i += 1
                while i < n and src[i] != "'":
                    if src[i] == "\\":
                        i += 1
                    i += 1
                i += 1
                toks.append(Tok("char", src[s:i], s))
                continue
            if c == "$":
                s = i
                i += 1
                while i < n and (src[i].isalnum() or src[i] == "_"):
                    i += 1
                toks.append(Tok("var", src[s:i], s))
                continue
            if c == ".":
                s = i
                if i + 1 < n and (src[i + 1].isalnum() or src[i + 1] == "_") and not src[i + 1].isdigit():
                    i += 1
                    while i < n and (src[i].isalnum() or src[i] == "_"):
                        i += 1
                    toks.append(Tok("field", src[s:i], s))
                    continue
                if i + 1 < n and src[i + 1].isdigit():
                    pass  # a number like .5
                else:
                    toks.append(Tok("dot", ".", s))
                    i += 1
                    continue
            if c.isdigit() or c in "+-." and i + 1 < n and (src[i + 1].isdigit() or src[i + 1] == "."):
                s = i
                i += 1
                while i < n and (src[i].isalnum() or src[i] in "._+-") and not (src[i] in "+-" and src[i - 1] not in "eEpP"):
                    i += 1
                toks.append(Tok("number", src[s:i], s))
                continue
            if c.isalpha() or c == "_":
                s = i
                while i < n and (src[i].isalnum() or src[i] == "_"):
                    i += 1
                word = src[s:i]
                if word in ("true", "false"):
                    toks.append(Tok("bool", word, s))
                elif word == "nil":
                    toks.append(Tok("nil", word, s))
                elif word in _KEYWORDS:
                    toks.append(Tok("keyword", word, s))
                else:
                    toks.append(Tok("ident", word, s))
                continue
            raise TemplateError(f"template: output:{src.count(chr(10), 0, i) + 1}: unexpected {go_quote(c)[1:-1]!r} in command".replace("'", '"', 0))
    toks.append(Tok("eof", "", n))
    return toks


# --------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------

@dataclass
class Node:
    kind: str                    # text action if range with break continue template
    pos: int = 0
    text: str = ""
    pipe: Any = None
    body: list = field(default_factory=list)
    else_body: list | None = None
    name: str = ""


@dataclass
class Pipe:
    decl: list[str]
    assign: bool
    cmds: list[list[Any]]
    pos: int = 0


@dataclass
class Arg:
    kind: str                    # field var dot nil bool number string ident pipe
    val: Any = None
    chain: list[str] = field(default_factory=list)
    pos: int = 0
    src: str = ""


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _lex(src)
        self.i = 0

    def line(self, pos: int) -> int:
        return self.src.count("\n", 0, pos) + 1

    def err(self, msg: str, pos: int) -> TemplateError:
        return TemplateError(f"template: output:{self.line(pos)}: {msg}")

    def peek(self, skip_space: bool = True) -> Tok:
        j = self.i
        while skip_space and self.toks[j].typ == "space":
            j += 1
        return self.toks[j]

    def next(self, skip_space: bool = True) -> Tok:
        while skip_space and self.toks[self.i].typ == "space":
            self.i += 1
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> list[Node]:
        body, stop = self.list_until(top=True)
        return body

    def list_until(self, top: bool = False) -> tuple[list[Node], str]:
        out: list[Node] = []
        while True:
            t = self.next(skip_space=False)
            if t.typ == "eof":
                if top:
                    return out, "eof"
                raise self.err("unexpected EOF", t.pos)
            if t.typ == "text":
                out.append(Node("text", t.pos, text=t.val))
                continue
            # t is left delim
            k = self.peek()
            if k.typ == "keyword" and k.val in ("end", "else"):
                self.next()
                if top:
                    raise self.err(f"unexpected {{{{{k.val}}}}}", k.pos)
                if k.val == "end":
                    self.expect_right("end")
                    return out, "end"
                return out, "else"
            if k.typ == "keyword" and k.val in ("if", "range", "with"):
                self.next()
                out.append(self.control(k.val, k.pos))
                continue
            if k.typ == "keyword" and k.val in ("break", "continue"):
                self.next()
                self.expect_right(k.val)
                out.append(Node(k.val, k.pos))
                continue
            if k.typ == "keyword" and k.val in ("template", "block"):
                self.next()
                name = self.next()
                if name.typ not in ("string", "raw"):
                    raise self.err(f"unexpected {name.val!r} in template clause", name.pos)
                pipe = None
                if self.peek().typ != "right":
                    pipe = self.pipeline("template")
                else:
                    self.next()
                out.append(Node("template", name.pos, name=_unquote(name.val), pipe=pipe, text=f"{{{{template {name.val}}}}}"))
                continue
            if k.typ == "keyword" and k.val == "define":
                raise self.err("define is not supported here", k.pos)
            pipe = self.pipeline("command")
            out.append(Node("action", pipe.pos, pipe=pipe))

    def expect_right(self, ctx: str) -> None:
        t = self.next()
        if t.typ != "right":
            raise self.err(f"unexpected {_tok_desc(t)} in {ctx}", t.pos)

    def control(self, kw: str, pos: int) -> Node:
        pipe = self.pipeline(kw)
        body, stop = self.list_until()
        else_body = None
        if stop == "else":
            k = self.peek()
            if kw in ("if", "with") and k.typ == "keyword" and k.val == kw:
                self.next()
                else_body = [self.control(kw, k.pos)]
            else:
                self.expect_right("else")
                else_body, stop = self.list_until()
                if stop != "end":
                    raise self.err("expected end; found {{else}}", pos)
        return Node(kw, pos, pipe=pipe, body=body, else_body=else_body)

    def pipeline(self, ctx: str) -> Pipe:
        decl: list[str] = []
        assign = False
        start = self.peek()
        # variable declarations: $x := / $i, $e :=
        save = self.i
        t = self.next()
        if t.typ == "var":
            t2 = self.next()
            if t2.typ in ("decl", "assign"):
                decl, assign = [t.val], t2.typ == "assign"
            elif t2.typ == "comma" and ctx == "range":
                t3 = self.next()
                t4 = self.next()
                if t3.typ == "var" and t4.typ in ("decl", "assign"):
                    decl, assign = [t.val, t3.val], t4.typ == "assign"
                else:
                    self.i = save
            else:
                self.i = save
        else:
            self.i = save
        cmds: list[list[Any]] = []
        while True:
            t = self.peek()
            if t.typ == "right" or (ctx == "paren" and t.typ == "rparen"):
                self.next()
                break
            if t.typ == "eof":
                raise self.err("unclosed action", t.pos)
            cmd = self.command(ctx)
            if not cmd:
                raise self.err("missing command" if ctx != "paren" else "missing value for command", t.pos)
            cmds.append(cmd)
            if self.peek().typ == "pipe":
                self.next()
                if self.peek().typ in ("right", "rparen"):
                    raise self.err("missing command", self.peek().pos)
        if not cmds:
            raise self.err(f"missing value for {ctx}", start.pos)
        return Pipe(decl, assign, cmds, start.pos)

    def command(self, ctx: str) -> list[Arg]:
        args: list[Arg] = []
        while True:
            t = self.peek(skip_space=False)
            if t.typ == "space":
                self.next(skip_space=False)
                continue
            if t.typ in ("right", "pipe", "eof") or (t.typ == "rparen"):
                if t.typ == "rparen" and ctx != "paren":
                    raise self.err("unexpected right paren", t.pos)
                return args
            args.append(self.operand())

    def operand(self) -> Arg:
        t = self.next(skip_space=False)
        start = t.pos
        if t.typ == "field":
            a = Arg("field", chain=[t.val[1:]], pos=t.pos)
        elif t.typ == "var":
            a = Arg("var", val=t.val, pos=t.pos)
        elif t.typ == "dot":
            a = Arg("dot", pos=t.pos)
        elif t.typ == "nil":
            a = Arg("nil", pos=t.pos)
        elif t.typ == "bool":
            a = Arg("bool", val=t.val == "true", pos=t.pos)
        elif t.typ == "number":
            a = Arg("number", val=_number(t.val), pos=t.pos)
        elif t.typ in ("string", "raw"):
            a = Arg("string", val=_unquote(t.val), pos=t.pos)
        elif t.typ == "char":
            a = Arg("number", val=ord(_unquote('"' + t.val[1:-1] + '"')), pos=t.pos)
        elif t.typ == "ident":
            if t.val not in FUNCS:
                raise self.err(f'function "{t.val}" not defined', t.pos)
            a = Arg("ident", val=t.val, pos=t.pos)
        elif t.typ == "lparen":
            a = Arg("pipe", val=self.pipeline("paren"), pos=t.pos)
        else:
            raise self.err(f"unexpected {_tok_desc(t)} in operand", t.pos)
        chain_pos = None
        while self.peek(skip_space=False).typ == "field":
            f = self.next(skip_space=False)
            if chain_pos is None:
                chain_pos = f.pos
            a.chain.append(f.val[1:])
        if a.kind == "field" and chain_pos is not None:
            a.pos = chain_pos  # text/template gives a field chain the position of its second field
        a.src = self.src[start:self.toks[self.i - 1].pos + len(self.toks[self.i - 1].val)]
        return a


def _tok_desc(t: Tok) -> str:
    return {"right": '"}}"', "eof": "EOF"}.get(t.typ, f"<{t.val}>")


def _number(s: str) -> Any:
    t = s.replace("_", "")
    try:
        return int(t, 0)
    except ValueError:
        return float(t)


def _unquote(s: str) -> str:
    if s.startswith("`"):
        return s[1:-1]
    from .jsonpath import _unquote_extend
    return _unquote_extend(s)


# --------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------

class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _ExecError(Exception):
    def __init__(self, pos: int, context: str, msg: str) -> None:
        super().__init__(msg)
        self.pos, self.context, self.msg = pos, context, msg


def _truth(v: Any) -> bool:
    if v is MISSING or v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, (str, list, dict)):
        return len(v) > 0
    return True


def _eq(a: Any, *bs: Any) -> bool:
    if a is MISSING or any(b is MISSING for b in bs):
        raise TemplateError("missing argument for comparison" if not bs else "invalid type for comparison")
    for b in bs:
        ka, kb = basic_kind(a), basic_kind(b)
        if ka == "other" or kb == "other":
            if a is None or b is None:
                if a is b:
                    return True
                continue
            raise TemplateError("incompatible types for comparison" if ka != kb else "non-comparable type")
        if ka != kb:
            raise TemplateError("incompatible types for comparison")
        if a == b:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = basic_kind(a), basic_kind(b)
    if ka in ("bool", "other") or kb in ("bool", "other"):
        raise TemplateError("invalid type for comparison")
    if ka != kb:
        raise TemplateError("incompatible types for comparison")
    return a < b


def _len(v: Any) -> int:
    if v is MISSING:
        raise TemplateError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(v, (str, list, dict)):
        return len(v.encode("utf-8")) if isinstance(v, str) else len(v)
    raise TemplateError(f"len of type {_type_name(v)}")


def _type_name(v: Any) -> str:
    if v is None or v is MISSING:
        return "<nil>"
    return {"bool": "bool", "int": "int64", "float": "float64", "string": "string"}.get(basic_kind(v)) or (
        "map[string]interface {}" if isinstance(v, dict) else "[]interface {}")


def _index(item: Any, *idx: Any) -> Any:
    if item is MISSING or item is None:
        raise TemplateError("index of untyped nil")
    for i in idx:
        if item is None:
            raise TemplateError("index of nil pointer")
        if isinstance(item, (list, str)):
            if not isinstance(i, int) or isinstance(i, bool):
                raise TemplateError(f"cannot index slice/array with type {_type_name(i)}")
            if i < 0 or i >= len(item):
                raise TemplateError(f"index out of range: {i}")
            item = item[i] if isinstance(item, list) else item.encode("utf-8")[i]
        elif isinstance(item, dict):
            if not isinstance(i, str):
                raise TemplateError(f"value has type {_type_name(i)}; should be string")
            item = item.get(i, MISSING) if i in item else MISSING
        else:
            raise TemplateError(f"can't index item of type {_type_name(item)}")
    return item


def _slice(item: Any, *idx: Any) -> Any:
    if not isinstance(item, (list, str)):
        raise TemplateError(f"can't slice item of type {_type_name(item)}")
    if len(idx) > 2:
        raise TemplateError("too many slice indexes: %d" % len(idx))
    start = idx[0] if idx else 0
    end = idx[1] if len(idx) > 1 else len(item)
    if start < 0 or end > len(item) or start > end:
        raise TemplateError(f"invalid slice index: {start} > {end}" if start > end else f"index out of range: {end}")
    return item[start:end]


def _fmt_v(v: Any, plus: bool = False) -> str:
    """fmt's %v (used by print and the action output)."""
    if v is MISSING:
        return "<no value>"
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return go_v_float(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_fmt_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_fmt_v(x) for x in v) + "]"
    return str(v)


_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])")


def _printf(fmt: str, *args: Any) -> str:
    out: list[str] = []
    ai = 0
    pos = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if ai >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[ai]
        ai += 1
        if a is MISSING:
            a = None
        if verb == "v":
            s = _fmt_v(a)
        elif verb == "s":
            s = a if isinstance(a, str) else (_fmt_v(a) if isinstance(a, (list, dict)) else f"%!s({_type_name(a)}={_fmt_v(a)})")
            if prec is not None and isinstance(a, str):
                s = s[:int(prec)]
        elif verb == "q":
            s = go_quote(a) if isinstance(a, str) else f"%!q({_type_name(a)}={_fmt_v(a)})"
        elif verb == "d":
            s = str(a) if isinstance(a, int) and not isinstance(a, bool) else f"%!d({_type_name(a)}={_fmt_v(a)})"
        elif verb == "t":
            s = _fmt_v(a) if isinstance(a, bool) else f"%!t({_type_name(a)}={_fmt_v(a)})"
        elif verb in "fF":
            s = f"{a:.{int(prec) if prec else 6}f}" if isinstance(a, float) else f"%!{verb}({_type_name(a)}={_fmt_v(a)})"
        elif verb in "xX":
            if isinstance(a, int) and not isinstance(a, bool):
                s = format(a, verb)
            elif isinstance(a, str):
                s = a.encode("utf-8").hex() if verb == "x" else a.encode("utf-8").hex().upper()
            else:
                s = f"%!{verb}({_type_name(a)}={_fmt_v(a)})"
        else:
            s = f"%!{verb}({_type_name(a)}={_fmt_v(a)})"
        if width:
            w = int(width)
            s = s.ljust(w) if "-" in flags else (s.rjust(w, "0") if "0" in flags and verb in "dfx" else s.rjust(w))
        out.append(s)
    out.append(fmt[pos:])
    if ai < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{_type_name(a)}={_fmt_v(a)}" for a in args[ai:]) + ")")
    return "".join(out)


def _print(*args: Any) -> str:
    # fmt.Sprint adds spaces between operands when neither is a string
    out = ""
    for i, a in enumerate(args):
        if i > 0 and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out += " "
        out += _fmt_v(a)
    return out


def _exists(item: Any, *keys: Any) -> bool:
    """kubectl's `exists`: true if the nested keys/indexes are present."""
    for k in keys:
        if isinstance(item, dict) and isinstance(k, str) and k in item:
            item = item[k]
        elif isinstance(item, list) and isinstance(k, int) and 0 <= k < len(item):
            item = item[k]
        else:
            return False
    return True


def _b64decode(s: Any) -> str:
    try:
        return base64.b64decode(str(s), validate=True).decode("utf-8", "replace")
    except Exception as e:  # noqa: BLE001 - kubectl reports the decode error
        raise TemplateError(f"base64decode: {e}") from None


FUNCS = {
    "and": None, "or": None, "not": lambda a: not _truth(a), "len": _len, "index": _index, "slice": _slice,
    "printf": _printf, "print": _print, "println": lambda *a: " ".join(_fmt_v(x) for x in a) + "\n",
    "eq": _eq, "ne": lambda a, b: not _eq(a, b), "lt": _lt, "le": lambda a, b: _lt(a, b) or _eq(a, b),
    "gt": lambda a, b: not (_lt(a, b) or _eq(a, b)), "ge": lambda a, b: not _lt(a, b),
    "html": lambda *a: _print(*a).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;"),
    "urlquery": lambda *a: __import__("urllib.parse").parse.quote_plus(_print(*a)),
    "js": lambda *a: _print(*a), "exists": _exists, "base64decode": _b64decode,
}


class _Exec:
    def __init__(self, src: str, missing_error: bool) -> None:
        self.src = src
        self.missing_error = missing_error
        self.vars: list[tuple[str, Any]] = []
        self.out: list[str] = []

    def fail(self, pos: int, context: str, msg: str) -> _ExecError:
        return _ExecError(pos, context, msg)

    def run(self, nodes: list[Node], dot: Any) -> None:
        for n in nodes:
            self.node(n, dot)

    def node(self, n: Node, dot: Any) -> None:
        if n.kind == "text":
            self.out.append(n.text)
        elif n.kind == "action":
            v = self.pipe(n.pipe, dot)
            if not n.pipe.decl:
                # text/template prints a nil interface like a missing value
                self.out.append("<no value>" if v is None else _fmt_v(v))
        elif n.kind in ("if", "with"):
            mark = len(self.vars)
            v = self.pipe(n.pipe, dot)
            if _truth(v):
                self.run(n.body, v if n.kind == "with" else dot)
            elif n.else_body is not None:
                self.run(n.else_body, dot)
            del self.vars[mark:]
        elif n.kind == "range":
            self.range(n, dot)
        elif n.kind == "break":
            raise _Break()
        elif n.kind == "continue":
            raise _Continue()
        elif n.kind == "template":
            raise self.fail(n.pos, n.text, f'template "{n.name}" not defined')

    def range(self, n: Node, dot: Any) -> None:
        mark = len(self.vars)
        pipe = n.pipe
        decl = pipe.decl
        v = self.pipe(Pipe([], False, pipe.cmds, pipe.pos), dot)
        items: list[tuple[Any, Any]]
        if isinstance(v, dict):
            items = [(k, v[k]) for k in sorted(v)]
        elif isinstance(v, list):
            items = list(enumerate(v))
        elif isinstance(v, int) and not isinstance(v, bool):
            items = [(i, i) for i in range(v)]
        elif v is MISSING:
            items = []
        else:
            raise self.fail(pipe.pos, " | ".join(self._ctx(c) for c in pipe.cmds),
                            f"range can't iterate over {_fmt_v(v)}")
        if not items:
            if n.else_body is not None:
                self.run(n.else_body, dot)
            return
        for key, elem in items:
            del self.vars[mark:]
            if len(decl) == 1:
                self.vars.append((decl[0], elem))
            elif len(decl) == 2:
                self.vars.append((decl[0], key))
                self.vars.append((decl[1], elem))
            try:
                self.run(n.body, elem)
            except _Continue:
                continue
            except _Break:
                break
        del self.vars[mark:]

    def lookup(self, name: str, pos: int) -> Any:
        for k, v in reversed(self.vars):
            if k == name:
                return v
        raise self.fail(pos, name, f"undefined variable: {name}")

    def pipe(self, p: Pipe, dot: Any) -> Any:
        value: Any = MISSING
        first = True
        for cmd in p.cmds:
            value = self.command(cmd, dot, value if not first else MISSING, has_final=not first)
            first = False
        if p.decl:
            if p.assign:
                for i in range(len(self.vars) - 1, -1, -1):
                    if self.vars[i][0] == p.decl[0]:
                        self.vars[i] = (p.decl[0], value)
                        break
            else:
                self.vars.append((p.decl[0], value))
        return value

    def command(self, cmd: list[Arg], dot: Any, final: Any, has_final: bool) -> Any:
        head = cmd[0]
        if head.kind == "ident":
            args = cmd[1:]
            name = head.val
            if name in ("and", "or"):
                vals = [lambda a=a: self.arg(a, dot) for a in args]
                if has_final:
                    vals.append(lambda: final)
                if not vals:
                    raise self.fail(head.pos, name, f"wrong number of args for {name}: want at least 1 got 0")
                result: Any = MISSING
                for thunk in vals:
                    result = thunk()
                    if (name == "and") != _truth(result):
                        return result
                return result
            values = [self.arg(a, dot) for a in args]
            if has_final:
                values.append(final)
            try:
                return FUNCS[name](*values)
            except TemplateError as e:
                raise self.fail(head.pos, self._ctx(cmd), f"error calling {name}: {e}") from None
            except TypeError:
                raise self.fail(head.pos, self._ctx(cmd), f"wrong number of args for {name}") from None
        if len(cmd) > 1 or has_final:
            what = head.src or head.kind
            raise self.fail(head.pos, what, f"can't give argument to non-function {what}")
        return self.arg(head, dot)

    def _ctx(self, cmd: list[Arg]) -> str:
        return " ".join(a.src for a in cmd)

    def arg(self, a: Arg, dot: Any) -> Any:
        if a.kind == "field":
            return self.chain(dot, a.chain, a)
        if a.kind == "var":
            base = self.lookup(a.val, a.pos) if a.val != "$" else self.lookup("$", a.pos)
            return self.chain(base, a.chain, a)
        if a.kind == "dot":
            return dot
        if a.kind == "pipe":
            mark = len(self.vars)
            v = self.pipe(a.val, dot)
            del self.vars[mark:]
            return self.chain(v, a.chain, a) if a.chain else v
        if a.kind == "nil":
            return None
        return a.val

    def chain(self, v: Any, names: list[str], a: Arg) -> Any:
        for name in names:
            if v is MISSING:
                if self.missing_error:
                    raise self.fail(a.pos, a.src, f'nil data; no entry for key "{name}"')
                return MISSING
            if v is None:
                raise self.fail(a.pos, a.src, f"nil pointer evaluating interface {{}}.{name}")
            if isinstance(v, dict):
                if name in v:
                    v = v[name]
                elif self.missing_error:
                    raise self.fail(a.pos, a.src, f'map has no entry for key "{name}"')
                else:
                    v = MISSING
            else:
                raise self.fail(a.pos, a.src, f"can't evaluate field {name} in type interface {{}}")
        return v


def _go_plus_v(v: Any) -> str:
    return _fmt_v(v)


def execute(template: str, data: Any, *, allow_missing_keys: bool = True) -> str:
    """Run a template over `data`; raises TemplateError (parse) or _ExecError."""
    nodes = _Parser(template).parse()
    ex = _Exec(template, missing_error=not allow_missing_keys)
    ex.vars.append(("$", data))
    ex.run(nodes, data)
    return "".join(ex.out)


def print_go_template(template: str, data: Any, *, allow_missing_keys: bool = True) -> str:
    """kubectl's GoTemplatePrinter.PrintObj.

    Returns stdout text; raises GoTemplateError whose message is what kubectl
    prints after `error: ` and whose .stdout is what it had written (the
    partial output plus the debugging dump).
    """
    try:
        nodes = _Parser(template).parse()
    except TemplateError as e:
        raise GoTemplateError(f"error parsing template {template}, {e}") from None
    ex = _Exec(template, missing_error=not allow_missing_keys)
    ex.vars.append(("$", data))
    try:
        ex.run(nodes, data)
    except _ExecError as e:
        line = template.count("\n", 0, e.pos) + 1
        col = e.pos if "\n" not in template[:e.pos] else e.pos - template.rfind("\n", 0, e.pos) - 1
        msg = f'template: output:{line}:{col}: executing "output" at <{e.context}>: {e.msg}'
        dump = (f"Error executing template: {msg}. Printing more information for debugging the template:\n"
                f"\ttemplate was:\n\t\t{template}\n"
                f"\traw data was:\n\t\t{compact_json(data)}\n"
                f"\tobject given to template engine was:\n\t\t{_go_plus_v(data)}\n\n")
        raise GoTemplateError(f"error executing template {go_quote(template)}: {msg}", "".join(ex.out) + dump) from None
    return "".join(ex.out)
