"""Pod validation messages (pkg/apis/core/validation, v1.32)."""
from lab.sim.api.defaults import apply_defaults
from lab.sim.api.validation import validate

RFC1123_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def pod(containers, **spec):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": containers, **spec}}
    apply_defaults(obj)
    return [str(e) for e in validate(obj)]


def test_valid_pod():
    assert pod([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"}]}]) == []


def test_containers_required():
    assert pod([]) == ["spec.containers: Required value"]


def test_container_name_label():
    assert pod([{"name": "Web", "image": "nginx"}]) == [f'spec.containers[0].name: Invalid value: "Web": {RFC1123_LABEL}']


def test_container_name_duplicate():
    assert pod([{"name": "web", "image": "nginx"}, {"name": "web", "image": "busybox"}]) == [
        'spec.containers[1].name: Duplicate value: "web"']


def test_image_required():
    assert pod([{"name": "web"}]) == ["spec.containers[0].image: Required value"]


def test_container_port_range():
    assert pod([{"name": "web", "image": "nginx", "ports": [{"containerPort": 70000}]}]) == [
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]


def test_container_port_required():
    assert pod([{"name": "web", "image": "nginx", "ports": [{"name": "http"}]}]) == [
        "spec.containers[0].ports[0].containerPort: Required value"]


def test_container_port_name_iana():
    assert pod([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "name": "HTTP"}]}]) == [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters '
        '(a-z, 0-9), and hyphens (-)',
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)']


def test_container_port_name_duplicate():
    assert pod([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"},
                                                            {"containerPort": 81, "name": "http"}]}]) == [
        'spec.containers[0].ports[1].name: Duplicate value: "http"']


def test_restart_policy_values_in_upstream_order():
    assert pod([{"name": "web", "image": "nginx"}], restartPolicy="Sometimes") == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']


def test_probe_handler_required_and_http_port():
    assert pod([{"name": "web", "image": "nginx", "readinessProbe": {"periodSeconds": 5}}]) == [
        "spec.containers[0].readinessProbe: Required value: must specify a handler type"]
    assert pod([{"name": "web", "image": "nginx", "livenessProbe": {"httpGet": {"port": 0}}}]) == [
        "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"]


def test_liveness_success_threshold():
    assert pod([{"name": "web", "image": "nginx",
                 "livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}}]) == [
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]
