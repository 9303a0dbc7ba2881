"""Logging a visitor in without losing the labs they made anonymously.

Django's login() gives the browser a new session key (against session
fixation), so the key that owns the visitor's "just try it" labs is read
first, and those labs are handed to the user afterwards."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import login
from django.urls import Resolver404, resolve, reverse

from lab.labs.ownership import adopt_session_labs
from lab.labs.views import DEFAULT_LAB


def login_keeping_labs(request: Any, user: Any, backend: str | None = None) -> dict:
    """login(request, user), then move the previous session's labs to
    `user`; {name they had in the session: the lab}."""
    anonymous_key = None if request.user.is_authenticated else request.session.session_key
    login(request, user, backend=backend)
    return adopt_session_labs(anonymous_key, user)


def lab_page_after_login(target: str, adopted: dict) -> str:
    """Where to go after logging in: `target`, except that a lab page of
    a lab that was adopted under a new name (the user had a lab of that
    name already) goes to that lab's new name, so the learner carries on
    in the lab they were using."""
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return target
    if match.url_name not in ("lab", "lab-named"):
        return target
    name = match.kwargs.get("name", DEFAULT_LAB)
    lab = adopted.get(name)
    if lab is None or lab.name == name:
        return target
    return reverse("lab-named", kwargs={"name": lab.name})
