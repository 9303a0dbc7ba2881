"""kubectl cordon, uncordon and drain as kubectl 1.32 prints them."""
from __future__ import annotations

from lab.sim.world import World

NODES_CORDONED = """NAME         STATUS                     ROLES           AGE    VERSION
k8s-master   Ready                      control-plane   3d1h   v1.32.4
k8s-node1    Ready,SchedulingDisabled   <none>          3d     v1.32.4
k8s-node2    Ready                      <none>          3d     v1.32.4
"""


def run(world: World, line: str) -> tuple[str, int]:
    res = world.run(line)
    return "".join(text for _, text in res.chunks), res.status


def proxy_pod(world: World, node: str) -> str:
    """The kube-proxy DaemonSet's Pod on the node (its name suffix is random)."""
    [name] = [p["metadata"]["name"] for p in world.api.list("pods", "kube-system", label_selector="k8s-app=kube-proxy")
              if p["spec"].get("nodeName") == node]
    return name


def daemon_pods(world: World, node: str) -> str:
    """The DaemonSet-managed Pods drain ignores on the node: flannel's and kube-proxy's."""
    flannel = [p["metadata"]["name"] for p in world.api.list("pods", "kube-flannel")
               if p["spec"].get("nodeName") == node]
    return ", ".join([f"kube-flannel/{n}" for n in flannel] + [f"kube-system/{proxy_pod(world, node)}"])


def default_pods(world: World) -> list[dict]:
    return world.api.list("pods", "default")


def test_cordon_and_uncordon():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl cordon k8s-node1") == ("node/k8s-node1 cordoned\n", 0)
    assert run(world, "kubectl cordon k8s-node1") == ("node/k8s-node1 already cordoned\n", 0)
    assert run(world, "kubectl get nodes") == (NODES_CORDONED, 0)
    node = world.api.get("nodes", "k8s-node1")
    assert node["spec"]["unschedulable"] is True
    assert node["spec"]["taints"] == [{"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                                       "timeAdded": "2026-12-01T09:00:00Z"}]
    assert "Taints:             node.kubernetes.io/unschedulable:NoSchedule\nUnschedulable:      true\n" in \
        run(world, "kubectl describe node k8s-node1")[0]
    assert run(world, "kubectl uncordon k8s-node1") == ("node/k8s-node1 uncordoned\n", 0)
    assert run(world, "kubectl uncordon k8s-node1") == ("node/k8s-node1 already uncordoned\n", 0)
    node = world.api.get("nodes", "k8s-node1")
    assert "unschedulable" not in node["spec"] and "taints" not in node["spec"]


def test_cordon_errors_and_dry_run():
    world = World.from_profile("kubeadm")
    assert run(world, "kubectl cordon") == (
        "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n", 1)
    assert run(world, "kubectl cordon nope") == ('Error from server (NotFound): nodes "nope" not found\n', 1)
    assert run(world, "kubectl cordon k8s-node2 --dry-run=client") == ("node/k8s-node2 cordoned (dry run)\n", 0)
    assert "unschedulable" not in world.api.get("nodes", "k8s-node2")["spec"]
    assert run(world, "kubectl drain k8s-node1 -l a=b") == (
        "error: cannot specify both a node name and a --selector option\n"
        "See 'kubectl drain -h' for help and examples\n", 1)


def test_drain_refuses_pods_without_a_controller():
    world = World.from_profile("kubeadm")
    run(world, "kubectl run nginx-pod --image=nginx --overrides='{\"spec\":{\"nodeName\":\"k8s-node1\"}}'")
    world.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lonely"},
                      "spec": {"nodeName": "k8s-node1", "containers": [{"name": "c", "image": "nginx"}]}})
    run(world, "sleep 10")
    daemons = daemon_pods(world, "k8s-node1")
    pods = "default/lonely" if world.store.peek("pods", "default", "nginx-pod") is None else "default/lonely, default/nginx-pod"
    # Both refusals at once: one "cannot delete" error per reason, aggregated in brackets.
    both = (f"[cannot delete Pods that declare no controller (use --force to override): {pods}, "
            f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {daemons}]")
    assert run(world, "kubectl drain k8s-node1") == (
        "node/k8s-node1 cordoned\n"
        f'error: unable to drain node "k8s-node1" due to error: {both}, continuing command...\n'
        "There are pending nodes to be drained:\n k8s-node1\n"
        f"error: {both}\n", 1)
    text, status = run(world, "kubectl drain k8s-node1 --ignore-daemonsets")
    assert status == 1
    assert text == (
        "node/k8s-node1 already cordoned\n"
        f'error: unable to drain node "k8s-node1" due to error: cannot delete Pods that declare no controller '
        f"(use --force to override): {pods}, continuing command...\n"
        "There are pending nodes to be drained:\n k8s-node1\n"
        f"error: cannot delete Pods that declare no controller (use --force to override): {pods}\n")
    assert world.store.peek("pods", "default", "lonely") is not None


