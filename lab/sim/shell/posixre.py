"""POSIX basic/extended regular expressions (GNU flavour) as Python `re`.

grep and sed default to BREs, where `\\(`, `\\{`, `\\|`, `\\+`, `\\?` are the
operators and the bare characters are literals; -E switches to EREs.
"""
from __future__ import annotations

import re

CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
           "lower": "a-z", "space": r" \t\n\r\f\v", "blank": r" \t", "xdigit": "0-9A-Fa-f",
           "punct": r"!-/:-@\[-`{-~", "print": r" -~", "graph": r"!-~", "cntrl": r"\x00-\x1f\x7f"}


class RegexError(Exception):
    """Carries GNU's wording, e.g. `Unmatched ( or \\(`."""


def _bracket(p: str, i: int) -> tuple[str, int]:
    """Translate a bracket expression starting at p[i] == '['."""
    j = i + 1
    out = ["["]
    if j < len(p) and p[j] == "^":
        out.append("^")
        j += 1
    first = True
    while j < len(p):
        c = p[j]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        first = False
        if c == "[" and j + 1 < len(p) and p[j + 1] == ":":
            end = p.find(":]", j + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = p[j + 2:end]
            if name not in CLASSES:
                raise RegexError("Invalid character class name")
            out.append(CLASSES[name])
            j = end + 2
            continue
        if c in "\\[":
            out.append("\\" + c)
        else:
            out.append(c)
        j += 1
    raise RegexError("Unmatched [, [^, [:, [., or [=")


def translate(pattern: str, extended: bool) -> str:
    out: list[str] = []
    i = 0
    p = pattern
    depth = 0
    at_start = True  # where a `*` is literal in a BRE
    while i < len(p):
        c = p[i]
        if c == "[":
            s, i = _bracket(p, i)
            out.append(s)
            at_start = False
            continue
        if c == "\\" and i + 1 < len(p):
            n = p[i + 1]
            i += 2
            if not extended and n in "(){}|+?":
                if n == "(":
                    depth += 1
                elif n == ")":
                    if depth == 0:
                        raise RegexError("Unmatched ) or \\)")
                    depth -= 1
                out.append(n)
                at_start = n in "(|"
                continue
            if n in "<>":
                out.append(r"\b")
            elif n in "bBwWsS" or n.isdigit():
                out.append("\\" + n)
            elif n == "n":
                out.append("\n")
            elif n == "t":
                out.append("\t")
            else:
                out.append(re.escape(n))
            at_start = False
            continue
        if c == "\\":
            raise RegexError("Trailing backslash")
        if extended:
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    out.append(r"\)")
                    i += 1
                    continue
                depth -= 1
            if c == "{" and not re.match(r"\{\d*(,\d*)?\}", p[i:]):
                out.append(r"\{")
            elif c == "*" and at_start:
                out.append(r"\*")
            else:
                out.append(c)
            at_start = c in "(|^"
        else:
            if c in "(){}|+?":
                out.append("\\" + c)
            elif c == "*" and at_start:
                out.append(r"\*")
            elif c == "^" and not at_start:
                out.append(r"\^")
            elif c == "$" and i + 1 < len(p) and not p[i + 1:].startswith("\\)") and \
                    not p[i + 1:].startswith("\\|"):
                out.append(r"\$")
            else:
                out.append(c)
            at_start = c == "^" and at_start
        i += 1
    if depth:
        raise RegexError("Unmatched ( or \\(")
    return "".join(out)


def compile_posix(pattern: str, extended: bool = False, ignore_case: bool = False) -> re.Pattern:
    py = translate(pattern, extended)
    try:
        return re.compile(py, re.I if ignore_case else 0)
    except re.error as e:
        msg = str(e)
        if "unbalanced parenthesis" in msg or "missing )" in msg:
            raise RegexError("Unmatched ( or \\(")
        if "nothing to repeat" in msg or "multiple repeat" in msg:
            raise RegexError("Invalid preceding regular expression")
        raise RegexError("Invalid regular expression")
