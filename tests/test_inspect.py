"""The inspector's endpoints (lab/labs/inspect.py): an object's YAML and
describe text as the lab's kubectl prints them, and the objects list the
diagram starts from; only for the lab's own session, and read-only."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from lab.labs.models import Lab
from lab.labs.persistence import run_command

pytestmark = pytest.mark.django_db

POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
  - name: nginx-container
    image: nginx
    ports:
    - name: nginx-port
      containerPort: 80
"""


@pytest.fixture
def visitor() -> Client:
    """A browser session that has opened /lab/ (which creates its lab "default")."""
    client = Client()
    assert client.get("/lab/").status_code == 200
    return client


def the_lab() -> Lab:
    return Lab.objects.get(name="default", owner_kind=Lab.OwnerKind.SESSION)


def test_pod_yaml_and_describe_are_what_kubectl_prints(visitor):
    lab = the_lab()
    run_command(lab, "kubectl create -f -", stdin=POD)
    run_command(lab, "sleep 10")
    terminal_yaml = run_command(lab, "kubectl get pod nginx-pod -o yaml").stdout
    terminal_describe = run_command(lab, "kubectl describe pod nginx-pod").stdout
    revision = the_lab().revision

    answer = visitor.get("/lab/default/inspect/", {"kind": "Pod", "namespace": "default", "name": "nginx-pod"})

    assert answer.status_code == 200
    data = answer.json()
    assert (data["kind"], data["namespace"], data["name"]) == ("Pod", "default", "nginx-pod")
    assert data["yaml"] == terminal_yaml
    assert data["yaml"].startswith("apiVersion: v1\nkind: Pod\nmetadata:\n")
    assert data["describe"] == terminal_describe
    assert re.match(r"Name: +nginx-pod\nNamespace: +default\n", data["describe"])
    assert re.search(r"\nStatus: +Running\n", data["describe"])
    assert the_lab().revision == revision  # asking saved nothing


def test_cluster_scoped_and_grouped_kinds(visitor):
    node = visitor.get("/lab/default/inspect/", {"kind": "Node", "name": "k8s-node1"}).json()
    assert node["namespace"] == ""
    assert node["describe"].startswith("Name:               k8s-node1\nRoles:              <none>\n")
    deploy = visitor.get("/lab/default/inspect/",
                         {"kind": "Deployment", "namespace": "kube-system", "name": "coredns"}).json()
    assert deploy["yaml"].startswith("apiVersion: apps/v1\nkind: Deployment\n")
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable\n" \
        in deploy["describe"]
    slices = visitor.get("/lab/default/inspect/objects/").json()["objects"]
    dns_slice = next(o for o in slices if o["kind"] == "EndpointSlice"
                     and o["metadata"]["labels"].get("kubernetes.io/service-name") == "kube-dns")
    answer = visitor.get("/lab/default/inspect/", {"kind": "EndpointSlice", "namespace": "kube-system",
                                                   "name": dns_slice["metadata"]["name"]}).json()
    assert answer["yaml"].startswith("addressType: IPv4\napiVersion: discovery.k8s.io/v1\n")


def test_missing_object_gets_kubectls_error(visitor):
    answer = visitor.get("/lab/default/inspect/", {"kind": "Pod", "namespace": "default", "name": "nope"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "not-found", "message": 'Error from server (NotFound): pods "nope" not found\n'}


@pytest.mark.parametrize("query, reason", [
    ({"kind": "Gizmo", "namespace": "default", "name": "x"}, "bad-kind"),
    ({"kind": "", "namespace": "default", "name": "x"}, "bad-kind"),
    ({"kind": "Pod", "namespace": "default", "name": "x; rm -rf /"}, "bad-name"),
    ({"kind": "Pod", "namespace": "default", "name": "$(id)"}, "bad-name"),
    ({"kind": "Pod", "namespace": "Default Space", "name": "x"}, "bad-namespace"),
])
def test_bad_queries_are_refused(visitor, query, reason):
    answer = visitor.get("/lab/default/inspect/", query)
    assert answer.status_code == 400
    assert answer.json()["error"] == reason


def test_another_session_sees_no_lab(visitor):
    stranger = Client()
    for url in ("/lab/default/inspect/?kind=Node&name=k8s-master", "/lab/default/inspect/objects/"):
        answer = stranger.get(url)
        assert answer.status_code == 404
        assert answer.json()["error"] == "no-lab"


def test_objects_list_is_the_stored_objects(visitor):
    lab = the_lab()
    run_command(lab, "kubectl create deployment web --image=nginx --replicas=2")
    data = visitor.get("/lab/default/inspect/objects/").json()
    kinds = sorted({o["kind"] for o in data["objects"]})
    assert {"Node", "Pod", "Service", "Deployment", "ReplicaSet", "EndpointSlice", "Endpoints"} <= set(kinds)
    pods = [o["metadata"]["name"] for o in data["objects"] if o["kind"] == "Pod"
            and o["metadata"]["namespace"] == "default"]
    assert len(pods) == 2 and all(p.startswith("web-") for p in pods)
    newest = max(int(o["metadata"]["resourceVersion"]) for o in data["objects"])
    assert int(data["resourceVersion"]) >= newest
