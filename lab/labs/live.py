"""The lab page's live socket: ws/lab/<name>/live/.

What the diagrams need, pushed: a snapshot of every API object (full JSON
as the apiserver stores it) with its resourceVersion, then every watch
event as a diff; on reconnect, the events after the resourceVersion the
page had (`?resourceVersion=&runner=`), or a new snapshot when they are no
longer all known. Also clock ticks, the traces of every connection a
command made, a watched node's rules, the commands finished in any
terminal; and from the page, time controls and node actions. The lab's
runner (in whichever process hosts it) produces all of it; this consumer
keeps the stream gap-free and duplicate-free for its page. The messages
are documented in docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import math
import shlex
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from lab.labs import broadcast
from lab.labs.consumers import CLOSE_NO_LAB
from lab.labs.diagnose import LANGS
from lab.labs.hub import hub
from lab.labs.ownership import lab_for_scope
from lab.labs.runner import MAX_SPEED, MIN_SPEED

#: seconds before an unanswered snapshot request is sent again
RESEND_SECONDS = 2.0


def diagnose_request(content: dict) -> dict | str:
    """The part of a `diagnose` message the runner needs, or what is wrong with it."""
    lang = content.get("lang", "en")
    if lang not in LANGS:
        return f"diagnose \"lang\" must be one of {', '.join(LANGS)}"
    trace = content.get("trace")
    if trace is not None:
        if not isinstance(trace, dict) or not isinstance(trace.get("target"), str) \
                or not isinstance(trace.get("source"), str):
            return "diagnose \"trace\" must be a trace with its \"source\" and \"target\""
        return {"trace": {"target": trace["target"], "source": trace["source"]}, "lang": lang}
    name, namespace, source = content.get("name"), content.get("namespace", "default"), content.get("from")
    if not isinstance(name, str) or not name or not isinstance(namespace, str) or not namespace \
            or (source is not None and (not isinstance(source, str) or not source)):
        return "diagnose needs a Service \"name\" (and optionally \"namespace\", \"from\") or a \"trace\""
    return {"namespace": namespace, "name": name, "from": source, "lang": lang}


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One page's live view of its lab."""

    async def connect(self) -> None:
        self.lab = None
        self.synced: int | None = None      # resourceVersion the page has, once in sync
        self.runner_id: str | None = None   # the runner incarnation that version came from
        self.syncing: asyncio.Task | None = None
        self.rules_node: str | None = None
        await self.accept()
        name = self.scope["url_route"]["kwargs"]["name"]
        lab = await database_sync_to_async(lab_for_scope)(self.scope, name)
        if lab is None:
            await self.send_json({"type": "error", "code": "no-lab",
                                  "message": f"you have no lab named {name!r}; open /lab/{name}/ first"})
            await self.close(code=CLOSE_NO_LAB)
            return
        self.lab = lab
        query = parse_qs(self.scope.get("query_string", b"").decode())
        resume = (query.get("resourceVersion") or [""])[0]
        await self.channel_layer.group_add(broadcast.live_group(lab.pk), self.channel_name)
        await hub().watch(lab)
        self.resync(int(resume) if resume.isdigit() else None, (query.get("runner") or [None])[0])

    async def disconnect(self, code: int) -> None:
        if self.lab is None:
            return
        if self.syncing is not None:
            self.syncing.cancel()
        await self.channel_layer.group_discard(broadcast.live_group(self.lab.pk), self.channel_name)
        await self.to_runner({"type": "runner.forget", "reply_to": self.channel_name})
        await hub().unwatch(self.lab.pk)

    async def to_runner(self, message: dict) -> None:
        await self.channel_layer.group_send(broadcast.runner_group(self.lab.pk), message)

    # -- keeping the page in sync ------------------------------------------------------
    def resync(self, resume: int | None, runner: str | None) -> None:
        """Ask the runner for what the page misses after `resume` (a snapshot when None)."""
        self.synced = None
        if self.syncing is not None:
            self.syncing.cancel()
        self.syncing = asyncio.create_task(self._request_sync(resume, runner))

    async def _request_sync(self, resume: int | None, runner: str | None) -> None:
        while self.synced is None:
            await self.to_runner({"type": "runner.snapshot", "reply_to": self.channel_name,
                                  "resume": resume, "runner": runner})
            await asyncio.sleep(RESEND_SECONDS)

    async def live_snapshot(self, message: dict) -> None:
        await self._synced(message)

    async def live_resumed(self, message: dict) -> None:
        await self._synced(message)

    async def _synced(self, message: dict) -> None:
        if self.synced is not None:
            return  # an answer to a repeated request
        self.synced, self.runner_id = message["to"], message["runner"]
        if self.syncing is not None:
            self.syncing.cancel()
            self.syncing = None
        await self.send(text_data=message["text"])
        if self.rules_node:
            await self.to_runner({"type": "runner.rules", "reply_to": self.channel_name, "node": self.rules_node})

    async def live_watch(self, message: dict) -> None:
        if self.synced is None:
            return  # the snapshot on its way covers it
        if message["runner"] != self.runner_id:
            self.resync(self.synced, self.runner_id)  # another incarnation: ask what still holds
            return
        if message["to"] <= self.synced:
            return  # already sent (it came before the snapshot did)
        if message["from"] != self.synced:
            self.resync(self.synced, self.runner_id)  # something went missing on the way
            return
        self.synced = message["to"]
        await self.send(text_data=message["text"])

    async def live_reset(self, message: dict) -> None:
        if self.synced is not None:
            self.resync(self.synced, self.runner_id)

    # -- pushes passed on as they are ----------------------------------------------------
    async def live_clock(self, message: dict) -> None:
        await self.send_json({"type": "clock", "now": message["now"], "playing": message["playing"],
                              "speed": message["speed"]})

    async def live_trace(self, message: dict) -> None:
        await self.send_json({"type": "trace", "id": message["id"], "host": message["host"],
                              "line": message["line"], "traces": message["traces"]})

    async def live_command(self, message: dict) -> None:
        await self.send_json({"type": "command", "host": message["host"], "line": message["line"],
                              "status": message["status"], "terminal": message["terminal"]})

    async def live_rules(self, message: dict) -> None:
        if message["node"] == self.rules_node:
            await self.send_json({"type": "rules", **{k: message[k] for k in
                                                      ("node", "mode", "text", "added", "removed", "matched")}})

    async def live_action(self, message: dict) -> None:
        await self.send_json({"type": "action", **{k: message[k] for k in
                                                   ("id", "node", "action", "status", "output")}})

    async def live_lesson(self, message: dict) -> None:
        await self.send_json({"type": "lesson", **{k: message[k] for k in
                                                   ("lesson", "steps", "current", "completed")}})

    async def live_diagnosis(self, message: dict) -> None:
        await self.send_json({"type": "diagnosis", **{k: message[k] for k in
                                                      ("id", "status", "line", "service", "source",
                                                       "diagnosis", "message")}})

    async def live_error(self, message: dict) -> None:
        await self.send_json({"type": "error", "code": message["code"], "message": message["message"]})

    # -- from the page -------------------------------------------------------------------
    async def receive_json(self, content, **kwargs) -> None:
        if self.lab is None:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {"play": self.on_clock, "pause": self.on_clock, "step": self.on_clock, "speed": self.on_speed,
                   "node": self.on_node, "watch-rules": self.on_watch_rules, "request": self.on_request,
                   "diagnose": self.on_diagnose, "resync": self.on_resync}.get(kind)
        if handler is None:
            await self.bad(f"unknown message type {kind!r}")
            return
        await handler(content)

    async def bad(self, text: str) -> None:
        await self.send_json({"type": "error", "code": "bad-message", "message": text})

    async def on_clock(self, content: dict) -> None:
        await self.to_runner({"type": "runner.clock", "action": content["type"]})

    async def on_speed(self, content: dict) -> None:
        speed = content.get("speed")
        if (not isinstance(speed, (int, float)) or isinstance(speed, bool) or not math.isfinite(speed)
                or not MIN_SPEED <= speed <= MAX_SPEED):
            await self.bad(f"speed must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}")
            return
        await self.to_runner({"type": "runner.clock", "action": "speed", "speed": float(speed)})

    async def on_node(self, content: dict) -> None:
        node, action = content.get("node"), content.get("action")
        if action not in broadcast.NODE_ACTIONS or not isinstance(node, str) or not node:
            await self.bad(f"node needs a \"node\" name and an \"action\": one of {', '.join(broadcast.NODE_ACTIONS)}")
            return
        await self.to_runner({"type": "runner.node", "id": content.get("id") or uuid.uuid4().hex,
                              "reply_to": self.channel_name, "node": node, "action": action})

    async def on_watch_rules(self, content: dict) -> None:
        node = content.get("node")
        if node is not None and not isinstance(node, str):
            await self.bad("watch-rules needs a \"node\" name (or null)")
            return
        self.rules_node = node or None
        await self.to_runner({"type": "runner.rules", "reply_to": self.channel_name, "node": self.rules_node})

    async def on_request(self, content: dict) -> None:
        host, url = content.get("from"), content.get("url")
        if not isinstance(host, str) or not isinstance(url, str) or not url:
            await self.bad("request needs \"from\" (a host) and \"url\"")
            return
        await self.to_runner({"type": "runner.request", "id": content.get("id") or uuid.uuid4().hex,
                              "reply_to": self.channel_name, "host": host, "url": url,
                              "line": f"curl -s {shlex.quote(url)}"})

    async def on_diagnose(self, content: dict) -> None:
        """labdoctor for a Service (namespace, name, from) or for a Trace the page shows (trace)."""
        request = diagnose_request(content)
        if isinstance(request, str):
            await self.bad(request)
            return
        await self.to_runner({"type": "runner.diagnose", "id": content.get("id") or uuid.uuid4().hex,
                              "reply_to": self.channel_name, "request": request})

    async def on_resync(self, content: dict) -> None:
        self.resync(None, None)
