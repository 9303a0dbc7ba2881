"""kubectl scale: messages, preconditions and the replicas change (checked against kubectl 1.32)."""
from lab.sim.world import World


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def bootcamp():
    w = World.from_profile("minikube")
    w.run("kubectl create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1")
    return w


def replicas(w):
    return w.api.get("deployments", "kubernetes-bootcamp")["spec"]["replicas"]


def test_tutorial_scale():
    w = bootcamp()
    assert run(w, "kubectl scale deployments/kubernetes-bootcamp --replicas=4") == (
        "deployment.apps/kubernetes-bootcamp scaled\n", "", 0)
    assert replicas(w) == 4
    assert run(w, "kubectl scale deployments/kubernetes-bootcamp --replicas=2") == (
        "deployment.apps/kubernetes-bootcamp scaled\n", "", 0)
    assert replicas(w) == 2


def test_scale_dry_run_and_preconditions():
    w = bootcamp()
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=3 --dry-run=client") == (
        "deployment.apps/kubernetes-bootcamp scaled (dry run)\n", "", 0)
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=3 --dry-run=server") == (
        "deployment.apps/kubernetes-bootcamp scaled (server dry run)\n", "", 0)
    assert replicas(w) == 1
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=4 --current-replicas=3") == (
        "", "error: Expected replicas to be 3, was 1\n", 1)
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=4 --current-replicas=1") == (
        "deployment.apps/kubernetes-bootcamp scaled\n", "", 0)
    rv = w.api.get("deployments", "kubernetes-bootcamp")["metadata"]["resourceVersion"]
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=1 --resource-version=1") == (
        "", f"error: Expected resource version to be 1, was {rv}\n", 1)


def test_scale_errors():
    w = bootcamp()
    assert run(w, "kubectl scale deploy kubernetes-bootcamp") == (
        "", 'error: required flag(s) "replicas" not set\n', 1)
    assert run(w, "kubectl scale deploy kubernetes-bootcamp --replicas=-1") == (
        "", "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n", 1)
    assert run(w, "kubectl scale deploy missing --replicas=2") == (
        "", 'error: no objects passed to scale deployments.apps "missing" not found\n', 1)
    assert run(w, "kubectl scale deploy --replicas=2") == (
        "", "error: resource(s) were provided, but no name was specified\n", 1)
    assert run(w, "kubectl scale --replicas=2")[1].startswith(
        "error: You must provide one or more resources by argument or filename.\n")
