"""Tokenizer for the bash subset: words (with their quoting kept as parts),
operators, newlines and here-documents.

Follows bash's token recognition: metacharacters `| & ; < > ( )` and blanks
end a word unless quoted; `#` starts a comment only at the start of a word;
here-document bodies are read after the newline that ends the line holding
their `<<` operator.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .ast import DQ, Arith, CmdSub, HereDoc, Lit, Param, Part, Quoted, Word

OPERATORS = ("&>>", "<<-", "<<<", "&&", "||", ";;", "<<", ">>", ">&", "<&",
             "&>", ">|", "<>", "|&", "|", "&", ";", "(", ")", "<", ">")
REDIR_OPS = {"<", ">", ">>", ">|", "<>", ">&", "<&", "&>", "&>>", "<<", "<<-", "<<<"}
META = set("|&;<>() \t\n")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SPECIAL_PARAMS = set("?$#!@*-0123456789")


class Incomplete(Exception):
    """Input ended inside a quote, substitution, here-document or compound
    command; an interactive shell would prompt for more (PS2)."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class ShellSyntaxError(Exception):
    """`token` is what bash names in "syntax error near unexpected token"."""

    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


@dataclass
class Token:
    kind: str            # WORD, OP, NEWLINE, EOF
    value: str
    word: Word | None = None
    fd: int | None = None
    heredoc: HereDoc | None = None


ANSI_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f",
                "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
                "'": "'", '"': '"', "?": "?"}


def decode_escapes(s: str, i: int = 0, stop: str | None = None) -> tuple[str, int]:
    """Backslash escapes as in $'...' and echo -e; returns (text, end)."""
    out = []
    while i < len(s):
        c = s[i]
        if stop is not None and c == stop:
            return "".join(out), i
        if c != "\\" or i + 1 >= len(s):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n in ANSI_ESCAPES:
            out.append(ANSI_ESCAPES[n])
            i += 2
        elif n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
            if m:
                out.append(chr(int(m.group(), 16)))
                i += 2 + len(m.group())
            else:
                out.append("\\x")
                i += 2
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(chr(int(m.group(), 8)))
            i += 1 + len(m.group())
        else:
            out.append("\\" + n)
            i += 2
    if stop is not None:
        raise Incomplete(stop)
    return "".join(out), i


