"""Load and save Worlds (lab.sim) to the database.

A lab's World lives in rows between commands: the Lab row (profile, clock,
RNG state, the rest of the state), one ApiObject row per stored object, one
LabEvent row per history entry, one HostFile row per file. Saving compares
the new state with what is stored, using cheap columns only (an object's
resourceVersion, a digest for events and files), and writes just the rows
that changed, in one transaction guarded by the lab's revision:

    UPDATE labs_lab SET revision = revision + 1 ... WHERE id = %s AND revision = <expected>

If another process saved first, no row matches and LabConflict is raised;
nothing is written. `run_command` makes one command one transaction, so a
command that raises leaves the stored lab exactly as it was.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lab.labs.models import ApiObject, HostFile, Lab, LabEvent
from lab.labs.signals import command_finished
from lab.sim.world import World

DEFAULT_PROFILE = "kubeadm"

# World.to_state() keys that have their own columns or tables; every other
# key is kept as given in Lab.extra_state.
_TABLE_KEYS = ("profile", "seed", "clock", "rng", "objects", "events", "files")
_OBJECT_ENTRY_KEYS = {"resource", "kind", "apiVersion", "namespace", "name", "resourceVersion", "object"}


class LabConflict(Exception):
    """Another save of the same lab came first; reload the lab and retry."""

    def __init__(self, lab: Lab, expected: int, stored: int | None):
        self.lab_id = lab.pk
        self.expected = expected
        self.stored = stored
        now = "it no longer exists" if stored is None else f"it is now at revision {stored}"
        super().__init__(
            f"lab {lab.name!r} (id {lab.pk}) was saved by someone else: this save started "
            f"from revision {expected} but {now}; reload the lab and run the command again"
        )


# ---- creating and finding labs -------------------------------------------

def create_lab(name: str, profile: str = DEFAULT_PROFILE, seed: int = 0, *,
               user: Any = None, session_key: str = "") -> Lab:
    """A new lab holding a fresh World of `profile`, owned by `user`, by the
    browser session `session_key`, or (neither given) by the command line."""
    if user is not None:
        owner = {"owner_kind": Lab.OwnerKind.USER, "user": user}
    elif session_key:
        owner = {"owner_kind": Lab.OwnerKind.SESSION, "session_key": session_key}
    else:
        owner = {"owner_kind": Lab.OwnerKind.CLI}
    world = World.from_profile(profile, seed=seed)
    with transaction.atomic():
        lab = Lab.objects.create(name=name, profile=profile, seed=seed, revision=0, **owner)
        save_world(lab, world, expected_revision=0)
    return lab


def get_cli_lab(name: str) -> Lab | None:
    """The command line's lab called `name`, if it exists."""
    return Lab.objects.filter(owner_kind=Lab.OwnerKind.CLI, name=name).first()


def reset_lab(lab: Lab, profile: str | None = None, seed: int | None = None) -> Lab:
    """Replace the lab's World with a fresh one of `profile` (default: its own)."""
    profile = profile or lab.profile
    seed = lab.seed if seed is None else seed
    world = World.from_profile(profile, seed=seed)
    with transaction.atomic():
        expected = lab.revision
        for model in (ApiObject, LabEvent, HostFile):
            model.objects.filter(lab=lab).delete()
        save_world(lab, world, expected_revision=expected)
    return lab


# ---- load ------------------------------------------------------------------

def load_world(lab: Lab) -> World:
    """The World stored for `lab`; refreshes `lab`, so `lab.revision` is the
    revision to pass to save_world."""
    return World.from_state(load_state(lab))


def load_state(lab: Lab) -> dict:
    """The stored state of `lab` (refreshed from its row), shaped as
    World.to_state() returns it.

    Outside a transaction a concurrent save may land between the reads; a
    save based on such a state fails with LabConflict, as the revision moved.
    """
    lab.refresh_from_db()
    # Sorted here, not by the database: its collation may order strings
    # differently from the engine (which sorts like Python, as etcd keys sort).
    rows = sorted(ApiObject.objects.filter(lab=lab), key=lambda o: (o.resource, o.namespace, o.name))
    objects = [
        {"resource": o.resource, "apiVersion": o.api_version, "kind": o.kind, "namespace": o.namespace,
         "name": o.name, "resourceVersion": o.resource_version, "object": o.data}
        for o in rows
    ]
    files: dict[str, dict] = {}
    for f in sorted(HostFile.objects.filter(lab=lab), key=lambda f: (f.host, f.path)):
        files.setdefault(f.host, {"nodes": {}})["nodes"][f.path] = _file_node(f.content, f.meta)
    state = dict(lab.extra_state)
    state.update(profile=lab.profile, seed=lab.seed, clock=lab.clock, rng=lab.rng_state,
                 objects=objects, files=files)
    # SIMPLIFICATION: an empty event history and none at all load the same
    # way (no "events" key), which World.from_state treats alike.
    events = list(LabEvent.objects.filter(lab=lab).order_by("seq").values_list("data", flat=True))
    if events:
        state["events"] = events
    return state


