"""The lab page's terminal: one websocket is one login shell on one host.

The browser edits the line itself (xterm.js) and sends whole lines; this
consumer gathers lines until the shell has a complete command (bash's `> `
continuation for here-documents, open quotes, loops ...), runs it in the
lab through persistence.run_in_shell in a worker thread, and sends the
output back. The shell's variables, exports and cwd live here, per
terminal, between commands. The messages are documented in
docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from lab.labs.models import Lab
from lab.labs.ownership import lab_for_scope, still_owned
from lab.labs.persistence import open_shell, run_in_shell
from lab.labs.ratelimit import input_refusal

log = logging.getLogger(__name__)

#: bash's PS2
CONTINUATION_PROMPT = "> "

#: close codes (4000-4999 are the application's)
CLOSE_NO_LAB = 4404
CLOSE_NO_HOST = 4400


def clock_text(now) -> str:
    """A virtual time (a datetime in UTC) as RFC 3339, e.g. 2026-12-01T09:00:00Z."""
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


class TerminalConsumer(AsyncJsonWebsocketConsumer):
    """ws/lab/<name>/terminal/?host=<host>: a shell on <host> of the
    visitor's own lab <name> (lab.labs.ownership)."""

    async def connect(self) -> None:
        self.lab: Lab | None = None
        self.host = ""
        self.shell_state: dict | None = None
        self.pending = ""           # lines of an unfinished command
        self.interrupt = threading.Event()
        self.prompt_text = ""
        self.task: asyncio.Task | None = None
        self.closed = False
        await self.accept()

        name = self.scope["url_route"]["kwargs"]["name"]
        lab = await database_sync_to_async(lab_for_scope)(self.scope, name)
        if lab is None:
            await self.fail("no-lab", f"you have no lab named {name!r}; open /lab/{name}/ first",
                            CLOSE_NO_LAB)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        host = (query.get("host") or [""])[0] or None
        try:
            hello = await database_sync_to_async(self._open)(lab, host)
        except KeyError:
            await self.fail("no-host", f"lab {name!r} has no host {host!r}", CLOSE_NO_HOST)
            return
        self.lab = lab
        await self.send_json(hello)
        await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})

    def _open(self, lab: Lab, host: str | None) -> dict:
        world, shell = open_shell(lab, host)
        self.host = shell.host_name
        self.shell_state = shell.to_state()
        self.prompt_text = shell.prompt()
        return {"type": "hello", "lab": lab.name, "profile": lab.profile, "host": shell.host_name,
                "hosts": list(world.hosts), "clock": clock_text(world.clock.now)}

    async def fail(self, code: str, message: str, close_code: int) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})
        await self.close(code=close_code)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        self.interrupt.set()  # a running loop stops; its effects so far are saved

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if self.lab is None:
            return
        if kind == "input":
            line = content.get("line")
            if not isinstance(line, str):
                await self.send_json({"type": "error", "code": "bad-message",
                                      "message": "input needs a string \"line\""})
                return
            await self.on_input(line)
        elif kind == "interrupt":
            await self.on_interrupt()
        else:
            await self.send_json({"type": "error", "code": "bad-message",
                                  "message": f"unknown message type {kind!r}"})

    async def on_input(self, line: str) -> None:
        if self.task is not None:
            # SIMPLIFICATION: no type-ahead; a line sent while a command runs is refused.
            await self.send_json({"type": "error", "code": "busy",
                                  "message": "a command is still running; press Ctrl-C to stop it"})
            return
        if not await database_sync_to_async(still_owned)(self.scope, self.lab.pk):
            name, self.lab = self.lab.name, None  # logged out or in since: the terminal ends
            await self.fail("no-lab", f"you have no lab named {name!r}; open /lab/{name}/ first", CLOSE_NO_LAB)
            return
        text = self.pending + line
        from lab.sim.shell.session import ShellSession

        more = len(text) <= settings.LAB_MAX_INPUT_BYTES and ShellSession.needs_more(text)
        refusal = input_refusal(self.lab.pk, text, complete=not more)
        if refusal is not None:  # the command is dropped, as after Ctrl-C
            self.pending = ""
            await self.send_json(refusal)
            await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})
            return
        if more:
            self.pending = text + "\n"
            await self.send_json({"type": "prompt", "text": CONTINUATION_PROMPT, "continuation": True})
            return
        self.pending = ""
        self.interrupt.clear()
        self.task = asyncio.create_task(self.run(text))

    async def on_interrupt(self) -> None:
        if self.task is not None:
            self.interrupt.set()
            return
        # At the prompt, Ctrl-C drops the unfinished command and shows a new prompt.
        self.pending = ""
        await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})

    async def run(self, text: str) -> None:
        try:
            if not text.strip():
                # An empty line runs nothing: just a new prompt.
                await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})
                return
            try:
                # Not thread_sensitive: Channels runs close_old_connections
                # before each incoming message in the shared sync thread, so a
                # command there would hold back the Ctrl-C that should stop it.
                ran = await database_sync_to_async(run_in_shell, thread_sensitive=False)(
                    self.lab, text, self.host, self.shell_state, interrupt=self.interrupt)
            except Exception:
                log.exception("lab %s: the simulator failed on %r", self.lab.pk, text)
                await self.send_json({"type": "error", "code": "internal",
                                      "message": "the simulator failed on this command; the lab is unchanged"})
                await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})
                return
            self.shell_state = ran.shell_state
            self.prompt_text = ran.prompt
            if self.closed:
                return
            for stream, chunk in ran.result.chunks:
                await self.send_json({"type": "output", "stream": stream, "text": chunk})
            await self.send_json({"type": "result", "status": ran.result.status,
                                  "clock": clock_text(ran.now)})
            if ran.exited:
                await self.send_json({"type": "exit", "status": ran.result.status})
                await self.close()
                return
            await self.send_json({"type": "prompt", "text": ran.prompt, "continuation": False})
        finally:
            self.task = None
