"""Websocket URLs of the classrooms (joined into lab/asgi.py)."""
from django.urls import path

from .consumers import DashboardConsumer, LabViewConsumer

websocket_urlpatterns = [
    path("ws/classrooms/<int:pk>/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/classrooms/labs/<int:pk>/", LabViewConsumer.as_asgi()),
]
