"""The object store behind the simulated apiserver (etcd's part of the job).

Holds every object by (resource, namespace, name), hands out the
cluster-wide resourceVersion, and records a watch stream of ADDED /
MODIFIED / DELETED events that controllers, the web push and lessons read.
Every read returns a deep copy so nobody mutates stored state by accident.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Iterator

Key = tuple[str, str, str]  # (group_resource, namespace, name)


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED
    resource: str  # group_resource, e.g. "services", "deployments.apps"
    object: dict[str, Any]
    resource_version: int


class Store:
    """In-memory objects plus a watch log."""

    #: how many watch events are kept for consumers that catch up by version
    HISTORY = 5000

    def __init__(self, revision: int = 1):
        self._objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.revision = revision
        self.history: list[WatchEvent] = []
        self._subscribers: list[Callable[[WatchEvent], None]] = []

    # -- reads ---------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self._objects.get(resource, {}).get((namespace, name))
        return copy.deepcopy(obj) if obj is not None else None

    def peek(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The stored object itself, read-only by convention (no copy: for hot paths)."""
        return self._objects.get(resource, {}).get((namespace, name))

    def list(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return [copy.deepcopy(obj) for obj in self.iter(resource, namespace)]

    def iter(self, resource: str, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored objects (no copy), sorted by namespace then name, as etcd keys sort."""
        table = self._objects.get(resource, {})
        keys = sorted(k for k in table if namespace is None or k[0] == namespace)
        for key in keys:
            yield table[key]

    def all_items(self) -> Iterator[tuple[Key, dict[str, Any]]]:
        for resource in sorted(self._objects):
            table = self._objects[resource]
            for ns_name in sorted(table):
                yield (resource, *ns_name), table[ns_name]

    def __len__(self) -> int:
        return sum(len(t) for t in self._objects.values())

    # -- writes --------------------------------------------------------------
    def next_revision(self) -> int:
        self.revision += 1
        return self.revision

    def put(self, resource: str, obj: dict[str, Any], event_type: str) -> dict[str, Any]:
        """Store obj (stamping a new resourceVersion) and emit a watch event."""
        rv = self.next_revision()
        obj["metadata"]["resourceVersion"] = str(rv)
        meta = obj["metadata"]
        stored = copy.deepcopy(obj)
        self._objects.setdefault(resource, {})[(meta.get("namespace", ""), meta["name"])] = stored
        self._emit(WatchEvent(event_type, resource, copy.deepcopy(stored), rv))
        return copy.deepcopy(stored)

    def remove(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self._objects.get(resource, {}).pop((namespace, name), None)
        if obj is None:
            return None
        rv = self.next_revision()
        gone = copy.deepcopy(obj)
        gone["metadata"]["resourceVersion"] = str(rv)
        self._emit(WatchEvent("DELETED", resource, copy.deepcopy(gone), rv))
        return gone

    def load(self, resource: str, obj: dict[str, Any]) -> None:
        """Put an object back as persisted (no new version, no event)."""
        meta = obj["metadata"]
        self._objects.setdefault(resource, {})[(meta.get("namespace", ""), meta["name"])] = obj

    # -- watch ---------------------------------------------------------------
    def subscribe(self, callback: Callable[[WatchEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def events_since(self, resource_version: int) -> list[WatchEvent]:
        return [e for e in self.history if e.resource_version > resource_version]

    def _emit(self, event: WatchEvent) -> None:
        self.history.append(event)
        if len(self.history) > self.HISTORY:
            del self.history[: len(self.history) - self.HISTORY]
        for callback in list(self._subscribers):
            callback(event)
