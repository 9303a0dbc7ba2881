"""Stored labs: one simulated cluster per row, its API objects, events and files.

The engine (lab.sim) keeps a World in memory while a command runs; these
tables hold the World between commands (see lab.labs.persistence). Rows are
written only when they changed, so saving a big lab after a small command
writes a few rows.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q


class OrderedJSONField(models.TextField):
    """JSON stored as text, so a dict comes back with its keys in the order
    they were saved, on every backend (PostgreSQL's jsonb would sort them).
    The engine's objects are Kubernetes JSON whose key order is part of
    what it prints."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Lab(models.Model):
    """A learner's simulated cluster.

    Exactly one kind of owner: a user, an anonymous browser session (its
    session key), or the command line (`manage.py labsh`), which owns its
    labs by name alone. `revision` counts saves; a save names the revision
    it started from and fails if another save came first (optimistic
    concurrency between server processes).
    """

    class OwnerKind(models.TextChoices):
        USER = "user", "user"
        SESSION = "session", "browser session"
        CLI = "cli", "command line"

    name = models.CharField(max_length=100)
    owner_kind = models.CharField(max_length=10, choices=OwnerKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="labs")
    session_key = models.CharField(max_length=40, blank=True, default="")
    profile = models.CharField(max_length=50, default="kubeadm")
    seed = models.BigIntegerField(default=0)
    clock = OrderedJSONField(null=True, blank=True, help_text="the World's virtual time")
    rng_state = OrderedJSONField(null=True, blank=True)
    extra_state = OrderedJSONField(default=dict, blank=True,
                                   help_text="the rest of World.to_state(), kept as given")
    revision = models.PositiveBigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="lab_one_owner",
                condition=(
                    Q(owner_kind="user", user__isnull=False, session_key="")
                    | Q(owner_kind="session", user__isnull=True) & ~Q(session_key="")
                    | Q(owner_kind="cli", user__isnull=True, session_key="")
                ),
            ),
            models.UniqueConstraint(fields=["user", "name"], condition=Q(owner_kind="user"),
                                    name="lab_unique_name_per_user"),
            models.UniqueConstraint(fields=["session_key", "name"], condition=Q(owner_kind="session"),
                                    name="lab_unique_name_per_session"),
            models.UniqueConstraint(fields=["name"], condition=Q(owner_kind="cli"),
                                    name="lab_unique_name_cli"),
        ]

    def __str__(self) -> str:
        owner = {"user": f"user {self.user_id}", "session": f"session {self.session_key[:8]}",
                 "cli": "cli"}.get(self.owner_kind, self.owner_kind)
        return f"{self.name} ({owner}, {self.profile}, rev {self.revision})"


class ApiObject(models.Model):
    """One object of the simulated apiserver's store, as Kubernetes JSON.

    Cluster-scoped objects have namespace "". The key is (resource,
    namespace, name) as in the engine's store, where resource is the group
    resource (`services`, `deployments.apps`), which names the API group and
    kind; `api_version` is the version the object is stored at.
    """

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="api_objects")
    resource = models.CharField(max_length=200)
    api_version = models.CharField(max_length=100)
    api_group = models.CharField(max_length=100, blank=True, default="")
    kind = models.CharField(max_length=100)
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253)
    resource_version = models.CharField(max_length=40)
    data = OrderedJSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lab", "resource", "namespace", "name"],
                                    name="apiobject_unique_key"),
        ]

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name} (rv {self.resource_version})"


class LabEvent(models.Model):
    """One entry of the World's event history, in the order the engine keeps it."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    data = OrderedJSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "seq"], name="labevent_unique_seq")]
        ordering = ["lab", "seq"]


class HostFile(models.Model):
    """A file or directory on one simulated host (a node or `external`).

    `content` is the file's text (null for a directory); `meta` the rest of the engine's entry
    (is it a directory, mode, mtime). `digest` fingerprints both, so a save
    finds changed files without reading their content.
    """

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="files")
    host = models.CharField(max_length=253)
    path = models.CharField(max_length=4096)
    content = models.TextField(null=True, blank=True)
    meta = OrderedJSONField(default=dict)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "host", "path"], name="hostfile_unique_path")]

    def __str__(self) -> str:
        return f"{self.host}:{self.path}"


class RunnerLease(models.Model):
    """Which server process hosts a lab's runner (lab.labs.runner) now.

    A lab that someone watches lives in exactly one process, which plays
    its clock and runs its commands. That process holds this row and
    renews `expires` every few seconds; another process may take the lab
    over only once the lease has lapsed (its holder died or stopped).
    """

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, primary_key=True, related_name="runner_lease")
    holder = models.CharField(max_length=200, help_text="the process: host, pid and a random tag")
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"lab {self.lab_id} held by {self.holder} until {self.expires.isoformat()}"
