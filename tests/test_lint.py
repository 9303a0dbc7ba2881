"""Live lint (lab/labs/lint.py): kubectl's reading of the file and the
apiserver's dry run, each error at its line and field, in their words."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from lab.labs.lint import lint_text
from lab.sim.world import World

#: service_nginx.yml from the first tutorial: nodePort 8999 is outside 30000-32767
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  ports:
  - port: 8999
    nodePort: 8999
    targetPort: nginx-port
    protocol: TCP
  selector:
    app: nginx
  type: NodePort
"""
POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  containers:
  - name: nginx-container
    image: nginx
"""


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_profile("kubeadm")


def found(world, text, path="/root/yaml/service_nginx.yml"):
    return [(d.line, d.column, d.source, d.field, d.message) for d in lint_text(world, text, path)]


def test_node_port_out_of_range_is_marked_on_its_line(world):
    assert found(world, SERVICE) == [
        (8, 5, "invalid", "spec.ports[0].nodePort",
         'The Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port is '
         "not in the valid range. The range of valid ports is 30000-32767"),
    ]
    assert found(world, SERVICE.replace("nodePort: 8999", "nodePort: 30080")) == []


def test_unknown_fields_each_at_their_key(world):
    text = POD.replace("    image: nginx\n", "    imagee: nginx\n    ports:\n    - containerPort: 80\n      hostPortt: 1\n")
    message = ('Error from server (BadRequest): Pod in version "v1" cannot be handled as a Pod: strict decoding '
               'error: unknown field "spec.containers[0].imagee", unknown field "spec.containers[0].ports[0].hostPortt"')
    assert found(world, text, "/root/pod.yml") == [
        (8, 5, "decode", "spec.containers[0].imagee", message),
        (11, 7, "decode", "spec.containers[0].ports[0].hostPortt", message),
    ]


def test_wrong_type_at_the_value_with_go_json_words(world):
    text = SERVICE.replace("  - port: 8999\n", '  - port: "eighty"\n')
    assert found(world, text) == [
        (7, 5, "decode", "spec.ports[0].port",
         'Error from server (BadRequest): Service in version "v1" cannot be handled as a Service: json: cannot '
         "unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"),
    ]


def test_yaml_syntax_error_with_go_yaml_line(world):
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: y\n"
    assert found(world, text, "/root/pod.yml") == [
        (5, 10, "yaml", "",
         "error: error parsing /root/pod.yml: error converting YAML to JSON: yaml: line 5: mapping values are not "
         "allowed in this context"),
    ]


def test_validation_errors_in_a_second_document(world):
    text = POD + "---\n" + POD.replace("name: nginx-pod", "name: Bad_Name")
    [(line, column, source, field, message)] = found(world, text, "/root/pods.yml")
    assert (line, column, source, field) == (13, 3, "invalid", "metadata.name")
    assert message.startswith('The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
                              "a lowercase RFC 1123 subdomain must consist of")


def test_unknown_kind_and_namespace(world):
    assert found(world, "apiVersion: v1\nkind: Pud\nmetadata:\n  name: x\n", "/root/x.yml") == [
        (1, 1, "yaml", "",
         'error: resource mapping not found for name: "x" namespace: "" from "/root/x.yml": no matches for kind '
         '"Pud" in version "v1"\nensure CRDs are installed first'),
    ]
    text = POD.replace("  name: nginx-pod\n", "  name: nginx-pod\n  namespace: nope\n")
    assert found(world, text, "/root/x.yml") == [
        (1, 1, "server", "", 'Error from server (NotFound): namespaces "nope" not found'),
    ]


def test_an_existing_object_is_linted_as_apply_patches_it():
    w = World.from_profile("kubeadm")
    fixed = SERVICE.replace("nodePort: 8999", "nodePort: 30080")
    w.hosts[w.default_host].fs.write("/root/svc.yml", fixed)
    assert w.run("kubectl apply -f svc.yml").stdout == "service/nginx-service created\n"
    # Its own nodePort is not "already allocated"; a change is checked as the patch apply sends.
    assert found(w, fixed) == []
    assert found(w, SERVICE) == [
        (8, 5, "invalid", "spec.ports[0].nodePort",
         'The Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port is '
         "not in the valid range. The range of valid ports is 30000-32767"),
    ]
    assert w.api.get("services", "nginx-service")["spec"]["ports"][0]["nodePort"] == 30080


@pytest.mark.django_db
def test_lint_endpoint():
    client = Client()
    assert client.get("/lab/").status_code == 200
    answer = client.post("/lab/default/lint/", data=json.dumps({"text": SERVICE, "path": "/root/service_nginx.yml"}),
                         content_type="application/json")
    assert answer.status_code == 200
    [diagnostic] = answer.json()["diagnostics"]
    assert diagnostic == {
        "line": 8, "column": 5, "field": "spec.ports[0].nodePort", "source": "invalid", "severity": "error",
        "message": 'The Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided '
                   "port is not in the valid range. The range of valid ports is 30000-32767"}
    assert client.post("/lab/default/lint/", data="[]", content_type="application/json").status_code == 400
    assert Client().post("/lab/default/lint/", data=json.dumps({"text": ""}),
                         content_type="application/json").status_code == 404
