"""The event recorder: core/v1 Event objects written like the real recorders.

Two recorders exist in a real cluster and both are mirrored here:

- the legacy one (client-go tools/record, used by the kubelet and most
  controllers) writes `source {component, host}`, `firstTimestamp`,
  `lastTimestamp` and `count`; its EventCorrelator turns a repeat of the same
  event (same source, involved object, type, reason and message) into an
  update of `count` and `lastTimestamp`;
- the events/v1 one (client-go tools/events, used by the scheduler) writes
  `eventTime`, `action`, `reportingComponent`/`reportingInstance` and an empty
  `source`; a repeat becomes a `series {count, lastObservedTime}`.

Event names are `<involved name>.<hex>` where the hex is a Unix time in
nanoseconds, as both recorders do; the sub-millisecond part is drawn from the
world's RNG so events of one virtual instant get distinct names.

The apiserver deletes events one hour (--event-ttl) after their last write:
the EventTTL controller below keeps a timer per event and deletes it then.

SIMPLIFICATION: the correlator's "similar events" aggregation (ten events
that differ only in message combined into one) and its spam filter are not
modelled; a repeat of an identical event is always an update.
"""
from __future__ import annotations

import weakref
from datetime import datetime, timezone
from typing import Any

from ..api.errors import StatusError
from .manager import Controller

#: kube-apiserver --event-ttl (1h)
EVENT_TTL = 3600.0
#: events/v1 isomorphic events closer than this become a series
SERIES_WINDOW = 6 * 60.0

_INDEX: "weakref.WeakKeyDictionary[Any, dict[tuple, str]]" = weakref.WeakKeyDictionary()


def micro_time(moment: datetime) -> str:
    """metav1.MicroTime as JSON: RFC 3339 with six fractional digits."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ref(obj: dict[str, Any], field_path: str = "") -> dict[str, Any]:
    """reference.GetReference: the involvedObject of an event."""
    meta = obj.get("metadata") or {}
    ref: dict[str, Any] = {"kind": obj.get("kind", "")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    ref["name"] = meta.get("name", "")
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    ref["apiVersion"] = obj.get("apiVersion", "")
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    return ref


def _key(ref: dict[str, Any], type_: str, reason: str, message: str, component: str, host: str,
         new_style: bool) -> tuple:
    return (new_style, component, host, ref.get("kind"), ref.get("namespace", ""), ref.get("name"),
            ref.get("uid", ""), ref.get("apiVersion"), ref.get("fieldPath", ""), type_, reason, message)


def _index(world: Any) -> dict[tuple, str]:
    """aggregation key -> event name, derived from the stored events (rebuilt after a load)."""
    index = _INDEX.get(world.store)
    if index is None:
        index = {}
        for ev in world.store.iter("events"):
            new_style = bool(ev.get("eventTime")) and not ev.get("lastTimestamp")
            source = ev.get("source") or {}
            component = ev.get("reportingComponent", "") if new_style else source.get("component", "")
            host = ev.get("reportingInstance", "") if new_style else source.get("host", "")
            key = _key(ev.get("involvedObject") or {}, ev.get("type", ""), ev.get("reason", ""),
                       ev.get("message", ""), component, host, new_style)
            index[key] = ev["metadata"]["namespace"] + "/" + ev["metadata"]["name"]
        _INDEX[world.store] = index
    return index


def _name(world: Any, involved_name: str) -> str:
    clock = world.clock
    nanos = int(clock.start.timestamp()) * 1_000_000_000 + int(round(clock.elapsed * 1_000_000_000))
    # Events of one virtual instant get increasing sub-millisecond offsets, so
    # their names sort in the order they happened, as real ones do.
    last = world.runtime.setdefault("events", {}).get("last")
    offset = world.random("events").randrange(1, 1000)
    if last and last[0] == nanos:
        offset += last[1]
    world.runtime["events"]["last"] = [nanos, offset]
    nanos += offset * 1000
    return f"{involved_name}.{nanos:x}"


def record(world: Any, involved_obj: dict[str, Any], type: str, reason: str, message: str,
           component: str, host: str | None = None, *, field_path: str = "",
           action: str | None = None) -> dict[str, Any] | None:
    """Record one event about `involved_obj`; returns the stored Event (None if the apiserver is down).

    `action` selects the events/v1 recorder (the scheduler passes "Scheduling"
    or "Binding"); `host` is the node for kubelet events, or the instance
    suffix for events/v1 (`default-scheduler-<host>`).
    """
    api = world.api
    if not api.up:
        return None
    ref = _ref(involved_obj, field_path)
    namespace = ref.get("namespace") or "default"
    new_style = action is not None
    instance = (f"{component}-{host}" if host else component) if new_style else (host or "")
    key = _key(ref, type, reason, message, component, instance, new_style)
    index = _index(world)
    found = index.get(key)
    now = world.clock.now
    if found:
        ns, _, name = found.partition("/")
        existing = world.store.get("events", ns, name)
        if existing is not None:
            existing["involvedObject"] = ref
            if new_style:
                last = existing.get("series", {}).get("lastObservedTime") or existing.get("eventTime") or ""
                if last and _seconds_between(last, now) <= SERIES_WINDOW:
                    count = int((existing.get("series") or {}).get("count") or 1) + 1
                    existing["series"] = {"count": count, "lastObservedTime": micro_time(now)}
                    return _write(api, existing)
            else:
                existing["count"] = int(existing.get("count") or 1) + 1
                existing["lastTimestamp"] = world.clock.timestamp()
                return _write(api, existing)
    name = _name(world, ref.get("name", ""))
    event: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": ref,
        "reason": reason,
        "message": message,
    }
    if new_style:
        event.update({
            "source": {},
            "firstTimestamp": None,
            "lastTimestamp": None,
            "type": type,
            "eventTime": micro_time(now),
            "action": action,
            "reportingComponent": component,
            "reportingInstance": instance,
        })
    else:
        source = {"component": component}
        if host:
            source["host"] = host
        event.update({
            "source": source,
            "firstTimestamp": world.clock.timestamp(),
            "lastTimestamp": world.clock.timestamp(),
            "count": 1,
            "type": type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host or "",
        })
    try:
        stored = api.create(event, namespace=namespace)
    except StatusError:
        return None
    index[key] = f"{namespace}/{name}"
    return stored


def _write(api: Any, event: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return api.update(event)
    except StatusError:
        return None


def _seconds_between(stamp: str, now: datetime) -> float:
    return (now - _parse(stamp)).total_seconds()


def _parse(stamp: str) -> datetime:
    text = stamp.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)


def last_written(event: dict[str, Any]) -> datetime | None:
    """When the event was last written (its etcd lease starts then)."""
    stamps = [event.get("lastTimestamp"), event.get("eventTime"),
              (event.get("series") or {}).get("lastObservedTime"),
              (event.get("metadata") or {}).get("creationTimestamp")]
    moments = [_parse(s) for s in stamps if s]
    return max(moments) if moments else None


class EventTTLController(Controller):
    """The apiserver's --event-ttl: an event disappears an hour after its last write."""

    name = "event-ttl"
    watches = ("events",)
    order = 900

    def reconcile(self, key: str) -> float | None:
        namespace, _, name = key.partition("/")
        event = self.store.peek("events", namespace, name)
        if event is None:
            return None
        written = last_written(event)
        if written is None:
            return None
        left = EVENT_TTL - (self.world.clock.now - written).total_seconds()
        if left > 0:
            return left
        # The etcd lease expires: no apiserver request is involved.
        self.store.remove("events", namespace, name)
        return None


CONTROLLERS = [EventTTLController]
