"""`kubectl apply -f` (client-side apply): exact output of kubectl 1.32 against kube-apiserver 1.32."""
from __future__ import annotations

import json

from lab.sim.api.patch import strategic_merge, three_way_patch
from lab.sim.world import World

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: {target}
"""

WARNING = ("Warning: resource services/web is missing the kubectl.kubernetes.io/last-applied-configuration "
           "annotation which is required by kubectl apply. kubectl apply should only be used on resources created "
           "declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be "
           "patched automatically.\n")


def run(world: World, line: str, stdin: str = ""):
    result = world.run(line, stdin=stdin)
    return result.stdout, result.stderr, result.status


def write(world: World, name: str, text: str) -> None:
    world.run(f"cat > {name} <<'EOF'\n{text}EOF")


def test_apply_twice_then_edit():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(target=8080))
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web created\n", "", 0)
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web unchanged\n", "", 0)
    rv = world.api.get("services", "web")["metadata"]["resourceVersion"]
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web unchanged\n", "", 0)
    assert world.api.get("services", "web")["metadata"]["resourceVersion"] == rv
    write(world, "svc.yaml", SVC.format(target=9090))
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web configured\n", "", 0)
    live = world.api.get("services", "web")
    assert live["spec"]["ports"] == [{"port": 80, "targetPort": 9090, "protocol": "TCP"}]
    assert live["metadata"]["annotations"][LAST_APPLIED] == (
        '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web",'
        '"namespace":"default"},"spec":{"ports":[{"port":80,"targetPort":9090}],"selector":{"app":"web"}}}\n')


def test_the_cluster_ip_survives_configured():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(target=8080))
    run(world, "kubectl apply -f svc.yaml")
    ip = world.api.get("services", "web")["spec"]["clusterIP"]
    write(world, "svc.yaml", SVC.format(target=9090))
    run(world, "kubectl apply -f svc.yaml")
    assert world.api.get("services", "web")["spec"]["clusterIP"] == ip


def test_removed_fields_are_deleted_but_others_writers_fields_stay():
    world = World.from_profile("kubeadm")
    with_label = SVC.format(target=8080).replace("    app: web\nspec", "    app: web\n    tier: front\nspec")
    write(world, "svc.yaml", with_label)
    run(world, "kubectl apply -f svc.yaml")
    world.api.patch("services", "web", {"metadata": {"labels": {"by-hand": "yes"}}})
    write(world, "svc.yaml", SVC.format(target=8080))
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web configured\n", "", 0)
    assert world.api.get("services", "web")["metadata"]["labels"] == {"app": "web", "by-hand": "yes"}


def test_apply_on_an_object_created_without_the_annotation_warns_once():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(target=8080))
    assert run(world, "kubectl create -f svc.yaml") == ("service/web created\n", "", 0)
    result = world.run("kubectl apply -f svc.yaml")
    assert result.chunks == [("err", WARNING), ("out", "service/web configured\n")]
    assert result.status == 0
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web unchanged\n", "", 0)


def test_invalid_change_is_reported_like_create():
    world = World.from_profile("kubeadm")
    nodeport = SVC.format(target=8080).replace("  ports:", "  type: NodePort\n  ports:")
    write(world, "svc.yaml", nodeport)
    assert run(world, "kubectl apply -f svc.yaml") == ("service/web created\n", "", 0)
    write(world, "svc.yaml", nodeport.replace("    targetPort: 8080", "    targetPort: 8080\n    nodePort: 8999"))
    assert run(world, "kubectl apply -f svc.yaml") == (
        "", 'The Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port is not in '
            "the valid range. The range of valid ports is 30000-32767\n", 1)


def test_dry_runs():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(target=8080))
    assert run(world, "kubectl apply -f svc.yaml --dry-run=client") == ("service/web created (dry run)\n", "", 0)
    assert run(world, "kubectl apply -f svc.yaml --dry-run=server") == (
        "service/web created (server dry run)\n", "", 0)
    assert world.api.list("services", "default", label_selector="app=web") == []
    run(world, "kubectl apply -f svc.yaml")
    # A client dry run never compares: it always says configured.
    assert run(world, "kubectl apply -f svc.yaml --dry-run=client") == ("service/web configured (dry run)\n", "", 0)
    assert run(world, "kubectl apply -f svc.yaml --dry-run=server") == (
        "service/web unchanged (server dry run)\n", "", 0)


def test_output_yaml_of_a_created_object_carries_the_annotation():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(target=8080))
    out, err, status = run(world, "kubectl apply -f svc.yaml --dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert out == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n"
        "    kubectl.kubernetes.io/last-applied-configuration: |\n"
        '      {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web",'
        '"namespace":"default"},"spec":{"ports":[{"port":80,"targetPort":8080}],"selector":{"app":"web"}}}\n'
        "  labels:\n    app: web\n  name: web\n  namespace: default\n"
        "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: web\n")


def test_several_objects_with_output_print_a_list():
    world = World.from_profile("kubeadm")
    write(world, "two.yaml", SVC.format(target=80) + "---\n" + SVC.format(target=80).replace("name: web", "name: b"))
    out, err, status = run(world, "kubectl apply -f two.yaml --dry-run=client -o name")
    assert (out, err, status) == ("service/web\nservice/b\n", "", 0)
    out, err, status = run(world, "kubectl apply -f two.yaml --dry-run=client -o jsonpath={.items[*].metadata.name}")
    assert (out, err, status) == ("web b", "", 0)


NS_MISMATCH = ("the namespace from the provided object \"kube-system\" does not match the namespace \"default\". "
               "You must pass '--namespace=kube-system' to perform this operation.")
NO_FOO = ('resource mapping not found for name: "z" namespace: "" from "multi.yaml": no matches for kind "Foo" in '
          'version "v1"\nensure CRDs are installed first')


def _multi(world: World, *, generate_name: bool) -> None:
    text = (SVC.format(target=80).replace("name: web", "name: x\n  namespace: kube-system")
            + "---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: z\n---\n" + SVC.format(target=80))
    if generate_name:
        text += "---\n" + SVC.format(target=80).replace("name: web", "generateName: w")
    write(world, "multi.yaml", text)


def test_builder_errors_alone_are_one_line_each():
    world = World.from_profile("kubeadm")
    _multi(world, generate_name=False)
    assert run(world, "kubectl apply -f multi.yaml -n default") == (
        "service/web created\n", NS_MISMATCH + "\n" + NO_FOO + "\n", 1)


def test_builder_errors_are_one_aggregate_before_the_apply_errors():
    world = World.from_profile("kubeadm")
    _multi(world, generate_name=True)
    assert run(world, "kubectl apply -f multi.yaml -n default") == (
        "service/web created\n", f"[{NS_MISMATCH}, {NO_FOO}]\nfrom w: cannot use generate name with apply\n", 1)


def test_usage_errors():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl apply") == ("", "error: must specify one of -f and -k\n", 1)
    assert run(world, "kubectl apply -f missing.yaml") == ("", 'error: the path "missing.yaml" does not exist\n', 1)


def test_three_way_patch_matches_kubectl():
    # The patch kubectl 1.32 sends for this change (annotation aside): a removed label,
    # a changed merge-keyed list item with the order directive, a removed item.
    current = {"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}},
               "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80, "name": "http"},
                                  {"port": 443, "protocol": "TCP", "targetPort": 443, "name": "https"}],
                        "selector": {"app": "a"}, "clusterIP": "10.96.0.5"}}
    original = {"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}},
                "spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}],
                         "selector": {"app": "a"}}}
    modified = {"metadata": {"name": "x", "labels": {"a": "1"}},
                "spec": {"ports": [{"port": 80, "name": "http", "targetPort": 8080}], "selector": {"app": "a"}}}
    patch = three_way_patch(original, modified, current)
    assert patch == {"metadata": {"labels": {"b": None}},
                     "spec": {"$setElementOrder/ports": [{"port": 80}],
                              "ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "$patch": "delete"}]}}
    merged = strategic_merge(current, patch)
    assert merged["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080, "name": "http"}]
    assert merged["spec"]["clusterIP"] == "10.96.0.5"
    assert three_way_patch(modified, modified, merged) == {}
    assert json.dumps(three_way_patch(None, original, current)) == "{}"