class Scanner:
    """Character-level reader shared by words, $(...), ${...} and heredocs."""

    def __init__(self, src: str, pos: int = 0):
        self.src = src
        self.pos = pos

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.src[i] if i < len(self.src) else ""

    # -- word -------------------------------------------------------------
    def read_word(self, meta: frozenset[str] | set[str] = META) -> Word:
        start = self.pos
        parts: list[Part] = []
        buf: list[str] = []

        def flush():
            if buf:
                parts.append(Lit("".join(buf)))
                buf.clear()

        while self.pos < len(self.src):
            c = self.src[self.pos]
            if c in meta:
                break
            if c == "\\":
                n = self.peek(1)
                if n == "\n":
                    self.pos += 2
                    continue
                flush()
                if n == "":
                    parts.append(Quoted("\\"))  # SIMPLIFICATION: trailing backslash kept
                    self.pos += 1
                else:
                    parts.append(Quoted(n))
                    self.pos += 2
                continue
            if c == "'":
                end = self.src.find("'", self.pos + 1)
                if end < 0:
                    raise Incomplete("'")
                flush()
                parts.append(Quoted(self.src[self.pos + 1:end]))
                self.pos = end + 1
                continue
            if c == "$" and self.peek(1) == "'":
                flush()
                text, end = decode_escapes(self.src, self.pos + 2, stop="'")
                parts.append(Quoted(text))
                self.pos = end + 1
                continue
            if c == '"':
                flush()
                self.pos += 1
                parts.append(DQ(self.read_dq('"')))
                continue
            if c == "$":
                part = self.read_dollar()
                if part is None:
                    buf.append("$")
                else:
                    flush()
                    parts.append(part)
                continue
            if c == "`":
                flush()
                parts.append(self.read_backtick())
                continue
            buf.append(c)
            self.pos += 1
        flush()
        return Word(parts, self.src[start:self.pos])

    def read_dq(self, terminator: str | None, heredoc: bool = False) -> list[Part]:
        """Inside "..." (terminator '"') or a heredoc body (None): `\\`
        escapes only $ ` \\ newline (and " inside quotes)."""
        parts: list[Part] = []
        buf: list[str] = []
        escapable = "$`\\\n" + ("" if heredoc else '"')

        def flush():
            if buf:
                parts.append(Quoted("".join(buf)))
                buf.clear()

        while True:
            if self.pos >= len(self.src):
                if terminator is None:
                    break
                raise Incomplete('"')
            c = self.src[self.pos]
            if terminator is not None and c == terminator:
                self.pos += 1
                break
            if c == "\\":
                n = self.peek(1)
                if n and n in escapable:
                    if n != "\n":
                        buf.append(n)
                    self.pos += 2
                else:
                    buf.append("\\")
                    self.pos += 1
                continue
            if c == "$":
                part = self.read_dollar()
                if part is None:
                    buf.append("$")
                else:
                    flush()
                    parts.append(part)
                continue
            if c == "`":
                flush()
                parts.append(self.read_backtick())
                continue
            buf.append(c)
            self.pos += 1
        flush()
        return parts

    def read_backtick(self) -> CmdSub:
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.src):
                raise Incomplete("`")
            c = self.src[self.pos]
            if c == "`":
                self.pos += 1
                return CmdSub("".join(out))
            if c == "\\" and self.peek(1) in ("`", "\\", "$"):
                out.append(self.peek(1))
                self.pos += 2
                continue
            out.append(c)
            self.pos += 1

    def read_dollar(self) -> Part | None:
        """At a `$`: return the expansion part, or None for a literal $."""
        n = self.peek(1)
        if n == "(" and self.peek(2) == "(":
            save = self.pos
            self.pos += 3
            inner = self.scan_balanced()
            if self.peek() == ")":
                self.pos += 1
                return Arith(inner)
            # Not arithmetic after all: `$( (cmd) )`.
            self.pos = save + 2
            return CmdSub(self.scan_balanced())
        if n == "(":
            self.pos += 2
            return CmdSub(self.scan_balanced())
        if n == "{":
            self.pos += 2
            start = self.pos
            depth = 1
            while True:
                if self.pos >= len(self.src):
                    raise Incomplete("}")
                c = self.src[self.pos]
                if c == "\\":
                    self.pos += 2
                    continue
                if c == "'":
                    end = self.src.find("'", self.pos + 1)
                    if end < 0:
                        raise Incomplete("'")
                    self.pos = end + 1
                    continue
                if c == '"':
                    self.pos += 1
                    self.read_dq('"')
                    continue
                if c == "$" and self.peek(1) == "{":
                    depth += 1
                    self.pos += 2
                    continue
                if c == "}":
                    depth -= 1
                    if depth == 0:
                        break
                self.pos += 1
            raw = self.src[start:self.pos]
            self.pos += 1
            return parse_brace(raw)
        m = NAME_RE.match(self.src, self.pos + 1)
        if m:
            self.pos = m.end()
            return Param(m.group(), raw="$" + m.group())
        if n and n in SPECIAL_PARAMS:
            self.pos += 2
            return Param(n, raw="$" + n)
        self.pos += 1
        return None

    def scan_balanced(self) -> str:
        """Text up to the `)` closing an already-consumed `(`."""
        start = self.pos
        depth = 1
        while True:
            if self.pos >= len(self.src):
                raise Incomplete(")")
            c = self.src[self.pos]
            if c == "\\":
                self.pos += 2
                continue
            if c == "'":
                end = self.src.find("'", self.pos + 1)
                if end < 0:
                    raise Incomplete("'")
                self.pos = end + 1
                continue
            if c == '"':
                self.pos += 1
                self.read_dq('"')
                continue
            if c == "`":
                self.read_backtick()
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return self.src[start:self.pos - 1]
            self.pos += 1


BRACE_OPS = (":-", ":=", ":+", ":?", "##", "%%", "//", "-", "=", "+", "?", "#", "%", "/", ":")


def parse_brace(raw: str) -> Param:
    """${...} contents -> Param; an unknown shape keeps op 'bad' so the
    expansion reports `bad substitution` when it runs, as bash does."""
    full = "${" + raw + "}"
    if raw.startswith("#") and len(raw) > 1:
        name = raw[1:]
        if NAME_RE.fullmatch(name) or name in SPECIAL_PARAMS:
            return Param(name, "len", raw=full)
        return Param(raw, "bad", raw=full)
    m = NAME_RE.match(raw)
    if m:
        name = raw[:m.end()]
    elif raw[:1] and raw[0] in SPECIAL_PARAMS:
        name = raw[0]
    else:
        return Param(raw, "bad", raw=full)
    rest = raw[len(name):]
    if not rest:
        return Param(name, raw=full)
    for op in BRACE_OPS:
        if rest.startswith(op):
            arg_src = rest[len(op):]
            sc = Scanner(arg_src)
            parts = sc.read_dq(None, heredoc=True) if op not in ("#", "##", "%", "%%", "/", "//") \
                else _pattern_parts(arg_src)
            return Param(name, op, Word(parts, arg_src), raw=full)
    return Param(name, "bad", raw=full)


