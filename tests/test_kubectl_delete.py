"""`kubectl delete`: exact output of kubectl 1.32 against kube-apiserver 1.32."""
from __future__ import annotations

import pytest

from lab.sim.api.errors import StatusError
from lab.sim.world import World

SVC = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    run: kubernetes-bootcamp
spec:
  selector:
    app: web
  ports:
  - port: 80
"""

POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  nodeName: k8s-node1
  terminationGracePeriodSeconds: 30
  containers:
  - name: nginx
    image: nginx
"""

FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                 "terminated. The resource may continue to run on the cluster indefinitely.\n")


def run(world: World, line: str, stdin: str = ""):
    result = world.run(line, stdin=stdin)
    return result.stdout, result.stderr, result.status


def world_with_services(*names: str) -> World:
    world = World.from_profile("kubeadm")
    for name in names:
        world.api.create(__import__("yaml").safe_load(SVC.format(name=name)))
    return world


def gone(world: World, resource: str, name: str, namespace: str = "default") -> bool:
    try:
        world.api.get(resource, name, namespace)
    except StatusError as exc:
        return exc.reason == "NotFound"
    return False


def test_delete_by_name_and_type_slash_name():
    world = world_with_services("nginx-pod", "b", "c")
    assert run(world, "kubectl delete svc nginx-pod") == ('service "nginx-pod" deleted\n', "", 0)
    assert gone(world, "services", "nginx-pod")
    assert run(world, "kubectl delete svc/b service/c") == ('service "b" deleted\nservice "c" deleted\n', "", 0)


def test_not_found_names_do_not_stop_the_others():
    world = world_with_services("a")
    assert run(world, "kubectl delete svc x a y") == (
        'service "a" deleted\n',
        'Error from server (NotFound): services "x" not found\nError from server (NotFound): services "y" not found\n',
        1)
    assert run(world, "kubectl delete svc x") == ("", 'Error from server (NotFound): services "x" not found\n', 1)
    assert run(world, "kubectl delete svc x --ignore-not-found") == ("", "", 0)


def test_delete_by_label_as_in_the_bootcamp_tutorial():
    world = world_with_services("kubernetes-bootcamp")
    assert run(world, "kubectl delete service -l run=kubernetes-bootcamp") == (
        'service "kubernetes-bootcamp" deleted\n', "", 0)
    assert run(world, "kubectl delete service -l run=kubernetes-bootcamp") == ("No resources found\n", "", 0)


def test_delete_all_in_a_namespace():
    world = world_with_services("a", "b")
    assert run(world, "kubectl delete svc --all -n kube-public") == ("No resources found\n", "", 0)
    out, err, status = run(world, "kubectl delete svc --all")
    assert (out, err, status) == ('service "a" deleted\nservice "b" deleted\nservice "kubernetes" deleted\n', "", 0)


def test_delete_by_file():
    world = World.from_profile("kubeadm")
    world.run("cat > svc.yaml", stdin=SVC.format(name="web"))
    assert run(world, "kubectl create -f svc.yaml") == ("service/web created\n", "", 0)
    assert run(world, "kubectl delete -f svc.yaml") == ('service "web" deleted\n', "", 0)
    assert run(world, "kubectl delete -f svc.yaml") == (
        "", 'Error from server (NotFound): error when deleting "svc.yaml": services "web" not found\n', 1)
    assert run(world, "kubectl delete -f svc.yaml --ignore-not-found") == ("", "", 0)


def test_output_name_and_dry_runs():
    world = world_with_services("a")
    assert run(world, "kubectl delete svc a --dry-run=client") == ('service "a" deleted (dry run)\n', "", 0)
    assert run(world, "kubectl delete svc a --dry-run=server") == ('service "a" deleted (server dry run)\n', "", 0)
    assert not gone(world, "services", "a")
    assert run(world, "kubectl delete svc a -o name") == ("service/a\n", "", 0)
    assert run(world, "kubectl delete svc a -o yaml") == (
        "", "error: unexpected -o output mode: yaml. We only support '-o name'\n", 1)


def test_force_and_grace_period_rules():
    world = world_with_services("a", "b")
    assert run(world, "kubectl delete svc a --force") == (
        'service "a" force deleted\n', FORCE_WARNING, 0)
    assert run(world, "kubectl delete svc b --force --grace-period=5") == (
        "", "error: --force and --grace-period greater than 0 cannot be specified together\n", 1)
    assert run(world, "kubectl delete svc b --now --grace-period=2") == (
        "", "error: --now and --grace-period cannot be specified together\n", 1)
    # --grace-period=0 without --force means 1: a plain deletion.
    assert run(world, "kubectl delete svc b --grace-period=0") == ('service "b" deleted\n', "", 0)


