"""The kube-apiserver static Pod manifest on the control-plane host.

As on a kubeadm node, the apiserver's flags live in
/etc/kubernetes/manifests/kube-apiserver.yaml. The kubelet restarts the
apiserver whenever that file changes; the lab does the same, reading the
flags it honours (--service-cluster-ip-range, --service-node-port-range,
--advertise-address, --secure-port) from the file as it now is.
"""
from __future__ import annotations

import yaml

from .api.server import ApiServerConfig
from .profiles import Profile

MANIFEST_PATH = "/etc/kubernetes/manifests/kube-apiserver.yaml"


def render_manifest(profile: Profile) -> str:
    cp = profile.control_plane_node
    version = profile.kubernetes_version
    port = profile.apiserver_port
    return f"""apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: {cp.ip}:{port}
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address={cp.ip}
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --enable-admission-plugins=NodeRestriction
    - --enable-bootstrap-token-auth=true
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=https://127.0.0.1:2379
    - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
    - --proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt
    - --proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key
    - --requestheader-allowed-names=front-proxy-client
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --requestheader-extra-headers-prefix=X-Remote-Extra-
    - --requestheader-group-headers=X-Remote-Group
    - --requestheader-username-headers=X-Remote-User
    - --secure-port={port}
    - --service-account-issuer=https://kubernetes.default.svc.{profile.cluster_domain}
    - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    - --service-account-signing-key-file=/etc/kubernetes/pki/sa.key
    - --service-cluster-ip-range={profile.service_cluster_ip_range}
    - --service-node-port-range={profile.service_node_port_range}
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    image: registry.k8s.io/kube-apiserver:{version}
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: {cp.ip}
        path: /livez
        port: {port}
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-apiserver
    resources:
      requests:
        cpu: 250m
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
status: {{}}
"""


class ManifestError(ValueError):
    """The manifest no longer describes a runnable apiserver."""


def _flag_values(command: list[str]) -> dict[str, str]:
    flags: dict[str, str] = {}
    for arg in command:
        if isinstance(arg, str) and arg.startswith("--") and "=" in arg:
            key, value = arg[2:].split("=", 1)
            flags[key] = value
    return flags


def parse_manifest(text: str, defaults: ApiServerConfig) -> ApiServerConfig:
    """The flags the lab honours; ManifestError when the apiserver could not start."""
    import ipaddress

    try:
        doc = yaml.safe_load(text)
        command = doc["spec"]["containers"][0]["command"]
    except Exception as exc:  # a broken file: the static Pod does not start
        raise ManifestError(f"cannot read {MANIFEST_PATH}: {exc}") from exc
    flags = _flag_values(command or [])
    # kube-apiserver's own default for the range is 10.0.0.0/24.
    cidr = flags.get("service-cluster-ip-range", "10.0.0.0/24")
    ports = flags.get("service-node-port-range", "30000-32767")
    try:
        ipaddress.ip_network(cidr, strict=True)
        low, _, high = ports.partition("-")
        lo, hi = int(low), int(high or low)
        if not (0 < lo <= hi <= 65535):
            raise ValueError(ports)
        secure_port = int(flags.get("secure-port", defaults.secure_port))
    except ValueError as exc:
        raise ManifestError(f"invalid flag value: {exc}") from exc
    return ApiServerConfig(
        service_cluster_ip_range=cidr,
        service_node_port_range=ports,
        advertise_address=flags.get("advertise-address", defaults.advertise_address),
        secure_port=secure_port,
    )
