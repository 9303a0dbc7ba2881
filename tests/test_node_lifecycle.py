"""Node heartbeats, NotReady after the grace period, unreachable taints and taint-based eviction."""
from __future__ import annotations

import json

from lab.sim.controllers.node_heartbeat import node_record
from lab.sim.controllers.node_lifecycle import toleration_seconds, unknown_due
from lab.sim.world import World

NODES_READY = """NAME         STATUS   ROLES           AGE    VERSION
k8s-master   Ready    control-plane   3d1h   v1.32.4
k8s-node1    Ready    <none>          3d1h   v1.32.4
k8s-node2    Ready    <none>          3d1h   v1.32.4
"""
NODES_NODE1_DOWN = """NAME         STATUS     ROLES           AGE    VERSION
k8s-master   Ready      control-plane   3d1h   v1.32.4
k8s-node1    NotReady   <none>          3d1h   v1.32.4
k8s-node2    Ready      <none>          3d1h   v1.32.4
"""
# The workers joined a minute after the control plane (08:01): in the lab's first minute they are 3d old.
NODES_READY_FIRST_MINUTE = NODES_READY.replace("<none>          3d1h", "<none>          3d  ")
NODES_NODE1_DOWN_FIRST_MINUTE = NODES_NODE1_DOWN.replace("<none>          3d1h", "<none>          3d  ")


def out(world: World, line: str, host: str | None = None) -> str:
    res = world.run(line, host=host)
    return res.stdout + res.stderr


