"""kubectl version, cluster-info, api-resources and api-versions on the lab's clusters.

The api-resources/api-versions texts are what the real kubectl 1.32 prints
for a discovery document that serves exactly the lab's resource types.
"""
import pytest

from lab.sim.world import World


@pytest.fixture()
def world():
    return World.from_profile("kubeadm")


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def test_version(world):
    assert run(world, "kubectl version") == (
        "Client Version: v1.32.4\nKustomize Version: v5.5.0\nServer Version: v1.32.4\n", "", 0)
    assert run(world, "kubectl version --client") == ("Client Version: v1.32.4\nKustomize Version: v5.5.0\n", "", 0)
    assert run(world, "kubectl version -o foo") == ("", "error: --output must be 'yaml' or 'json'\n", 1)


def test_version_yaml_and_json(world):
    assert run(world, "kubectl version --client -o yaml") == (
        'clientVersion:\n  buildDate: "2025-04-22T16:04:25Z"\n  compiler: gc\n'
        "  gitCommit: 59526cd4867447956156ae3a602fcbac10a2c335\n  gitTreeState: clean\n  gitVersion: v1.32.4\n"
        '  goVersion: go1.23.6\n  major: "1"\n  minor: "32"\n  platform: linux/amd64\n'
        "kustomizeVersion: v5.5.0\n\n", "", 0)
    out, _, _ = run(world, "kubectl version -o json")
    assert out.startswith('{\n  "clientVersion": {\n    "major": "1",\n    "minor": "32",\n')
    assert '\n  "kustomizeVersion": "v5.5.0",\n  "serverVersion": {\n' in out


def test_cluster_info(world):
    assert run(world, "kubectl cluster-info") == (
        "Kubernetes control plane is running at https://192.168.56.10:6443\n"
        "CoreDNS is running at https://192.168.56.10:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n", "", 0)


def test_api_resources(world):
    assert run(world, "kubectl api-resources") == (
        "NAME              SHORTNAMES   APIVERSION            NAMESPACED   KIND\n"
        "configmaps        cm           v1                    true         ConfigMap\n"
        "endpoints         ep           v1                    true         Endpoints\n"
        "events            ev           v1                    true         Event\n"
        "namespaces        ns           v1                    false        Namespace\n"
        "nodes             no           v1                    false        Node\n"
        "pods              po           v1                    true         Pod\n"
        "serviceaccounts   sa           v1                    true         ServiceAccount\n"
        "services          svc          v1                    true         Service\n"
        "daemonsets        ds           apps/v1               true         DaemonSet\n"
        "deployments       deploy       apps/v1               true         Deployment\n"
        "replicasets       rs           apps/v1               true         ReplicaSet\n"
        "endpointslices                 discovery.k8s.io/v1   true         EndpointSlice\n", "", 0)


def test_api_resources_filters(world):
    assert run(world, "kubectl api-resources --namespaced=false") == (
        "NAME         SHORTNAMES   APIVERSION   NAMESPACED   KIND\n"
        "namespaces   ns           v1           false        Namespace\n"
        "nodes        no           v1           false        Node\n", "", 0)
    assert run(world, "kubectl api-resources --api-group=apps -o name") == (
        "daemonsets.apps\ndeployments.apps\nreplicasets.apps\n", "", 0)
    assert run(world, "kubectl api-resources -o yaml") == ("", "error: --output yaml is not available\n", 1)
    out, _, _ = run(world, "kubectl api-resources -o wide")
    assert ("pods              po           v1                    true         Pod              "
            "create,delete,deletecollection,get,list,patch,update,watch   all\n") in out
    assert ("namespaces        ns           v1                    false        Namespace        "
            "create,delete,get,list,patch,update,watch                    \n") in out


def test_api_versions(world):
    assert run(world, "kubectl api-versions") == ("apps/v1\ndiscovery.k8s.io/v1\nv1\n", "", 0)
