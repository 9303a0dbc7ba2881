"""kube-proxy on each node: config read at container start, per-node rulesets, logs, crash on bad config."""
from __future__ import annotations

import json

import pytest

from lab.sim import workloads
from lab.sim.proxy import kubeproxy
from lab.sim.world import World

NODES = ("k8s-master", "k8s-node1", "k8s-node2")


class FakeRuleset:
    def __init__(self, mode, node, names):
        self.mode, self.node, self.names = mode, node, names

    def render(self, tool, args):
        return f"{self.mode} {self.node} {' '.join(self.names)}\n", "", 0


class FakeBackend:
    def __init__(self, mode):
        self.mode = mode
        self.calls = []

    def sync(self, node, digest, config, previous=None, changed=None):
        self.calls.append((node.name, None if changed is None else sorted(map(str, changed))))
        names = sorted(f"{spn}={','.join(e.address for e in digest.endpoints.get(spn, ()))}"
                       for spn in digest.services)
        return FakeRuleset(self.mode, node.name, names)


@pytest.fixture
def fake_backends(monkeypatch):
    backends = {m: FakeBackend(m) for m in kubeproxy.MODES}
    for mode, backend in backends.items():
        kubeproxy.register_backend(mode, backend)
    original = workloads.workload_for

    def workload_for(container):
        if (container.get("image") or "").startswith("registry.k8s.io/kube-proxy:"):
            return kubeproxy.KubeProxyWorkload()
        return original(container)

    monkeypatch.setattr(workloads, "workload_for", workload_for)
    yield backends
    for mode in kubeproxy.MODES:
        kubeproxy.register_backend(mode, None)


def modes(world):
    return [world.proxy_ruleset(n).mode for n in NODES]


def set_mode(world, mode):
    res = world.run("kubectl -n kube-system get cm kube-proxy -o yaml | "
                    f"sed 's/^    mode: .*/    mode: \"{mode}\"/' | kubectl replace -f -")
    assert res.stdout == "configmap/kube-proxy replaced\n", res.stderr


def proxy_pods(world):
    return world.run("kubectl -n kube-system get pods -l k8s-app=kube-proxy -o name").stdout.split()


def test_every_node_has_rules_after_boot(fake_backends):
    w = World.from_profile("kubeadm")
    for node in NODES:
        out, err, status = w.proxy_ruleset(node).render("iptables-save", [])
        assert out.startswith(f"iptables {node} default/kubernetes:https=192.168.56.10:6443 ")
    assert w.proxy_ruleset("external") is None


def test_incremental_syncs_name_what_changed(fake_backends):
    w = World.from_profile("kubeadm")
    calls = fake_backends["iptables"].calls
    calls.clear()
    w.run("kubectl create service clusterip web --tcp=80:8080")
    assert calls == [(n, ["default/web:80-8080"]) for n in NODES]
    assert "default/web:80-8080= " in w.proxy_ruleset("k8s-node1").render("x", [])[0] + " "


def test_configmap_edit_needs_restart_then_switches(fake_backends):
    w = World.from_profile("kubeadm")
    set_mode(w, "ipvs")
    w.advance(30)
    assert modes(w) == ["iptables"] * 3
    assert w.runtime["kube-proxy"]["nodes"]["k8s-node1"]["mode"] == "iptables"
    w.run("kubectl -n kube-system delete pod -l k8s-app=kube-proxy")
    w.advance(40)
    assert modes(w) == ["ipvs"] * 3
    pod = proxy_pods(w)[0]
    logs = w.run(f"kubectl -n kube-system logs {pod}").stdout.splitlines()
    assert '] "Using ipvs Proxier"' in logs[4]
    assert logs[0].endswith('server_linux.go:66] "Using ipvs proxy"')
    assert logs[0][:1] == "I" and logs[0][5:6] == " " and "       1 " in logs[0]


def test_rolling_restart_switches_one_node_at_a_time(fake_backends):
    w = World.from_profile("kubeadm")
    set_mode(w, "nftables")
    w.run("""kubectl -n kube-system patch ds kube-proxy -p '{"spec":{"template":{"metadata":"""
          """{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-01T09:00:00Z"}}}}}'""")
    seen = [modes(w)]
    for _ in range(6):
        w.advance(2)
        seen.append(modes(w))
    assert seen[-1] == ["nftables"] * 3
    # never two nodes switching in the same step
    for a, b in zip(seen, seen[1:]):
        assert sum(x != y for x, y in zip(a, b)) <= 1


