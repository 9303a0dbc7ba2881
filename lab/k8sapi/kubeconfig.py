"""A kubeconfig for one lab: its API URL and bearer token."""
from __future__ import annotations

import base64

import yaml
from django.conf import settings

from lab.labs.models import Lab

from .models import access_for
from .tls import certificate, tls_dir


def lab_api_url(server: str, lab: Lab) -> str:
    """The lab's API base URL below the lab server's URL (`http://host:8000` -> `.../k8s/<id>`)."""
    return f"{server.rstrip('/')}/k8s/{lab.pk}"


def kubeconfig(lab: Lab, server: str, *, insecure: bool = False) -> str:
    """kubeconfig YAML with one cluster, user and context, named after the lab.

    For an https server the lab server's certificate (manage.py labcert) is
    the cluster's certificate authority, unless `insecure` skips verification.
    """
    access = access_for(lab)
    name = f"lab-{lab.name}"
    cluster: dict = {"server": lab_api_url(server, lab)}
    if server.startswith("https://"):
        pem = certificate(tls_dir(settings.VAR_DIR))
        if insecure or pem is None:
            cluster["insecure-skip-tls-verify"] = True
        else:
            cluster["certificate-authority-data"] = base64.b64encode(pem).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": access.token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
