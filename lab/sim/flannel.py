"""flannel, the kubeadm profile's pod network, as `kubectl apply -f kube-flannel.yml` installs it.

The objects of flannel v0.26.1's kube-flannel.yml (the release of late
2024, contemporary with Kubernetes 1.32): the kube-flannel namespace, the
kube-flannel-cfg ConfigMap (cni-conf.json, and net-conf.json with the
lab's pod network and the vxlan backend) and the kube-flannel-ds DaemonSet
(hostNetwork, the install-cni-plugin and install-cni init containers, then
flanneld), whose Pods run on every node.
SIMPLIFICATION: the manifest's ServiceAccount, ClusterRole and
ClusterRoleBinding are not served by the lab's apiserver and are left out.
"""
from __future__ import annotations

from typing import Any

from .profiles import Profile

NAMESPACE = "kube-flannel"
FLANNEL_IMAGE = "docker.io/flannel/flannel:v0.26.1"
CNI_PLUGIN_IMAGE = "docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2"
LABELS = {"app": "flannel", "k8s-app": "flannel", "tier": "node"}

CNI_CONF = """{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
"""


def uses_flannel_pods(profile: Profile) -> bool:
    """kubeadm runs flannel as a DaemonSet; a binary install runs flanneld as a systemd service."""
    return profile.cni == "flannel" and profile.static_pods


def net_conf(profile: Profile) -> str:
    return f"""{{
  "Network": "{profile.pod_network}",
  "EnableNFTables": false,
  "Backend": {{
    "Type": "vxlan"
  }}
}}
"""


def namespace() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"labels": {"k8s-app": "flannel", "kubernetes.io/metadata.name": NAMESPACE,
                                    "pod-security.kubernetes.io/enforce": "privileged"}, "name": NAMESPACE}}


def config_map(profile: Profile) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"labels": dict(LABELS), "name": "kube-flannel-cfg", "namespace": NAMESPACE},
            "data": {"cni-conf.json": CNI_CONF, "net-conf.json": net_conf(profile)}}


def daemonset() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"labels": dict(LABELS), "name": "kube-flannel-ds", "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": {"app": "flannel", "k8s-app": "flannel"}},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [
                            {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}]}}},
                    "containers": [{
                        "args": ["--ip-masq", "--kube-subnet-mgr"],
                        "command": ["/opt/bin/flanneld"],
                        "env": [
                            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                            {"name": "EVENT_QUEUE_DEPTH", "value": "5000"},
                        ],
                        "image": FLANNEL_IMAGE,
                        "name": "kube-flannel",
                        "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
                        "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}, "privileged": False},
                        "volumeMounts": [
                            {"mountPath": "/run/flannel", "name": "run"},
                            {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                        ],
                    }],
                    "hostNetwork": True,
                    "initContainers": [
                        {"args": ["-f", "/flannel", "/opt/cni/bin/flannel"], "command": ["cp"],
                         "image": CNI_PLUGIN_IMAGE, "name": "install-cni-plugin",
                         "volumeMounts": [{"mountPath": "/opt/cni/bin", "name": "cni-plugin"}]},
                        {"args": ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
                         "command": ["cp"], "image": FLANNEL_IMAGE, "name": "install-cni",
                         "volumeMounts": [{"mountPath": "/etc/cni/net.d", "name": "cni"},
                                          {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"}]},
                    ],
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": "flannel",
                    "tolerations": [{"effect": "NoSchedule", "operator": "Exists"}],
                    "volumes": [
                        {"hostPath": {"path": "/run/flannel"}, "name": "run"},
                        {"hostPath": {"path": "/opt/cni/bin"}, "name": "cni-plugin"},
                        {"hostPath": {"path": "/etc/cni/net.d"}, "name": "cni"},
                        {"configMap": {"name": "kube-flannel-cfg"}, "name": "flannel-cfg"},
                        {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
                    ],
                },
            },
        },
    }
