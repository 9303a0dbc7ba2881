"""ASGI entry point: HTTP through Django; websockets (the lab page's
terminal) through Channels, for pages of our own hosts only (the Origin
header must name one of ALLOWED_HOSTS) and with the Django session, which
owns anonymous visitors' labs. Websockets below /k8s/ are the lab API's
exec streams (lab/k8sapi/routing.py), authenticated by the lab's token."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")

django_asgi_app = get_asgi_application()

# After Django setup: these import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from lab.classrooms.routing import websocket_urlpatterns as classroom_sockets  # noqa: E402
from lab.k8sapi.routing import with_lab_api  # noqa: E402
from lab.labs.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": with_lab_api(AllowedHostsOriginValidator(AuthMiddlewareStack(
        URLRouter(websocket_urlpatterns + classroom_sockets)))),
})
