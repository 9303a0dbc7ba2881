"""The two roles of Service Lab as Django groups, and their permissions.

A learner works in their own labs; an instructor also teaches classrooms
(creates them and follows their learners). Everyone who signs up is a
learner; staff make someone an instructor by adding them to the
instructor group in the admin site. The groups and permissions are made
by the data migration 0002_roles.
"""
from __future__ import annotations

from typing import Any

LEARNER = "learner"
INSTRUCTOR = "instructor"

#: codename -> description of the permissions the roles are made of
PERMISSIONS = {
    "use_labs": "Can work in labs of their own",
    "teach_classrooms": "Can create classrooms and follow their learners",
}

#: group name -> codenames it grants
ROLE_PERMISSIONS = {
    LEARNER: ["use_labs"],
    INSTRUCTOR: ["use_labs", "teach_classrooms"],
}


def is_instructor(user: Any) -> bool:
    """True for a signed-in user who may teach classrooms (superusers included)."""
    return bool(user.is_authenticated and user.has_perm("accounts.teach_classrooms"))


def ensure_roles() -> dict[str, Any]:
    """The role groups with their permissions, made again if missing (a
    flushed database, or a group deleted in the admin site); {name: Group}."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="role")
    permissions = {codename: Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name})[0]
        for codename, name in PERMISSIONS.items()}
    groups = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        groups[name], _ = Group.objects.get_or_create(name=name)
        groups[name].permissions.add(*(permissions[c] for c in codenames))
    return groups


def make_learner(user: Any) -> None:
    """Put a new account in the learner group."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=LEARNER).first() or ensure_roles()[LEARNER]
    user.groups.add(group)
