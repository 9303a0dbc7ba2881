"""Starting a lesson in a world, and playing its solution path (`lesson verify`).

`start(world, lesson)` puts the lesson's files on its hosts and runs its
hidden set-up lines (then forgets them from the command journal: they are
not the learner's work). `verify(lesson)` plays every step's solution in
a fresh World of the lesson's profile, one shell per host kept for the
whole lesson (variables and cwd carry over, as in the terminal), saves
and reloads the world between steps as the web lab does, and checks each
step right after its solution ran. A step whose checks already held before
its solution ran fails too: its checks would pass without the learner.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable

from ..shell import journal
from ..shell.session import ShellSession
from .evaluate import StepStatus, evaluate_step
from .model import Command, Lesson


def place_files(world: Any, lesson: Lesson) -> None:
    for f in lesson.files:
        fs = world.hosts[f.host].fs
        parent = posixpath.dirname(f.path)
        if parent and not fs.isdir(parent):
            fs.mkdir(parent, parents=True)
        fs.write(f.path, f.content)


def _hidden(world: Any, lesson: Lesson, lines: tuple[Command, ...]) -> None:
    """Run set-up lines in shells of their own and leave them out of the journal."""
    seq = journal.last_seq(world)
    sessions: dict[str, ShellSession] = {}
    for cmd in lines:
        _session(world, sessions, cmd.host or lesson.host).run(cmd.run, cmd.stdin)
    journal.forget_since(world, seq)


def start(world: Any, lesson: Lesson) -> None:
    """Prepare `world` (fresh, of the lesson's profile) for the lesson, and its first step."""
    place_files(world, lesson)
    _hidden(world, lesson, lesson.setup)
    journal.clear(world)
    prepare_step(world, lesson, lesson.steps[0].id)


def prepare_step(world: Any, lesson: Lesson, step_id: str) -> None:
    """Run a step's hidden set-up (once, when it becomes the learner's current step)."""
    _hidden(world, lesson, lesson.step(step_id).setup)


def _session(world: Any, sessions: dict[str, ShellSession], host: str) -> ShellSession:
    if host not in sessions:
        sessions[host] = ShellSession(world, host)
    return sessions[host]


@dataclass
class LineRun:
    host: str
    line: str
    status: int
    stdout: str
    stderr: str


@dataclass
class StepReport:
    number: int
    step: str
    status: StepStatus
    lines: list[LineRun] = field(default_factory=list)
    #: the step's checks all held before its solution ran (they check nothing the step does)
    passed_early: bool = False
    #: the checks as they stood before the solution ran (after the step's set-up)
    before: StepStatus | None = None

    @property
    def ok(self) -> bool:
        return self.status.passed is not False and not self.passed_early


@dataclass
class Report:
    lesson: str
    steps: list[StepReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def verify(lesson: Lesson, seed: int = 0, reload: bool = True,
           on_step: Callable[[StepReport], None] | None = None) -> Report:
    """Play the solution path in a fresh lab; each step is checked after its lines."""
    from ..world import World

    world = World.from_profile(lesson.profile, seed=seed)
    start(world, lesson)
    shells: dict[str, dict] = {}
    report = Report(lesson.slug)
    for number, step in enumerate(lesson.steps, 1):
        sessions: dict[str, ShellSession] = {}
        if number > 1:
            prepare_step(world, lesson, step.id)
        before = evaluate_step(world, lesson, step.id)
        for name, state in shells.items():
            _session(world, sessions, name).load_state(state)
        lines = [_play(world, sessions, cmd, lesson.host) for cmd in step.solution]
        shells = {name: s.to_state() for name, s in sessions.items()} | {
            k: v for k, v in shells.items() if k not in sessions}
        if reload:
            world = World.from_state(world.to_state())
        item = StepReport(number, step.id, evaluate_step(world, lesson, step.id), lines, before.passed is True, before)
        report.steps.append(item)
        if on_step is not None:
            on_step(item)
    return report


def _play(world: Any, sessions: dict[str, ShellSession], cmd: Command, default_host: str) -> LineRun:
    host = cmd.host or default_host
    result = _session(world, sessions, host).run(cmd.run, cmd.stdin)
    return LineRun(host, cmd.run, result.status, result.stdout, result.stderr)


__all__ = ["start", "prepare_step", "place_files", "verify", "Report", "StepReport"]
