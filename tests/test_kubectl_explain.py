"""kubectl explain: the plaintext template of kubectl 1.32 over the v1.32 OpenAPI schemas.

The fixture files under tests/fixtures/kubectl_explain/ are what the real
kubectl 1.32 binary printed for the same OpenAPI v3 documents served by a
local stand-in apiserver; the lab must print them byte for byte.
"""
from pathlib import Path

import pytest

from lab.sim.kubectl.cmd_explain import wrap_string
from lab.sim.world import World

FIXTURES = Path(__file__).parent / "fixtures" / "kubectl_explain"

EXPLAIN_SERVICE = """KIND:       Service
VERSION:    v1

DESCRIPTION:
    Service is a named abstraction of software service (for example, mysql)
    consisting of local port (for example 3306) that the proxy listens on, and
    the selector that determines which pods will answer requests sent through
    the proxy.
    
FIELDS:
  apiVersion\t<string>
    APIVersion defines the versioned schema of this representation of an object.
    Servers should convert recognized schemas to the latest internal value, and
    may reject unrecognized values. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources

  kind\t<string>
    Kind is a string value representing the REST resource this object
    represents. Servers may infer this from the endpoint the client submits
    requests to. Cannot be updated. In CamelCase. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds

  metadata\t<ObjectMeta>
    Standard object's metadata. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata

  spec\t<ServiceSpec>
    Spec defines the behavior of a service.
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status

  status\t<ServiceStatus>
    Most recently observed status of the service. Populated by the system.
    Read-only. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status


"""


@pytest.fixture(scope="module")
def world():
    return World.from_profile("kubeadm")


def test_explain_service(world):
    r = world.run("kubectl explain service")
    assert (r.stdout, r.stderr, r.status) == (EXPLAIN_SERVICE, "", 0)


@pytest.mark.parametrize("command, fixture", [
    ("kubectl explain svc.spec.ports", "svc.spec.ports.txt"),
    ("kubectl explain service.spec", "service.spec.txt"),
    ("kubectl explain deployment.spec", "deployment.spec.txt"),
    ("kubectl explain pods", "pods.txt"),
    ("kubectl explain svc.spec.type", "svc.spec.type.txt"),
    ("kubectl explain svc.spec.ports --recursive", "svc.spec.ports.recursive.txt"),
])
def test_explain_matches_kubectl(world, command, fixture):
    r = world.run(command)
    assert r.stderr == ""
    assert r.stdout == (FIXTURES / fixture).read_text()


def test_explain_field_type_and_enum_lines(world):
    out = world.run("kubectl explain svc.spec").stdout
    assert "  type\t<string>\n  enum: ClusterIP, ExternalName, LoadBalancer, NodePort\n" in out
    assert "  ports\t<[]ServicePort>\n" in out
    assert "  selector\t<map[string]string>\n" in out
    ports = world.run("kubectl explain svc.spec.ports").stdout
    assert "  port\t<integer> -required-\n" in ports
    assert "  targetPort\t<IntOrString>\n" in ports


def test_explain_group_header_for_apps(world):
    out = world.run("kubectl explain deploy").stdout
    assert out.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nDESCRIPTION:\n")


def test_explain_missing_field_prints_header_then_error(world):
    r = world.run("kubectl explain svc.spec.ports.foo.bar")
    assert r.stdout == "KIND:       Service\nVERSION:    v1\n\n"
    assert r.stderr == 'error: field "bar" does not exist\n'
    assert r.status == 1


@pytest.mark.parametrize("command, stderr", [
    ("kubectl explain", 'error: You must specify the type of resource to explain. Use "kubectl api-resources" '
                        "for a complete list of supported resources.\n"),
    ("kubectl explain svc pods", "error: We accept only this format: explain RESOURCE\n"),
    ("kubectl explain foo", 'the server doesn\'t have a resource type "foo"\n'),
    ("kubectl explain svc -o json", "error: unrecognized format: json\n"),
    ("kubectl explain svc --api-version=v2", 'error: couldn\'t find resource for "/v2, Resource=services"\n'),
    ("kubectl explain svc --api-version=apps/v1",
     "error: GVR (apps/v1, Resource=services) not found in OpenAPI schema\n"),
])
def test_explain_errors(world, command, stderr):
    r = world.run(command)
    assert (r.stdout, r.stderr, r.status) == ("", stderr, 1)


def test_wrap_string_is_go_wordwrap():
    assert wrap_string("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert wrap_string("a\n\nb", 5) == "a\n\nb"
    # a word longer than the limit stays whole on its own line
    assert wrap_string("x " + "y" * 12, 5) == "x\n" + "y" * 12
