"""The classroom's progress as CSV: one line per learner, lesson and step."""
from __future__ import annotations

import csv
import io

from django.utils import timezone

from .board import classroom_lessons, learner_row
from .models import Classroom, Membership

HEADER = ["learner", "lesson", "lab", "step", "step_title", "passed_at", "lesson_completed_at", "stuck"]


def progress_csv(classroom: Classroom) -> str:
    """Every (learner, lesson, step) of the classroom with when it passed ("" if not yet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    now = timezone.now()
    learners = [m.learner for m in Membership.objects.filter(classroom=classroom).select_related("learner")]
    for lesson in classroom_lessons(classroom):
        for learner in sorted(learners, key=lambda u: u.get_username()):
            row = learner_row(classroom, lesson, learner, now=now)
            for step in lesson.steps:
                writer.writerow([learner.get_username(), lesson.slug, row["lab"] or "", step.id,
                                 step.title.get("en", step.id), row["passed"].get(step.id) or "",
                                 row["completed"] or "", "yes" if row["stuck"] else "no"])
    return out.getvalue()
