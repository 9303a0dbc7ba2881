"""kubectl wait: conditions, delete, timeouts, all on the lab's clock."""
from lab.sim.world import World


def run(w, line):
    r = w.run(line)
    return r.stdout, r.stderr, r.status


def test_wait_for_pod_ready_and_deployment_available():
    w = World.from_profile("kubeadm")
    w.run("kubectl run p --image=nginx")
    start = w.clock.elapsed
    assert run(w, "kubectl wait --for=condition=Ready pod/p --timeout=60s") == ("pod/p condition met\n", "", 0)
    assert 0 < w.clock.elapsed - start < 60
    w.run("kubectl create deployment d --image=nginx --replicas=2")
    assert run(w, "kubectl wait --for=condition=available deployment/d") == (
        "deployment.apps/d condition met\n", "", 0)
    assert run(w, "kubectl wait --for=condition=Ready=false pod/p --timeout=2s") == (
        "", "error: timed out waiting for the condition on pods/p\n", 1)


def test_wait_timeout_moves_the_clock_by_the_timeout():
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment d --image=nginx")
    w.advance(30)
    start = w.clock.elapsed
    assert run(w, "kubectl wait --for=condition=Ready=false deployment/d --timeout=5s") == (
        "", "error: timed out waiting for the condition on deployments/d\n", 1)
    assert w.clock.elapsed - start == 5


def test_wait_for_delete():
    w = World.from_profile("kubeadm")
    w.run("kubectl run p --image=nginx")
    w.advance(20)
    w.run("kubectl delete pod p --wait=false")
    assert run(w, "kubectl wait --for=delete pod/p --timeout=60s") == ("pod/p condition met\n", "", 0)
    assert run(w, "kubectl wait --for=delete pod/p") == ("", "", 0)


def test_wait_errors():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl wait pod/x") == ("", 'error: unrecognized condition: ""\n', 1)
    assert run(w, "kubectl wait --for=foo pod/x") == ("", 'error: unrecognized condition: "foo"\n', 1)
    assert run(w, "kubectl wait --for=condition=Ready pod/x") == (
        "", 'Error from server (NotFound): pods "x" not found\n', 1)
    assert run(w, "kubectl wait --for=condition=Ready pod/x --timeout=abc") == (
        "", 'Error: invalid argument "abc" for "--timeout" flag: time: invalid duration "abc"\n'
            "See 'kubectl wait --help' for usage.\n", 1)