def test_cascade_values():
    world = world_with_services("a", "b", "c")
    assert run(world, "kubectl delete svc a --cascade=orphan") == ('service "a" deleted\n', "", 0)
    assert run(world, "kubectl delete svc b --cascade=true") == (
        'service "b" deleted\n',
        "warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.\n", 0)
    assert run(world, "kubectl delete svc c --cascade=false --dry-run=client") == (
        'service "c" deleted (dry run)\n',
        "warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n", 0)
    assert run(world, "kubectl delete svc c --cascade=maybe") == (
        "", 'error: invalid cascade value (maybe). Must be "background", "foreground", or "orphan"\n', 1)


def test_argument_errors():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl delete") == (
        "", "error: You must provide one or more resources by argument or filename.\n"
            "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
            "   '<resource> <name>'\n   '<resource>'\n", 1)
    assert run(world, "kubectl delete svc") == (
        "", "error: resource(s) were provided, but no name was specified\n", 1)
    assert run(world, "kubectl delete --all") == (
        "", "error: at least one resource must be specified to use a selector\n", 1)
    assert run(world, "kubectl delete svc --all -l a=b") == (
        "", "error: setting 'all' parameter but found a non empty selector. \n", 1)
    assert run(world, "kubectl delete svc x -l a=b") == (
        "", "error: name cannot be provided when a selector is specified\n", 1)
    assert run(world, "kubectl delete svc/x -l a=b") == (
        "", "error: selectors and the all flag cannot be used when passing resource/name arguments\n", 1)
    assert run(world, "kubectl delete svc x -A") == (
        "", "error: a resource cannot be retrieved by name across all namespaces\n", 1)
    assert run(world, "kubectl delete foo x") == ("", 'error: the server doesn\'t have a resource type "foo"\n', 1)
    world.run("cat > svc.yaml", stdin=SVC.format(name="web"))
    assert run(world, "kubectl delete -f svc.yaml svc x") == (
        "", "error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as "
            "well\n", 1)
    assert run(world, "kubectl delete svc x --timeout=zz") == (
        "", 'Error: invalid argument "zz" for "--timeout" flag: time: invalid duration "zz"\n'
            "See 'kubectl delete --help' for usage.\n", 1)


def test_cluster_scoped_warning_with_explicit_namespace():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl delete ns kube-public -n default --dry-run=client") == (
        'namespace "kube-public" deleted (dry run)\n',
        "Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n", 0)


SLEEPER = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  nodeName: k8s-node1
  terminationGracePeriodSeconds: 30
  containers:
  - name: sleeper
    image: busybox
    command: ["sleep", "3600"]
"""


def _world_with_terminating_pods() -> World:
    """A world with a running Pod whose PID 1 (`sleep`) ignores SIGTERM, so the
    kubelet removes it only when the 30 s grace period ends."""
    import yaml

    world = World.from_profile("kubeadm")
    world.api.create(yaml.safe_load(SLEEPER))
    world.advance(30)
    assert world.api.get("pods", "nginx-pod")["status"]["phase"] == "Running"
    return world


def test_wait_moves_the_clock_until_the_pod_is_gone():
    world = _world_with_terminating_pods()
    before = world.clock.elapsed
    assert run(world, "kubectl delete pod nginx-pod") == ('pod "nginx-pod" deleted\n', "", 0)
    assert gone(world, "pods", "nginx-pod")
    assert world.clock.elapsed - before == pytest.approx(30)


def test_no_wait_and_now_and_timeout():
    world = _world_with_terminating_pods()
    before = world.clock.elapsed
    assert run(world, "kubectl delete pod nginx-pod --wait=false") == ('pod "nginx-pod" deleted\n', "", 0)
    assert world.clock.elapsed == before
    assert world.api.get("pods", "nginx-pod")["metadata"]["deletionGracePeriodSeconds"] == 30

    world = _world_with_terminating_pods()
    assert run(world, "kubectl delete pod nginx-pod --timeout=10s") == (
        'pod "nginx-pod" deleted\n', "error: timed out waiting for the condition on pods/nginx-pod\n", 1)

    world = _world_with_terminating_pods()
    before = world.clock.elapsed
    assert run(world, "kubectl delete pod nginx-pod --now") == ('pod "nginx-pod" deleted\n', "", 0)
    assert world.clock.elapsed - before == pytest.approx(1)


def test_force_deletion_of_a_pod_is_immediate():
    world = _world_with_terminating_pods()
    before = world.clock.elapsed
    assert run(world, "kubectl delete pod nginx-pod --force") == ('pod "nginx-pod" force deleted\n', FORCE_WARNING, 0)
    assert gone(world, "pods", "nginx-pod")
    assert world.clock.elapsed == before
