"""One API request = one transaction on the lab, as one terminal command is.

`in_lab(lab, fn)` loads the World, lets the API's clock catch up with wall
time (lab.k8sapi.clock), runs `fn(world)` as a client request (strict
decoding, like kubectl's requests), lets the controllers settle and saves
the difference behind the lab's revision guard. A StatusError (or any
failure) rolls the whole transaction back: a failed request changes nothing.
Another process saving first makes the request run again on the fresh
state, as run_command does.
"""
from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

from django.db import transaction

from lab.labs.models import Lab
from lab.labs.persistence import LabConflict, load_world, save_world

from . import clock
from .models import LabApiAccess

T = TypeVar("T")


def in_lab(lab: Lab, fn: Callable[[Any], T], *, write: bool, field_validation: str = "Strict",
          retries: int = 3) -> tuple[T, Any]:
    """Run `fn(world)` in one transaction; returns (fn's result, the World after it).

    `write` says whether `fn` may change the lab: a read whose clock did not
    move saves nothing. `field_validation` is the request's directive.
    """
    conflicts = 0
    while True:
        try:
            with transaction.atomic():
                access, _ = LabApiAccess.objects.select_for_update().get_or_create(lab=lab)
                world = load_world(lab)
                moved = clock.catch_up(world, access, time.time())
                with world.api.client_request(field_validation=field_validation):
                    result = fn(world)
                if write:
                    world.settle()
                if write or moved:
                    save_world(lab, world, expected_revision=lab.revision)
                    access.next_due = world.next_event_time()
                    access.save(update_fields=["clock_wall", "next_due"])
            return result, world
        except LabConflict:
            conflicts += 1
            if conflicts > retries:
                raise
