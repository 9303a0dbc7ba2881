"""Logging a visitor in without losing the labs they made anonymously.

Django's login() gives the browser a new session key (against session
fixation), so the key that owns the visitor's "just try it" labs is read
first, and those labs are handed to the user afterwards."""
from __future__ import annotations

from typing import Any

from django.contrib.auth import login

from lab.labs.ownership import adopt_session_labs


def login_keeping_labs(request: Any, user: Any, backend: str | None = None) -> list:
    """login(request, user), then move the previous session's labs to
    `user`; the labs moved."""
    anonymous_key = None if request.user.is_authenticated else request.session.session_key
    login(request, user, backend=backend)
    return adopt_session_labs(anonymous_key, user)
