"""kubectl describe: finding objects, prefix matching, what each describer is given, messages.

The fixture texts under tests/fixtures/kubectl_describe/ are what the real
kubectl 1.32 printed for the same objects served by a local stand-in
apiserver (describe renders on the client).
"""
from pathlib import Path

import pytest

from lab.sim.api.resources import resolve
from lab.sim.kubectl.cmd_describe import related_objects
from lab.sim.world import World

FIXTURES = Path(__file__).parent / "fixtures" / "kubectl_describe"


@pytest.fixture()
def world():
    return World.from_profile("kubeadm")


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


needs_describers = pytest.mark.skipif(
    not (Path(__file__).parent.parent / "lab" / "sim" / "kubectl" / "describe.py").exists(),
    reason="lab/sim/kubectl/describe.py (the describers) has not landed yet")


@needs_describers
def test_describe_svc_kubernetes(world):
    assert run(world, "kubectl describe svc kubernetes") == (
        (FIXTURES / "svc_kubernetes.txt").read_text(), "", 0)
    assert run(world, "kubectl describe services/kubernetes")[0] == (FIXTURES / "svc_kubernetes.txt").read_text()


@needs_describers
def test_describe_prefix_match(world):
    assert run(world, "kubectl describe svc kube") == ((FIXTURES / "svc_prefix_kube.txt").read_text(), "", 0)


@needs_describers
def test_describe_all_namespaces_separates_objects(world):
    assert run(world, "kubectl describe svc -A") == ((FIXTURES / "svc_all_namespaces.txt").read_text(), "", 0)


def test_describe_messages(world):
    assert run(world, "kubectl describe svc x") == ("", 'Error from server (NotFound): services "x" not found\n', 1)
    assert run(world, "kubectl describe pods") == ("", "No resources found in default namespace.\n", 0)
    # Every node runs a kube-proxy Pod, so an empty answer across namespaces needs a selector.
    assert run(world, "kubectl describe pods -A -l app=none") == ("", "No resources found\n", 0)
    assert run(world, "kubectl describe pods -n kube-public") == ("", "No resources found in kube-public namespace.\n", 0)
    assert run(world, "kubectl describe svc x -A") == (
        "", "error: a resource cannot be retrieved by name across all namespaces\n", 1)
    assert run(world, "kubectl describe") == (
        "", 'error: You must specify the type of resource to describe. Use "kubectl api-resources" for a '
            "complete list of supported resources.\n", 1)
    assert run(world, "kubectl describe foo x") == (
        "", 'error: the server doesn\'t have a resource type "foo"\n', 1)


def test_service_describer_gets_its_endpointslices(world):
    svc = world.api.get("services", "kubernetes", "default")
    related = related_objects(world.api, resolve("svc"), svc)
    assert [s["metadata"]["name"] for s in related["endpointslices"]] == ["kubernetes"]
    assert related["events"] == []


def test_events_are_matched_by_involved_object(world):
    svc = world.api.get("services", "kubernetes", "default")
    for name, kind, target in (("e1", "Service", "kubernetes"), ("e2", "Service", "other"), ("e3", "Pod", "kubernetes")):
        world.api.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
                          "involvedObject": {"kind": kind, "name": target, "namespace": "default"},
                          "reason": "Test", "message": "m", "type": "Normal"})
    related = related_objects(world.api, resolve("svc"), svc)
    assert [e["metadata"]["name"] for e in related["events"]] == ["e1"]
    assert related_objects(world.api, resolve("svc"), svc, show_events=False)["events"] is None


def test_node_describer_gets_its_non_terminated_pods(world):
    for name, node, phase in (("a", "k8s-node1", "Running"), ("b", "k8s-node2", "Running"), ("c", "k8s-node1", "Succeeded")):
        world.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                          "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]}})
        pod = world.api.get("pods", name, "default")
        pod["status"] = {"phase": phase}
        world.api.update_status(pod)
    node = world.api.get("nodes", "k8s-node1")
    related = related_objects(world.api, resolve("nodes"), node)
    [proxy] = [p["metadata"]["name"] for p in world.api.list("pods", "kube-system", label_selector="k8s-app=kube-proxy")
               if p["spec"]["nodeName"] == "k8s-node1"]
    [flannel] = [p["metadata"]["name"] for p in world.api.list("pods", "kube-flannel")
                 if p["spec"]["nodeName"] == "k8s-node1"]
    # The node's flannel and kube-proxy DaemonSet Pods are among its non-terminated Pods too.
    assert [p["metadata"]["name"] for p in related["pods"]] == ["a", flannel, proxy]
