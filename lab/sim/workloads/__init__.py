"""The image catalogue: what a container of a known image does.

`workload_for(container)` picks the behaviour by the image name, whatever
registry prefix or tag it carries (`nginx`, `nginx:1.27`,
`docker.io/library/nginx:1.27` are the same image). Unknown images run,
listen on nothing and have no tools (`known = False`).
"""
from __future__ import annotations

from typing import Any

from .base import ContainerEnv, Request, Response, StartResult, Workload
from .bootcamp import Bootcamp
from .busybox import Busybox
from .control_plane import IMAGES as _CONTROL_PLANE
from .echoserver import EchoServer
from .flannel import Flannel
from .httpd import Httpd
from .image import ImageRef, ImageWorkload, parse_image
from .nginx import Nginx
from .python import Python

__all__ = ["ContainerEnv", "Request", "Response", "StartResult", "Workload", "ImageWorkload",
           "ImageRef", "parse_image", "workload_for", "UnknownImage"]

_DOCKER_HUB = {"flannel/flannel": Flannel, "flannel/flannel-cni-plugin": Flannel, "nginx": Nginx, "httpd": Httpd, "busybox": Busybox, "python": Python,
               "jocatalin/kubernetes-bootcamp": Bootcamp}
_ECHOSERVER_REGISTRIES = {"registry.k8s.io", "k8s.gcr.io", "gcr.io"}


class UnknownImage(Workload):
    """An image the lab does not know: it runs and does nothing else."""

    known = False

    def __init__(self, ref: ImageRef):
        self.ref = ref


def workload_for(container: dict[str, Any]) -> Workload:
    """The Workload for a container spec (its `image` decides)."""
    ref = parse_image(container.get("image") or "")
    cls: Any = None
    if ref.registry == "docker.io":
        cls = _DOCKER_HUB.get(ref.path)
    elif ref.registry == "gcr.io" and ref.path == "google-samples/kubernetes-bootcamp":
        cls = Bootcamp
    elif ref.registry in _ECHOSERVER_REGISTRIES and ref.path in ("echoserver", "google_containers/echoserver"):
        cls = EchoServer
    elif ref.registry == "registry.k8s.io" and ref.path == "coredns/coredns":
        from .coredns import CoreDNS

        cls = CoreDNS
    elif ref.registry == "registry.k8s.io" and ref.path == "e2e-test-images/jessie-dnsutils":
        from .dnsutils import DnsUtils

        cls = DnsUtils
    elif ref.registry == "registry.k8s.io" and ref.path == "kube-proxy":
        from ..proxy.kubeproxy import KubeProxyWorkload  # the proxy imports this package

        cls = KubeProxyWorkload
    elif ref.registry == "registry.k8s.io" and ref.path in _CONTROL_PLANE:
        cls = _CONTROL_PLANE[ref.path]
    return cls(ref) if cls else UnknownImage(ref)


def exec_in_container(world: Any, pod: dict[str, Any], container: str, argv: list[str]) -> tuple[int, str]:
    """Run a command in a running container: (exit code, output) (exec probes)."""
    from .execute import exec_in_container as run

    return run(world, pod, container, argv)
