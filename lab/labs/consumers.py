"""The lab page's terminal: one websocket is one login shell on one host.

The browser edits the line itself (xterm.js) and sends whole lines; this
consumer gathers lines until the shell has a complete command (bash's `> `
continuation for here-documents, open quotes, loops ...) and hands it to
the lab's runner (lab.labs.runner, in whichever process hosts the lab,
through the channel layer), which streams the output back while the
command runs. The shell's variables, exports and cwd live here, per
terminal, between commands. The messages are documented in
docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from lab.labs import broadcast
from lab.labs.hub import hub
from lab.labs.models import Lab
from lab.labs.ownership import lab_for_scope, still_owned
from lab.labs.ratelimit import input_refusal
from lab.labs.persistence import open_shell
from lab.sim.shell.terminal import attached_shell

log = logging.getLogger(__name__)

#: bash's PS2
CONTINUATION_PROMPT = "> "

#: seconds before a command nobody acknowledged is sent again (its host may be taking over)
RESEND_SECONDS = 2.0

#: what a terminal is told when its command's changes could not be stored
CONFLICT_MESSAGE = ("the lab was changed elsewhere while this command ran; its changes were not kept "
                    "and the lab is as stored: run the command again")

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
        self.terminal = uuid.uuid4().hex[:8]
        self.shell_state: dict | None = None
        self.pending = ""           # lines of an unfinished command
        self.prompt_text = ""
        self.running: dict | None = None  # the command the runner runs for us
        self.resender: asyncio.Task | None = None
        self.closed = False
        await self.accept()

        name = self.scope["url_route"]["kwargs"]["name"]
        lab = await database_sync_to_async(lab_for_scope)(self.scope, name)
        if lab is None:
            await self.fail("no-lab", f"you have no lab named {name!r}; open /lab/{name}/ first", CLOSE_NO_LAB)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        host = (query.get("host") or [""])[0] or None
        try:
            hello = await database_sync_to_async(self._open)(lab, host)
        except KeyError:
            await self.fail("no-host", f"lab {name!r} has no host {host!r}", CLOSE_NO_HOST)
            return
        self.lab = lab
        await hub().watch(lab)
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
        if self.lab is None:
            return
        if self.running is not None:
            await self.on_interrupt()  # a running loop stops; its effects so far are kept
        self._stop_resending()
        await hub().unwatch(self.lab.pk)

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
        elif kind in ("edit-save", "edit-cancel"):
            await self.on_edit_answer(kind, content)
        else:
            await self.send_json({"type": "error", "code": "bad-message",
                                  "message": f"unknown message type {kind!r}"})

    async def on_input(self, line: str) -> None:
        if self.running is not None:
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
        if not text.strip():
            # An empty line runs nothing: just a new prompt.
            await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})
            return
        self.running = {"type": "runner.command", "id": uuid.uuid4().hex, "reply_to": self.channel_name,
                        "terminal": self.terminal, "host": self.host, "line": text,
                        "shell_state": self.shell_state}
        self.resender = asyncio.create_task(self._send_until_started(dict(self.running)))

    async def _send_until_started(self, message: dict) -> None:
        """Send the command to the lab's runner, again every few seconds
        until it says it started (a process taking the lab over may miss
        the first); the runner runs an id once."""
        group = broadcast.runner_group(self.lab.pk)
        while True:
            if self.running is not None and self.running.get("interrupted"):
                message["interrupted"] = True
            await self.channel_layer.group_send(group, message)
            await asyncio.sleep(RESEND_SECONDS)

    def _stop_resending(self) -> None:
        if self.resender is not None:
            self.resender.cancel()
            self.resender = None

    async def on_interrupt(self) -> None:
        if self.running is not None:
            self.running["interrupted"] = True
            await self.channel_layer.group_send(broadcast.runner_group(self.lab.pk),
                                                {"type": "runner.interrupt", "id": self.running["id"]})
            return
        # At the prompt, Ctrl-C drops the unfinished command and shows a new prompt.
        self.pending = ""
        await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})

    # -- from the runner ------------------------------------------------------------
    def _ours(self, message: dict) -> bool:
        return self.running is not None and message.get("id") == self.running["id"]

    async def runner_started(self, message: dict) -> None:
        if self._ours(message):
            self._stop_resending()
            if self.running.get("interrupted"):
                await self.on_interrupt()

    # -- kubectl edit in the page's editor (lab.labs.edits) --------------------------
    async def runner_edit(self, message: dict) -> None:
        """The running command's kubectl edit opened a file: the browser's editor shows it."""
        if self._ours(message) and not self.closed:
            self.editing = message["edit"]
            await self.send_json({"type": "edit", "id": message["edit"], "path": message["path"],
                                  "text": message["text"]})

    async def on_edit_answer(self, kind: str, content: dict) -> None:
        """edit-save {id, text} / edit-cancel {id}: back to the runner's waiting editor."""
        edit = content.get("id")
        text = content.get("text") if kind == "edit-save" else None
        if kind == "edit-save" and not isinstance(text, str):
            await self.send_json({"type": "error", "code": "bad-message",
                                  "message": "edit-save needs a string \"text\""})
            return
        if self.running is None or edit is None or edit != getattr(self, "editing", None):
            await self.send_json({"type": "error", "code": "no-edit",
                                  "message": "no file of this terminal is open in the editor"})
            return
        self.editing = None
        await self.channel_layer.group_send(broadcast.runner_group(self.lab.pk), {
            "type": "runner.edit_answer", "id": self.running["id"], "edit": edit, "text": text})

    async def runner_output(self, message: dict) -> None:
        if self._ours(message) and not self.closed:
            await self.send_json({"type": "output", "stream": message["stream"], "text": message["text"]})

    async def runner_result(self, message: dict) -> None:
        if not self._ours(message):
            return
        self._stop_resending()
        self.running = None
        if self.closed:
            return
        if message.get("error"):
            await self.send_json({"type": "error", "code": "internal",
                                  "message": "the simulator failed on this command; the lab is unchanged"})
            await self.send_json({"type": "prompt", "text": self.prompt_text, "continuation": False})
            return
        self.shell_state = message["shell_state"]
        self.prompt_text = message["prompt"]
        if message.get("kept") is False:
            await self.send_json({"type": "error", "code": "conflict", "message": CONFLICT_MESSAGE})
        await self.send_json({"type": "result", "status": message["status"], "clock": message["clock"]})
        if message["exited"]:
            await self.send_json({"type": "exit", "status": message["status"]})
            await self.close()
            return
        prompt = {"type": "prompt", "text": self.prompt_text, "continuation": False}
        inside = attached_shell(self.shell_state)
        if inside is not None:
            prompt["exec"] = inside  # the prompt is a shell's in this container (kubectl exec -it)
        await self.send_json(prompt)
