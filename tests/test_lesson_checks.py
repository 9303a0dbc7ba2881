"""Each check kind holds when it should and fails, saying why, when it should not."""
from __future__ import annotations

import pytest

from lab.sim.lessons import checks
from lab.sim.shell import journal
from lab.sim.lessons.model import Check
from lab.sim.world import World


@pytest.fixture(scope="module")
def world() -> World:
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx --replicas=2")
    w.run("kubectl expose deployment web --port=80 --type=NodePort")
    w.run("kubectl rollout status deployment web")
    w.run("for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null $(kubectl get svc web -o jsonpath='{.spec.clusterIP}'); done")
    w.run("curl -s -o /dev/null 192.168.56.11:$(kubectl get svc web -o jsonpath='{.spec.ports[0].nodePort}')",
          host="external")
    w.run("kubectl create -f /nope.yaml")
    w.run("kubectl run bb --image=busybox:1.28 -- sleep 3600")
    w.run("kubectl wait --for=condition=Ready pod/bb")
    return w


def run(world: World, check_kind: str, **spec) -> checks.Outcome:
    return checks.run(world, Check(check_kind, spec))


def test_object(world):
    assert run(world, "object", kind="deploy", name="web", fields={"status.availableReplicas": 2}).passed
    out = run(world, "object", kind="deploy", name="web", fields={"status.availableReplicas": 3})
    assert out == checks.Outcome(False, "web: status.availableReplicas is 2")
    assert run(world, "object", kind="pods", selector="app=web", count=2).passed
    assert run(world, "object", kind="pods", selector="app=web", count=3) == checks.Outcome(False, "2 match, want 3")
    assert run(world, "object", kind="svc", name="web", fields={"spec.ports[0].nodePort": {"min": 30000},
                                                               "spec.selector": {"app": "web"}}).passed
    assert run(world, "object", kind="svc", name="nope") == checks.Outcome(False, "not found")
    assert run(world, "object", kind="svc", name="nope", absent=True).passed
    assert not run(world, "object", kind="svc", name="web", absent=True).passed
    assert run(world, "object", kind="svc", name="web", fields={"spec.externalIPs": {"exists": False}}).passed


def test_command(world):
    assert run(world, "command", line="kubectl   rollout status  deployment web").passed
    assert run(world, "command", line="kubectl rollout status 'deployment' web").passed   # same words
    assert run(world, "command", regex=r"^kubectl expose deployment web\b").passed
    assert run(world, "command", line="kubectl get pods") == checks.Outcome(False, "not run yet")
    # the failed create matches only when failures are asked for
    assert not run(world, "command", line="kubectl create -f /nope.yaml").passed
    assert run(world, "command", line="kubectl create -f /nope.yaml", status="failed").passed
    assert run(world, "command", regex="curl", host="external").passed
    assert not run(world, "command", regex="curl", host="k8s-node2").passed


def test_connection(world):
    assert run(world, "connection", service="web", distinct_pods=2).passed
    assert run(world, "connection", service="web", distinct_pods=3) == checks.Outcome(
        False, "reached 2 distinct Pod(s), want 3")
    assert run(world, "connection", service="web", via="nodePort", **{"from": "external"}).passed
    assert not run(world, "connection", service="web", via="nodePort", **{"from": "k8s-node1"}).passed
    assert run(world, "connection", to="{{host/k8s-node1}}:{{svc/web:spec.ports[0].nodePort}}").passed
    assert run(world, "connection", to_pods="app=web", **{"from": "node"}) == checks.Outcome(
        False, "no such connection yet")        # the Pods were reached through the Service, not at their IPs
    assert run(world, "connection", service="kube-dns", namespace="kube-system", result="connected",
               **{"from": "pod:bb"}) == checks.Outcome(False, "no such connection yet")
    assert run(world, "connection", service="missing") == checks.Outcome(False, "waiting for service missing")
    # through a node port the server sees the node (SNAT), not the client
    seen = [c["seen"] for e in journal.entries(world) if e["host"] == "external" for c in e["connections"]]
    assert len(seen) == 1 and seen[0].startswith("10.244.1.")
    assert run(world, "connection", service="web", via="nodePort", seen=seen[0]).passed
    assert not run(world, "connection", service="web", via="nodePort", seen="{{host/external}}").passed


