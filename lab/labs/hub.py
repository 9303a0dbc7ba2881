"""The process's side of the runners: who watches which lab here, which
labs this process hosts, and the channel-layer plumbing between them.

Every terminal and live socket registers with its process's Hub
(`hub().watch(lab)`). A lab watched anywhere is hosted by the one process
that holds its lease (lab.labs.lease): that process runs its LabRunner and
listens on the group `lab.<id>.runner`; consumers in every process send
their requests there (broadcast.py names them). Every few seconds each
process renews the leases it holds, tries to take the lease of labs it
watches but nobody hosts (a holder that died lets it lapse), and tells
the host how many watchers it has; a host with no watcher left anywhere
saves the lab, stops the runner and gives the lease up.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from lab.labs import broadcast, lease
from lab.labs.models import Lab
from lab.labs.runner import LIVE, MAX_SPEED, MIN_SPEED, Command, LabRunner

log = logging.getLogger(__name__)


@dataclass
class Hosted:
    """A lab this process hosts: its runner, the channel it listens on, its tasks."""

    runner: LabRunner
    channel: str
    outbox: asyncio.Queue
    tasks: list[asyncio.Task] = field(default_factory=list)
    #: other processes' watcher counts: {process: (count, monotonic time heard)}
    presence: dict[str, tuple[int, float]] = field(default_factory=dict)


class Hub:
    """One per process (per event loop): see the module docstring."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.holder = lease.process_identity()
        self.loop = asyncio.get_running_loop()
        self.watchers: dict[int, int] = {}
        self.labs: dict[int, Lab] = {}
        self.hosted: dict[int, Hosted] = {}
        self._lock = asyncio.Lock()
        self._maintenance = self.loop.create_task(self._maintain())

    # -- watchers ----------------------------------------------------------------
    async def watch(self, lab: Lab) -> None:
        """A consumer here watches `lab`: make sure someone hosts it."""
        self.watchers[lab.pk] = self.watchers.get(lab.pk, 0) + 1
        self.labs[lab.pk] = lab
        await self._ensure(lab.pk)

    async def unwatch(self, lab_id: int) -> None:
        count = self.watchers.get(lab_id, 0) - 1
        if count > 0:
            self.watchers[lab_id] = count
        else:
            self.watchers.pop(lab_id, None)

    async def _ensure(self, lab_id: int) -> None:
        """Host the lab if nobody does (or we already do); else tell the host we are here."""
        async with self._lock:
            if lab_id in self.hosted:
                return
            got = await sync_to_async(lease.acquire, thread_sensitive=False)(lab_id, self.holder)
            if got:
                await self._host(lab_id)
            else:
                await self.layer.group_send(broadcast.runner_group(lab_id), {
                    "type": "runner.presence", "process": self.holder, "count": self.watchers.get(lab_id, 0)})

    # -- hosting -------------------------------------------------------------------
    async def _host(self, lab_id: int) -> None:
        outbox: asyncio.Queue = asyncio.Queue()

        def publish(target: str | None, message: dict) -> None:
            try:
                self.loop.call_soon_threadsafe(outbox.put_nowait, (target, message))
            except RuntimeError:  # the loop is closed: nobody is listening any more
                pass

        lab = self.labs.get(lab_id) or await sync_to_async(Lab.objects.get)(pk=lab_id)
        runner = await sync_to_async(LabRunner, thread_sensitive=False)(
            lab, publish, playing=getattr(settings, "LAB_CLOCK_AUTOPLAY", True))
        # The default prefix: channels_redis polls one Redis list per process
        # for all of its specific channels, named by that prefix.
        channel = await self.layer.new_channel()
        await self.layer.group_add(broadcast.runner_group(lab_id), channel)
        hosted = Hosted(runner, channel, outbox)
        self.hosted[lab_id] = hosted
        runner.start()
        hosted.tasks = [self.loop.create_task(self._receive(lab_id, hosted)),
                        self.loop.create_task(self._send(lab_id, hosted))]
        log.info("lab %s: hosted by %s", lab_id, self.holder)

    async def _unhost(self, lab_id: int, *, release: bool = True) -> None:
        hosted = self.hosted.pop(lab_id, None)
        if hosted is None:
            return
        await self.layer.group_discard(broadcast.runner_group(lab_id), hosted.channel)
        await sync_to_async(hosted.runner.stop, thread_sensitive=False)()
        await asyncio.sleep(0)  # let the last messages reach the outbox
        await self._drain(lab_id, hosted)
        for task in hosted.tasks:
            task.cancel()
        if release:
            await sync_to_async(lease.release, thread_sensitive=False)(lab_id, self.holder)
        log.info("lab %s: no longer hosted by %s", lab_id, self.holder)

    async def _send(self, lab_id: int, hosted: Hosted) -> None:
        """The runner's messages, in the order published, to their channels."""
        while True:
            item = await hosted.outbox.get()
            await self._deliver(lab_id, [item, *self._pending(hosted)])

    def _pending(self, hosted: Hosted) -> list:
        items = []
        while not hosted.outbox.empty():
            items.append(hosted.outbox.get_nowait())
        return items

    async def _drain(self, lab_id: int, hosted: Hosted) -> None:
        items = self._pending(hosted)
        if items:
            await self._deliver(lab_id, items)

    async def _deliver(self, lab_id: int, items: list) -> None:
        for target, message in broadcast.coalesce(items):
            try:
                if target is LIVE:
                    await self.layer.group_send(broadcast.live_group(lab_id), message)
                else:
                    await self.layer.send(target, message)
            except Exception:  # a full or vanished channel must not stop the others
                log.warning("lab %s: could not deliver %s", lab_id, message.get("type"), exc_info=True)

    async def _receive(self, lab_id: int, hosted: Hosted) -> None:
        """Requests from terminals and live sockets in any process."""
        runner = hosted.runner
        while True:
            message = await self.layer.receive(hosted.channel)
            try:
                await self._handle(runner, hosted, message)
            except Exception:
                log.exception("lab %s: request %r failed", lab_id, message.get("type"))

    async def _handle(self, runner: LabRunner, hosted: Hosted, message: dict) -> None:
        kind = message.get("type")
        thread = sync_to_async  # the runner's lock may be held by a command: wait for it off the loop
        if kind == "runner.command":
            cmd = Command(id=message["id"], reply_to=message["reply_to"], terminal=message.get("terminal", ""),
                          host=message.get("host"), line=message["line"], shell_state=message.get("shell_state"))
            if message.get("interrupted"):
                cmd.interrupt.set()
            runner.submit(cmd)
            await self.layer.send(message["reply_to"], {"type": "runner.started", "id": cmd.id})
        elif kind == "runner.interrupt":
            runner.interrupt(message["id"])
        elif kind == "runner.file_write":
            await thread(runner.write_file, thread_sensitive=False)(
                message["reply_to"], message["host"], message["path"], message["content"])
        elif kind == "runner.edit_answer":
            text = message.get("text")
            await thread(runner.edit_answer, thread_sensitive=False)(
                message["id"], message["edit"], text if isinstance(text, str) else None)
        elif kind == "runner.snapshot":
            await thread(runner.snapshot_for, thread_sensitive=False)(
                message["reply_to"], message.get("resume"), message.get("runner"))
        elif kind == "runner.rules":
            await thread(runner.watch_rules, thread_sensitive=False)(message["reply_to"], message.get("node"))
        elif kind == "runner.forget":
            runner.rules.forget(message["reply_to"])
        elif kind == "runner.clock":
            action = message.get("action")
            if action in ("play", "pause"):
                await thread(runner.set_playing, thread_sensitive=False)(action == "play")
            elif action == "speed":
                speed = min(MAX_SPEED, max(MIN_SPEED, float(message["speed"])))
                await thread(runner.set_speed, thread_sensitive=False)(speed)
            elif action == "step":
                await thread(runner.step_event, thread_sensitive=False)()
        elif kind == "runner.node":
            host, line = broadcast.node_action_line(message["node"], message["action"])
            runner.submit(Command(id=message["id"], reply_to=None, terminal="page", host=host, line=line,
                                  action=(message["reply_to"], message["node"], message["action"])))
        elif kind == "runner.request":
            runner.submit(Command(id=message["id"], reply_to=None, terminal="page", host=message["host"],
                                  line=message["line"], action=(message["reply_to"], message["host"], "request")))
        elif kind == "runner.diagnose":
            runner.submit(Command(id=message["id"], reply_to=None, terminal="page", host=None, line="",
                                  diagnose=(message["reply_to"], message["request"])))
        elif kind == "runner.reload":
            await thread(runner.reload_stored, thread_sensitive=False)()
        elif kind == "runner.presence":
            hosted.presence[message["process"]] = (int(message.get("count", 0)), time.monotonic())

    # -- every few seconds -------------------------------------------------------------
    async def _maintain(self) -> None:
        while True:
            await asyncio.sleep(lease.RENEW_SECONDS)
            try:
                await self.maintain_once()
            except Exception:
                log.exception("lab runner maintenance failed")

    async def maintain_once(self) -> None:
        """Renew, take over, report presence, stop what nobody watches."""
        for lab_id, hosted in list(self.hosted.items()):
            remote = sum(count for count, seen in hosted.presence.values()
                         if time.monotonic() - seen < 2.5 * lease.RENEW_SECONDS)
            if self.watchers.get(lab_id, 0) + remote == 0:
                await self._unhost(lab_id)
            elif not await sync_to_async(lease.acquire, thread_sensitive=False)(lab_id, self.holder):
                log.warning("lab %s: lease lost to another process", lab_id)
                await self._unhost(lab_id, release=False)
        for lab_id in list(self.watchers):
            if lab_id not in self.hosted:
                await self._ensure(lab_id)

    async def close(self) -> None:
        """Stop hosting everything (the process or a test is ending)."""
        self._maintenance.cancel()
        for lab_id in list(self.hosted):
            await self._unhost(lab_id)


_HUBS: dict[Any, Hub] = {}


def hub() -> Hub:
    """This event loop's Hub (made on first use)."""
    loop = asyncio.get_running_loop()
    found = _HUBS.get(loop)
    if found is None:
        found = _HUBS[loop] = Hub()
    return found


async def close_hub() -> None:
    """Stop this loop's Hub, if it has one."""
    found = _HUBS.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()