def test_logs_of_a_starting_proxy(fake_backends):
    w = World.from_profile("kubeadm")
    pods = {w.run(f"kubectl -n kube-system get pod {p.split('/')[1]} -o jsonpath='{{.spec.nodeName}}'").stdout: p
            for p in proxy_pods(w)}
    w.run(f"kubectl -n kube-system delete {pods['k8s-node1']}")
    w.advance(20)
    fresh = {w.run(f"kubectl -n kube-system get pod {p.split('/')[1]} -o jsonpath='{{.spec.nodeName}}'").stdout: p
             for p in proxy_pods(w)}
    logs = w.run(f"kubectl -n kube-system logs {fresh['k8s-node1']}").stdout.splitlines()
    stamp = logs[0][1:21]
    assert logs[0] == f'I{stamp}       1 server_linux.go:66] "Using iptables proxy"'
    assert logs[1].endswith('server.go:698] "Successfully retrieved node IP(s)" IPs=["192.168.56.11"]')
    assert logs[4].endswith('server_linux.go:170] "Using iptables Proxier"')
    assert logs[6].endswith('server.go:497] "Version info" version="v1.32.4"')
    assert logs[-1].endswith("shared_informer.go:320] Caches are synced for endpoint slice config")


def test_invalid_config_crashes_the_pods_and_keeps_old_rules(fake_backends):
    w = World.from_profile("kubeadm")
    set_mode(w, "bogus")
    w.run("kubectl create service clusterip before --tcp=80")
    w.run("kubectl -n kube-system delete pod -l k8s-app=kube-proxy")
    w.advance(60)
    out = w.run("kubectl -n kube-system get pods -l k8s-app=kube-proxy").stdout
    assert out.count("CrashLoopBackOff") + out.count("Error") == 3, out
    w.run("kubectl create service clusterip after --tcp=80")
    text = w.proxy_ruleset("k8s-node1").render("x", [])[0]
    assert "default/before:80" in text and "default/after:80" not in text
    pod = proxy_pods(w)[0]
    logs = w.run(f"kubectl -n kube-system logs {pod}").stdout
    assert logs.splitlines()[-1].endswith(
        '] "command failed" err="KubeProxyConfiguration.Mode: Invalid value: \\"bogus\\": must be '
        'iptables,ipvs,nftables or blank (blank means the best-available proxy [currently iptables])"')
    # fixing the config: the next restart of the crashing container picks it up
    set_mode(w, "")
    w.advance(330)
    assert modes(w) == ["iptables"] * 3
    assert "default/after:80" in w.proxy_ruleset("k8s-node1").render("x", [])[0]


def test_stopped_proxy_keeps_rules_across_save_and_load(fake_backends):
    w = World.from_profile("kubeadm")
    w.run("systemctl stop kubelet", host="k8s-node2")
    node2 = [p for p in proxy_pods(w)
             if w.run(f"kubectl -n kube-system get {p} -o jsonpath='{{.spec.nodeName}}'").stdout == "k8s-node2"][0]
    w.run(f"kubectl -n kube-system delete {node2} --grace-period=0 --force")
    w.advance(5)
    w.run("kubectl create service clusterip late --tcp=80")
    before = {n: w.proxy_ruleset(n).render("x", [])[0] for n in NODES}
    assert "default/late:80" not in before["k8s-node2"]
    assert "default/late:80" in before["k8s-node1"]
    again = World.from_state(json.loads(json.dumps(w.to_state())))
    assert {n: again.proxy_ruleset(n).render("x", [])[0] for n in NODES} == before


def test_outputs_identical_with_save_and_load_between_commands(fake_backends):
    script = [
        "kubectl create deployment web --image=nginx --replicas=2",
        "kubectl expose deployment web --port=80",
        "sleep 20",
        "kubectl -n kube-system get cm kube-proxy -o yaml | sed 's/^    mode: .*/    mode: \"ipvs\"/' | "
        "kubectl replace -f -",
        "kubectl -n kube-system delete pod -l k8s-app=kube-proxy --wait=false",
        "sleep 30",
        "kubectl -n kube-system get pods -o wide",
    ]

    def run(reload):
        w = World.from_profile("kubeadm")
        outs = []
        for line in script:
            res = w.run(line)
            outs.append(res.stdout + res.stderr)
            outs.append(" | ".join(w.proxy_ruleset(n).render("x", [])[0] for n in NODES))
            if reload:
                w = World.from_state(json.loads(json.dumps(w.to_state())))
        return outs

    kept = run(False)
    assert kept[-1].count("ipvs k8s-") == 3 and "default/web=10.244." in kept[-1]
    assert kept == run(True)


def test_proxy_stopped_right_after_a_load_keeps_its_rules(fake_backends):
    """A node powered off in a just-loaded world freezes its rules like one kept in memory."""
    def run(reload):
        w = World.from_profile("kubeadm")
        w.run("kubectl create service clusterip early --tcp=80")
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        w.run("poweroff", host="k8s-node1")
        w.advance(5)
        w.run("kubectl create service clusterip late --tcp=80")
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        return w.runtime["kube-proxy"]["nodes"]["k8s-node1"].get("frozen") is not None, w.proxy_ruleset("k8s-node1")

    frozen, kept = run(False)
    assert frozen
    text = kept.render("x", [])[0]
    assert "default/early:80" in text and "default/late:80" not in text
    frozen, reloaded = run(True)
    assert frozen
    assert reloaded.render("x", [])[0] == text
