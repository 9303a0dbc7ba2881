"""The controller manager: level-triggered reconcile loops over the store.

As in client-go / controller-runtime, each controller maps watch events to
keys (`ns/name`), reconciles one key at a time by re-reading the store and
writing only the difference, and asks to be requeued after a delay instead
of sleeping. Delays become timers on the world's virtual clock.

Nothing here is persisted: after a World is loaded, a full resync enqueues
every key, and each reconcile derives its timers from the objects' own
timestamps, so a reloaded world behaves exactly like one kept in memory.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable

from ..api.store import WatchEvent


class Controller:
    """Base class: override `watches`, `keys_for` and `reconcile`."""

    #: name used in timers and events (`replicaset-controller` ...)
    name = "controller"
    #: group_resources whose watch events wake this controller
    watches: tuple[str, ...] = ()

    def __init__(self, world: Any):
        self.world = world

    @property
    def api(self) -> Any:
        return self.world.api

    @property
    def store(self) -> Any:
        return self.world.store

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        """Keys to reconcile for a watch event; by default the object's own `ns/name`."""
        meta = event.object.get("metadata", {})
        yield f"{meta.get('namespace', '')}/{meta.get('name', '')}"

    def all_keys(self) -> Iterable[str]:
        """Every key, for a full resync."""
        for resource in self.watches[:1]:
            for obj in self.store.iter(resource):
                meta = obj["metadata"]
                yield f"{meta.get('namespace', '')}/{meta['name']}"

    def reconcile(self, key: str) -> float | None:
        """Bring `key` toward its desired state; return a delay to be called again, or None."""
        raise NotImplementedError


class ControllerManager:
    """Runs controllers until the store is quiet; turns requeues into clock timers."""

    #: a bound on reconciles per settle, so a controller bug cannot hang a command
    MAX_RECONCILES = 200_000

    def __init__(self, world: Any, controllers: list[Controller]):
        self.world = world
        self.controllers = controllers
        self._queue: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._timers: dict[tuple[int, str], Any] = {}
        self._by_resource: dict[str, list[int]] = {}
        for index, ctrl in enumerate(controllers):
            for resource in ctrl.watches:
                self._by_resource.setdefault(resource, []).append(index)
        world.store.subscribe(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        for index in self._by_resource.get(event.resource, ()):
            for key in self.controllers[index].keys_for(event):
                self._queue[(index, key)] = None

    def enqueue(self, controller: Controller, key: str) -> None:
        self._queue[(self.controllers.index(controller), key)] = None

    def resync(self) -> None:
        for index, ctrl in enumerate(self.controllers):
            for key in ctrl.all_keys():
                self._queue[(index, key)] = None

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    def run_until_quiet(self) -> int:
        """Reconcile queued keys until none are left; returns how many ran."""
        count = 0
        while self._queue and count < self.MAX_RECONCILES:
            (index, key), _ = self._queue.popitem(last=False)
            ctrl = self.controllers[index]
            delay = ctrl.reconcile(key)
            count += 1
            if delay is not None:
                self._schedule(index, key, delay)
        return count

    def _schedule(self, index: int, key: str, delay: float) -> None:
        clock = self.world.clock
        due = clock.elapsed + max(0.0, delay)
        timer = self._timers.get((index, key))
        if timer is not None and not timer.cancelled:
            if timer.due <= due:
                return
            timer.cancelled = True

        def fire(index: int = index, key: str = key) -> None:
            self._timers.pop((index, key), None)
            self._queue[(index, key)] = None

        self._timers[(index, key)] = clock.call_at(due, f"{self.controllers[index].name}:{key}", fire)
