"""Hints from the instructor: stored, and sent to the learners' open lab pages.

A hint is for one lesson of a classroom, to one learner or to the whole
class. It reaches the lab page two ways: the lesson JSON
(GET /lab/<name>/lesson/, key "hints") lists the hints of the lab, and
each target lab's live group (lab.<pk>.live) gets the message

    {"type": "hint", "id": 7, "classroom": 3, "lesson": "service-intro",
     "to": "learner" | "class", "from": "teacher", "text": "...", "sent": "2026-12-01T21:05:09.120Z"}
"""
from __future__ import annotations

from typing import Any

from django.db.models import Q

from lab.labs.models import Lab
from lab.lessons.models import LessonProgress

from .access import lesson_lab
from .board import iso
from .models import Classroom, Hint, Membership
from .push import lab_live_group, send


def hint_message(hint: Hint) -> dict[str, Any]:
    return {"type": "hint", "id": hint.pk, "classroom": hint.classroom_id, "lesson": hint.lesson,
            "to": "learner" if hint.learner_id else "class", "from": hint.classroom.instructor.get_username(),
            "text": hint.text, "sent": iso(hint.sent)}


def send_hint(classroom: Classroom, lesson: str, text: str, learner: Any = None) -> tuple[Hint, int]:
    """Store a hint and send it to the target labs' live groups; (the hint, labs reached)."""
    hint = Hint.objects.create(classroom=classroom, lesson=lesson, text=text, learner=learner)
    targets = [learner] if learner is not None else [
        m.learner for m in Membership.objects.filter(classroom=classroom).select_related("learner")]
    message = hint_message(hint)
    reached = 0
    for user in targets:
        lab = lesson_lab(user, lesson)
        if lab is not None:
            send(lab_live_group(lab.pk), message)
            reached += 1
    return hint, reached


def hints_for_lab(lab: Lab) -> list[dict[str, Any]]:
    """The hints for the lesson `lab` follows, from the classrooms its owner joined."""
    if lab.owner_kind != Lab.OwnerKind.USER:
        return []
    slug = LessonProgress.objects.filter(lab=lab).values_list("lesson", flat=True).first()
    if slug is None:
        return []
    found = Hint.objects.filter(
        Q(learner__isnull=True) | Q(learner_id=lab.user_id), lesson=slug,
        classroom__memberships__learner_id=lab.user_id).select_related("classroom__instructor").distinct()
    return [hint_message(h) for h in found.order_by("sent", "id")]
