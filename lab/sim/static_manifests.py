"""The control plane's static Pod manifests besides the apiserver's.

`kubeadm init` writes etcd.yaml, kube-controller-manager.yaml and
kube-scheduler.yaml next to kube-apiserver.yaml (lab/sim/apiserver_manifest.py)
in /etc/kubernetes/manifests; the kubelet runs them and posts a mirror Pod
of each (lab/sim/controllers/static_pods.py). The texts are kubeadm
v1.32's (cmd/kubeadm/app/phases/controlplane and etcd/local.go) for this
lab's addresses; minikube runs kubeadm too, with its certificates under
/var/lib/minikube and leader election off.
SIMPLIFICATION: the once-a-second readiness probes of etcd and the
scheduler are left out (liveness and startup probes are kept).
"""
from __future__ import annotations

from .profiles import Profile

MANIFEST_DIR = "/etc/kubernetes/manifests"
ETCD_IMAGE = "registry.k8s.io/etcd:3.5.16-0"


def _layout(profile: Profile) -> dict[str, str]:
    minikube = profile.name == "minikube"
    return {
        "pki": "/var/lib/minikube/certs" if minikube else "/etc/kubernetes/pki",
        "etcd_data": "/var/lib/minikube/etcd" if minikube else "/var/lib/etcd",
        "leader_elect": "false" if minikube else "true",
    }


def _ca_volumes(profile: Profile) -> tuple[str, str]:
    """The host CA directories kubeadm mounts (which exist depends on the distribution)."""
    if profile.name == "minikube":  # Ubuntu
        dirs = [("ca-certs", "/etc/ssl/certs"), ("etc-ca-certificates", "/etc/ca-certificates"),
                ("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates"),
                ("usr-share-ca-certificates", "/usr/share/ca-certificates")]
    else:  # CentOS Stream
        dirs = [("ca-certs", "/etc/ssl/certs"), ("etc-pki", "/etc/pki")]
    mounts = "".join(f"    - mountPath: {path}\n      name: {name}\n      readOnly: true\n" for name, path in dirs)
    volumes = "".join(f"  - hostPath:\n      path: {path}\n      type: DirectoryOrCreate\n    name: {name}\n"
                      for name, path in dirs)
    return mounts, volumes


def _probe(kind: str, path: str, port: int, scheme: str, threshold: int) -> str:
    return f"""    {kind}:
      failureThreshold: {threshold}
      httpGet:
        host: 127.0.0.1
        path: {path}
        port: {port}
        scheme: {scheme}
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
"""


def _tail() -> str:
    return """  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
"""


def render_etcd(profile: Profile) -> str:
    cp = profile.control_plane_node
    lay = _layout(profile)
    pki = lay["pki"]
    extra = "    - --proxy-refresh-interval=70000\n" if profile.name == "minikube" else ""
    return f"""apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://{cp.ip}:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://{cp.ip}:2379
    - --cert-file={pki}/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir={lay["etcd_data"]}
    - --experimental-initial-corrupt-check=true
    - --experimental-watch-progress-notify-interval=5s
    - --initial-advertise-peer-urls=https://{cp.ip}:2380
    - --initial-cluster={cp.name}=https://{cp.ip}:2380
    - --key-file={pki}/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://{cp.ip}:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://{cp.ip}:2380
    - --name={cp.name}
    - --peer-cert-file={pki}/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file={pki}/etcd/peer.key
    - --peer-trusted-ca-file={pki}/etcd/ca.crt
{extra}    - --snapshot-count=10000
    - --trusted-ca-file={pki}/etcd/ca.crt
    image: {ETCD_IMAGE}
    imagePullPolicy: IfNotPresent
{_probe("livenessProbe", "/livez", 2381, "HTTP", 8)}    name: etcd
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
{_probe("startupProbe", "/readyz", 2381, "HTTP", 24)}    volumeMounts:
    - mountPath: {lay["etcd_data"]}
      name: etcd-data
    - mountPath: {pki}/etcd
      name: etcd-certs
{_tail()}  volumes:
  - hostPath:
      path: {pki}/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: {lay["etcd_data"]}
      type: DirectoryOrCreate
    name: etcd-data
status: {{}}
"""


