"""The objects a freshly installed cluster already has.

What `kubeadm init` (or a binary install, or minikube) leaves behind before
the learner types anything: the four namespaces, the Nodes, the
`kubernetes` Service on the first IP of the service range with its
Endpoints and EndpointSlice, the kube-dns Service on the tenth IP, and the
kube-proxy, coredns and kube-root-ca.crt ConfigMaps, and the kube-proxy
DaemonSet (kubeadm and minikube run kube-proxy as its Pods). Everything goes
through the apiserver, so it is defaulted, allocated and validated like any
object a learner creates.
"""
from __future__ import annotations

from typing import Any, Callable

from .api.server import ApiServer
from . import flannel
from .flannel import uses_flannel_pods
from .profiles import NodeSpec, Profile

NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

CA_CERT = """-----BEGIN CERTIFICATE-----
MIIDBTCCAe2gAwIBAgIIPxI3OTE2NzcwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE
AxMKa3ViZXJuZXRlczAeFw0yNjExMjgwNzU1MDBaFw0zNjExMjYwODAwMDBaMBUx
EzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQC7kZ0Q2bXh3l6sV9m1t5Q8a0v3Xj4c2n8m9p1Yq7r5s6t0u3w2x4y6z8A1
-----END CERTIFICATE-----
"""


def node_object(profile: Profile, node: NodeSpec) -> dict[str, Any]:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
    }
    spec: dict[str, Any] = {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr]}
    if node.control_plane and node.role_label:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        if not node.schedulable:
            spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    resources = {"cpu": "2", "ephemeral-storage": "17394Mi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                 "memory": "3861300Ki", "pods": "110"}
    allocatable = dict(resources, **{"ephemeral-storage": "16415037823", "memory": "3758900Ki"})
    now = profile.cluster_created
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "labels": labels,
            "name": node.name,
        },
        "spec": spec,
        "status": {
            "addresses": [{"address": node.ip, "type": "InternalIP"}, {"address": node.name, "type": "Hostname"}],
            "allocatable": allocatable,
            "capacity": resources,
            "conditions": [
                {"lastHeartbeatTime": now, "lastTransitionTime": now, "message": msg, "reason": reason,
                 "status": status, "type": ctype}
                for ctype, status, reason, msg in conditions
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": profile.container_runtime,
                "kernelVersion": profile.kernel_version,
                "kubeProxyVersion": profile.kubernetes_version,
                "kubeletVersion": profile.kubernetes_version,
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": profile.os_image,
                "systemUUID": "",
            },
        },
    }


def kubernetes_service(api: ApiServer) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"labels": {"component": "apiserver", "provider": "kubernetes"},
                     "name": "kubernetes", "namespace": "default"},
        "spec": {
            "clusterIP": api.ips.nth(1),
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": api.config.secure_port}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
    }


def kube_dns_service(profile: Profile) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
            "name": "kube-dns",
            "namespace": "kube-system",
        },
        "spec": {
            "clusterIP": profile.cluster_dns,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
            "selector": {"k8s-app": "kube-dns"},
        },
    }


def kubernetes_endpoints(profile: Profile, port: int) -> list[dict[str, Any]]:
    ip = profile.control_plane_node.ip
    return [
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
                         "name": "kubernetes", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": ip}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}],
        },
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
            "metadata": {"labels": {"kubernetes.io/service-name": "kubernetes"},
                         "name": "kubernetes", "namespace": "default"},
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        },
    ]


def kube_proxy_config(profile: Profile) -> dict[str, Any]:
    mode = "" if profile.proxy_mode == "iptables" else profile.proxy_mode
    config = f"""apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: {profile.pod_network}
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: "{mode}"
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
"""
    server = f"https://{profile.control_plane_node.ip}:{profile.apiserver_port}"
    kubeconfig = f"""apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: {server}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
"""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"labels": {"app": "kube-proxy"}, "name": "kube-proxy", "namespace": "kube-system"},
        "data": {"config.conf": config, "kubeconfig.conf": kubeconfig},
    }


