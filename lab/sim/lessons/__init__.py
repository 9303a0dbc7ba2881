"""Guided lessons: the format's loader, the checks, and the solution player.

    from lab.sim.lessons import load_all, get, evaluate, start, verify

Pure engine code (no Django): lessons are data under lessons/, checks read
a World, and `verify` plays a lesson's solution path in a fresh World.
"""
from .evaluate import CheckStatus, StepStatus, evaluate, evaluate_step
from .loader import LESSONS_DIR, LessonError, get, load_all, load_lesson
from .model import Lesson, Step
from .play import Report, start, verify

__all__ = ["evaluate", "evaluate_step", "StepStatus", "CheckStatus", "load_all", "load_lesson", "get",
           "LessonError", "LESSONS_DIR", "Lesson", "Step", "start", "verify", "Report"]
