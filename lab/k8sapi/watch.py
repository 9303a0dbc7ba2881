"""Watches: `?watch=1` streams from the store's watch log, as newline-separated
`{"type": ..., "object": ...}` events (the apiserver's JSON watch framing).

Semantics of kube-apiserver's watch cache:
- resourceVersion unset or "0": synthetic ADDED events for what exists,
  then the changes; resourceVersion N: the changes after N, or (when the log
  no longer reaches back to N) one ERROR event `410 Expired`, `too old
  resource version: N (M)`;
- sendInitialEvents=true: the synthetic ADDED events, then a BOOKMARK
  annotated `k8s.io/initial-events-end: "true"`;
- allowWatchBookmarks=true: a BOOKMARK every minute and two seconds before
  the watch's deadline (timeoutSeconds; default 30 to 60 minutes);
- a label or field selector: an object that stops matching is sent as
  DELETED, one that starts matching as ADDED.

The stream polls the lab once a POLL_SECONDS: each poll is a transaction
that also lets the lab's clock catch up with wall time (lab.k8sapi.clock),
which is how a watcher sees a Pod turn Ready. A poll first asks two cheap
questions (has anyone saved the lab? would the clock reach its next
timer?) and loads no World when both say nothing can have happened.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from asgiref.sync import sync_to_async

from lab.sim.api import errors
from lab.sim.api.labels import (
    DEFAULT_FIELDS, SUPPORTED_FIELDS, SelectorError, field_matches, parse_field_selector, parse_selector,
)

from . import tables
from .handlers import ApiRequest
from .polling import LabPoller
from .transaction import in_lab

POLL_SECONDS = 0.5
BOOKMARK_SECONDS = 60.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


@dataclass
class WatchState:
    """What one watch has sent so far."""

    since: int = 0
    #: keys (namespace, name) of objects the client currently sees as matching
    matching: set[tuple[str, str]] = field(default_factory=set)


class Filter:
    """The watch's resource, namespace and selectors."""

    def __init__(self, req: ApiRequest):
        p = req.path
        self.resource = p.resource
        self.namespace = p.namespace if p.resource.namespaced else None
        try:
            self.labels = parse_selector(req.query.get("labelSelector") or None)
            self.fields = parse_field_selector(req.query.get("fieldSelector") or None)
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from None
        allowed = SUPPORTED_FIELDS.get(p.resource.kind, DEFAULT_FIELDS)
        for requirement in self.fields:
            if requirement.field not in allowed:
                raise errors.bad_request(f"field label not supported: {requirement.field}")
        if p.name:  # a watch on one object's URL is a watch with metadata.name=<name>
            self.fields = self.fields + parse_field_selector(f"metadata.name={p.name}")

    def in_scope(self, resource: str, obj: dict[str, Any]) -> bool:
        if resource != self.resource.group_resource:
            return False
        return self.namespace is None or obj["metadata"].get("namespace") == self.namespace

    def matches(self, obj: dict[str, Any]) -> bool:
        return self.labels.matches(obj["metadata"].get("labels")) and field_matches(obj, self.fields)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def event_line(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


class Watch:
    """One open watch on one lab."""

    def __init__(self, lab: Any, req: ApiRequest):
        self.lab = lab
        self.req = req
        self.filter = Filter(req)
        self.state = WatchState()
        self.table = tables.wants_table(req.accept)
        timeout = req.query.get("timeoutSeconds", "")
        seconds = float(timeout) if timeout.isdigit() else 1800.0 * (1 + random.random())
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.bookmarks = req.flag("allowWatchBookmarks")
        self.poller = LabPoller(lab)
        self.next_bookmark = self._bookmark_after(self.started)

    def _bookmark_after(self, now: float) -> float:
        """When the next BOOKMARK is due: a minute on, or two seconds before the deadline."""
        due = min(now + BOOKMARK_SECONDS, self.deadline - 2.0)
        return due if due > now else float("inf")

    # -- encoding ---------------------------------------------------------------
    def _encode(self, world: Any, kind: str, obj: dict[str, Any]) -> bytes:
        if self.table and kind != "ERROR":
            obj = tables.to_table(self.filter.resource.kind, [obj], world.clock.now,
                                  resource_version=obj["metadata"].get("resourceVersion", ""),
                                  include_object=self.req.query.get("includeObject") or "Metadata",
                                  version=tables.table_version(self.req.accept))
        return event_line(kind, obj)

    def bookmark(self, initial_end: bool = False) -> bytes:
        res = self.filter.resource
        meta: dict[str, Any] = {"resourceVersion": str(self.state.since), "creationTimestamp": None}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        return event_line("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version, "metadata": meta})

    # -- one transaction per poll ------------------------------------------------------
    def start(self) -> list[bytes]:
        """The first poll: the initial events, or the check that `resourceVersion` is not too old."""
        rv = self.req.query.get("resourceVersion", "")
        send_initial = self.req.flag("sendInitialEvents") or rv in ("", "0")

        def first(world: Any) -> list[bytes]:
            out: list[bytes] = []
            if send_initial:
                objects = world.api.list(self.filter.resource, namespace=self.filter.namespace)
                for obj in objects:
                    if self.filter.matches(obj):
                        self.state.matching.add(_key(obj))
                        out.append(self._encode(world, "ADDED", obj))
                self.state.since = world.store.revision
                if self.req.flag("sendInitialEvents") and self.bookmarks:
                    out.append(self.bookmark(initial_end=True))
                return out
            if not rv.isdigit():
                raise errors.bad_request(f'invalid resource version: strconv.ParseUint: parsing "{rv}": invalid syntax')
            self.state.since = int(rv)
            for obj in world.api.list(self.filter.resource, namespace=self.filter.namespace):
                if self.filter.matches(obj):
                    self.state.matching.add(_key(obj))
            return out + self._changes(world)

        lines, _ = in_lab(self.lab, first, write=False)
        self.poller.looked()
        return lines

    def poll(self) -> list[bytes]:
        if self.poller.idle():
            return []
        lines, _ = in_lab(self.lab, self._changes, write=False)
        self.poller.looked()
        return lines

    def _changes(self, world: Any) -> list[bytes]:
        history = world.store.history
        since = self.state.since
        if world.store.revision > since and (not history or history[0].resource_version > since + 1):
            oldest = history[0].resource_version - 1 if history else world.store.revision
            status = errors.StatusError(410, "Expired", f"too old resource version: {since} ({oldest})").to_status()
            self.state.since = world.store.revision
            raise WatchExpired(event_line("ERROR", status))
        out: list[bytes] = []
        for event in history:
            if event.resource_version <= since:
                continue
            obj = event.object
            if not self.filter.in_scope(event.resource, obj):
                continue
            key = _key(obj)
            if event.type == "DELETED":
                if key in self.state.matching:
                    self.state.matching.discard(key)
                    out.append(self._encode(world, "DELETED", obj))
                continue
            if self.filter.matches(obj):
                kind = "ADDED" if key not in self.state.matching and event.type == "MODIFIED" else event.type
                self.state.matching.add(key)
                out.append(self._encode(world, kind, obj))
            elif key in self.state.matching:
                self.state.matching.discard(key)
                out.append(self._encode(world, "DELETED", obj))
        self.state.since = world.store.revision
        return out

    # -- the stream -----------------------------------------------------------------
    async def stream(self, first: list[bytes]) -> AsyncIterator[bytes]:
        for line in first:
            yield line
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                return
            await asyncio.sleep(min(POLL_SECONDS, max(0.0, self.deadline - now)))
            try:
                lines = await sync_to_async(self.poll, thread_sensitive=True)()
            except WatchExpired as expired:
                yield expired.line
                return
            except errors.StatusError as exc:
                yield event_line("ERROR", exc.to_status())
                return
            for line in lines:
                yield line
            now = time.monotonic()
            if self.bookmarks and now >= self.next_bookmark and now < self.deadline:
                yield self.bookmark()
                self.next_bookmark = self._bookmark_after(now)


class WatchExpired(Exception):
    """The watch log no longer reaches back to the watch's resourceVersion (410 Expired)."""

    def __init__(self, line: bytes):
        super().__init__("too old resource version")
        self.line = line