def test_dns(world):
    ip = world.api.get("services", "web", "default")["spec"]["clusterIP"]
    assert run(world, "dns", name="web", records=[ip]).passed
    assert run(world, "dns", name="web.default.svc.cluster.local", records=["{{svc/web:spec.clusterIP}}"]).passed
    assert run(world, "dns", name="web", records=["10.0.0.1"]) == checks.Outcome(False, f"answers {ip}")
    assert run(world, "dns", name=ip, type="PTR", records=["web.default.svc.cluster.local"]).passed
    assert run(world, "dns", name="nope.default.svc.cluster.local", rcode="NXDOMAIN").passed
    assert not run(world, "dns", name="nope.default.svc.cluster.local").passed


def test_dns_fails_while_coredns_is_down():
    w = World.from_profile("minikube")
    assert run(w, "dns", name="kubernetes.default", records=["10.96.0.1"]).passed
    w.run("kubectl -n kube-system scale deployment coredns --replicas=0")
    w.advance(40)
    assert run(w, "dns", name="kubernetes.default", records=["10.96.0.1"]) == checks.Outcome(
        False, "no ready CoreDNS Pod behind kube-dns")


def test_rule(world):
    spec = {"args": ["-t", "nat"], "regex": "^-A KUBE-SERVICES -d {{svc/web:spec.clusterIP}}/32 .*-j KUBE-SVC-"}
    assert run(world, "rule", **spec) == checks.Outcome(True, "on k8s-master, k8s-node1, k8s-node2")
    assert run(world, "rule", node="k8s-node1", **spec).passed
    assert not run(world, "rule", absent=True, **spec).passed
    assert run(world, "rule", regex="^TCP ", tool="ipvsadm") == checks.Outcome(
        False, "not on k8s-master, k8s-node1, k8s-node2")
    assert run(world, "rule", args=["-t", "nat"], regex="default/web -> ", count=2).passed


def test_error_and_file(world):
    assert run(world, "error", contains='the path "/nope.yaml" does not exist').passed
    assert run(world, "error", regex="does not exist$", line="create").passed
    assert run(world, "error", contains="provided port") == checks.Outcome(False, "not met yet")
    assert run(world, "file", host="k8s-master", path="/etc/kubernetes/manifests/kube-apiserver.yaml",
               regex="--service-cluster-ip-range=10.96.0.0/12").passed
    assert run(world, "file", host="k8s-master", path="/root/none") == checks.Outcome(False, "no such file")
    assert run(world, "file", host="k8s-master", path="/root/none", absent=True).passed


def test_checks_change_nothing(world):
    before = world.to_state()
    for kind, spec in [("dns", {"name": "web"}), ("rule", {"regex": "KUBE"}), ("connection", {"service": "web"}),
                       ("object", {"kind": "pods", "selector": "app=web"})]:
        run(world, kind, **spec)
    assert world.to_state() == before


def test_descriptions_in_both_languages():
    check = Check("object", {"kind": "Service", "name": "web", "fields": {"spec.type": "NodePort"}})
    assert checks.describe(check, "en") == "Service web exists (spec.type = NodePort)"
    assert checks.describe(check, "zh-CN") == "Service web 存在（spec.type = NodePort）"
    labelled = Check("command", {"line": "ls"}, {"en": "listed it", "zh-CN": "列出过"})
    assert (checks.describe(labelled, "en"), checks.describe(labelled, "zh-CN")) == ("listed it", "列出过")


def test_rule_checks_see_changes_after_each_command():
    w = World.from_profile("minikube")
    spec = {"args": ["-t", "nat"], "regex": '"default/late cluster IP"'}
    assert not run(w, "rule", **spec).passed
    w.run("kubectl create deployment late --image=nginx")
    w.run("kubectl expose deployment late --port=80")
    w.run("kubectl rollout status deployment late")
    assert run(w, "rule", **spec).passed
    # counters move with a connection, without any write to the store
    counted = {"tool": "iptables", "args": ["-t", "nat", "-L", "KUBE-SERVICES", "-n", "-v"],
               "regex": r"^ +1 +60 KUBE-SVC-.*default/late"}
    assert not run(w, "rule", **counted).passed
    w.run("curl -s -o /dev/null $(kubectl get svc late -o jsonpath='{.spec.clusterIP}')")
    assert run(w, "rule", **counted).passed


