"""Channel-layer groups the classrooms send to, and sending from sync code.

    classroom.<id>.dashboard    the classroom's dashboards: {"type": "learner.update", "lesson", "row"}
    classrooms.lab.<pk>         read-only views of lab <pk>: {"type": "lab.changed"}
    lab.<pk>.live               the lab page's live socket: {"type": "hint", ...} (docs/classrooms.md)
"""
from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def dashboard_group(classroom_id: int) -> str:
    return f"classroom.{classroom_id}.dashboard"


def lab_view_group(lab_id: int) -> str:
    return f"classrooms.lab.{lab_id}"


def lab_live_group(lab_id: int) -> str:
    """The lab page's live group (its socket is ws/lab/<name>/live/)."""
    return f"lab.{lab_id}.live"


def send(group: str, message: dict[str, Any]) -> None:
    """group_send from synchronous code (a view, or the worker thread that ran a command)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)
