"""After every stored command: record lesson progress and tell the dashboards.

The only way progress reaches a dashboard is lab.labs.signals.command_finished,
sent by lab.labs.persistence.run_command / run_in_shell (and the lab page's
runner) once the command's save has committed.
"""
from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lab.labs.models import Lab
from lab.labs.signals import command_finished
from lab.lessons.progress import update_progress

from .push import lab_view_group, send
from .updates import push_learner


@receiver(command_finished, dispatch_uid="classrooms.progress")
def record_progress(sender: Any, lab: Lab, world: Any, line: str, status: int, **kwargs: Any) -> None:
    statuses = update_progress(lab, world)
    send(lab_view_group(lab.pk), {"type": "lab.changed", "lab": lab.pk})
    if statuses is not None and lab.owner_kind == Lab.OwnerKind.USER:
        push_learner(lab, world)
