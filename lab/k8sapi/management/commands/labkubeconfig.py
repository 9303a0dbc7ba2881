"""`manage.py labkubeconfig NAME --server URL`: a kubeconfig for the command line's lab NAME.

    python manage.py labkubeconfig default --server http://127.0.0.1:8000 > lab.kubeconfig
    kubectl --kubeconfig lab.kubeconfig get svc

NAME is the lab `manage.py labsh --lab NAME` uses; like labsh, the lab is
created from --profile (default kubeadm) on first use. URL is where the lab
server (daphne) answers; the lab's API is below it at /k8s/<lab id>.
kubectl sends the token to https servers only: serve TLS (manage.py labcert)
and give an https URL; the kubeconfig then trusts that certificate.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lab.k8sapi.kubeconfig import kubeconfig
from lab.k8sapi.models import access_for
from lab.labs.persistence import DEFAULT_PROFILE, create_lab, get_cli_lab


class Command(BaseCommand):
    help = "Print a kubeconfig that points kubectl (or k9s, Headlamp, a client library) at a lab."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the lab's name (as with labsh --lab)")
        parser.add_argument("--server", required=True, help="the lab server's base URL, e.g. http://127.0.0.1:8000")
        parser.add_argument("--insecure-skip-tls-verify", action="store_true",
                            help="do not verify the server's certificate")
        parser.add_argument("--clock-rate", type=float, default=None,
                            help="virtual seconds per wall second while clients use the API "
                                 "(0 keeps the clock still; default: the server's LAB_API_CLOCK_RATE)")
        parser.add_argument("--profile", help=f"cluster profile if the lab is new (default: {DEFAULT_PROFILE})")

    def handle(self, *args, name: str, server: str, profile: str | None, insecure_skip_tls_verify: bool,
               clock_rate: float | None, **options):
        if not server.startswith(("http://", "https://")):
            raise CommandError(f"--server must be an http:// or https:// URL, not {server!r}")
        lab = get_cli_lab(name)
        if lab is None:
            lab = create_lab(name, profile or DEFAULT_PROFILE)
        elif profile and profile != lab.profile:
            raise CommandError(f"lab {name!r} is a {lab.profile!r} lab, not {profile!r}")
        if clock_rate is not None:
            if clock_rate < 0:
                raise CommandError(f"--clock-rate must not be negative, not {clock_rate}")
            access = access_for(lab)
            access.clock_rate = clock_rate
            access.save(update_fields=["clock_rate"])
        if server.startswith("http://"):
            self.stderr.write("warning: kubectl sends the token only over https; serve TLS (manage.py labcert) "
                              "and use an https:// --server\n", ending="")
        self.stdout.write(kubeconfig(lab, server, insecure=insecure_skip_tls_verify), ending="")
