"""ASGI entry point: HTTP through Django; websockets join here when the
lab page's consumers land (a ProtocolTypeRouter "websocket" entry)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402  (after Django setup)

application = ProtocolTypeRouter({"http": django_asgi_app})
