"""`kubectl cluster-info` (cmd/clusterinfo/clusterinfo.go).

Prints the control plane's URL, then every Service labelled
kubernetes.io/cluster-service=true in kube-system as a proxy URL (or its
LoadBalancer ingress), named by its kubernetes.io/name label. kubectl 1.32
prints these lines without colour escapes, to a pipe or a terminal alike.
"""
from __future__ import annotations

from .base import subcommand
from .errors import KubectlError


def server_url(inv) -> str:
    cfg = inv.api.config
    return f"https://{cfg.advertise_address}:{cfg.secure_port}"


def service_link(host: str, svc: dict) -> str:
    spec = svc.get("spec") or {}
    meta = svc.get("metadata") or {}
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        ip = ingress[0].get("ip") or ingress[0].get("hostname") or ""
        return "".join(f"http://{ip}:{p.get('port')} " for p in spec.get("ports") or [])
    name = meta.get("name", "")
    ports = spec.get("ports") or []
    if ports:
        port = ports[0]
        scheme = "https" if port.get("name") == "https" or port.get("port") == 443 else ""
        # utilnet.JoinSchemeNamePort: [scheme:]name[:port]
        parts = ([scheme] if scheme else []) + [name] + ([port["name"]] if port.get("name") else [])
        name = ":".join(parts)
    return f"{host}/api/v1/namespaces/{meta.get('namespace', '')}/services/{name}/proxy"


@subcommand("cluster-info")
def run_cluster_info(inv, parsed) -> int:
    if parsed.args and parsed.args[0] == "dump":
        # SIMPLIFICATION: `cluster-info dump` is not simulated.
        raise KubectlError("cluster-info dump is not available in this lab")
    host = server_url(inv)
    namespace = parsed.get("namespace") or "kube-system"
    services = inv.api.list("services", namespace=namespace, label_selector="kubernetes.io/cluster-service=true")
    out = f"Kubernetes control plane is running at {host}\n"
    for svc in services:
        label = ((svc.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/name") or svc["metadata"]["name"]
        out += f"{label} is running at {service_link(host, svc)}\n"
    out += "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    inv.out(out)
    return 0
