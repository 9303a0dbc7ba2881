"""The DaemonSet controller: one Pod per eligible node, pinned by node affinity, rolling updates."""
from __future__ import annotations

import json

from lab.sim.world import World


def pods_by_node(w):
    out = w.run("kubectl -n kube-system get pods -l k8s-app=kube-proxy "
                "-o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.name}{\"\\n\"}{end}'").stdout
    return dict(line.split() for line in out.splitlines())


def test_kube_proxy_daemonset_has_one_pod_per_node():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl -n kube-system get ds").stdout == (
        "NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE\n"
        "kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   3d1h\n")
    by_node = pods_by_node(w)
    assert sorted(by_node) == ["k8s-master", "k8s-node1", "k8s-node2"]
    for name in by_node.values():
        assert name.startswith("kube-proxy-") and len(name) == len("kube-proxy-") + 5
    pod = json.loads(w.run(f"kubectl -n kube-system get pod {by_node['k8s-node1']} -o json").stdout)
    assert pod["spec"]["affinity"] == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                "values": ["k8s-node1"]}]}]}}}
    assert pod["spec"]["tolerations"][0] == {"operator": "Exists"}
    assert [t["key"] for t in pod["spec"]["tolerations"][1:]] == [
        "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
        "node.kubernetes.io/network-unavailable"]
    labels = pod["metadata"]["labels"]
    assert labels["k8s-app"] == "kube-proxy" and labels["pod-template-generation"] == "1"
    assert len(labels["controller-revision-hash"]) >= 8
    ds = json.loads(w.run("kubectl -n kube-system get ds kube-proxy -o json").stdout)
    assert ds["status"] == {"currentNumberScheduled": 3, "desiredNumberScheduled": 3, "numberAvailable": 3,
                            "numberMisscheduled": 0, "numberReady": 3, "observedGeneration": 1,
                            "updatedNumberScheduled": 3}


def test_deleted_pod_is_replaced_on_its_node_with_event():
    w = World.from_profile("kubeadm")
    old = pods_by_node(w)["k8s-node2"]
    w.run(f"kubectl -n kube-system delete pod {old}")
    w.advance(10)
    new = pods_by_node(w)["k8s-node2"]
    assert new != old
    events = w.run("kubectl -n kube-system get events --field-selector involvedObject.kind=DaemonSet "
                   "-o jsonpath='{range .items[*]}{.reason} {.message}{\"\\n\"}{end}'").stdout
    assert f"SuccessfulCreate Created pod: {new}\n" in events


def test_daemonset_respects_node_selector_and_taints():
    w = World.from_profile("kubeadm")
    manifest = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: busybox
        command: ["sleep", "3600"]
"""
    assert w.run("kubectl apply -f -", stdin=manifest).stdout == "daemonset.apps/agent created\n"
    w.advance(30)
    out = w.run("kubectl get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}'").stdout
    # the control plane's NoSchedule taint is not tolerated
    assert sorted(out.split()) == ["k8s-node1", "k8s-node2"]
    assert w.run("kubectl get ds agent").stdout.splitlines()[1].split()[1:6] == ["2", "2", "2", "2", "2"]
    w.run("kubectl label node k8s-node2 role=edge")
    w.run("""kubectl patch ds agent -p '{"spec":{"template":{"spec":{"nodeSelector":{"role":"edge"}}}}}'""")
    w.advance(60)
    out = w.run("kubectl get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}'").stdout
    assert out.split() == ["k8s-node2"]


def test_rolling_update_one_node_at_a_time_and_save_load():
    def flow(reload):
        w = World.from_profile("kubeadm")
        outs = []
        w.run("""kubectl -n kube-system patch ds kube-proxy -p '{"spec":{"template":{"metadata":"""
              """{"annotations":{"restarted":"1"}}}}}'""")
        for _ in range(5):
            outs.append(w.run("kubectl -n kube-system get pods -l k8s-app=kube-proxy; "
                              "kubectl -n kube-system get ds").stdout)
            if reload:
                w = World.from_state(json.loads(json.dumps(w.to_state())))
            w.advance(2)
        return outs

    outs = flow(False)
    assert outs == flow(True)
    for text in outs:
        assert text.count("Terminating") <= 1
    assert outs[-1].splitlines()[-1].split()[1:6] == ["3", "3", "3", "3", "3"]
