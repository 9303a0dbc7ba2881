"""The dashboard's data: one row per learner for one lesson of a classroom.

A row is built from the lessons' progress rows of the learner's lab for
the lesson and from the lab's command journal (world.runtime["commands"],
lab.sim.shell.journal), read from the stored state, or from the World a
command has just saved when there is one.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from lab.labs.models import Lab
from lab.lessons.models import LessonProgress
from lab.sim import lessons as engine
from lab.sim.lessons.model import Lesson
from lab.sim.shell.journal import RUNTIME_KEY

from .access import lesson_lab
from .models import Classroom, Membership

#: how many of a learner's latest command lines the dashboard shows
RECENT_COMMANDS = 5


def iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def journal_entries(lab: Lab, world: Any = None) -> list[dict[str, Any]]:
    """The lab's command journal, oldest first."""
    runtime = world.runtime if world is not None else (lab.extra_state or {}).get("runtime", {})
    return list((runtime.get(RUNTIME_KEY) or {}).get("entries", []))


def last_error(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest line that failed with a message (its first stderr line)."""
    for entry in reversed(entries):
        if entry.get("status") and entry.get("stderr"):
            return {"seq": entry["seq"], "line": entry["line"], "status": entry["status"],
                    "stderr": entry["stderr"], "host": entry["host"]}
    return None


def lesson_info(lesson: Lesson) -> dict[str, Any]:
    """The lesson as the dashboard's columns: its steps, checked ones marked."""
    return {"slug": lesson.slug, "title": lesson.title.get("en", lesson.slug),
            "steps": [{"id": s.id, "title": s.title.get("en", s.id), "checked": bool(s.checks)}
                      for s in lesson.steps]}


def learner_row(classroom: Classroom, lesson: Lesson, learner: Any, *, lab: Lab | None = None,
                world: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """One learner's progress in `lesson`: passed steps, the current step and
    since when, stuck or not, their latest commands and the last error."""
    now = now or timezone.now()
    lab = lab or lesson_lab(learner, lesson.slug)
    row: dict[str, Any] = {
        "learner": {"id": learner.pk, "username": learner.get_username()},
        "lab": None, "labId": None, "started": None, "passed": {}, "current": None, "since": None,
        "completed": None, "stuck": False, "commands": [], "lastError": None, "commandCount": 0,
    }
    progress = LessonProgress.objects.filter(lab=lab, lesson=lesson.slug).first() if lab else None
    if progress is None:
        return row
    passed = {p.step: p.passed for p in progress.steps.all()}
    current = next((s.id for s in lesson.steps if s.id not in passed), None)
    since = max(passed.values(), default=progress.started)
    entries = journal_entries(lab, world)
    row.update({
        "lab": lab.name, "labId": lab.pk, "started": iso(progress.started),
        "passed": {step: iso(when) for step, when in passed.items()},
        "current": current, "since": iso(since), "completed": iso(progress.completed),
        "stuck": current is not None and now - since >= timedelta(minutes=classroom.stuck_minutes),
        "commands": [{"seq": e["seq"], "host": e["host"], "line": e["line"], "status": e["status"]}
                     for e in entries[-RECENT_COMMANDS:]],
        "lastError": last_error(entries),
        "commandCount": entries[-1]["seq"] if entries else 0,
    })
    return row


def classroom_lessons(classroom: Classroom) -> list[Lesson]:
    """The classroom's lessons that still exist, in its order."""
    return [lesson for lesson in (engine.get(slug) for slug in classroom.lessons) if lesson is not None]


def snapshot(classroom: Classroom, lesson: Lesson) -> dict[str, Any]:
    """Everything the dashboard shows for one lesson, as its first message."""
    now = timezone.now()
    learners = [m.learner for m in Membership.objects.filter(classroom=classroom).select_related("learner")]
    return {
        "type": "snapshot",
        "now": iso(now),
        "classroom": {"id": classroom.pk, "name": classroom.name, "code": classroom.code,
                      "stuckMinutes": classroom.stuck_minutes,
                      "lessons": [{"slug": l.slug, "title": l.title.get("en", l.slug)}
                                  for l in classroom_lessons(classroom)]},
        "lesson": lesson_info(lesson),
        "learners": [learner_row(classroom, lesson, u, now=now) for u in learners],
    }


def completion(lesson: Lesson, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per step, how many of the class passed it (the chart's data)."""
    return [{"step": s.id, "passed": sum(1 for r in rows if s.id in r["passed"]), "of": len(rows)}
            for s in lesson.steps]
