"""Word expansion in bash's order: tilde, parameter, command substitution
and arithmetic, then field splitting of unquoted results on IFS, then
pathname expansion (globbing against the host fs), then quote removal.
"""
from __future__ import annotations

import ast as pyast
import re
from typing import TYPE_CHECKING

from .ast import DQ, Arith, CmdSub, Lit, Param, Part, Quoted, Word
from .lexer import Scanner, _pattern_parts

if TYPE_CHECKING:
    from .interp import Shell

GLOB_CHARS = set("*?[")


class ExpansionError(Exception):
    """Aborts the command, e.g. `bash: ${x!}: bad substitution`."""


# A segment of expanded text: (text, quoted, splittable)
Seg = tuple[str, bool, bool]


def glob_regex(pattern: str) -> str:
    """A shell pattern (with `\\x` escapes for quoted chars) as a regex."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] in "!^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 1
            if j >= len(pattern):
                out.append("\\[")
            else:
                body = pattern[i + 1:j]
                neg = body[:1] in ("!", "^")
                if neg:
                    body = body[1:]
                body = re.sub(r"\[:(\w+):\]", lambda m: POSIX_CLASSES.get(m.group(1), ""), body)
                body = body.replace("\\", "\\\\") if "[:" not in pattern[i:j] else body
                out.append("[" + ("^" if neg else "") + body + "]")
                i = j + 1
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


POSIX_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
                 "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t",
                 "punct": "!-/:-@\\[-`{-~", "xdigit": "0-9A-Fa-f"}


def pattern_match(pattern: str, text: str) -> bool:
    return re.fullmatch(glob_regex(pattern), text, re.S) is not None


def _escape_glob(s: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in s)


class Expander:
    def __init__(self, shell: "Shell"):
        self.shell = shell

    # -- public -----------------------------------------------------------
    def fields(self, word: Word) -> list[str]:
        """Full expansion of a command word into zero or more fields."""
        segs = self._segments(word.parts, quoted=False, first=True)
        result: list[str] = []
        for text_segs in self._split(segs):
            has_glob = any(not q and any(c in GLOB_CHARS for c in t) for t, q, _ in text_segs)
            plain = "".join(t for t, _, _ in text_segs)
            if has_glob:
                pat = "".join(_escape_glob(t) if q else t for t, q, _ in text_segs)
                matches = self.shell.glob(pat)
                if matches:
                    result.extend(matches)
                    continue
            result.append(plain)
        return result

    def string(self, word: Word, tilde: bool = True) -> str:
        """Expansion without splitting or globbing (assignments, redirect
        targets, case words, here-strings)."""
        return "".join(t for t, _, _ in self._segments(word.parts, quoted=False, first=tilde))

    def pattern(self, word: Word) -> str:
        """A case / ${x#pat} pattern: quoted characters are escaped."""
        segs = self._segments(word.parts, quoted=False, first=False)
        return "".join(_escape_glob(t) if q else t for t, q, _ in segs)

    def heredoc(self, body: str) -> str:
        parts = Scanner(body).read_dq(None, heredoc=True)
        return "".join(t for t, _, _ in self._segments(parts, quoted=True, first=False))

    # -- internals ----------------------------------------------------------
    def _segments(self, parts: list[Part], quoted: bool, first: bool) -> list[Seg]:
        segs: list[Seg] = []
        for idx, p in enumerate(parts):
            if isinstance(p, Lit):
                text = p.text
                if first and idx == 0 and not quoted and text.startswith("~"):
                    if text == "~" or text.startswith("~/"):
                        home = self.shell.get_var("HOME") or "/root"
                        segs.append((home, True, False))
                        text = text[1:]
                segs.append((text, quoted, False))
            elif isinstance(p, Quoted):
                segs.append((p.text, True, False))
            elif isinstance(p, DQ):
                inner = self._segments(p.parts, quoted=True, first=False)
                segs.append(("", True, False))  # "" still makes a field
                segs.extend((t, True, False) for t, _, _ in inner)
            elif isinstance(p, Param):
                segs.append((self.param(p), quoted, not quoted))
            elif isinstance(p, CmdSub):
                segs.append((self.shell.command_substitution(p.source), quoted, not quoted))
            elif isinstance(p, Arith):
                segs.append((str(self.arith(p.expr)), quoted, not quoted))
        return segs

    def _split(self, segs: list[Seg]) -> list[list[Seg]]:
        ifs = self.shell.get_var("IFS")
        ifs = " \t\n" if ifs is None else ifs
        ws = "".join(c for c in ifs if c in " \t\n")
        other = "".join(c for c in ifs if c not in " \t\n")
        fields: list[list[Seg]] = []
        cur: list[Seg] = []
        started = False
        for text, q, split in segs:
            if not split or not ifs:
                cur.append((text, q, split))
                started = started or q or bool(text)
                continue
            w = f"[{re.escape(ws)}]*" if ws else ""
            alts = ([f"{w}[{re.escape(other)}]{w}"] if other else []) + \
                ([f"[{re.escape(ws)}]+"] if ws else [])
            pieces = re.split("(" + "|".join(alts) + ")", text)
            for k, piece in enumerate(pieces):
                if k % 2 == 1:  # a delimiter
                    if started or (other and piece.strip(ws)):
                        fields.append(cur)
                    cur, started = [], False
                elif piece:
                    cur.append((piece, False, True))
                    started = True
        if started:
            fields.append(cur)
        return fields

    def get(self, name: str) -> str | None:
        return self.shell.get_var(name)

    def param(self, p: Param) -> str:
        if p.op == "bad":
            raise ExpansionError(f"{p.raw}: bad substitution")
        val = self.get(p.name)
        op = p.op
        if op is None:
            if val is None and self.shell.nounset:
                raise ExpansionError(f"{p.name}: unbound variable")
            return val or ""
        if op == "len":
            return str(len(val or ""))
        arg = lambda: self.string(p.arg) if p.arg is not None else ""  # noqa: E731
        if op in (":-", "-"):
            unset = val is None or (op == ":-" and val == "")
            return arg() if unset else val  # type: ignore[return-value]
        if op in (":=", "="):
            if val is None or (op == ":=" and val == ""):
                val = arg()
                self.shell.set_var(p.name, val)
            return val
        if op in (":+", "+"):
            unset = val is None or (op == ":+" and val == "")
            return "" if unset else arg()
        if op in (":?", "?"):
            if val is None or (op == ":?" and val == ""):
                msg = arg() or ("parameter null or not set" if op == ":?" else "parameter not set")
                raise ExpansionError(f"{p.name}: {msg}")
            return val
        val = val or ""
        if op in ("#", "##", "%", "%%"):
            pat = glob_regex(self.pattern(p.arg)) if p.arg else ""
            rng = range(len(val) + 1)
            if op == "#":
                cands = rng
            elif op == "##":
                cands = reversed(rng)
            elif op == "%":
                cands = reversed(rng)
            else:
                cands = rng
            for n in cands:
                if op in ("#", "##") and re.fullmatch(pat, val[:n], re.S):
                    return val[n:]
                if op in ("%", "%%") and re.fullmatch(pat, val[n:], re.S):
                    return val[:n]
            return val
        if op in ("/", "//"):
            raw = p.arg.raw if p.arg else ""
            pat_src, _, rep = raw.partition("/")
            pat = glob_regex(self.pattern(Word(_pattern_parts(pat_src))))
            repl = self.string(Word(_pattern_parts(rep)))
            return re.sub(pat, lambda m: repl, val, count=0 if op == "//" else 1) if pat else val
        if op == ":":
            spec = self.string(p.arg) if p.arg else ""
            off, _, length = spec.partition(":")
            o = self.arith(off or "0")
            s = val[o:] if o >= 0 else val[max(0, len(val) + o):]
            if length:
                n = self.arith(length)
                s = s[:n] if n >= 0 else s[:n]
            return s
        raise ExpansionError(f"{p.raw}: bad substitution")

    def arith(self, expr: str) -> int:
        """$((...)) with C integer semantics (subset)."""
        text = self.heredoc(expr).strip()
        if not text:
            return 0
        py = re.sub(r"&&", " and ", text)
        py = re.sub(r"\|\|", " or ", py)
        py = re.sub(r"!(?!=)", " not ", py)
        py = py.replace("/", "//")
        try:
            tree = pyast.parse(py, mode="eval")
            return int(self._eval(tree.body))
        except ZeroDivisionError:
            raise ExpansionError(f"{text}: division by 0 (error token is \"{text.split('/')[-1].strip()}\")")
        except (SyntaxError, ValueError, TypeError):
            raise ExpansionError(f"{text}: syntax error: invalid arithmetic operator (error token is \"{text}\")")

    def _eval(self, n: pyast.AST) -> int:
        if isinstance(n, pyast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, pyast.Name):
            v = (self.get(n.id) or "0").strip()
            try:
                return int(v)
            except ValueError:
                return self.arith(v) if v != n.id else 0
        if isinstance(n, pyast.UnaryOp):
            v = self._eval(n.operand)
            return {pyast.USub: lambda: -v, pyast.UAdd: lambda: v, pyast.Not: lambda: int(not v),
                    pyast.Invert: lambda: ~v}[type(n.op)]()
        if isinstance(n, pyast.BinOp):
            a, b = self._eval(n.left), self._eval(n.right)
            t = type(n.op)
            if t is pyast.FloorDiv:
                if b == 0:
                    raise ZeroDivisionError
                q = abs(a) // abs(b)
                return q if (a >= 0) == (b >= 0) else -q
            if t is pyast.Mod:
                if b == 0:
                    raise ZeroDivisionError
                r = abs(a) % abs(b)
                return r if a >= 0 else -r
            return {pyast.Add: lambda: a + b, pyast.Sub: lambda: a - b, pyast.Mult: lambda: a * b,
                    pyast.Pow: lambda: a ** b, pyast.LShift: lambda: a << b,
                    pyast.RShift: lambda: a >> b, pyast.BitAnd: lambda: a & b,
                    pyast.BitOr: lambda: a | b, pyast.BitXor: lambda: a ^ b}[t]()
        if isinstance(n, pyast.Compare):
            left = self._eval(n.left)
            for op, right_n in zip(n.ops, n.comparators):
                right = self._eval(right_n)
                ok = {pyast.Lt: left < right, pyast.LtE: left <= right, pyast.Gt: left > right,
                      pyast.GtE: left >= right, pyast.Eq: left == right, pyast.NotEq: left != right}[type(op)]
                if not ok:
                    return 0
                left = right
            return 1
        if isinstance(n, pyast.BoolOp):
            vals = [self._eval(v) for v in n.values]
            return int(all(vals)) if isinstance(n.op, pyast.And) else int(any(vals))
        raise ValueError("unsupported")
