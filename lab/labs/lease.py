"""The runner lease: at most one process hosts a lab at a time.

One row per hosted lab (models.RunnerLease). Taking and renewing it is one
conditional UPDATE (the holder is us, or the lease has lapsed), or an
INSERT when there is no row; both are atomic on SQLite and PostgreSQL, so
two processes that try at once cannot both win.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lab.labs.models import RunnerLease

#: how long a lease lasts without renewal (the holder renews every RENEW_SECONDS)
LEASE_SECONDS = 10.0
RENEW_SECONDS = 3.0


def process_identity() -> str:
    """This process as a lease holder: host name, pid and a random tag (a
    restarted process with a reused pid is someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(lab_id: int, holder: str, seconds: float = LEASE_SECONDS) -> bool:
    """Take or renew the lease on `lab_id` for `seconds`; True when `holder` has it."""
    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    taken = RunnerLease.objects.filter(lab_id=lab_id).filter(Q(holder=holder) | Q(expires__lt=now)).update(
        holder=holder, expires=until)
    if taken:
        return True
    try:
        with transaction.atomic():
            RunnerLease.objects.create(lab_id=lab_id, holder=holder, expires=until)
    except IntegrityError:  # someone else holds it (or took it just now)
        return False
    return True


def release(lab_id: int, holder: str) -> None:
    """Give the lease up, if `holder` still has it."""
    RunnerLease.objects.filter(lab_id=lab_id, holder=holder).delete()


def holder_of(lab_id: int) -> str | None:
    """Who holds a live lease on `lab_id` (None when nobody does)."""
    return RunnerLease.objects.filter(lab_id=lab_id, expires__gte=timezone.now()).values_list(
        "holder", flat=True).first()
