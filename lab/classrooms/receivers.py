"""After every stored command: record lesson progress and tell the dashboards.

The only way progress reaches a dashboard is lab.labs.signals.command_finished,
sent by lab.labs.persistence.run_command (labsh) and the lab page's runner
once the command's save has committed.
"""
from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lab.labs.models import Lab
from lab.labs.signals import command_finished
from lab.lessons.progress import lesson_of, update_progress

from .push import lab_view_group, send
from .updates import push_learner


@receiver(command_finished, dispatch_uid="classrooms.progress")
def record_progress(sender: Any, lab: Lab, world: Any, line: str, status: int, *,
                    progress_recorded: bool = False, **kwargs: Any) -> None:
    """`progress_recorded`: the lab runner has recorded this command's lesson
    progress on its own World already (lab.lessons.progress.runner_progress)."""
    follows = (lesson_of(lab) is not None) if progress_recorded else (update_progress(lab, world) is not None)
    send(lab_view_group(lab.pk), {"type": "lab.changed", "lab": lab.pk})
    if follows and lab.owner_kind == Lab.OwnerKind.USER:
        push_learner(lab, world)