def kube_proxy_daemonset(profile: Profile) -> dict[str, Any]:
    """The kube-proxy DaemonSet as kubeadm's addon phase writes it."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"labels": {"k8s-app": "kube-proxy"}, "name": "kube-proxy", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                "spec": {
                    "containers": [{
                        "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                    "--hostname-override=$(NODE_NAME)"],
                        "env": [{"name": "NODE_NAME",
                                 "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                        "image": f"registry.k8s.io/kube-proxy:{profile.kubernetes_version}",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "kube-proxy",
                        "securityContext": {"privileged": True},
                        "volumeMounts": [
                            {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                        ],
                    }],
                    "hostNetwork": True,
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": "kube-proxy",
                    "tolerations": [{"operator": "Exists"}],
                    "volumes": [
                        {"configMap": {"name": "kube-proxy"}, "name": "kube-proxy"},
                        {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
                        {"hostPath": {"path": "/lib/modules"}, "name": "lib-modules"},
                    ],
                },
            },
            "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"},
        },
    }


def coredns_config(profile: Profile) -> dict[str, Any]:
    corefile = f""".:53 {{
    errors
    health {{
       lameduck 5s
    }}
    ready
    kubernetes {profile.cluster_domain} in-addr.arpa ip6.arpa {{
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
       max_concurrent 1000
    }}
    cache 30 {{
       disable success {profile.cluster_domain}
       disable denial {profile.cluster_domain}
    }}
    loop
    reload
    loadbalance
}}
"""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    }


def coredns_deployment(profile: Profile) -> dict[str, Any]:
    """The coredns Deployment as kubeadm's addon phase writes it (manifests.go).

    SIMPLIFICATION: every profile runs kubeadm's manifest; minikube scales it to
    one replica as `minikube start` does.
    """
    taint_key = "node-role.kubernetes.io/control-plane"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {"k8s-app": "kube-dns"}, "name": "coredns", "namespace": "kube-system"},
        "spec": {
            # kubeadm deploys two replicas; minikube one; a binary install applies
            # CoreDNS's own coredns.yaml.sed, which sets none (so one).
            "replicas": 2 if profile.name == "kubeadm" else 1,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchExpressions": [
                                {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                            "topologyKey": "kubernetes.io/hostname"}}]}},
                    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                    {"key": taint_key, "effect": "NoSchedule"}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{
                        "name": "coredns",
                        "image": "registry.k8s.io/coredns/coredns:v1.11.3",
                        "imagePullPolicy": "IfNotPresent",
                        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                        "ports": [
                            {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                            {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                            {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                            {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                            {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"},
                        ],
                        "livenessProbe": {"httpGet": {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
                                          "initialDelaySeconds": 60, "timeoutSeconds": 5, "successThreshold": 1,
                                          "failureThreshold": 5},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}},
                        "securityContext": {"allowPrivilegeEscalation": False,
                                            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                                            "readOnlyRootFilesystem": True},
                    }],
                    "dnsPolicy": "Default",
                    "volumes": [{"name": "config-volume",
                                 "configMap": {"name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                },
            },
        },
    }


def root_ca(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"annotations": {"kubernetes.io/description": (
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
            "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
            "distributions of Kubernetes clusters.")},
            "name": "kube-root-ca.crt", "namespace": namespace},
        "data": {"ca.crt": CA_CERT},
    }


#: The ServiceAccounts kube-controller-manager creates in kube-system when it
#: starts with --use-service-account-credentials (one per controller; kubeadm
#: also enables bootstrapsigner and tokencleaner), as a kubeadm v1.32 cluster
#: without a cloud provider lists them.
CONTROLLER_SERVICE_ACCOUNTS = (
    "attachdetach-controller", "certificate-controller", "clusterrole-aggregation-controller",
    "cronjob-controller", "daemon-set-controller", "deployment-controller", "disruption-controller",
    "endpoint-controller", "endpointslice-controller", "endpointslicemirroring-controller",
    "ephemeral-volume-controller", "expand-controller", "generic-garbage-collector",
    "horizontal-pod-autoscaler", "job-controller", "legacy-service-account-token-cleaner",
    "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
    "pv-protection-controller", "pvc-protection-controller", "replicaset-controller",
    "replication-controller", "resourcequota-controller", "root-ca-cert-publisher",
    "service-account-controller", "statefulset-controller", "ttl-after-finished-controller",
    "ttl-controller", "validatingadmissionpolicy-status-controller",
)
KUBEADM_CONTROLLER_SERVICE_ACCOUNTS = ("bootstrap-signer", "token-cleaner")


def service_account(namespace: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}


def controller_service_accounts(profile: Profile) -> list[str]:
    names = list(CONTROLLER_SERVICE_ACCOUNTS)
    if profile.name != "binary":
        names += KUBEADM_CONTROLLER_SERVICE_ACCOUNTS
    return sorted(names)


def bootstrap_objects(api: ApiServer, profile: Profile, before_workers_join: Callable[[], None] | None = None) -> None:
    """Create what the installer leaves behind, in the order it does.

    As with `kubeadm init` then `kubeadm join`: the control plane, its add-ons
    (kube-proxy, CoreDNS) and the pod network come up first, so CoreDNS's
    Pods run on the control-plane node, and the workers join afterwards
    (`before_workers_join` lets the caller run the cluster in between).
    """
    for ns in NAMESPACES:
        api.create({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}})
    api.create(kubernetes_service(api))
    for obj in kubernetes_endpoints(profile, api.config.secure_port):
        api.create(obj)
    control_plane = [n for n in profile.nodes if n.control_plane]
    for node in control_plane:
        api.create(node_object(profile, node))
    for ns in NAMESPACES:
        api.create(root_ca(ns))
    for name in controller_service_accounts(profile):
        api.create(service_account("kube-system", name))
    api.create(kube_proxy_config(profile))
    api.create(coredns_config(profile))
    api.create(kube_dns_service(profile))
    if profile.name != "binary":
        # A binary install runs kube-proxy as a systemd service on each node instead.
        api.create(service_account("kube-system", "kube-proxy"))
        api.create(kube_proxy_daemonset(profile))
    api.create(service_account("kube-system", "coredns"))
    if uses_flannel_pods(profile):
        # `kubectl apply -f kube-flannel.yml` after `kubeadm init`
        api.create(flannel.namespace())
        api.create(root_ca(flannel.NAMESPACE))
        api.create(service_account(flannel.NAMESPACE, "flannel"))
        api.create(flannel.config_map(profile))
        api.create(flannel.daemonset())
    api.create(coredns_deployment(profile))
    if before_workers_join is not None:
        before_workers_join()
    for node in profile.nodes:
        if not node.control_plane:
            api.create(node_object(profile, node))
