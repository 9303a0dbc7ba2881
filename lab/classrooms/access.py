"""Who may see which classroom, learner and lab.

An instructor sees the classrooms they created and, through them, the labs
their learners use for those classrooms' lessons; a learner sees the
classrooms they joined and only their own labs. Lookups for anyone else
find nothing, so views answer 404 whether or not the thing exists.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404

from lab.accounts.roles import is_instructor
from lab.labs.models import Lab

from .models import Classroom, Membership


def taught(user: Any):
    """The classrooms `user` teaches (none unless they hold the instructor role)."""
    if not is_instructor(user):
        return Classroom.objects.none()
    return Classroom.objects.filter(instructor=user)


def joined(user: Any):
    """The classrooms `user` is a learner in."""
    if not user.is_authenticated:
        return Classroom.objects.none()
    return Classroom.objects.filter(memberships__learner=user)


def taught_or_404(user: Any, pk: int) -> Classroom:
    classroom = taught(user).filter(pk=pk).first()
    if classroom is None:
        raise Http404("no such classroom")
    return classroom


def visible_or_404(user: Any, pk: int) -> Classroom:
    """A classroom `user` teaches or joined."""
    classroom = taught(user).filter(pk=pk).first() or joined(user).filter(pk=pk).first()
    if classroom is None:
        raise Http404("no such classroom")
    return classroom


def visible_or_none(user: Any, classroom: Classroom) -> bool:
    """Whether `user` teaches or already joined `classroom`."""
    return classroom.instructor_id == user.pk or Membership.objects.filter(
        classroom=classroom, learner=user).exists()


def learner_or_404(classroom: Classroom, user_id: int) -> Any:
    """A learner of `classroom` by id."""
    if not Membership.objects.filter(classroom=classroom, learner_id=user_id).exists():
        raise Http404("no such learner in this classroom")
    return get_user_model().objects.get(pk=user_id)


def lesson_lab(user: Any, slug: str) -> Lab | None:
    """The learner's lab for lesson `slug`: the one named after the lesson
    (where the lessons index and the classroom page send them), else the
    most recently used of their labs that follows it."""
    labs = Lab.objects.filter(owner_kind=Lab.OwnerKind.USER, user=user, lesson_progress__lesson=slug)
    return labs.filter(name=slug).first() or labs.order_by("-updated", "-id").first()


def teaches_lab(user: Any, lab: Lab) -> bool:
    """Whether `user` teaches a classroom that `lab`'s owner joined and
    whose lessons include the lesson `lab` follows."""
    if lab.owner_kind != Lab.OwnerKind.USER or not is_instructor(user):
        return False
    from lab.lessons.models import LessonProgress

    slug = LessonProgress.objects.filter(lab=lab).values_list("lesson", flat=True).first()
    if slug is None:
        return False
    lessons = taught(user).filter(memberships__learner_id=lab.user_id).values_list("lessons", flat=True)
    return any(slug in listed for listed in lessons)
