"""The control plane's own images: kube-apiserver, etcd, kube-controller-manager, kube-scheduler.

They run as static Pods on the host's network and listen where their flags
say (the apiserver on --secure-port, etcd on 2379/2380 and its metrics on
2381, the controller manager on 10257, the scheduler on 10259). The
apiserver answers an anonymous HTTPS client as a kubeadm cluster's does:
system:public-info-viewer may read /version, /healthz, /livez and /readyz;
any other path is the 403 Status `forbidden: User "system:anonymous" cannot
get path ...`. The health endpoints the kubelet probes answer "ok".
SIMPLIFICATION: each serves its health paths on every address it listens
on (the real ones bind some ports to 127.0.0.1 only).
"""
from __future__ import annotations

import json
from typing import Any

from .base import ContainerEnv, Request, Response, StartResult, Workload

PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")
HEALTH_PATHS = ("/healthz", "/livez", "/readyz", "/health")


def _flag(env: ContainerEnv, name: str, default: str) -> str:
    for arg in env.command + env.args:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default


def _text(status: int, body: str) -> Response:
    return Response(status, "", [("content-type", "text/plain; charset=utf-8"),
                                 ("x-content-type-options", "nosniff")], body, version="HTTP/2")


class ControlPlaneImage(Workload):
    """A control-plane binary: listens on its ports and answers its health checks."""

    known = True
    pull_seconds = 5.0
    #: (port, protocol) it listens on, and which of them speak TLS
    ports: tuple[int, ...] = ()
    tls: frozenset[int] = frozenset()

    def __init__(self, ref: Any = None):
        self.ref = ref

    def listen_ports(self, env: ContainerEnv) -> tuple[int, ...]:
        return self.ports

    def tls_ports(self, env: ContainerEnv) -> frozenset[int]:
        return self.tls

    def start(self, env: ContainerEnv) -> StartResult:
        return StartResult(running=True, listens=[(p, "TCP") for p in self.listen_ports(env)])

    def serve(self, env: ContainerEnv, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] in HEALTH_PATHS:
            return _text(200, "ok")
        return _text(404, "404 page not found\n")


class KubeApiserver(ControlPlaneImage):
    def listen_ports(self, env: ContainerEnv) -> tuple[int, ...]:
        return (int(_flag(env, "secure-port", "6443")),)

    def tls_ports(self, env: ContainerEnv) -> frozenset[int]:
        return frozenset(self.listen_ports(env))

    def serve(self, env: ContainerEnv, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        headers = [("audit-id", _audit_id(env, request)), ("cache-control", "no-cache, private")]
        if path == "/version":
            from ..kubectl.cmd_version import SERVER_BUILD_DATE, version_info

            image = str(env.container.get("image", ""))
            info = version_info(image.rsplit(":", 1)[-1] if ":" in image else "", SERVER_BUILD_DATE)
            return Response(200, "", headers + [("content-type", "application/json")],
                            json.dumps(info, indent=2), version="HTTP/2")
        if path in PUBLIC_PATHS:
            return Response(200, "", headers + [("content-type", "text/plain; charset=utf-8"),
                                                ("x-content-type-options", "nosniff")], "ok", version="HTTP/2")
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": f'forbidden: User "system:anonymous" cannot get path "{path}"',
                  "reason": "Forbidden", "details": {}, "code": 403}
        return Response(403, "", headers + [("content-type", "application/json"),
                                            ("x-content-type-options", "nosniff")],
                        json.dumps(status, indent=2) + "\n", version="HTTP/2")


def _audit_id(env: ContainerEnv, request: Request) -> str:
    """A fresh UUID per request, as the apiserver's audit layer gives (counted per container)."""
    import uuid

    count = int(env.state.get("requests", 0)) + 1
    env.state["requests"] = count
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{env.pod['metadata'].get('uid', '')}/{count}"))


class Etcd(ControlPlaneImage):
    ports = (2379, 2380, 2381)
    tls = frozenset({2379, 2380})


class KubeControllerManager(ControlPlaneImage):
    ports = (10257,)
    tls = frozenset({10257})


class KubeScheduler(ControlPlaneImage):
    ports = (10259,)
    tls = frozenset({10259})


IMAGES = {"kube-apiserver": KubeApiserver, "etcd": Etcd, "kube-controller-manager": KubeControllerManager,
          "kube-scheduler": KubeScheduler}
