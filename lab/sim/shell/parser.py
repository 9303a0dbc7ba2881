"""Recursive-descent parser for the bash subset (POSIX shell grammar):
lists, and-or lists, pipelines, simple commands with assignments and
redirections, if / for / while / until / case, { } groups, ( ) subshells
and `name() { ...; }` functions.

Errors mirror bash: an unexpected token raises ShellSyntaxError(token)
("syntax error near unexpected token `done'"); running out of input in the
middle of a construct raises Incomplete (bash would print PS2 and wait).
"""
from __future__ import annotations

import re

from .ast import (AndOr, Case, Command, CommandList, FuncDef, For, Group, If,
                  Lit, Pipeline, Redir, Simple, While, Word)
from .lexer import REDIR_OPS, Incomplete, ShellSyntaxError, Token, tokenize

RESERVED = {"if", "then", "elif", "else", "fi", "for", "in", "do", "done",
            "while", "until", "case", "esac", "{", "}", "!", "function"}
ASSIGN_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")


class Parser:
    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.i = 0

    # -- token helpers ----------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.peek()
        self.i += 1
        return t

    def reserved(self, t: Token | None = None) -> str | None:
        t = t or self.peek()
        if t.kind == "WORD" and t.word is not None:
            lit = t.word.literal()
            if lit in RESERVED:
                return lit
        return None

    def is_op(self, *ops: str) -> bool:
        t = self.peek()
        return t.kind == "OP" and t.value in ops

    def fail(self, t: Token | None = None):
        t = t or self.peek()
        if t.kind == "EOF":
            raise Incomplete("eof")
        raise ShellSyntaxError("newline" if t.kind == "NEWLINE" else t.value)

    def skip_newlines(self) -> None:
        while self.peek().kind == "NEWLINE":
            self.i += 1

    def expect_word(self, word: str) -> None:
        self.skip_newlines()
        if self.reserved() != word:
            self.fail()
        self.i += 1

    # -- grammar ----------------------------------------------------------
    def parse_program(self) -> CommandList:
        lst = self.parse_list(set(), top=True)
        t = self.peek()
        if t.kind != "EOF":
            self.fail(t)
        return lst

    def parse_list(self, stops: set[str], top: bool = False, close_paren: bool = False,
                   case_arm: bool = False) -> CommandList:
        lst = CommandList()
        self.skip_newlines()
        while True:
            t = self.peek()
            if t.kind == "EOF":
                break
            if self.reserved(t) in stops:
                break
            if close_paren and self.is_op(")"):
                break
            if case_arm and self.is_op(";;"):
                break
            ao = self.parse_and_or()
            t = self.peek()
            if t.kind == "OP" and t.value in (";", "&"):
                self.i += 1
                lst.items.append((ao, t.value))
                self.skip_newlines()
            elif t.kind == "NEWLINE":
                lst.items.append((ao, ";"))
                self.skip_newlines()
            else:
                lst.items.append((ao, ";"))
                break
        return lst

    def parse_body(self, stops: set[str]) -> CommandList:
        """A compound's inner list, which bash requires to be non-empty."""
        lst = self.parse_list(stops)
        if not lst.items:
            self.fail()
        return lst

    def parse_and_or(self) -> AndOr:
        ao = AndOr(self.parse_pipeline())
        while self.is_op("&&", "||"):
            op = self.next().value
            self.skip_newlines()
            ao.rest.append((op, self.parse_pipeline()))
        return ao

    def parse_pipeline(self) -> Pipeline:
        negate = False
        while self.reserved() == "!":
            self.i += 1
            negate = not negate
        cmds = [self.parse_command()]
        while self.is_op("|", "|&"):
            op = self.next().value
            if op == "|&":  # SIMPLIFICATION: |& treated as 2>&1 |
                last = cmds[-1]
                if hasattr(last, "redirs"):
                    last.redirs.append(Redir(">&", 2, Word([], "1")))
            self.skip_newlines()
            cmds.append(self.parse_command())
        return Pipeline(cmds, negate)

    def parse_command(self) -> Command:
        t = self.peek()
        r = self.reserved(t)
        if r == "if":
            cmd: Command = self.parse_if()
        elif r in ("while", "until"):
            cmd = self.parse_while(r == "until")
        elif r == "for":
            cmd = self.parse_for()
        elif r == "case":
            cmd = self.parse_case()
        elif r == "{":
            self.i += 1
            body = self.parse_body({"}"})
            self.expect_word("}")
            cmd = Group(body)
        elif r == "function":
            self.i += 1
            name = self.next()
            if name.kind != "WORD":
                self.fail(name)
            if self.is_op("("):
                self.i += 1
                if not self.is_op(")"):
                    self.fail()
                self.i += 1
            self.skip_newlines()
            return FuncDef(name.value, self.parse_command())
        elif r is not None:
            self.fail(t)
        elif t.kind == "OP" and t.value == "(":
            self.i += 1
            body = self.parse_list(set(), close_paren=True)
            if not body.items:
                self.fail()
            if not self.is_op(")"):
                self.fail()
            self.i += 1
            cmd = Group(body, subshell=True)
        elif (t.kind == "WORD" and self.peek(1).kind == "OP" and self.peek(1).value == "("
              and self.peek(2).kind == "OP" and self.peek(2).value == ")"):
            self.i += 3
            self.skip_newlines()
            return FuncDef(t.value, self.parse_command())
        elif t.kind == "WORD" and self.peek(1).kind == "OP" and self.peek(1).value == "(":
            # `name (` can only start a function definition
            self.i += 2
            self.fail()
        else:
            return self.parse_simple()
        while self.peek().kind == "OP" and self.peek().value in REDIR_OPS:
            cmd.redirs.append(self.parse_redir())
        return cmd

    def parse_redir(self) -> Redir:
        t = self.next()
        if t.heredoc is not None:
            return Redir(t.value, t.fd, None, t.heredoc)
        target = self.peek()
        if target.kind != "WORD":
            self.fail(target)
        self.i += 1
        return Redir(t.value, t.fd, target.word)

    def parse_simple(self) -> Simple:
        cmd = Simple()
        while True:
            t = self.peek()
            if t.kind == "OP" and t.value in REDIR_OPS:
                cmd.redirs.append(self.parse_redir())
            elif t.kind == "WORD":
                m = ASSIGN_RE.match(t.value) if not cmd.words else None
                if m and _assignment_prefix_unquoted(t.word, m.end()):
                    cmd.assigns.append((m.group(1) + m.group(2), _strip_prefix(t.word, m.end())))
                else:
                    cmd.words.append(t.word)
                self.i += 1
            else:
                break
        if not (cmd.words or cmd.assigns or cmd.redirs):
            self.fail()
        return cmd

    def parse_if(self) -> If:
        self.i += 1
        branches = []
        cond = self.parse_body({"then"})
        self.expect_word("then")
        body = self.parse_body({"elif", "else", "fi"})
        branches.append((cond, body))
        else_body = None
        while True:
            self.skip_newlines()
            r = self.reserved()
            if r == "elif":
                self.i += 1
                cond = self.parse_body({"then"})
                self.expect_word("then")
                body = self.parse_body({"elif", "else", "fi"})
                branches.append((cond, body))
            elif r == "else":
                self.i += 1
                else_body = self.parse_body({"fi"})
                self.expect_word("fi")
                break
            elif r == "fi":
                self.i += 1
                break
            else:
                self.fail()
        return If(branches, else_body)

    def parse_while(self, until: bool) -> While:
        self.i += 1
        cond = self.parse_body({"do"})
        self.expect_word("do")
        body = self.parse_body({"done"})
        self.expect_word("done")
        return While(cond, body, until)

    def parse_for(self) -> For:
        self.i += 1
        name = self.next()
        if name.kind != "WORD" or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.value):
            if name.kind == "EOF":
                raise Incomplete("eof")
            raise ShellSyntaxError(f"`{name.value}': not a valid identifier") if name.kind == "WORD" \
                else ShellSyntaxError("newline" if name.kind == "NEWLINE" else name.value)
        words: list[Word] | None = None
        self.skip_newlines()
        if self.reserved() == "in":
            self.i += 1
            words = []
            while self.peek().kind == "WORD":
                words.append(self.next().word)
            if self.is_op(";"):
                self.i += 1
            elif self.peek().kind != "NEWLINE":
                self.fail()
        elif self.is_op(";"):
            self.i += 1
        self.expect_word("do")
        body = self.parse_body({"done"})
        self.expect_word("done")
        return For(name.value, words, body)

    def parse_case(self) -> Case:
        self.i += 1
        t = self.next()
        if t.kind != "WORD":
            self.fail(t)
        self.expect_word("in")
        arms = []
        while True:
            self.skip_newlines()
            if self.reserved() == "esac":
                self.i += 1
                break
            if self.is_op("("):
                self.i += 1
            pats = []
            while True:
                p = self.next()
                if p.kind != "WORD":
                    self.fail(p)
                pats.append(p.word)
                if self.is_op("|"):
                    self.i += 1
                    continue
                if self.is_op(")"):
                    self.i += 1
                    break
                self.fail()
            body = self.parse_list({"esac"}, case_arm=True)
            arms.append((pats, body))
            if self.is_op(";;"):
                self.i += 1
                continue
            self.skip_newlines()
            if self.reserved() == "esac":
                self.i += 1
                break
            self.fail()
        return Case(t.word, arms)


def _assignment_prefix_unquoted(word: Word, n: int) -> bool:
    """NAME= must be literal unquoted text at the start of the word."""
    first = word.parts[0] if word.parts else None
    return isinstance(first, Lit) and len(first.text) >= n


def _strip_prefix(word: Word, n: int) -> Word:
    first = word.parts[0]
    rest = first.text[n:]
    parts = ([Lit(rest)] if rest else []) + word.parts[1:]
    return Word(parts, word.raw[n:])


def parse(src: str) -> CommandList:
    """Parse a whole input (possibly several lines) into a command list."""
    return Parser(tokenize(as_line(src))).parse_program()


def as_line(src: str) -> str:
    """Input as bash reads it: a typed line ends with the Enter newline,
    so `echo >` fails near `newline', not at end of file."""
    return src if src.endswith("\n") else src + "\n"
