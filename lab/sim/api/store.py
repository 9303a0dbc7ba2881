"""The object store behind the simulated apiserver (etcd's part of the job).

Holds every object by (resource, namespace, name), hands out the
cluster-wide resourceVersion, and records a watch stream of ADDED /
MODIFIED / DELETED events that controllers, the web push and lessons read.
Every read returns a deep copy so nobody mutates stored state by accident.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .clone import clone

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
        # Indexes, as informers keep them, so controllers need not scan everything:
        # names per (resource, namespace); dependents per owner uid; names per
        # (resource, namespace, label key, label value).
        self._by_namespace: dict[tuple[str, str], set[str]] = {}
        self._by_owner: dict[str, set[Key]] = {}
        self._by_label: dict[tuple[str, str, str, str], set[str]] = {}
        self.revision = revision
        self.history: list[WatchEvent] = []
        self._subscribers: list[Callable[[WatchEvent], None]] = []

    def _index(self, resource: str, obj: dict[str, Any], add: bool) -> None:
        meta = obj["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        keys: list[tuple[dict, Any, Any]] = [(self._by_namespace, (resource, ns), name)]
        for ref in meta.get("ownerReferences") or ():
            if ref.get("uid"):
                keys.append((self._by_owner, ref["uid"], (resource, ns, name)))
        for label, value in (meta.get("labels") or {}).items():
            keys.append((self._by_label, (resource, ns, label, value), name))
        for table, key, member in keys:
            if add:
                table.setdefault(key, set()).add(member)
            else:
                members = table.get(key)
                if members is not None:
                    members.discard(member)
                    if not members:
                        del table[key]

    def _store(self, resource: str, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        table = self._objects.setdefault(resource, {})
        key = (meta.get("namespace", ""), meta["name"])
        old = table.get(key)
        if old is not None:
            self._index(resource, old, add=False)
        table[key] = obj
        self._index(resource, obj, add=True)

    # -- reads ---------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self._objects.get(resource, {}).get((namespace, name))
        return clone(obj) if obj is not None else None

    def peek(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The stored object itself, read-only by convention (no copy: for hot paths)."""
        return self._objects.get(resource, {}).get((namespace, name))

    def list(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return [clone(obj) for obj in self.iter(resource, namespace)]

    def iter(self, resource: str, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        """Stored objects (no copy), sorted by namespace then name, as etcd keys sort."""
        table = self._objects.get(resource, {})
        if namespace is None:
            keys = sorted(table)
        else:
            keys = [(namespace, n) for n in sorted(self._by_namespace.get((resource, namespace), ()))]
        for key in keys:
            obj = table.get(key)
            if obj is not None:
                yield obj

    def count(self, resource: str, namespace: str | None = None) -> int:
        if namespace is None:
            return len(self._objects.get(resource, {}))
        return len(self._by_namespace.get((resource, namespace), ()))

    def with_labels(self, resource: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        """Objects (no copy) in one namespace carrying all of `labels`, sorted by name.

        The index lookup behind a Service or ReplicaSet selector's matchLabels.
        """
        table = self._objects.get(resource, {})
        if not labels:
            names: set[str] = set(self._by_namespace.get((resource, namespace), ()))
        else:
            sets = [self._by_label.get((resource, namespace, k, str(v)), set()) for k, v in labels.items()]
            names = set.intersection(*sorted(sets, key=len)) if sets else set()
        return [table[(namespace, n)] for n in sorted(names) if (namespace, n) in table]

    def dependents(self, owner_uid: str) -> list[tuple[str, dict[str, Any]]]:
        """(resource, object) pairs (no copy) whose ownerReferences name this uid."""
        out = []
        for resource, ns, name in sorted(self._by_owner.get(owner_uid, ())):
            obj = self._objects.get(resource, {}).get((ns, name))
            if obj is not None:
                out.append((resource, obj))
        return out

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
        stored = clone(obj)
        self._store(resource, stored)
        # The event shares the stored dict: stored objects are never changed in
        # place (a write replaces them), so it stays a true snapshot.
        self._emit(WatchEvent(event_type, resource, stored, rv))
        return clone(stored)

    def remove(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self._objects.get(resource, {}).pop((namespace, name), None)
        if obj is None:
            return None
        self._index(resource, obj, add=False)
        rv = self.next_revision()
        gone = clone(obj)
        gone["metadata"]["resourceVersion"] = str(rv)
        self._emit(WatchEvent("DELETED", resource, gone, rv))
        return clone(gone)

    def load(self, resource: str, obj: dict[str, Any]) -> None:
        """Put an object back as persisted (no new version, no event)."""
        self._store(resource, obj)

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
