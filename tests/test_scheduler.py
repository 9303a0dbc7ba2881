"""Scheduler: binding, spreading, and the FailedScheduling text of kube-scheduler 1.32."""
from __future__ import annotations

from lab.sim.world import World

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
{extra}  containers:
  - name: nginx
    image: nginx
"""


def _world(profile: str = "kubeadm") -> World:
    return World.from_profile(profile)


def _create(w: World, name: str, extra: str = "") -> None:
    w.hosts[w.default_host].fs.write(f"/root/{name}.yaml", POD.format(name=name, extra=extra))
    r = w.run(f"kubectl create -f /root/{name}.yaml")
    assert r.stdout == f"pod/{name} created\n", r.stderr


def _node_of(w: World, name: str) -> str:
    return w.run(f"kubectl get pod {name} -o jsonpath={{.spec.nodeName}}").stdout


def test_spreads_over_workers_not_the_tainted_control_plane():
    w = _world()
    for name in ("a", "b", "c", "d"):
        _create(w, name)
    assert [_node_of(w, n) for n in ("a", "b", "c", "d")] == ["k8s-node1", "k8s-node2", "k8s-node1", "k8s-node2"]
    events = w.run("kubectl get events --field-selector reason=Scheduled -o jsonpath={.items[*].message}").stdout
    assert "Successfully assigned default/a to k8s-node1" in events


def test_binding_sets_pod_scheduled_condition():
    w = _world()
    _create(w, "a")
    conds = {c["type"]: c for c in w.api.get("pods", "a")["status"]["conditions"]}
    assert conds["PodScheduled"]["status"] == "True"
    assert conds["PodScheduled"]["lastTransitionTime"] == "2026-12-01T09:00:00Z"


def test_node_selector_matching_nothing_is_unschedulable():
    w = _world()
    _create(w, "bad", "  nodeSelector:\n    disk: ssd\n")
    r = w.run("kubectl get pods")
    assert r.stdout == "NAME   READY   STATUS    RESTARTS   AGE\nbad    0/1     Pending   0          0s\n"
    r = w.run("kubectl describe pod bad")
    assert r.stdout.endswith(
        "Events:\n"
        "  Type     Reason            Age   From               Message\n"
        "  ----     ------            ----  ----               -------\n"
        "  Warning  FailedScheduling  0s    default-scheduler  0/3 nodes are available: 1 node(s) had untolerated "
        "taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\n")
    cond = w.run("kubectl get pod bad -o jsonpath={.status.conditions[0].reason}/{.status.conditions[0].status}")
    assert cond.stdout == "Unschedulable/False"


def test_labelling_a_node_lets_the_pending_pod_schedule():
    w = _world()
    _create(w, "bad", "  nodeSelector:\n    disk: ssd\n")
    assert w.run("kubectl label node k8s-node2 disk=ssd").stdout == "node/k8s-node2 labeled\n"
    w.run("sleep 1")
    assert _node_of(w, "bad") == "k8s-node2"


def test_unschedulable_retry_after_five_minutes_makes_a_series():
    w = _world()
    _create(w, "bad", "  nodeSelector:\n    disk: ssd\n")
    w.run("sleep 301")
    out = w.run("kubectl get events -o jsonpath={.items[0].series.count}").stdout
    assert out == "2"


def test_cordoned_and_tolerated_nodes():
    w = _world()
    w.run("kubectl cordon k8s-node1")
    w.run("kubectl cordon k8s-node2")
    _create(w, "p")
    msg = w.run("kubectl get events --field-selector reason=FailedScheduling -o jsonpath={.items[0].message}").stdout
    assert msg == ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                   "2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful "
                   "for scheduling.")
    tol = ("  tolerations:\n  - key: node-role.kubernetes.io/control-plane\n    operator: Exists\n"
           "    effect: NoSchedule\n")
    _create(w, "cp", tol)
    assert _node_of(w, "cp") == "k8s-master"


def test_explicit_node_name_bypasses_the_scheduler():
    w = _world()
    _create(w, "pinned", "  nodeName: k8s-node2\n")
    assert _node_of(w, "pinned") == "k8s-node2"
    assert w.run("kubectl get events --field-selector reason=Scheduled -o name").stdout == ""


def test_binary_profile_schedules_on_both_nodes():
    w = _world("binary")
    _create(w, "a")
    _create(w, "b")
    # kube-node01 already runs CoreDNS's Pod, so the first goes to kube-node02.
    assert [_node_of(w, "a"), _node_of(w, "b")] == ["kube-node02", "kube-node01"]
