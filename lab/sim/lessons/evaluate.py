"""`evaluate(world, lesson) -> [StepStatus]`: every step's checks against the world now.

The terminal path calls it after each command; the Django layer keeps which
steps have passed and when (a step stays done once its checks held, even
if the learner later cleans up what it checked; steps pass in lesson
order). A step without checks is a reading step: evaluate() reports it as
passed=None, and it passes with the next step that does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import checks
from .model import Lesson


@dataclass(frozen=True)
class CheckStatus:
    passed: bool
    text: dict[str, str]     # the check in both languages
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "text": self.text, "detail": self.detail}


@dataclass(frozen=True)
class StepStatus:
    step: str
    #: True: every check holds; False: some does not; None: the step has no checks
    passed: bool | None
    checks: tuple[CheckStatus, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "passed": self.passed, "checks": [c.to_dict() for c in self.checks]}


def evaluate_step(world: Any, lesson: Lesson, step_id: str) -> StepStatus:
    step = lesson.step(step_id)
    results = []
    for check in step.checks:
        out = checks.run(world, check)
        results.append(CheckStatus(out.passed, {lang: checks.describe(check, lang) for lang in ("en", "zh-CN")},
                                   out.detail))
    passed = all(r.passed for r in results) if results else None
    return StepStatus(step.id, passed, tuple(results))


def evaluate(world: Any, lesson: Lesson) -> list[StepStatus]:
    """Every step's status, in lesson order. Reads the world; changes nothing."""
    return [evaluate_step(world, lesson, step.id) for step in lesson.steps]


__all__ = ["evaluate", "evaluate_step", "StepStatus", "CheckStatus"]
