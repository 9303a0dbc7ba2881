"""Deployment controller: names, revisions, rolling updates within maxSurge/maxUnavailable, Recreate, status."""
import json

import pytest

from lab.sim.controllers.deployment import fenceposts
from lab.sim.controllers.podtemplate import compute_hash, safe_encode_string
from lab.sim.world import World


def run(w, line):
    r = w.run(line)
    return r.stdout + r.stderr


@pytest.mark.parametrize("replicas,surge,unavailable", [(1, 1, 0), (3, 1, 0), (4, 1, 1), (10, 3, 2)])
def test_default_fenceposts(replicas, surge, unavailable):
    d = {"spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate",
                                                      "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}}
    assert fenceposts(d) == (surge, unavailable)


def test_both_zero_makes_unavailable_one():
    d = {"spec": {"replicas": 3, "strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}}
    assert fenceposts(d) == (0, 1)


def test_hash_alphabet_and_stability():
    assert safe_encode_string("0123456789") == "456789bcdf"
    t = {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}
    h = compute_hash(t)
    assert h == compute_hash(json.loads(json.dumps(t))) and set(h) <= set("456789bcdf")
    assert compute_hash(t, 1) != h


def test_create_deployment_three_replicas():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl create deployment nginx --image=nginx --replicas=3") == "deployment.apps/nginx created\n"
    out = run(w, "sleep 10; kubectl get deploy,rs,pods")
    rs = w.api.list("replicasets", namespace="default")[0]
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"nginx-{h}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "nginx", "pod-template-hash": h}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4",
                                             "deployment.kubernetes.io/revision": "1"}
    names = sorted(p["metadata"]["name"] for p in w.api.list("pods", namespace="default"))
    assert out == (
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/nginx   3/3     3            3           10s\n\n"
        "NAME                               DESIRED   CURRENT   READY   AGE\n"
        f"replicaset.apps/nginx-{h}   3         3         3       10s\n\n"
        "NAME                         READY   STATUS    RESTARTS   AGE\n"
        + "".join(f"pod/{n}   1/1     Running   0          10s\n" for n in names))
    d = w.api.get("deployments", "nginx")
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    status = d["status"]
    assert {k: status[k] for k in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                                   "availableReplicas")} == {"observedGeneration": 1, "replicas": 3,
                                                             "updatedReplicas": 3, "readyReplicas": 3,
                                                             "availableReplicas": 3}
    conds = [(c["type"], c["status"], c["reason"], c["message"]) for c in status["conditions"]]
    assert conds == [("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                     ("Progressing", "True", "NewReplicaSetAvailable",
                      f'ReplicaSet "nginx-{h}" has successfully progressed.')]
    scaling = [e["message"] for e in w.api.list("events", namespace="default") if e["reason"] == "ScalingReplicaSet"]
    assert scaling == [f"Scaled up replica set nginx-{h} from 0 to 3"]


def _rollout_trace(replicas, surge, unavailable, strategy="RollingUpdate"):
    """Run an image update; record (old spec, new spec, available) after every store change."""
    w = World.from_profile("kubeadm")
    run(w, f"kubectl create deployment web --image=nginx --replicas={replicas}")
    if strategy == "RollingUpdate":
        w.api.patch("deployments", "web", {"spec": {"strategy": {"rollingUpdate": {
            "maxSurge": surge, "maxUnavailable": unavailable}}}}, "strategic")
    else:
        w.api.patch("deployments", "web", {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}},
                    "strategic")
    w.advance(30)
    trace = []

    def watch(ev):
        if ev.resource == "replicasets.apps":
            rss = w.store.list("replicasets.apps", "default")
            trace.append([(rs["spec"]["replicas"], (rs.get("status") or {}).get("availableReplicas", 0)) for rs in
                          sorted(rss, key=lambda r: r["metadata"]["creationTimestamp"])])
    w.store.subscribe(watch)
    run(w, "kubectl set image deployment/web nginx=nginx:1.27")
    w.advance(120)
    return w, trace


