"""WSGI entry point (plain HTTP only; the lab itself is served over ASGI)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")

application = get_wsgi_application()