def render_controller_manager(profile: Profile) -> str:
    lay = _layout(profile)
    pki = lay["pki"]
    mounts, volumes = _ca_volumes(profile)
    version = profile.kubernetes_version
    conf = "/etc/kubernetes/controller-manager.conf"
    return f"""apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    component: kube-controller-manager
    tier: control-plane
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-controller-manager
    - --allocate-node-cidrs=true
    - --authentication-kubeconfig={conf}
    - --authorization-kubeconfig={conf}
    - --bind-address=127.0.0.1
    - --client-ca-file={pki}/ca.crt
    - --cluster-cidr={profile.pod_network}
    - --cluster-name={"mk" if profile.name == "minikube" else "kubernetes"}
    - --cluster-signing-cert-file={pki}/ca.crt
    - --cluster-signing-key-file={pki}/ca.key
    - --controllers=*,bootstrapsigner,tokencleaner
    - --kubeconfig={conf}
    - --leader-elect={lay["leader_elect"]}
    - --requestheader-client-ca-file={pki}/front-proxy-ca.crt
    - --root-ca-file={pki}/ca.crt
    - --service-account-private-key-file={pki}/sa.key
    - --service-cluster-ip-range={profile.service_cluster_ip_range}
    - --use-service-account-credentials=true
    image: registry.k8s.io/kube-controller-manager:{version}
    imagePullPolicy: IfNotPresent
{_probe("livenessProbe", "/healthz", 10257, "HTTPS", 8)}    name: kube-controller-manager
    resources:
      requests:
        cpu: 200m
{_probe("startupProbe", "/healthz", 10257, "HTTPS", 24)}    volumeMounts:
{mounts}    - mountPath: /usr/libexec/kubernetes/kubelet-plugins/volume/exec
      name: flexvolume-dir
    - mountPath: {pki}
      name: k8s-certs
      readOnly: true
    - mountPath: {conf}
      name: kubeconfig
      readOnly: true
{_tail()}  volumes:
{volumes}  - hostPath:
      path: /usr/libexec/kubernetes/kubelet-plugins/volume/exec
      type: DirectoryOrCreate
    name: flexvolume-dir
  - hostPath:
      path: {pki}
      type: DirectoryOrCreate
    name: k8s-certs
  - hostPath:
      path: {conf}
      type: FileOrCreate
    name: kubeconfig
status: {{}}
"""


def render_scheduler(profile: Profile) -> str:
    lay = _layout(profile)
    conf = "/etc/kubernetes/scheduler.conf"
    return f"""apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    component: kube-scheduler
    tier: control-plane
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-scheduler
    - --authentication-kubeconfig={conf}
    - --authorization-kubeconfig={conf}
    - --bind-address=127.0.0.1
    - --kubeconfig={conf}
    - --leader-elect={lay["leader_elect"]}
    image: registry.k8s.io/kube-scheduler:{profile.kubernetes_version}
    imagePullPolicy: IfNotPresent
{_probe("livenessProbe", "/livez", 10259, "HTTPS", 8)}    name: kube-scheduler
    resources:
      requests:
        cpu: 100m
{_probe("startupProbe", "/livez", 10259, "HTTPS", 24)}    volumeMounts:
    - mountPath: {conf}
      name: kubeconfig
      readOnly: true
{_tail()}  volumes:
  - hostPath:
      path: {conf}
      type: FileOrCreate
    name: kubeconfig
status: {{}}
"""


def static_manifests(profile: Profile) -> dict[str, str]:
    """Path -> text of the manifests kubeadm writes besides kube-apiserver.yaml."""
    if not profile.static_pods:
        return {}
    return {f"{MANIFEST_DIR}/etcd.yaml": render_etcd(profile),
            f"{MANIFEST_DIR}/kube-controller-manager.yaml": render_controller_manager(profile),
            f"{MANIFEST_DIR}/kube-scheduler.yaml": render_scheduler(profile)}
