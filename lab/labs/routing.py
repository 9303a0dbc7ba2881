"""Websocket URLs of the lab page (joined into lab/asgi.py)."""
from django.urls import path

from lab.labs.consumers import TerminalConsumer
from lab.labs.live import LiveConsumer

websocket_urlpatterns = [
    path("ws/lab/<slug:name>/terminal/", TerminalConsumer.as_asgi()),
    path("ws/lab/<slug:name>/live/", LiveConsumer.as_asgi()),
]
