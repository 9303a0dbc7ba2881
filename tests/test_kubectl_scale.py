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


def test_the_scale_subresource_of_the_apiserver():
    """GET/PATCH/PUT .../scale: an autoscaling/v1 Scale made from the object; its own validation first."""
    import pytest

    from lab.sim.api.errors import StatusError

    w = bootcamp()
    w.run("kubectl rollout status deployment kubernetes-bootcamp")
    dep = w.api.get("deployments", "kubernetes-bootcamp")
    scale = w.api.get_scale("deployments", "kubernetes-bootcamp")
    assert scale == {"kind": "Scale", "apiVersion": "autoscaling/v1",
                     "metadata": {k: dep["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                                  "creationTimestamp")},
                     "spec": {"replicas": 1},
                     "status": {"replicas": 1, "selector": "app=kubernetes-bootcamp"}}
    with pytest.raises(StatusError) as info:
        w.api.patch_scale("deployments", "kubernetes-bootcamp", {"spec": {"replicas": -1}})
    assert (info.value.code, info.value.message) == (
        422, 'Scale.autoscaling "kubernetes-bootcamp" is invalid: spec.replicas: Invalid value: -1: '
             "must be greater than or equal to 0")
    assert replicas(w) == 1
    # a PUT with the resourceVersion the Scale was read at; a stale one is a conflict
    scale["spec"]["replicas"] = 3
    assert w.api.update_scale("deployments", scale)["spec"]["replicas"] == 3
    assert replicas(w) == 3
    scale["spec"]["replicas"] = 2
    with pytest.raises(StatusError) as info:
        w.api.update_scale("deployments", scale)
    assert info.value.message == ('Operation cannot be fulfilled on deployments.apps "kubernetes-bootcamp": the '
                                  "object has been modified; please apply your changes to the latest version and "
                                  "try again")
    # kinds without the subresource: the apiserver serves no such path
    with pytest.raises(StatusError) as info:
        w.api.get_scale("services", "kubernetes")
    assert (info.value.code, info.value.message) == (404, "the server could not find the requested resource")


def test_kubectl_scale_goes_through_the_subresource():
    """The lab's replica limit, met through deployments/scale, is the Deployment's field error;
    a client dry run only prints, even for a kind that cannot be scaled."""
    from lab.sim.limits import LabLimits

    w = World.from_profile("minikube", limits=LabLimits(max_replicas=3))
    w.run("kubectl create deployment web --image=nginx")
    calls = []
    real = w.api.patch_scale
    w.api.patch_scale = lambda *a, **k: calls.append(a[:3]) or real(*a, **k)
    assert run(w, "kubectl scale deployment web --replicas=10") == ("", (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: 10: '
        "must be less than or equal to 3 (the lab's limit per workload)\n"), 1)
    assert run(w, "kubectl scale deployment web --replicas=2") == ("deployment.apps/web scaled\n", "", 0)
    assert [c[2] for c in calls] == [{"spec": {"replicas": 10}}, {"spec": {"replicas": 2}}]
    assert run(w, "kubectl scale service kubernetes --replicas=2") == (
        "", "Error from server (NotFound): the server could not find the requested resource\n", 1)
    assert run(w, "kubectl scale service kubernetes --replicas=2 --dry-run=client") == (
        "service/kubernetes scaled (dry run)\n", "", 0)