# ---- save ------------------------------------------------------------------

def save_world(lab: Lab, world: World, expected_revision: int, *, saved_by: dict | None = None) -> int:
    """Store `world` as the new state of `lab`, if the lab is still at
    `expected_revision`; return the lab's revision after the save.

    Writes only what changed; a save that changes nothing writes nothing and
    keeps the revision. Raises LabConflict (and writes nothing) when another
    save came first.

    `saved_by` (a lab runner's {"runner": id, "resourceVersion": rv}) is kept
    with the state as "savedBy" until the next save, which drops it unless
    it names itself: so a later runner knows whose updates the stored lab
    holds, up to which version (see saved_by()).
    """
    state = world.to_state()
    if saved_by is not None:
        state["savedBy"] = saved_by
    with transaction.atomic():
        stored = Lab.objects.filter(pk=lab.pk).values(
            "revision", "profile", "seed", "clock", "rng_state", "extra_state").first()
        if stored is None or stored["revision"] != expected_revision:
            raise LabConflict(lab, expected_revision, stored and stored["revision"])
        fields = _lab_fields(state)
        rows = _diff_rows(lab, state)
        if rows.empty and all(stored[k] == v for k, v in fields.items()):
            return expected_revision
        matched = Lab.objects.filter(pk=lab.pk, revision=expected_revision).update(
            revision=F("revision") + 1, updated=timezone.now(), **fields)
        if not matched:
            raise LabConflict(lab, expected_revision, _stored_revision(lab))
        rows.apply()
    for name, value in fields.items():
        setattr(lab, name, value)
    lab.revision = expected_revision + 1
    return lab.revision


def saved_by(lab: Lab) -> dict:
    """Which lab runner stored `lab` last and up to which resourceVersion
    ({} when the last save was not a runner's, e.g. labsh's)."""
    return dict((lab.extra_state or {}).get("savedBy") or {})


def run_command(lab: Lab, line: str, host: str | None = None, stdin: str = "", *,
                retries: int = 3):
    """Run one command line in `lab` and store the outcome; return its Result.

    One command is one transaction: the lab is read, the command runs, the
    new state is saved. If the command raises, nothing is stored. If another
    process saved the lab meanwhile, the command is run again on the fresh
    state (it was not applied), up to `retries` times.
    """
    conflicts = 0
    while True:
        try:
            with transaction.atomic():
                world = load_world(lab)
                result = world.run(line, host=host, stdin=stdin)
                save_world(lab, world, expected_revision=lab.revision)
            command_finished.send(sender=Lab, lab=lab, world=world, line=line, status=result.status)
            return result
        except LabConflict:
            conflicts += 1
            if conflicts > retries:
                raise


def open_shell(lab: Lab, host: str | None = None) -> tuple[World, Any]:
    """The lab's World (read only) and a fresh login shell on `host` (default:
    the control plane); KeyError if the lab has no such host."""
    from lab.sim.shell.session import ShellSession

    world = load_world(lab)
    name = host or world.default_host
    if name not in world.hosts:
        raise KeyError(name)
    return world, ShellSession(world, name)


# ---- state <-> rows ----------------------------------------------------------

def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _lab_fields(state: dict) -> dict:
    return {
        "profile": state["profile"],
        "seed": state.get("seed", 0),
        "clock": state.get("clock"),
        "rng_state": state.get("rng"),
        "extra_state": {k: v for k, v in state.items() if k not in _TABLE_KEYS},
    }


def _stored_revision(lab: Lab) -> int | None:
    return Lab.objects.filter(pk=lab.pk).values_list("revision", flat=True).first()


def _api_group(api_version: str) -> str:
    """`apps/v1` -> `apps`; `v1` -> `` (the core group)."""
    return api_version.rpartition("/")[0]


def _object_key(entry: dict) -> tuple[str, str, str]:
    """The store's key: (group resource, namespace, name), e.g. ("deployments.apps", "default", "web")."""
    return entry["resource"], entry.get("namespace") or "", entry["name"]


def _file_split(node: dict) -> tuple[str | None, dict]:
    """A file system entry as (content or None for a directory, the rest)."""
    return node.get("content"), {k: v for k, v in node.items() if k != "content"}


def _file_node(content: str | None, meta: dict) -> dict:
    return dict(meta) if content is None else {**meta, "content": content}


