"""registry.k8s.io/e2e-test-images/jessie-dnsutils: the DNS debugging image.

The Pod of the Kubernetes "Debugging DNS Resolution" guide
(`kubectl apply -f https://k8s.io/examples/admin/dns/dnsutils.yaml`): Debian
jessie with bind 9.9's dig, nslookup and host, glibc's getent, run with
`sleep infinity` as its command.
"""
from __future__ import annotations

from .image import ImageWorkload


class DnsUtils(ImageWorkload):
    cmd = ("bash",)
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh", "dig", "nslookup", "host", "getent", "ping", "ip", "hostname"})
    pull_seconds = 6.0
