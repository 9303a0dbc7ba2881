"""Lesson progress: the lesson a lab follows, and when each of its steps passed.

A step is recorded the first time its checks hold (after any command);
it stays passed even if the learner later deletes what it checked, as a
later step of the same lesson may ask them to.
"""
from __future__ import annotations

from django.db import models

from lab.labs.models import Lab


class LessonProgress(models.Model):
    """The lesson `lab` follows (one at a time)."""

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.SlugField(max_length=64)
    started = models.DateTimeField(auto_now_add=True)
    completed = models.DateTimeField(null=True, blank=True)
    #: ids of the steps whose hidden set-up has run in the lab
    prepared = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.lab.name}: {self.lesson}"


class StepProgress(models.Model):
    """One passed step of a lesson, with the real and the lab's virtual time it passed at."""

    progress = models.ForeignKey(LessonProgress, on_delete=models.CASCADE, related_name="steps")
    step = models.SlugField(max_length=64)
    passed = models.DateTimeField()
    lab_time = models.DateTimeField(help_text="the lab's virtual clock when the step passed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["progress", "step"], name="lessons_step_once")]
        ordering = ["passed", "id"]

    def __str__(self) -> str:
        return f"{self.progress}: {self.step}"
