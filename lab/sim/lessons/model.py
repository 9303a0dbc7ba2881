"""A loaded lesson as plain data: Lesson, Step, Command, Check.

The loader builds these from lesson.yaml once it has validated it; the
checks and the solution player read them. Texts are {"en": ..., "zh-CN": ...}.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Text = dict[str, str]


@dataclass(frozen=True)
class Command:
    """A command line to send to a host's terminal (None: the lesson's host)."""

    run: str
    host: str | None = None
    stdin: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "host": self.host}


@dataclass(frozen=True)
class Check:
    """One declarative check: `kind` (object, command, connection, dns, rule,
    error, file), its `spec` mapping and an optional `label` text."""

    kind: str
    spec: dict[str, Any]
    label: Text | None = None


@dataclass(frozen=True)
class Step:
    id: str
    title: Text
    text: Text
    commands: tuple[Command, ...] = ()
    hints: tuple[Text, ...] = ()
    explain: Text | None = None
    focus: tuple[dict[str, Any], ...] = ()
    checks: tuple[Check, ...] = ()
    solution: tuple[Command, ...] = ()
    #: hidden lines run when the step becomes the current one (a lab to break for the learner to fix)
    setup: tuple[Command, ...] = ()


@dataclass(frozen=True)
class LessonFile:
    """A file the lesson places on a host before the learner starts."""

    host: str
    path: str
    content: str


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: Text
    summary: Text
    level: str
    profile: str
    minutes: int
    host: str
    steps: tuple[Step, ...]
    order: int = 0
    source: str = ""
    files: tuple[LessonFile, ...] = ()
    setup: tuple[Command, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)
