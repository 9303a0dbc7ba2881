"""`manage.py labcert [--host NAME ...]`: a TLS key and certificate for the lab server.

Writes var/tls/lab-server.key and lab-server.crt (valid for 127.0.0.1,
localhost and every --host) and prints the daphne command that serves them.
"""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from lab.k8sapi.tls import create_certificate, tls_dir


class Command(BaseCommand):
    help = "Create a self-signed TLS certificate so kubectl can reach labs over https."

    def add_arguments(self, parser):
        parser.add_argument("--host", action="append", default=[], help="another name or IP the server answers on")
        parser.add_argument("--port", type=int, default=8443, help="the port in the printed daphne command")

    def handle(self, *args, host: list[str], port: int, **options):
        cert, key = create_certificate(tls_dir(settings.VAR_DIR), ["127.0.0.1", "localhost", *host])
        self.stdout.write(f"daphne -e ssl:{port}:privateKey={key}:certKey={cert} lab.asgi:application\n", ending="")
