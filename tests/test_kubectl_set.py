"""kubectl set / set image: container image updates (checked against kubectl 1.32)."""
from lab.sim.world import World


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def bootcamp():
    w = World.from_profile("minikube")
    w.run("kubectl create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1")
    return w


def image(w, name="kubernetes-bootcamp"):
    return w.api.get("deployments", name)["spec"]["template"]["spec"]["containers"][0]["image"]


def test_tutorial_set_image():
    w = bootcamp()
    assert run(w, "kubectl set image deployments/kubernetes-bootcamp "
                  "kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2") == (
        "deployment.apps/kubernetes-bootcamp image updated\n", "", 0)
    assert image(w) == "jocatalin/kubernetes-bootcamp:v2"
    # Nothing to change: kubectl sends no patch and prints nothing.
    assert run(w, "kubectl set image deployments/kubernetes-bootcamp "
                  "kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2") == ("", "", 0)


def test_set_image_wildcard_dry_run_and_unknown_container():
    w = bootcamp()
    assert run(w, "kubectl set image deploy/kubernetes-bootcamp '*=nginx:1.25' --dry-run=client") == (
        "deployment.apps/kubernetes-bootcamp image updated (dry run)\n", "", 0)
    assert image(w) == "gcr.io/google-samples/kubernetes-bootcamp:v1"
    assert run(w, "kubectl set image deploy/kubernetes-bootcamp foo=bar") == (
        "", 'error: unable to find container named "foo"\n', 1)
    assert run(w, "kubectl set image deploy/kubernetes-bootcamp kubernetes-bootcamp=nginx foo=bar") == (
        "deployment.apps/kubernetes-bootcamp image updated\n", 'error: unable to find container named "foo"\n', 1)
    assert image(w) == "nginx"


def test_set_image_on_a_pod_and_errors():
    w = bootcamp()
    w.run("kubectl run p1 --image=nginx")
    assert run(w, "kubectl set image pod/p1 p1=nginx:1.25") == ("pod/p1 image updated\n", "", 0)
    assert w.api.get("pods", "p1")["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert run(w, "kubectl set image deploy/kubernetes-bootcamp") == (
        "", "error: at least one image update is required\n", 1)
    assert run(w, "kubectl set image deploy/kubernetes-bootcamp a=b extra") == (
        "", "error: all resources must be specified before image changes: extra\n", 1)
    assert run(w, "kubectl set image svc/kubernetes a=b") == (
        "", "error: services/kubernetes the object is not a pod or does not have a pod template: *v1.Service\n", 1)
    assert run(w, "kubectl set image deploy/missing a=b") == (
        "", 'Error from server (NotFound): deployments.apps "missing" not found\n', 1)


def test_set_alone_prints_help_on_stderr():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl set")
    assert (out, status) == ("", 1)
    assert err.startswith("Configure application resources.\n")
    assert run(w, "kubectl set foo") == (
        "", "error: unknown command \"foo\"\nSee 'kubectl set -h' for help and examples\n", 1)
