"""`kubectl create -f`: exact output of kubectl 1.32 against kube-apiserver 1.32."""
from __future__ import annotations

import pytest

from lab.sim.api.errors import StatusError
from lab.sim.world import World

# The first tutorial's pod (pod_nginx.yml), properly indented.
POD_NGINX = """apiVersion: v1
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

# The same tutorial's service_nginx.yml: a NodePort of 8999, outside the default range.
SERVICE_NGINX = """apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  ports:
  - port: 8999
    targetPort: nginx-port
    nodePort: 8999
  selector:
    app: nginx
  type: NodePort
"""

SVC = """apiVersion: v1
kind: Service
metadata:
  name: {name}
{extra}spec:
  selector:
    app: web
  ports:
  - port: 80
"""

RANGE_ERROR = ('The Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port '
               'is not in the valid range. The range of valid ports is 30000-32767\n')


def svc(name: str, extra: str = "") -> str:
    return SVC.format(name=name, extra=extra)


def world_with(**files: str) -> World:
    world = World.from_profile("binary")
    for name, text in files.items():
        world.run(f"cat > {name.replace('__', '.')} <<'EOF'\n{text}EOF")
    return world


def run(world: World, line: str, stdin: str = ""):
    result = world.run(line, stdin=stdin)
    return result.stdout, result.stderr, result.status


def test_tutorial_pod_created_then_already_exists():
    world = world_with(pod_nginx__yml=POD_NGINX)
    assert run(world, "kubectl create -f pod_nginx.yml") == ("pod/nginx-pod created\n", "", 0)
    assert world.api.get("pods", "nginx-pod")["metadata"]["labels"] == {"app": "nginx"}
    assert run(world, "kubectl create -f pod_nginx.yml") == (
        "", 'Error from server (AlreadyExists): error when creating "pod_nginx.yml": pods "nginx-pod" already '
            "exists\n", 1)


def test_tutorial_node_port_out_of_range():
    world = world_with(service_nginx__yml=SERVICE_NGINX)
    assert run(world, "kubectl create -f service_nginx.yml") == ("", RANGE_ERROR, 1)
    with pytest.raises(StatusError):
        world.api.get("services", "nginx-service")


def test_several_errors_are_one_line_each_and_the_good_objects_are_created():
    world = world_with(service_nginx__yml=SERVICE_NGINX, pod_nginx__yml=POD_NGINX, web__yaml=svc("web"))
    run(world, "kubectl create -f pod_nginx.yml")
    out, err, status = run(world, "kubectl create -f service_nginx.yml -f pod_nginx.yml -f web.yaml")
    assert out == "service/web created\n"
    assert err == (
        'Error from server (Invalid): error when creating "service_nginx.yml": Service "nginx-service" is invalid: '
        "spec.ports[0].nodePort: Invalid value: 8999: provided port is not in the valid range. The range of valid "
        "ports is 30000-32767\n"
        'Error from server (AlreadyExists): error when creating "pod_nginx.yml": pods "nginx-pod" already exists\n')
    assert status == 1


def test_multi_document_file_and_stdin():
    text = svc("a") + "---\n" + svc("b")
    world = world_with(two__yaml=text)
    assert run(world, "kubectl create -f two.yaml") == ("service/a created\nservice/b created\n", "", 0)
    assert run(world, "kubectl create -f - ", stdin=svc("c")) == ("service/c created\n", "", 0)
    assert run(world, "kubectl create -f -", stdin=svc("c")) == (
        "", 'Error from server (AlreadyExists): error when creating "STDIN": services "c" already exists\n', 1)


def test_directory_and_recursive():
    world = World.from_profile("kubeadm")
    world.run("mkdir -p manifests/sub")
    world.run("cat > manifests/a.yaml", stdin=svc("a"))
    world.run("cat > manifests/notes.txt", stdin="not a manifest\n")
    world.run("cat > manifests/sub/b.yml", stdin=svc("b"))
    assert run(world, "kubectl create -f manifests --dry-run=client") == ("service/a created (dry run)\n", "", 0)
    assert run(world, "kubectl create -f manifests -R --dry-run=client") == (
        "service/a created (dry run)\nservice/b created (dry run)\n", "", 0)
    world.run("mkdir empty")
    assert run(world, "kubectl create -f empty") == (
        "", "error: error reading [empty]: recognized file extensions are [.json .yaml .yml]\n", 1)


def test_namespace_mismatch_with_explicit_namespace():
    world = world_with(ks__yaml=svc("x", "  namespace: kube-system\n"))
    assert run(world, "kubectl create -f ks.yaml -n default") == (
        "", 'error: the namespace from the provided object "kube-system" does not match the namespace "default". '
            "You must pass '--namespace=kube-system' to perform this operation.\n", 1)
    # Without -n the object's own namespace is used.
    assert run(world, "kubectl create -f ks.yaml") == ("service/x created\n", "", 0)
    assert world.api.get("services", "x", "kube-system")["metadata"]["namespace"] == "kube-system"


def test_namespace_from_flag_fills_objects_without_one():
    world = world_with(web__yaml=svc("web"))
    assert run(world, "kubectl create -f web.yaml -n kube-public") == ("service/web created\n", "", 0)
    assert world.api.get("services", "web", "kube-public")["metadata"]["name"] == "web"


def test_decode_errors_come_after_the_per_object_errors():
    text = (svc("x", "  namespace: kube-system\n") + "---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: z\n"
            + "---\n" + svc("w"))
    world = world_with(multi__yaml=text)
    out, err, status = run(world, "kubectl create -f multi.yaml -n default")
    assert out == "service/w created\n"
    assert err == (
        'the namespace from the provided object "kube-system" does not match the namespace "default". You must '
        "pass '--namespace=kube-system' to perform this operation.\n"
        'resource mapping not found for name: "z" namespace: "" from "multi.yaml": no matches for kind "Foo" in '
        'version "v1"\nensure CRDs are installed first\n')
    assert status == 1


def test_dry_runs_change_nothing():
    world = world_with(web__yaml=svc("web"))
    assert run(world, "kubectl create -f web.yaml --dry-run=client") == ("service/web created (dry run)\n", "", 0)
    assert run(world, "kubectl create -f web.yaml --dry-run=server") == (
        "service/web created (server dry run)\n", "", 0)
    assert run(world, "kubectl create -f web.yaml --dry-run=client -o name") == ("service/web\n", "", 0)
    assert run(world, "kubectl create -f web.yaml") == ("service/web created\n", "", 0)


def test_output_yaml_separates_documents():
    world = world_with(two__yaml=svc("a") + "---\n" + svc("b"))
    out, err, status = run(world, "kubectl create -f two.yaml --dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert out == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: default\nspec:\n  ports:\n  - port: 80\n"
        "  selector:\n    app: web\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: default\nspec:\n  ports:\n  - port: 80\n"
        "  selector:\n    app: web\n")


def test_save_config_writes_the_last_applied_annotation():
    world = world_with(web__yaml=svc("web"))
    assert run(world, "kubectl create -f web.yaml --save-config") == ("service/web created\n", "", 0)
    annotations = world.api.get("services", "web")["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/last-applied-configuration": (
        '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web","namespace":"default"},'
        '"spec":{"ports":[{"port":80}],"selector":{"app":"web"}}}\n')}


def test_selector_filters_file_objects():
    text = svc("a").replace("metadata:\n", "metadata:\n  labels:\n    tier: front\n", 1) + "---\n" + svc("b")
    world = world_with(two__yaml=text)
    assert run(world, "kubectl create -f two.yaml -l tier=front") == ("service/a created\n", "", 0)


def test_usage_errors():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl create") == ("", "error: must specify one of -f and -k\n", 1)
    assert run(world, "kubectl create -f nope.yaml") == ("", 'error: the path "nope.yaml" does not exist\n', 1)
    assert run(world, "kubectl create foo bar") == (
        "", "error: Unexpected args: [foo bar]\nSee 'kubectl create -h' for help and examples\n", 1)
    world.run("cat > web.yaml", stdin=svc("web"))
    assert run(world, "kubectl create -f web.yaml --validate=foo") == (
        "", 'error: invalid - validate option "foo"; must be one of: strict (or true), warn, ignore (or false)\n', 1)
    assert run(world, "kubectl create -f web.yaml --dry-run=foo") == (
        "", 'error: Invalid dry-run value (foo). Must be "none", "server", or "client".\n', 1)
    assert run(world, "kubectl create -f web.yaml -o foo") == (
        "", 'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
            "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,"
            "templatefile,yaml\n", 1)