@pytest.mark.parametrize("replicas,surge,unavailable", [(3, 1, 0), (4, 1, 1), (10, 3, 2), (4, 0, 2)])
def test_rolling_update_stays_within_fenceposts(replicas, surge, unavailable):
    w, trace = _rollout_trace(replicas, surge, unavailable)
    assert trace
    for step in trace:
        total = sum(spec for spec, _ in step)
        available = sum(av for _, av in step)
        assert total <= replicas + surge
        assert available >= replicas - unavailable
    rss = sorted(w.api.list("replicasets", namespace="default"), key=lambda r: r["metadata"]["creationTimestamp"])
    assert [rs["spec"]["replicas"] for rs in rss] == [0, replicas]
    assert [rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in rss] == ["1", "2"]


def test_rolling_update_first_steps_three_replicas():
    # replicas 3, maxSurge 1, maxUnavailable 0: new 0->1, then old 3->2 once it is available, and so on
    w, trace = _rollout_trace(3, 1, 0)
    specs = []
    for step in trace:
        s = tuple(spec for spec, _ in step)
        if not specs or specs[-1] != s:
            specs.append(s)
    assert specs == [(3, 1), (2, 1), (2, 2), (1, 2), (1, 3), (0, 3)]


def test_recreate_scales_old_to_zero_before_new():
    w, trace = _rollout_trace(3, 0, 0, strategy="Recreate")
    specs = []
    for step in trace:
        s = tuple(spec for spec, _ in step)
        if not specs or specs[-1] != s:
            specs.append(s)
    assert specs == [(0,), (0, 3)]
    events = [e["message"] for e in w.api.list("events", namespace="default") if e["reason"] == "ScalingReplicaSet"]
    assert events[-2].startswith("Scaled down replica set web-") and events[-2].endswith(" from 3 to 0")
    assert events[-1].endswith(" from 0 to 3")


def test_revision_history_limit_cleans_old_replicasets():
    w = World.from_profile("kubeadm")
    run(w, "kubectl create deployment web --image=nginx")
    w.api.patch("deployments", "web", {"spec": {"revisionHistoryLimit": 1}}, "strategic")
    for tag in ("1.25", "1.26", "1.27"):
        run(w, f"kubectl set image deployment/web nginx=nginx:{tag}")
        w.advance(60)
    revs = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                  for rs in w.api.list("replicasets", namespace="default"))
    assert revs == ["3", "4"]


def test_paused_deployment_does_not_roll_out():
    w = World.from_profile("kubeadm")
    run(w, "kubectl create deployment web --image=nginx --replicas=2")
    w.advance(30)
    assert run(w, "kubectl rollout pause deployment/web") == "deployment.apps/web paused\n"
    run(w, "kubectl set image deployment/web nginx=nginx:1.27")
    w.advance(30)
    assert len(w.api.list("replicasets", namespace="default")) == 1
    cond = [c for c in w.api.get("deployments", "web")["status"]["conditions"] if c["type"] == "Progressing"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    run(w, "kubectl scale deployment web --replicas=3")
    assert w.api.list("replicasets", namespace="default")[0]["spec"]["replicas"] == 3
    run(w, "kubectl rollout resume deployment/web")
    w.advance(60)
    assert len(w.api.list("replicasets", namespace="default")) == 2


FLOW = [
    "kubectl create deployment nginx --image=nginx --replicas=3",
    "sleep 10; kubectl get deploy,rs,pods",
    "kubectl scale deployment nginx --replicas=5",
    "sleep 5; kubectl get pods",
    "kubectl set image deployment/nginx nginx=nginx:1.27",
    "kubectl rollout status deployment/nginx",
    "kubectl rollout history deployment/nginx",
    "kubectl rollout undo deployment/nginx",
    "kubectl rollout status deployment/nginx",
    "sleep 40; kubectl get deploy,rs,pods",
    "kubectl get events",
]


def test_same_output_after_save_and_load():
    kept = World.from_profile("kubeadm")
    outputs_kept = [run(kept, line) for line in FLOW]
    w = World.from_profile("kubeadm")
    outputs_loaded = []
    for line in FLOW:
        w = World.from_state(json.loads(json.dumps(w.to_state())))
        outputs_loaded.append(run(w, line))
    assert outputs_loaded == outputs_kept