def hand_pod(world: World, name: str, node: str, ready: bool = True) -> dict:
    """A running Pod bound to `node`, its status written as a kubelet would."""
    pod = world.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx"}]}})
    now = world.clock.timestamp()
    pod["status"] = {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": now}]}
    return world.api.update_status(pod)


def ready_status(world: World, node: str) -> str:
    conds = world.api.get("nodes", node)["status"]["conditions"]
    return next(c for c in conds if c["type"] == "Ready")["status"]


def test_unknown_due_is_the_first_monitor_pass_after_fifty_seconds():
    assert unknown_due(100.0) == 155.0
    assert unknown_due(102.0) == 155.0
    assert unknown_due(105.0) == 160.0


def test_toleration_seconds_follow_get_min_toleration_time():
    taint = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    default = {"spec": {"tolerations": [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}]}}
    assert toleration_seconds(default, taint) == 300.0
    assert toleration_seconds({"spec": {}}, taint) == 0.0
    assert toleration_seconds({"spec": {"tolerations": [{"operator": "Exists"}]}}, taint) is None
    assert toleration_seconds({"spec": {"tolerations": [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": -5}]}}, taint) == 0.0


def test_a_healthy_cluster_writes_nothing_as_time_passes():
    world = World.from_profile("kubeadm")
    before = world.store.revision
    world.advance(1800)
    assert world.store.revision == before
    assert out(world, "kubectl get nodes") == NODES_READY


def test_stopped_kubelet_turns_node_not_ready_after_the_grace_period():
    world = World.from_profile("kubeadm")
    assert out(world, "systemctl stop kubelet", host="k8s-node1") == ""
    # The last lease renewal was at the stop (lab time is a multiple of 10 s): Unknown at +55 s.
    world.advance(54)
    assert ready_status(world, "k8s-node1") == "True"
    world.advance(1)
    assert ready_status(world, "k8s-node1") == "Unknown"
    assert out(world, "kubectl get nodes") == NODES_NODE1_DOWN_FIRST_MINUTE
    describe = out(world, "kubectl describe node k8s-node1")
    assert ("Taints:             node.kubernetes.io/unreachable:NoExecute\n"
            "                    node.kubernetes.io/unreachable:NoSchedule\n"
            "Unschedulable:      false\n") in describe
    # LastHeartbeatTime stays the kubelet's last status report (every 5 min unchanged; the lab began at 08:57).
    assert ("  Ready            Unknown   Tue, 01 Dec 2026 08:57:00 +0000   Tue, 01 Dec 2026 09:00:55 +0000   "
            "NodeStatusUnknown   Kubelet stopped posting node status.\n") in describe
    events = out(world, "kubectl get events")
    assert events == ("LAST SEEN   TYPE     REASON         OBJECT           MESSAGE\n"
                      "0s          Normal   NodeNotReady   node/k8s-node1   Node k8s-node1 status is now: NodeNotReady\n")


def test_pods_of_a_dead_node_are_marked_not_ready_then_evicted_after_300s():
    world = World.from_profile("kubeadm")
    hand_pod(world, "web", "k8s-node1")
    hand_pod(world, "other", "k8s-node2")
    out(world, "poweroff", host="k8s-node1")
    world.advance(60)
    pod = world.api.get("pods", "web")
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["lastTransitionTime"] == "2026-12-01T09:00:55Z"
    other = world.api.get("pods", "other")
    assert next(c for c in other["status"]["conditions"] if c["type"] == "Ready")["status"] == "True"
    assert "deletionTimestamp" not in pod["metadata"]
    world.advance(294)  # 09:05:54: the taint came at 09:00:55, the toleration lasts 300 s
    assert world.store.peek("pods", "default", "web") is not None
    assert "deletionTimestamp" not in world.store.peek("pods", "default", "web")["metadata"]
    world.advance(1)
    gone_or_terminating = world.store.peek("pods", "default", "web")
    if gone_or_terminating is not None:
        assert gone_or_terminating["metadata"]["deletionTimestamp"]
        assert {"lastProbeTime": None, "lastTransitionTime": "2026-12-01T09:05:55Z",
                "message": "Taint manager: deleting due to NoExecute taint", "reason": "DeletionByTaintManager",
                "status": "True", "type": "DisruptionTarget"} in gone_or_terminating["status"]["conditions"]
    [proxy] = [p["metadata"]["name"] for p in world.api.list("pods", "kube-system", label_selector="k8s-app=kube-proxy")
               if p["spec"]["nodeName"] == "k8s-node1"]
    assert world.store.peek("pods", "kube-system", proxy)["metadata"].get("deletionTimestamp") is None
    [flannel] = [p["metadata"]["name"] for p in world.api.list("pods", "kube-flannel")
                 if p["spec"]["nodeName"] == "k8s-node1"]
    mine = [(e["type"], e["reason"], e["involvedObject"]["kind"], e["involvedObject"]["name"], e["message"],
             e["source"]["component"]) for e in world.api.list("events")
            if e["source"].get("component") in ("node-controller", "taint-eviction-controller")]
    assert mine == [
        ("Normal", "NodeNotReady", "Node", "k8s-node1", "Node k8s-node1 status is now: NodeNotReady", "node-controller"),
        ("Warning", "NodeNotReady", "Pod", "web", "Node is not ready", "node-controller"),
        ("Normal", "TaintManagerEviction", "Pod", "web", "Marking for deletion Pod default/web",
         "taint-eviction-controller"),
        # The node's flannel and kube-proxy Pods are marked not ready too, but tolerate the NoExecute
        # taints forever.
        ("Warning", "NodeNotReady", "Pod", flannel, "Node is not ready", "node-controller"),
        ("Warning", "NodeNotReady", "Pod", proxy, "Node is not ready", "node-controller"),
    ]


def test_pod_tolerating_unreachable_forever_stays():
    world = World.from_profile("kubeadm")
    pod = world.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stay"},
                            "spec": {"nodeName": "k8s-node1", "containers": [{"name": "c", "image": "nginx"}],
                                     "tolerations": [{"operator": "Exists"}]}})
    assert pod["spec"]["tolerations"] == [{"operator": "Exists"}]
    out(world, "poweroff", host="k8s-node1")
    world.advance(3600)
    assert "deletionTimestamp" not in world.api.get("pods", "stay")["metadata"]


def test_kubelet_back_before_eviction_clears_taints_and_cancels():
    world = World.from_profile("kubeadm")
    hand_pod(world, "web", "k8s-node1")
    out(world, "systemctl stop kubelet", host="k8s-node1")
    world.advance(120)
    assert out(world, "systemctl start kubelet", host="k8s-node1") == ""
    node = world.api.get("nodes", "k8s-node1")
    assert "taints" not in node["spec"]
    assert ready_status(world, "k8s-node1") == "True"
    assert out(world, "kubectl get nodes") == NODES_READY
    world.advance(600)
    assert "deletionTimestamp" not in world.api.get("pods", "web")["metadata"]
    reasons = [(e["source"]["component"], e["reason"], e["message"]) for e in world.api.list("events")]
    assert ("taint-eviction-controller", "TaintManagerEviction", "Cancelling deletion of Pod default/web") in reasons
    assert ("kubelet", "NodeReady", "Node k8s-node1 status is now: NodeReady") in reasons
    assert ("kubelet", "Starting", "Starting kubelet.") in reasons
    assert ("kubelet", "NodeHasSufficientMemory", "Node k8s-node1 status is now: NodeHasSufficientMemory") in reasons


def test_reboot_brings_the_node_back_after_boot():
    world = World.from_profile("kubeadm")
    res = world.run("reboot", host="k8s-node1")
    assert res.stderr == "Connection to 192.168.56.11 closed by remote host.\nConnection to 192.168.56.11 closed.\n"
    assert res.status == 255
    assert not world.hosts["k8s-node1"].powered
    assert out(world, "hostname", host="k8s-node1") == "ssh: connect to host 192.168.56.11 port 22: No route to host\n"
    world.advance(40)
    assert world.hosts["k8s-node1"].powered
    assert out(world, "hostname", host="k8s-node1") == "k8s-node1\n"
    assert out(world, "kubectl get nodes") == NODES_READY_FIRST_MINUTE
    assert node_record(world, "k8s-node1")["boots"] == 1


def test_reboot_after_the_node_went_not_ready_finalizes_terminating_pods():
    world = World.from_profile("kubeadm")
    world.api.graceful_pod_deletion = True
    hand_pod(world, "web", "k8s-node1")
    out(world, "poweroff", host="k8s-node1")
    world.advance(400)
    pod = world.store.peek("pods", "default", "web")
    assert pod is not None and pod["metadata"]["deletionTimestamp"] == "2026-12-01T09:06:25Z"
    world.advance(600)
    assert world.store.peek("pods", "default", "web") is not None  # nobody can confirm the kill
    # The machine is powered on again (the lab's UI does this): its kubelet confirms the deletion.
    world.hosts["k8s-node1"].powered = True
    world.settle()
    assert world.store.peek("pods", "default", "web") is None
    assert out(world, "kubectl get nodes") == NODES_READY


def _flow(world: World, lines: list[tuple[str, str | None]], reload: bool) -> list[str]:
    outputs = []
    for line, host in lines:
        if reload:
            world = World.from_state(json.loads(json.dumps(world.to_state())))
        res = world.run(line, host=host)
        outputs.append(res.stdout + res.stderr + f"[{res.status}]")
    if reload:
        world = World.from_state(json.loads(json.dumps(world.to_state())))
    outputs.append(json.dumps(world.to_state(), sort_keys=True))
    return outputs


def test_save_and_load_between_commands_changes_nothing():
    lines = [
        ("kubectl create deployment web --image=nginx --replicas=4", None),
        ("sleep 10", None),
        ("systemctl stop kubelet", "k8s-node2"),
        ("sleep 30", None),
        ("poweroff", "k8s-node1"),
        ("sleep 60", None),
        ("kubectl get nodes", None),
        ("sleep 300", None),
        ("kubectl get events", None),
        ("systemctl start kubelet", "k8s-node2"),
        ("systemctl status kubelet", "k8s-node2"),
        ("kubectl get nodes", None),
        ("kubectl describe node k8s-node1", None),
    ]
    kept = _flow(World.from_profile("kubeadm"), lines, reload=False)
    reloaded = _flow(World.from_profile("kubeadm"), lines, reload=True)
    assert kept == reloaded


def test_tutorial_node_failure_story():
    """A Deployment with Pods on k8s-node1; the node is powered off; its Pods are replaced on k8s-node2."""
    world = World.from_profile("kubeadm")
    assert out(world, "kubectl create deployment nginx --image=nginx --replicas=4") == "deployment.apps/nginx created\n"
    out(world, "sleep 30")
    before = out(world, "kubectl get pods -o wide")
    on_node1 = sorted(line.split()[0] for line in before.splitlines() if "k8s-node1" in line)
    assert len(on_node1) == 2
    res = world.run("poweroff", host="k8s-node1")
    assert (res.stdout, res.stderr, res.status) == (
        "", "Connection to 192.168.56.11 closed by remote host.\nConnection to 192.168.56.11 closed.\n", 255)
    out(world, "sleep 60")
    assert out(world, "kubectl get nodes") == NODES_NODE1_DOWN
    # Until the 300 s toleration runs out the Pods look unchanged (nobody can tell their kubelet).
    assert out(world, "kubectl get pods -o wide").replace("90s", "30s") == before
    out(world, "sleep 300")
    rows = [line.split() for line in out(world, "kubectl get pods -o wide").splitlines()[1:]]
    terminating = sorted(r[0] for r in rows if r[2] == "Terminating")
    assert terminating == on_node1
    assert all(r[6] == "k8s-node1" for r in rows if r[2] == "Terminating")
    running = [r for r in rows if r[2] == "Running"]
    assert len(running) == 4 and all(r[6] == "k8s-node2" for r in running)
    out(world, "sleep 600")
    still = [line.split()[0] for line in out(world, "kubectl get pods").splitlines() if "Terminating" in line]
    assert sorted(still) == on_node1
