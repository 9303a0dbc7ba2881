"""Streams that follow a lab (watches, `logs -f`): when is a poll worth a World?"""
from __future__ import annotations

import time
from typing import Any

from . import clock


class LabPoller:
    """Remembers the lab's revision at the last look; `idle()` says nothing can have changed since."""

    def __init__(self, lab: Any):
        self.lab = lab
        self.seen_revision: int | None = None

    def looked(self) -> None:
        """Call after a transaction on the lab (in_lab refreshes `lab.revision`)."""
        self.seen_revision = self.lab.revision

    def idle(self) -> bool:
        """Nobody saved the lab since the last look, and the clock would not reach its next
        timer: two cheap queries and no World."""
        from lab.labs.models import Lab

        from .models import LabApiAccess

        row = Lab.objects.filter(pk=self.lab.pk).values_list("revision", "clock").first()
        access = LabApiAccess.objects.filter(lab_id=self.lab.pk).first()
        if row is None or access is None or row[0] != self.seen_revision:
            return False
        return clock.would_change_nothing(float(row[1] or 0.0), access, time.time())