def test_doctor_finding_held_and_not_held():
    """`doctor`: the finding labdoctor reports for the Service, before and after the learner's fix."""
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment shop --image=nginx --replicas=2")
    w.run("kubectl create service clusterip shop --tcp=80:80")
    w.run("kubectl patch svc shop -p '{\"spec\":{\"selector\":{\"app\":\"shopp\"}}}'")
    w.run("kubectl rollout status deployment shop")
    fixed = {"service": "shop", "finding": "endpoints.selector"}
    broken = run(w, "doctor", **fixed)
    assert broken == checks.Outcome(False, "fail: selector app=shopp matches no Pod")
    assert run(w, "doctor", **fixed, status="fail").passed
    assert run(w, "doctor", service="shop", healthy=False) == checks.Outcome(
        True, "failed: endpoints.selector, proxy.rules")
    assert not run(w, "doctor", service="shop", healthy=True).passed
    w.run("kubectl patch svc shop -p '{\"spec\":{\"selector\":{\"app\":\"shop\"}}}'")
    assert run(w, "doctor", **fixed).passed
    assert run(w, "doctor", service="shop", healthy=True) == checks.Outcome(True, "no check failed")
    # a check that does not apply from here, an unknown source, a Service that is not there
    assert run(w, "doctor", service="shop", finding="exposure.type") == checks.Outcome(
        False, "exposure.type did not apply")
    assert not run(w, "doctor", service="shop", healthy=True, **{"from": "pod/nope"}).passed
    assert run(w, "doctor", service="gone", finding="service.exists", status="fail").passed


def test_doctor_check_changes_nothing():
    """The doctor's probes are real packets: the check diagnoses a copy of the lab."""
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx")
    w.run("kubectl expose deployment web --port=80")
    w.run("kubectl rollout status deployment web")
    before = w.to_state()
    assert run(w, "doctor", service="web", healthy=True).passed
    # from outside, a ClusterIP Service is not exposed
    assert run(w, "doctor", service="web", finding="exposure.type", status="fail", **{"from": "external"}).passed
    assert w.to_state() == before


def test_doctor_descriptions():
    check = Check("doctor", {"service": "shop", "finding": "endpoints.selector"})
    assert checks.describe(check, "en") == "labdoctor: endpoints.selector is PASS for service/shop"
    assert checks.describe(check, "zh-CN") == "labdoctor：service/shop 的 endpoints.selector 检查为 PASS"
    check = Check("doctor", {"service": "cart", "healthy": True, "from": "pod/dnsclient"})
    assert checks.describe(check, "en") == "labdoctor finds no problem with service/cart from pod/dnsclient"
    assert checks.describe(check, "zh-CN") == "labdoctor 认为从 pod/dnsclient 访问 service/cart 没有问题"
    check = Check("doctor", {"service": "cart", "healthy": False})
    assert checks.describe(check, "en") == "labdoctor finds a problem with service/cart"
    assert checks.describe(check, "zh-CN") == "labdoctor 发现 service/cart 有问题"


def test_doctor_diagnoses_are_remembered_by_what_they_read():
    """A freshly loaded lab after a read-only command finds the diagnosis; a changed lab does not."""
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx")
    w.run("kubectl expose deployment web --port=80")
    w.run("kubectl rollout status deployment web")
    first = checks.diagnosis(w, "default", "web", None)
    again = World.from_state(w.to_state())
    again.run("iptables-save -t nat")
    assert checks.diagnosis(again, "default", "web", None) is first
    again.run("kubectl scale deployment web --replicas=0")
    changed = checks.diagnosis(again, "default", "web", None)
    assert changed is not first and changed.finding("endpoints.selector").status == "fail"
    assert first.finding("endpoints.selector").status == "pass"
