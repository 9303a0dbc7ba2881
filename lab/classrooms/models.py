"""Classrooms, their learners, and the hints an instructor sends.

A classroom belongs to one instructor and lists the lessons it follows;
learners join it with its code. A learner's progress is not stored here:
it is the lessons' progress (lab.lessons.models) of the learner's lab for
each lesson, read by lab.classrooms.board.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .codes import new_code


def _unique_code() -> str:
    while True:
        code = new_code()
        if not Classroom.objects.filter(code=code).exists():
            return code


class Classroom(models.Model):
    """An instructor's class: its lessons (slugs, in teaching order) and join code."""

    name = models.CharField(max_length=100)
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="classrooms_taught")
    lessons = models.JSONField(default=list, help_text="slugs of the lessons, in order")
    code = models.CharField(max_length=16, unique=True, default=_unique_code)
    stuck_minutes = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="a learner is flagged stuck after this many minutes without passing a step")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A learner in a classroom."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="classroom_memberships")
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "learner"], name="classrooms_join_once")]
        ordering = ["joined", "id"]

    def __str__(self) -> str:
        return f"{self.learner} in {self.classroom}"


class Hint(models.Model):
    """A hint from the instructor for one lesson: to one learner, or (learner empty) to the class."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="hints")
    lesson = models.SlugField(max_length=64)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="hints_received")
    text = models.TextField(max_length=2000)
    sent = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent", "id"]

    def __str__(self) -> str:
        return f"{self.classroom}: {self.text[:40]}"
