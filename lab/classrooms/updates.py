"""A learner's dashboard row, pushed to every classroom dashboard that shows it."""
from __future__ import annotations

from typing import Any

from lab.labs.models import Lab
from lab.lessons.models import LessonProgress
from lab.sim import lessons as engine

from .access import lesson_lab
from .board import learner_row
from .models import Classroom
from .push import dashboard_group, send


def push_learner(lab: Lab, world: Any = None, slug: str | None = None) -> int:
    """Send the row of `lab`'s owner for the lesson `lab` follows (or `slug`)
    to the dashboards of their classrooms teaching it; how many got it."""
    if lab.owner_kind != Lab.OwnerKind.USER:
        return 0
    slug = slug or LessonProgress.objects.filter(lab=lab).values_list("lesson", flat=True).first()
    lesson = engine.get(slug) if slug else None
    if lesson is None:
        return 0
    classrooms = [c for c in Classroom.objects.filter(memberships__learner_id=lab.user_id) if slug in c.lessons]
    if not classrooms:
        return 0
    shown = lesson_lab(lab.user, slug)
    if shown is not None and shown.pk != lab.pk:
        lab, world = shown, None  # the dashboard follows the learner's lab named after the lesson
    for classroom in classrooms:
        row = learner_row(classroom, lesson, lab.user, lab=lab, world=world)
        send(dashboard_group(classroom.pk), {"type": "learner.update", "lesson": slug, "row": row})
    return len(classrooms)


def push_member(classroom: Classroom, learner: Any) -> None:
    """A learner's rows for every lesson of `classroom` (they just joined, or their lab was reset)."""
    for slug in classroom.lessons:
        lesson = engine.get(slug)
        if lesson is not None:
            send(dashboard_group(classroom.pk), {
                "type": "learner.update", "lesson": slug, "row": learner_row(classroom, lesson, learner)})