def _file_entries(files: dict) -> dict[tuple[str, str], dict]:
    """{(host, path): node} from the state's {host: {"nodes": {path: node}}}."""
    out = {}
    for host, fs_state in files.items():
        unknown = set(fs_state) - {"nodes"}
        if unknown:
            raise ValueError(f"cannot store host {host!r} file system state: unknown keys {sorted(unknown)}")
        for path, node in fs_state["nodes"].items():
            out[(host, path)] = node
    return out


@dataclass
class _RowChanges:
    """Rows to insert, update and delete for one save."""

    lab: Lab
    create: list = field(default_factory=list)
    update: dict[type, list] = field(default_factory=dict)
    delete: dict[type, list[int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.create or any(self.update.values()) or any(self.delete.values()))

    def apply(self) -> None:
        for model, ids in self.delete.items():
            if ids:
                model.objects.filter(lab=self.lab, id__in=ids).delete()
        for model, rows in self.update.items():
            if rows:
                model.objects.bulk_update(rows, _UPDATE_FIELDS[model], batch_size=500)
        by_model: dict[type, list] = {}
        for row in self.create:
            by_model.setdefault(type(row), []).append(row)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=500)


_UPDATE_FIELDS = {
    ApiObject: ["api_version", "api_group", "kind", "resource_version", "data"],
    LabEvent: ["digest", "data"],
    HostFile: ["content", "meta", "digest"],
}


def _diff_rows(lab: Lab, state: dict) -> _RowChanges:
    changes = _RowChanges(lab)
    _diff_objects(lab, state.get("objects", []), changes)
    _diff_events(lab, state.get("events", []), changes)
    _diff_files(lab, state.get("files", {}), changes)
    return changes


def _diff_table(changes: _RowChanges, model: type, stored: dict, wanted: dict) -> None:
    """Record the row changes that turn `stored` into `wanted`.

    stored: {key: (pk, fingerprint)} as read from the table;
    wanted: {key: (fingerprint, build)}, build() making the unsaved row.
    A row is rebuilt only when its fingerprint differs.
    """
    updates = []
    for key, (fingerprint, build) in wanted.items():
        old = stored.get(key)
        if old is not None and old[1] == fingerprint:
            continue
        row = build()
        if old is None:
            changes.create.append(row)
        else:
            row.pk = old[0]
            updates.append(row)
    changes.update[model] = updates
    changes.delete[model] = [pk for key, (pk, _) in stored.items() if key not in wanted]


def _diff_objects(lab: Lab, entries: list[dict], changes: _RowChanges) -> None:
    """Objects are compared by resourceVersion: the store bumps it on every write."""
    stored = {
        (res, ns, n): (pk, rv)
        for res, ns, n, pk, rv in ApiObject.objects.filter(lab=lab).values_list(
            "resource", "namespace", "name", "id", "resource_version")
    }
    wanted = {}
    for entry in entries:
        unknown = set(entry) - _OBJECT_ENTRY_KEYS
        if unknown:
            raise ValueError(f"cannot store object entry {entry.get('kind')}/{entry.get('name')}: "
                             f"unknown keys {sorted(unknown)}")
        resource, namespace, name = key = _object_key(entry)
        rv = str(entry["resourceVersion"])
        wanted[key] = (rv, partial(ApiObject, lab=lab, resource=resource, api_version=entry["apiVersion"],
                                   api_group=_api_group(entry["apiVersion"]), kind=entry["kind"],
                                   namespace=namespace, name=name, resource_version=rv,
                                   data=entry["object"]))
    _diff_table(changes, ApiObject, stored, wanted)


def _diff_events(lab: Lab, events: list, changes: _RowChanges) -> None:
    stored = {seq: (pk, digest) for seq, pk, digest in
              LabEvent.objects.filter(lab=lab).values_list("seq", "id", "digest")}
    wanted = {}
    # Keyed by the event's resourceVersion when it has one, so a sliding
    # window of recent events rewrites only the rows that came and went.
    for index, data in enumerate(events):
        seq = int(data.get("resourceVersion", index)) if isinstance(data, dict) else index
        digest = _digest(data)
        wanted[seq] = (digest, partial(LabEvent, lab=lab, seq=seq, digest=digest, data=data))
    _diff_table(changes, LabEvent, stored, wanted)


def _diff_files(lab: Lab, files: dict, changes: _RowChanges) -> None:
    stored = {(h, p): (pk, digest) for h, p, pk, digest in
              HostFile.objects.filter(lab=lab).values_list("host", "path", "id", "digest")}
    wanted = {}
    for (host, path), node in _file_entries(files).items():
        digest = _digest(node)
        content, meta = _file_split(node)
        wanted[(host, path)] = (digest, partial(HostFile, lab=lab, host=host, path=path,
                                                content=content, meta=meta, digest=digest))
    _diff_table(changes, HostFile, stored, wanted)
