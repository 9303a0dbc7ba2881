"""flannel in the kubeadm profile: kube-flannel.yml (v0.26.1) applied after `kubeadm init`."""
import json

import pytest

from lab.sim.world import World


def run(world, line, host=None):
    r = world.run(line, host=host)
    return r.stdout, r.stderr, r.status


@pytest.fixture(scope="module")
def world():
    return World.from_profile("kubeadm")


def test_the_daemonset_runs_a_pod_on_every_node_on_the_host_network(world):
    assert run(world, "kubectl get pods -n kube-flannel -o wide") == (
        "NAME                    READY   STATUS    RESTARTS   AGE    IP              NODE         NOMINATED NODE   "
        "READINESS GATES\n"
        "kube-flannel-ds-8lrq5   1/1     Running   0          3d     192.168.56.11   k8s-node1    <none>           "
        "<none>\n"
        "kube-flannel-ds-gq7jn   1/1     Running   0          3d1h   192.168.56.10   k8s-master   <none>           "
        "<none>\n"
        "kube-flannel-ds-kg4z7   1/1     Running   0          3d     192.168.56.12   k8s-node2    <none>           "
        "<none>\n", "", 0)
    assert run(world, "kubectl get ds -n kube-flannel") == (
        "NAME              DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\n"
        "kube-flannel-ds   3         3         3       3            3           <none>          3d1h\n", "", 0)


def test_images_and_init_containers_are_the_manifests(world):
    out = run(world, "kubectl get ds kube-flannel-ds -n kube-flannel -o jsonpath="
                     "'{.spec.template.spec.initContainers[*].name} {.spec.template.spec.initContainers[*].image} "
                     "{.spec.template.spec.containers[0].image} {.spec.template.spec.hostNetwork}'")[0]
    assert out == ("install-cni-plugin install-cni docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2 "
                   "docker.io/flannel/flannel:v0.26.1 docker.io/flannel/flannel:v0.26.1 true")
    out = run(world, "kubectl get pod kube-flannel-ds-8lrq5 -n kube-flannel -o jsonpath="
                     "'{.status.initContainerStatuses[*].state.terminated.reason}'")[0]
    assert out == "Completed Completed"


def test_net_conf_matches_the_pod_network(world):
    out = run(world, "kubectl get cm kube-flannel-cfg -n kube-flannel -o jsonpath='{.data.net-conf\\.json}'")[0]
    assert json.loads(out) == {"Network": "10.244.0.0/16", "EnableNFTables": False, "Backend": {"Type": "vxlan"}}
    assert run(world, "kubectl get ns kube-flannel --show-labels")[0] == (
        "NAME           STATUS   AGE    LABELS\n"
        "kube-flannel   Active   3d1h   k8s-app=flannel,kubernetes.io/metadata.name=kube-flannel,"
        "pod-security.kubernetes.io/enforce=privileged\n")


def test_describe_resolves_the_downward_api_names(world):
    out = run(world, "kubectl describe pod kube-flannel-ds-8lrq5 -n kube-flannel")[0]
    assert ("    Environment:\n"
            "      POD_NAME:           kube-flannel-ds-8lrq5 (v1:metadata.name)\n"
            "      POD_NAMESPACE:      kube-flannel (v1:metadata.namespace)\n"
            "      EVENT_QUEUE_DEPTH:  5000\n") in out


def test_binary_and_minikube_have_no_flannel_pods():
    for profile in ("binary", "minikube"):
        assert run(World.from_profile(profile), "kubectl get pods -n kube-flannel") == (
            "", "No resources found in kube-flannel namespace.\n", 0)
