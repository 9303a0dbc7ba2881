"""Syntax tree of the bash subset: words made of parts, and commands.

A word keeps its quoting as parts so expansion can tell which text may be
field-split and globbed (unquoted) from text that may not (quoted), the
distinction bash's word expansion depends on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


# ---- word parts ---------------------------------------------------------
@dataclass
class Lit:
    """Unquoted literal text: subject to tilde expansion and globbing."""
    text: str


@dataclass
class Quoted:
    """Text protected by quotes or a backslash: taken verbatim."""
    text: str


@dataclass
class Param:
    """$name, ${name}, ${name:-word}, ${#name} ... (`op` None for plain)."""
    name: str
    op: str | None = None
    arg: "Word | None" = None
    raw: str = ""


@dataclass
class CmdSub:
    """$(...) or `...`: the source is parsed when it runs."""
    source: str


@dataclass
class Arith:
    """$((expr))."""
    expr: str


@dataclass
class DQ:
    """A double-quoted region: expansions inside, no splitting or globbing."""
    parts: list["Part"]


Part = Union[Lit, Quoted, Param, CmdSub, Arith, DQ]


@dataclass
class Word:
    parts: list[Part]
    raw: str = ""

    def literal(self) -> str | None:
        """The text when the word is one plain unquoted literal, else None
        (reserved words and assignments are only recognised unquoted)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit):
            return self.parts[0].text
        return None


# ---- redirections -------------------------------------------------------
@dataclass
class HereDoc:
    delimiter: str
    strip_tabs: bool
    quoted: bool
    body: str = ""
    terminated: bool = True
    line: int = 1


@dataclass
class Redir:
    """op is one of < > >> >| <> >& <& &> &>> << <<- <<<; fd the explicit
    descriptor number (None for the operator's default)."""
    op: str
    fd: int | None
    target: Word | None = None
    heredoc: HereDoc | None = None


# ---- commands -----------------------------------------------------------
@dataclass
class Simple:
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list["Command"]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class CommandList:
    items: list[tuple[AndOr, str]] = field(default_factory=list)


@dataclass
class If:
    branches: list[tuple[CommandList, CommandList]]
    else_body: CommandList | None = None
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[Word] | None
    body: CommandList
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class While:
    cond: CommandList
    body: CommandList
    until: bool = False
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Case:
    word: Word
    arms: list[tuple[list[Word], CommandList]]
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class Group:
    body: CommandList
    subshell: bool = False
    redirs: list[Redir] = field(default_factory=list)


@dataclass
class FuncDef:
    name: str
    body: "Command"


Command = Union[Simple, If, For, While, Case, Group, FuncDef]
