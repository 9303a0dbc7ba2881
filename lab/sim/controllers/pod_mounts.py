"""The files the kubelet puts into every container besides the image's own.

- /etc/hostname: the Pod's hostname (spec.hostname or the Pod's name, cut
  to 63 characters as GeneratePodHostNameAndDomain does; the node's name
  for hostNetwork Pods), the file the sandbox's UTS name comes from;
- /etc/hosts and /etc/resolv.conf: lab.sim.dns.resolvconf;
- the ServiceAccount token volume at
  /var/run/secrets/kubernetes.io/serviceaccount (ca.crt from the
  namespace's kube-root-ca.crt, namespace, and a bound token whose claims
  are the ones the apiserver puts in: audience and issuer, the Pod, its
  node and its ServiceAccount, `warnafter` 3607 seconds on, an expiry a year on).

SIMPLIFICATION: the token's signature is random bytes from the kubelet's
stream, since the lab has no signing key; the header and the claims have
the real shape.
"""
from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from ..api.serviceaccounts import TOKEN_EXPIRATION_SECONDS, TOKEN_MOUNT_PATH, VOLUME_PREFIX
from ..dns.resolvconf import write_pod_files as write_pod_dns_files

HOSTNAME_MAX = 63
#: --service-account-extend-token-expiration (on by default): a token asked for
#: with 3607 seconds lives a year, and the apiserver warns about its use after 3607 s
EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600


def pod_hostname(world: Any, pod: dict[str, Any]) -> str:
    """The hostname a container of the Pod sees (truncatePodHostnameIfNeeded)."""
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return spec.get("nodeName") or ""
    name = spec.get("hostname") or pod["metadata"]["name"]
    if len(name) > HOSTNAME_MAX:
        name = name[:HOSTNAME_MAX].rstrip("-.")
    return name


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _token(world: Any, pod: dict[str, Any]) -> str:
    """A bound ServiceAccount token (a JWT) as the kubelet requests it for the Pod."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    ns = meta.get("namespace", "default")
    sa_name = spec.get("serviceAccountName") or "default"
    sa = world.store.peek("serviceaccounts", ns, sa_name) or {"metadata": {}}
    node = world.store.peek("nodes", "", spec.get("nodeName") or "") or {"metadata": {}}
    issuer = f"https://kubernetes.default.svc.{world.profile.cluster_domain}"
    now = int(world.clock.now.timestamp())
    rng = world.random("kubelet:tokens")
    header = {"alg": "RS256", "kid": _b64url(rng.getrandbits(256).to_bytes(32, "big"))[:43]}
    claims = {
        "aud": [issuer], "exp": now + EXTENDED_EXPIRATION_SECONDS, "iat": now, "iss": issuer,
        "jti": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "kubernetes.io": {
            "namespace": ns,
            "node": {"name": spec.get("nodeName") or "", "uid": node["metadata"].get("uid", "")},
            "pod": {"name": meta["name"], "uid": meta.get("uid", "")},
            "serviceaccount": {"name": sa_name, "uid": sa["metadata"].get("uid", "")},
            "warnafter": now + TOKEN_EXPIRATION_SECONDS,
        },
        "nbf": now, "sub": f"system:serviceaccount:{ns}:{sa_name}",
    }
    signature = rng.getrandbits(2048).to_bytes(256, "big")
    return ".".join((_b64url(json.dumps(header, separators=(",", ":")).encode()),
                     _b64url(json.dumps(claims, separators=(",", ":")).encode()), _b64url(signature)))


def _mounts_token(pod: dict[str, Any], container: dict[str, Any]) -> bool:
    names = {v.get("name") for v in (pod.get("spec") or {}).get("volumes") or []
             if str(v.get("name", "")).startswith(VOLUME_PREFIX) and v.get("projected") is not None}
    return any(m.get("mountPath") == TOKEN_MOUNT_PATH and m.get("name") in names
               for m in container.get("volumeMounts") or [])


def write_pod_files(world: Any, pod: dict[str, Any], container: dict[str, Any], fs: Any, ip: str) -> None:
    """Everything the kubelet mounts into a new container of `pod`."""
    write_pod_dns_files(world, pod, fs, ip)
    fs.write("/etc/hostname", pod_hostname(world, pod) + "\n")
    if _mounts_token(pod, container):
        from ..bootstrap import CA_CERT

        ns = pod["metadata"].get("namespace", "default")
        root_ca = world.store.peek("configmaps", ns, "kube-root-ca.crt")
        fs.mkdir(TOKEN_MOUNT_PATH, parents=True)
        fs.write(f"{TOKEN_MOUNT_PATH}/ca.crt", ((root_ca or {}).get("data") or {}).get("ca.crt", CA_CERT))
        fs.write(f"{TOKEN_MOUNT_PATH}/namespace", ns)
        fs.write(f"{TOKEN_MOUNT_PATH}/token", _token(world, pod))
