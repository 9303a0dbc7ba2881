"""`kubectl rollout restart|status` for the kube-proxy DaemonSet, as kubectl 1.32 prints them."""
from __future__ import annotations

from lab.sim.world import World

NODES = ("k8s-master", "k8s-node1", "k8s-node2")
DS = "-n kube-system daemonset/kube-proxy"


def run(world: World, line: str) -> tuple[str, int]:
    res = world.run(line)
    return res.stdout + res.stderr, res.status


def proxy_pods(world: World) -> dict[str, str]:
    """node -> the name of its kube-proxy Pod."""
    return {p["spec"]["nodeName"]: p["metadata"]["name"]
            for p in world.api.list("pods", "kube-system", label_selector="k8s-app=kube-proxy")}


def test_status_of_a_rolled_out_daemonset():
    w = World.from_profile("kubeadm")
    assert run(w, f"kubectl rollout status {DS}") == ('daemon set "kube-proxy" successfully rolled out\n', 0)
    assert run(w, "kubectl -n kube-system rollout status ds kube-proxy --watch=false") == (
        'daemon set "kube-proxy" successfully rolled out\n', 0)


def test_restart_sets_the_annotation_and_status_follows_the_rolling_update():
    w = World.from_profile("kubeadm")
    before = proxy_pods(w)
    assert run(w, f"kubectl rollout restart {DS}") == ("daemonset.apps/kube-proxy restarted\n", 0)
    ds = w.api.get("daemonsets.apps", "kube-proxy", "kube-system")
    assert ds["spec"]["template"]["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/restartedAt": "2026-12-01T09:00:00Z"}
    # maxUnavailable 1: one node at a time, each line a status the watch saw.
    assert run(w, f"kubectl rollout status {DS}") == (
        'Waiting for daemon set "kube-proxy" rollout to finish: 0 out of 3 new pods have been updated...\n'
        'Waiting for daemon set "kube-proxy" rollout to finish: 1 out of 3 new pods have been updated...\n'
        'Waiting for daemon set "kube-proxy" rollout to finish: 1 out of 3 new pods have been updated...\n'
        'Waiting for daemon set "kube-proxy" rollout to finish: 2 out of 3 new pods have been updated...\n'
        'Waiting for daemon set "kube-proxy" rollout to finish: 2 out of 3 new pods have been updated...\n'
        'Waiting for daemon set "kube-proxy" rollout to finish: 2 of 3 updated pods are available...\n'
        'daemon set "kube-proxy" successfully rolled out\n', 0)
    after = proxy_pods(w)
    assert sorted(after) == list(NODES)
    assert all(after[n] != before[n] for n in NODES)
    assert w.clock.timestamp() == "2026-12-01T09:00:06Z"


def test_restart_dry_run_changes_nothing():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl -n kube-system rollout restart ds kube-proxy --dry-run=client") == (
        "daemonset.apps/kube-proxy restarted (dry run)\n", 0)
    ds = w.api.get("daemonsets.apps", "kube-proxy", "kube-system")
    assert "annotations" not in ds["spec"]["template"]["metadata"]
    assert ds["metadata"]["generation"] == 1


def test_status_needs_the_rolling_update_strategy():
    w = World.from_profile("kubeadm")
    assert run(w, """kubectl -n kube-system patch ds kube-proxy -p '{"spec":{"updateStrategy":"""
                  """{"type":"OnDelete","rollingUpdate":null}}}'""") == ("daemonset.apps/kube-proxy patched\n", 0)
    assert run(w, f"kubectl rollout status {DS}") == (
        "error: rollout status is only available for RollingUpdate strategy type\n", 1)


def test_restart_after_editing_the_configmap_switches_every_node_to_the_new_mode():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl -n kube-system get cm kube-proxy -o yaml | "
                  "sed 's/^    mode: .*/    mode: \"ipvs\"/' | kubectl replace -f -") == (
        "configmap/kube-proxy replaced\n", 0)
    w.advance(30)
    # The mode is read when the container starts: the edit alone changes nothing.
    assert [w.runtime["kube-proxy"]["nodes"][n]["mode"] for n in NODES] == ["iptables"] * 3
    assert [w.proxy_ruleset(n).mode for n in NODES] == ["iptables"] * 3
    assert run(w, f"kubectl rollout restart {DS}")[1] == 0
    assert run(w, f"kubectl rollout status {DS}")[0].endswith('daemon set "kube-proxy" successfully rolled out\n')
    assert [w.runtime["kube-proxy"]["nodes"][n]["mode"] for n in NODES] == ["ipvs"] * 3
    assert [w.proxy_ruleset(n).mode for n in NODES] == ["ipvs"] * 3
    pod = proxy_pods(w)["k8s-node1"]
    logs = run(w, f"kubectl -n kube-system logs {pod}")[0].splitlines()
    assert logs[0].endswith('server_linux.go:66] "Using ipvs proxy"')
    assert [line.split("] ", 1)[1] for line in logs[:5]] == [
        '"Using ipvs proxy"', '"Successfully retrieved node IP(s)" IPs=["192.168.56.11"]',
        '"Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort '
        'connections will be accepted on all local IPs. Consider using `--nodeport-addresses primary`"',
        '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"', '"Using ipvs Proxier"']
