"""`kubectl logs -f` (pods/<name>/log?follow=true): the log so far, then its new lines as they come.

Polled like a watch (lab.k8sapi.polling); each look lets the lab's clock
catch up with wall time, so a container that writes as time passes streams
its lines. The stream ends when the container has terminated or the Pod is
gone, as the kubelet's log stream does.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

from asgiref.sync import sync_to_async

from lab.sim.api.errors import StatusError

from .handlers import ApiRequest, log_container, log_text
from .polling import LabPoller
from .transaction import in_lab

POLL_SECONDS = 0.5
#: how long a follow lasts at most (the apiserver's request timeout for long-running requests)
LIMIT_SECONDS = 4 * 3600.0


class LogFollow:
    def __init__(self, lab: Any, req: ApiRequest):
        self.lab = lab
        self.req = req
        self.poller = LabPoller(lab)
        self.offset = 0
        self.deadline = time.monotonic() + LIMIT_SECONDS

    def _pod(self, world: Any) -> dict[str, Any]:
        p = self.req.path
        return world.api.get(p.resource, p.name, namespace=p.namespace)

    def start(self) -> bytes:
        """What a plain log request returns (tailLines applied); raises StatusError like it."""
        def first(world: Any) -> str:
            pod = self._pod(world)
            self.offset = len(log_text(world, pod, self.req.query, tail=-1))
            return log_text(world, pod, self.req.query)

        text, _ = in_lab(self.lab, first, write=False)
        self.poller.looked()
        return text.encode()

    def poll(self) -> tuple[bytes, bool]:
        """(new text, whether the stream is over)."""
        if self.poller.idle():
            return b"", False

        def more(world: Any) -> tuple[str, bool]:
            try:
                pod = self._pod(world)
                full = log_text(world, pod, self.req.query, tail=-1)
            except StatusError:
                return "", True  # the Pod is gone, or its container no longer has a log
            new, self.offset = full[self.offset:], len(full)
            return new, _terminated(pod, log_container(pod, self.req.query))

        (text, done), _ = in_lab(self.lab, more, write=False)
        self.poller.looked()
        return text.encode(), done

    async def stream(self, first: bytes) -> AsyncIterator[bytes]:
        if first:
            yield first
        while time.monotonic() < self.deadline:
            await asyncio.sleep(POLL_SECONDS)
            chunk, done = await sync_to_async(self.poll)()
            if chunk:
                yield chunk
            if done:
                return


def _terminated(pod: dict[str, Any], container: str) -> bool:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return "terminated" in (status.get("state") or {})
    return False