def test_drain_evicts_and_waits_for_graceful_termination():
    world = World.from_profile("kubeadm")
    run(world, "kubectl create deployment nginx --image=nginx --replicas=4")
    run(world, "sleep 30")
    on_node1 = sorted(p["metadata"]["name"] for p in default_pods(world) if p["spec"].get("nodeName") == "k8s-node1")
    assert len(on_node1) == 2
    start = world.clock.elapsed
    text, status = run(world, "kubectl drain k8s-node1 --ignore-daemonsets")
    assert status == 0
    assert text == ("node/k8s-node1 cordoned\n"
                    f"Warning: ignoring DaemonSet-managed Pods: {daemon_pods(world, 'k8s-node1')}\n"
                    + "".join(f"evicting pod default/{n}\n" for n in on_node1)
                    + "".join(f"pod/{n} evicted\n" for n in on_node1)
                    + "node/k8s-node1 drained\n")
    assert world.clock.elapsed > start  # drain waited on the lab clock for the kubelet to finish
    assert all(p["spec"].get("nodeName") != "k8s-node1" for p in default_pods(world))
    assert run(world, "kubectl get nodes") == (NODES_CORDONED, 0)
    run(world, "sleep 30")
    assert sorted(p["spec"].get("nodeName") for p in default_pods(world)) == ["k8s-node2"] * 4
    # The DaemonSet's Pod stays on the drained node: drain never deletes it.
    assert world.store.peek("pods", "kube-system", proxy_pod(world, "k8s-node1"))["spec"]["nodeName"] == "k8s-node1"


def test_drain_force_warns_and_dry_run_client_lists():
    world = World.from_profile("kubeadm")
    world.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lonely"},
                      "spec": {"nodeName": "k8s-node2", "containers": [{"name": "c", "image": "nginx"}]}})
    run(world, "sleep 10")
    warning = ("Warning: deleting Pods that declare no controller: default/lonely; "
               f"ignoring DaemonSet-managed Pods: {daemon_pods(world, 'k8s-node2')}\n")
    assert run(world, "kubectl drain k8s-node2 --force --ignore-daemonsets --dry-run=client") == (
        "node/k8s-node2 cordoned (dry run)\n"
        + warning +
        "evicting pod default/lonely (dry run)\n"
        "node/k8s-node2 drained (dry run)\n", 0)
    text, status = run(world, "kubectl drain k8s-node2 --force --ignore-daemonsets --grace-period=0")
    assert (text, status) == ("node/k8s-node2 cordoned\n"
                              + warning +
                              "evicting pod default/lonely\n"
                              "pod/lonely evicted\n"
                              "node/k8s-node2 drained\n", 0)


def test_drain_timeout_on_a_dead_node():
    world = World.from_profile("kubeadm")
    run(world, "kubectl create deployment nginx --image=nginx --replicas=2")
    run(world, "sleep 30")
    node = default_pods(world)[0]["spec"]["nodeName"]
    world.run("poweroff", host=node)
    run(world, "sleep 60")
    names = sorted(p["metadata"]["name"] for p in default_pods(world) if p["spec"].get("nodeName") == node)
    text, status = run(world, f"kubectl drain {node} --ignore-daemonsets --timeout=20s")
    assert status == 1
    first = names[0]
    assert text.startswith(f"node/{node} cordoned\n"
                           f"Warning: ignoring DaemonSet-managed Pods: {daemon_pods(world, node)}\n"
                           + "".join(f"evicting pod default/{n}\n" for n in names))
    assert f'error when waiting for pod "{first}" terminating: global timeout reached: 20s' in text
    assert f"There are pending nodes to be drained:\n {node}\n" in text
