"""Websockets below /k8s/ (the exec stream) go to the lab API, the others to the lab page's routes.

Real clients send no Origin header and authenticate with the lab's bearer
token, so these websockets do not pass the page's origin check and session
middleware.
"""
from __future__ import annotations

from channels.routing import URLRouter
from django.urls import re_path

from .consumers import ExecConsumer

_API = URLRouter([re_path(r"^k8s/(?P<lab_id>[0-9]+)/(?P<path>.*)$", ExecConsumer.as_asgi())])


def with_lab_api(page_websockets):
    """An ASGI app: /k8s/ websockets to the lab API, the rest to `page_websockets`."""
    async def app(scope, receive, send):
        if scope.get("path", "").startswith("/k8s/"):
            return await _API(scope, receive, send)
        return await page_websockets(scope, receive, send)
    return app
