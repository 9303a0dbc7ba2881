"""ReplicaSet controller: pod names, owner references, scaling, replacement, adoption, deletion order."""
from lab.sim.controllers.podtemplate import ALPHANUMS
from lab.sim.controllers.replicaset import deletion_order
from lab.sim.world import World

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def make():
    w = World.from_profile("kubeadm")
    w.api.create(RS)
    w.settle()
    return w


def pods(w):
    return [p for p in w.api.list("pods", namespace="default") if not p["metadata"].get("deletionTimestamp")]


def test_creates_pods_with_generated_names_and_owner():
    w = make()
    rs = w.api.get("replicasets", "web")
    ps = pods(w)
    assert len(ps) == 3
    for p in ps:
        name = p["metadata"]["name"]
        assert name.startswith("web-") and len(name) == 9 and all(c in ALPHANUMS for c in name[4:])
        assert p["metadata"]["generateName"] == "web-"
        assert p["metadata"]["labels"] == {"app": "web"}
        assert p["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}]
    assert rs["status"]["replicas"] == 3
    assert rs["status"]["fullyLabeledReplicas"] == 3
    assert rs["status"]["observedGeneration"] == 1
    events = [e["message"] for e in w.api.list("events", namespace="default") if e["reason"] == "SuccessfulCreate"]
    assert sorted(events) == sorted(f"Created pod: {p['metadata']['name']}" for p in ps)


def test_scale_down_and_up():
    w = make()
    assert w.run("kubectl scale rs web --replicas=1").stdout == "replicaset.apps/web scaled\n"
    w.advance(60)
    assert len(pods(w)) == 1
    assert w.api.get("replicasets", "web")["status"]["replicas"] == 1
    w.run("kubectl scale rs web --replicas=4")
    assert len(pods(w)) == 4


def test_lost_pod_is_replaced():
    w = make()
    victim = pods(w)[0]["metadata"]["name"]
    w.run(f"kubectl delete pod {victim} --wait=false")
    names = [p["metadata"]["name"] for p in pods(w)]
    assert len(names) == 3 and victim not in names


def test_orphan_adopted_then_excess_deleted():
    w = make()
    w.run("kubectl scale rs web --replicas=0")
    w.advance(60)
    w.run("kubectl run stray --image=nginx --labels=app=web")
    # adopted by the matching ReplicaSet, which wants no pods: deleted at once
    deleted = [e["message"] for e in w.api.list("events", namespace="default") if e["reason"] == "SuccessfulDelete"]
    assert "Deleted pod: stray" in deleted


def test_relabelled_pod_released_and_replaced():
    w = make()
    w.advance(30)
    name = sorted(p["metadata"]["name"] for p in pods(w))[0]
    w.run(f"kubectl label pod {name} app=other --overwrite")
    assert "ownerReferences" not in w.api.get("pods", name)["metadata"]
    assert len([p for p in pods(w) if p["metadata"]["labels"] == {"app": "web"}]) == 3


def _pod(name, node="", phase="Pending", ready=None, created="2026-12-01T09:00:00Z", uid=""):
    p = {"metadata": {"name": name, "uid": uid or name, "creationTimestamp": created},
         "spec": {"nodeName": node}, "status": {"phase": phase}}
    if ready is not None:
        p["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready}]
    return p


def test_deletion_order_prefers_unscheduled_pending_unready_newer():
    now = 1_796_115_600.0  # 2026-12-01T10:00:00Z
    pods_ = [
        _pod("running-ready-old", "n1", "Running", "2026-12-01T09:00:00Z", "2026-12-01T08:00:00Z"),
        _pod("unscheduled", ""),
        _pod("pending", "n2"),
        _pod("running-unready", "n2", "Running"),
        _pod("running-ready-new", "n2", "Running", "2026-12-01T09:59:50Z", "2026-12-01T09:59:40Z"),
    ]
    order = [p["metadata"]["name"] for p in deletion_order(pods_, pods_, now)]
    assert order == ["unscheduled", "pending", "running-unready", "running-ready-new", "running-ready-old"]
