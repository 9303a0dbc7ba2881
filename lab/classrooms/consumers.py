"""Live classroom sockets.

    ws/classrooms/<id>/dashboard/?lesson=SLUG   the instructor's dashboard (that classroom's instructor only)
    ws/classrooms/labs/<pk>/                    a read-only lab view (lab.labs.ownership.can_view_lab)

Both sit behind the origin check and session auth of lab/asgi.py. A visitor
who may not see the classroom or lab gets {"type": "error", "code":
"not-found", ...} and the close code 4404, the same as for one that does
not exist. Messages are documented in docs/classrooms.md.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from lab.labs.models import Lab
from lab.labs.ownership import can_view_lab

from . import access
from .board import classroom_lessons, snapshot
from .push import dashboard_group, lab_view_group

CLOSE_NOT_FOUND = 4404


class _Refusing(AsyncJsonWebsocketConsumer):
    async def refuse(self, message: str) -> None:
        await self.send_json({"type": "error", "code": "not-found", "message": message})
        await self.close(code=CLOSE_NOT_FOUND)


class DashboardConsumer(_Refusing):
    """Sends a snapshot of one lesson's grid, then each learner's new row as it changes."""

    group = ""
    lesson = ""

    async def connect(self) -> None:
        await self.accept()
        pk = self.scope["url_route"]["kwargs"]["pk"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        first = await database_sync_to_async(self._snapshot)(pk, (query.get("lesson") or [""])[0])
        if first is None:
            await self.refuse(f"no classroom {pk} of yours")
            return
        self.group = dashboard_group(pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json(first)

    def _snapshot(self, pk: int, slug: str) -> dict[str, Any] | None:
        user = self.scope.get("user")
        if user is None:
            return None
        classroom = access.taught(user).filter(pk=pk).first()
        if classroom is None:
            return None
        lessons = classroom_lessons(classroom)
        lesson = next((l for l in lessons if l.slug == slug), None) if slug else (lessons or [None])[0]
        if lesson is None:
            return None
        self.lesson = lesson.slug
        return snapshot(classroom, lesson)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The dashboard only listens; actions are HTTP POSTs with CSRF tokens."""

    async def learner_update(self, event: dict[str, Any]) -> None:
        if event["lesson"] == self.lesson:
            await self.send_json({"type": "learner", "lesson": event["lesson"], "learner": event["row"]})


class LabViewConsumer(_Refusing):
    """Tells a read-only view that its lab changed (the page then reloads its state)."""

    group = ""

    async def connect(self) -> None:
        await self.accept()
        pk = self.scope["url_route"]["kwargs"]["pk"]
        if not await database_sync_to_async(self._allowed)(pk):
            await self.refuse(f"no lab {pk} you can see")
            return
        self.group = lab_view_group(pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "hello", "lab": pk})

    def _allowed(self, pk: int) -> bool:
        lab = Lab.objects.filter(pk=pk).first()
        session = self.scope.get("session")
        key = session.session_key if session is not None else None
        return lab is not None and can_view_lab(self.scope.get("user"), lab, key)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Read-only: nothing is taken from the browser."""

    async def lab_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "changed", "lab": event["lab"]})