def _pattern_parts(src: str) -> list[Part]:
    """A ${x#pattern} pattern: quoting applies, blanks are ordinary text."""
    return Scanner(src).read_word(meta=frozenset()).parts


class Lexer:
    def __init__(self, src: str):
        self.src = src
        self.sc = Scanner(src)
        self.pending: list[HereDoc] = []
        self.line = 1

    def tokenize(self) -> list[Token]:
        toks: list[Token] = []
        sc = self.sc
        src = self.src
        while True:
            # blanks and line continuations
            while sc.pos < len(src):
                c = src[sc.pos]
                if c in " \t":
                    sc.pos += 1
                elif c == "\\" and sc.peek(1) == "\n":
                    sc.pos += 2
                else:
                    break
            if sc.pos >= len(src):
                if self.pending:
                    for hd in self.pending:
                        hd.terminated = False
                    self.pending = []
                toks.append(Token("EOF", ""))
                return toks
            c = src[sc.pos]
            if c == "#":
                end = src.find("\n", sc.pos)
                sc.pos = len(src) if end < 0 else end
                continue
            if c == "\n":
                sc.pos += 1
                toks.append(Token("NEWLINE", "\n"))
                self._read_heredocs()
                self.line += 1
                continue
            op = next((o for o in OPERATORS if src.startswith(o, sc.pos)), None)
            if op:
                sc.pos += len(op)
                tok = Token("OP", op)
                if op in ("<<", "<<-"):
                    tok.heredoc = self._heredoc_word(op)
                toks.append(tok)
                continue
            word = sc.read_word()
            if (word.raw.isdigit() and sc.peek() in ("<", ">")
                    and not src.startswith("<(", sc.pos) and not src.startswith(">(", sc.pos)):
                op = next(o for o in OPERATORS if src.startswith(o, sc.pos))
                if op in REDIR_OPS and not op.startswith("&"):
                    sc.pos += len(op)
                    tok = Token("OP", op, fd=int(word.raw))
                    if op in ("<<", "<<-"):
                        tok.heredoc = self._heredoc_word(op)
                    toks.append(tok)
                    continue
            toks.append(Token("WORD", word.raw, word=word))

    def _heredoc_word(self, op: str) -> HereDoc:
        sc = self.sc
        while sc.peek() in (" ", "\t"):
            sc.pos += 1
        if sc.pos >= len(self.src) or sc.peek() in META:
            nxt = sc.peek()
            raise ShellSyntaxError("newline" if nxt in ("", "\n") else nxt)
        word = sc.read_word()
        quoted = any(not isinstance(p, Lit) for p in word.parts)
        delim = "".join(_unquoted_text(p) for p in word.parts)
        hd = HereDoc(delimiter=delim, strip_tabs=(op == "<<-"), quoted=quoted, line=self.line)
        self.pending.append(hd)
        return hd

    def _read_heredocs(self) -> None:
        src = self.src
        sc = self.sc
        for hd in self.pending:
            lines = []
            while True:
                if sc.pos >= len(src):
                    hd.terminated = False
                    break
                end = src.find("\n", sc.pos)
                line = src[sc.pos:] if end < 0 else src[sc.pos:end]
                sc.pos = len(src) if end < 0 else end + 1
                self.line += 1
                if hd.strip_tabs:
                    line = line.lstrip("\t")
                if line == hd.delimiter:
                    break
                lines.append(line + "\n")
            hd.body = "".join(lines)
        self.pending = []


def _unquoted_text(p: Part) -> str:
    if isinstance(p, (Lit, Quoted)):
        return p.text
    if isinstance(p, DQ):
        return "".join(_unquoted_text(x) for x in p.parts)
    if isinstance(p, Param):
        return p.raw
    if isinstance(p, CmdSub):
        return "$(" + p.source + ")"
    if isinstance(p, Arith):
        return "$((" + p.expr + "))"
    return ""


def tokenize(src: str) -> list[Token]:
    return Lexer(src).tokenize()
