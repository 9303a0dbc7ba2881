"""Whose lab is this? The one place that maps a visitor to their labs.

A signed-in visitor's labs belong to their user; an anonymous visitor's
labs belong to their browser session. A lab is only ever looked up among
the labs of the visitor asking, so another visitor's lab of the same name
is simply not there: HTTP answers with the visitor's own lab (made on the
first visit) and the terminal websocket with "no lab" (404), which says
nothing about whether someone else has a lab of that name.

When an anonymous visitor signs up or logs in, `adopt_session_labs` moves
the labs of their browser session to their user, so a "just try it" lab
is kept. An open terminal asks `still_owned` before every command, so
logging out (or in) elsewhere in the browser ends it.
"""
from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.db import IntegrityError, transaction

from lab.labs.models import Lab
from lab.labs.persistence import create_lab


def owned_labs(user: Any = None, session_key: str | None = None):
    """The labs of a signed-in `user`, else of the browser session
    `session_key`; no labs at all for neither."""
    if user is not None and user.is_authenticated:
        return Lab.objects.filter(owner_kind=Lab.OwnerKind.USER, user=user)
    if session_key:
        return Lab.objects.filter(owner_kind=Lab.OwnerKind.SESSION, session_key=session_key)
    return Lab.objects.none()


def lab_for_request(request: Any, name: str, profile: str) -> Lab:
    """The visitor's lab `name`, created from `profile` on the first visit.

    An anonymous visitor is their browser session: the session is saved
    (and its cookie set) so the terminal's websocket finds the same lab."""
    user = request.user
    if user.is_authenticated:
        owner = {"user": user}
        owned = owned_labs(user=user)
    else:
        labs = request.session.get("labs", [])
        if name not in labs:
            request.session["labs"] = sorted({*labs, name})
        if request.session.session_key is None:
            request.session.save()
        owner = {"session_key": request.session.session_key}
        owned = owned_labs(session_key=request.session.session_key)
    lab = owned.filter(name=name).first()
    if lab is None:
        try:
            with transaction.atomic():
                lab = create_lab(name, profile, **owner)
        except IntegrityError:  # the same visitor's other request created it first
            lab = owned.get(name=name)
    return lab


def lab_for_scope(scope: dict, name: str) -> Lab | None:
    """The lab `name` of the websocket's visitor (scope["user"] from
    Channels' AuthMiddleware, else scope["session"]); None if they have none."""
    user = scope.get("user")
    session = scope.get("session")
    key = session.session_key if session is not None else None
    return owned_labs(user=user, session_key=key).filter(name=name).first()


def can_view_lab(user: Any, lab: Lab, session_key: str | None = None) -> bool:
    """Whether `user` (or, anonymous, the browser session `session_key`) may
    read `lab`: its owner, or the instructor of a classroom the owner joined
    whose lessons include the lesson the lab follows. Only its owner may
    change it (lab_for_request, lab_for_scope)."""
    if owned_labs(user=user, session_key=session_key).filter(pk=lab.pk).exists():
        return True
    from lab.classrooms.access import teaches_lab

    return user is not None and teaches_lab(user, lab)


def still_owned(scope: dict, lab_pk: int) -> bool:
    """Whether the websocket's visitor still owns lab `lab_pk`, by their
    session as it is stored now: the terminal asks before every command,
    as the browser may have logged out (or in, or changed the password,
    which signs out its other sessions) since the socket opened."""
    session = scope.get("session")
    key = session.session_key if session is not None else None
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    if not store.exists(key):
        return False
    user = get_user(SimpleNamespace(session=store))  # Django's check, session auth hash included
    return owned_labs(user=user, session_key=key).filter(pk=lab_pk).exists()


def free_name(name: str, taken: set[str], max_length: int) -> str:
    """`name`, or `name-2`, `name-3` ... : the first one not in `taken`,
    cut so it stays within `max_length`."""
    if name not in taken:
        return name
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = name[:max_length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def adopt_session_labs(session_key: str | None, user: Any) -> dict[str, Lab]:
    """Give the labs of the browser session `session_key` to `user`;
    {name in the session: the adopted lab}.

    A session lab whose name the user already has is kept under the next
    free name (`default-2` beside the user's own `default`)."""
    if not session_key or not user.is_authenticated:
        return {}
    max_length = Lab._meta.get_field("name").max_length
    with transaction.atomic():
        taken = set(owned_labs(user=user).values_list("name", flat=True))
        adopted = {}
        for lab in owned_labs(session_key=session_key).select_for_update().order_by("name"):
            adopted[lab.name] = lab
            lab.name = free_name(lab.name, taken, max_length)
            taken.add(lab.name)
            lab.owner_kind, lab.user, lab.session_key = Lab.OwnerKind.USER, user, ""
            # Only the owner columns: the lab's World (and its revision) is untouched.
            lab.save(update_fields=["name", "owner_kind", "user", "session_key"])
    return adopted


def lab_for_visitor(request: Any, name: str) -> Lab | None:
    """The visitor's existing lab `name` (None for anybody else's or a
    missing one: the endpoints answer both alike)."""
    return owned_labs(getattr(request, "user", None), request.session.session_key).filter(name=name).first()
