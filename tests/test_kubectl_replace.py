"""`kubectl replace -f`: exact output of kubectl 1.32 against kube-apiserver 1.32."""
from __future__ import annotations

from lab.sim.world import World

SVC = """apiVersion: v1
kind: Service
metadata:
  name: web
{extra}spec:
  selector:
    app: {app}
  ports:
  - port: 80
"""


def run(world: World, line: str, stdin: str = ""):
    result = world.run(line, stdin=stdin)
    return result.stdout, result.stderr, result.status


def write(world: World, name: str, text: str) -> None:
    world.run(f"cat > {name} <<'EOF'\n{text}EOF")


def test_replace_missing_then_existing():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(extra="", app="web"))
    assert run(world, "kubectl replace -f svc.yaml") == (
        "", 'Error from server (NotFound): error when replacing "svc.yaml": services "web" not found\n', 1)
    assert run(world, "kubectl create -f svc.yaml") == ("service/web created\n", "", 0)
    ip = world.api.get("services", "web")["spec"]["clusterIP"]
    write(world, "svc.yaml", SVC.format(extra="", app="api"))
    assert run(world, "kubectl replace -f svc.yaml") == ("service/web replaced\n", "", 0)
    live = world.api.get("services", "web")
    assert live["spec"]["selector"] == {"app": "api"}
    assert live["spec"]["clusterIP"] == ip


def test_stale_resource_version_is_a_conflict():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(extra="", app="web"))
    run(world, "kubectl create -f svc.yaml")
    write(world, "old.yaml", SVC.format(extra='  resourceVersion: "1"\n', app="api"))
    assert run(world, "kubectl replace -f old.yaml") == (
        "", 'Error from server (Conflict): error when replacing "old.yaml": Operation cannot be fulfilled on '
            'services "web": the object has been modified; please apply your changes to the latest version and try '
            "again\n", 1)


def test_force_deletes_and_creates():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(extra="", app="web"))
    run(world, "kubectl create -f svc.yaml")
    uid = world.api.get("services", "web")["metadata"]["uid"]
    assert run(world, "kubectl replace --force -f svc.yaml") == (
        'service "web" deleted\nservice/web replaced\n', "", 0)
    assert world.api.get("services", "web")["metadata"]["uid"] != uid
    # A missing object is simply created.
    run(world, "kubectl delete svc web")
    assert run(world, "kubectl replace --force -f svc.yaml") == ("service/web replaced\n", "", 0)


def test_dry_run_and_output():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(extra="", app="web"))
    run(world, "kubectl create -f svc.yaml")
    assert run(world, "kubectl replace -f svc.yaml --dry-run=client") == ("service/web replaced (dry run)\n", "", 0)
    assert run(world, "kubectl replace -f svc.yaml --dry-run=server -o name") == ("service/web\n", "", 0)


def test_flag_rules():
    world = World.from_profile("kubeadm")
    write(world, "svc.yaml", SVC.format(extra="", app="web"))
    assert run(world, "kubectl replace") == ("", "error: must specify one of -f and -k\n", 1)
    assert run(world, "kubectl replace -f svc.yaml --grace-period=1") == (
        "", "error: --grace-period must have --force specified\n", 1)
    assert run(world, "kubectl replace -f svc.yaml --timeout=5s") == (
        "", "error: --timeout must have --force specified\n", 1)
    assert run(world, "kubectl replace -f svc.yaml --force --dry-run=client") == (
        "", "error: --dry-run can not be used when --force is set\n", 1)
