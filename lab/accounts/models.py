"""The accounts app keeps no tables of its own: users are Django's.

`Role` exists only to own the roles' permissions (a permission belongs to
a content type); it has no table.
"""
from django.db import models

from lab.accounts.roles import PERMISSIONS


class Role(models.Model):
    """Holder of the role permissions (see lab.accounts.roles)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(PERMISSIONS.items())
