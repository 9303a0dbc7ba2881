"""Per-lab API access: the bearer token and the API's wall-clock anchor."""
from __future__ import annotations

import secrets

from django.db import models

from lab.labs.models import Lab


def new_token() -> str:
    """A bearer token: 32 random bytes, URL-safe (what kubeconfig's `token:` holds)."""
    return secrets.token_urlsafe(32)


class LabApiAccess(models.Model):
    """How real Kubernetes clients reach one lab.

    `token` authenticates requests under /k8s/<lab id>/. `clock_wall` is
    the wall time (Unix seconds) up to which the API has moved the lab's
    virtual clock; the API keeps the lab's clock in step with wall time
    (times `clock_rate`) while clients use it (see lab.k8sapi.clock).
    """

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="api_access")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    clock_wall = models.FloatField(null=True, blank=True)
    #: virtual seconds per wall second for this lab; null: settings.LAB_API_CLOCK_RATE
    clock_rate = models.FloatField(null=True, blank=True)
    #: the virtual time of the lab's next timer when the API last saved it (null: none),
    #: so an idle watch knows that moving the clock would change nothing yet
    next_due = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"API access to lab {self.lab_id}"


def access_for(lab: Lab) -> LabApiAccess:
    """The lab's API access row, created (with a fresh token) on first use."""
    access, _ = LabApiAccess.objects.get_or_create(lab=lab)
    return access
