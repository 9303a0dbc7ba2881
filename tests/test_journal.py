"""The command journal (world.runtime["commands"]): what lesson checks read about past commands."""
from __future__ import annotations

from lab.sim.shell import journal
from lab.sim.shell.session import ShellSession
from lab.sim.world import World


def _web(w: World) -> str:
    w.run("kubectl create deployment web --image=nginx --replicas=2")
    w.run("kubectl expose deploy web --port=80")
    w.advance(10)
    return w.api.get("services", "web", "default")["spec"]["clusterIP"]


def test_lines_are_recorded_with_host_status_and_first_stderr_line():
    w = World.from_profile("kubeadm")
    w.run("kubectl get nodes")
    w.run("kubectl create -f nope.yaml", host="k8s-node1")
    got = [(e["seq"], e["host"], e["line"], e["status"], e["stderr"]) for e in journal.entries(w)]
    assert got == [(1, "k8s-master", "kubectl get nodes", 0, ""),
                   (2, "k8s-node1", "kubectl create -f nope.yaml", 1, 'error: the path "nope.yaml" does not exist')]


def test_a_curl_loop_is_summarized_per_backend_pod():
    w = World.from_profile("kubeadm")
    ip = _web(w)
    w.run(f"for i in 1 2 3 4 5 6 7 8; do curl -s {ip} >/dev/null; done")
    conns = journal.entries(w)[-1]["connections"]
    assert {c["to"] for c in conns} == {f"{ip}:80"}
    assert {c["result"] for c in conns} == {"connected"}
    assert {c["from"] for c in conns} == {"k8s-master (node)"}
    pods = sorted(p["metadata"]["name"] for p in w.api.list("pods", "default"))
    assert sorted(c["pod"].split("/")[1] for c in conns) == pods
    assert sum(c["count"] for c in conns) == 8


def test_exec_inside_a_pod_is_one_entry_with_the_pods_connections():
    w = World.from_profile("kubeadm")
    _web(w)
    w.run("kubectl run bb --image=busybox:1.28 --restart=Never -- sleep 3600")
    w.advance(10)
    before = len(journal.entries(w))
    w.run("kubectl exec bb -- wget -q -O /dev/null web")
    new = journal.entries(w)[before:]
    assert [e["line"] for e in new] == ["kubectl exec bb -- wget -q -O /dev/null web"]
    assert {c["from"] for c in new[0]["connections"]} == {"pod default/bb"}
    assert {c["proto"] for c in new[0]["connections"]} == {"udp", "tcp"}


def test_the_journal_survives_save_and_load_and_stays_bounded():
    w = World.from_profile("minikube")
    session = ShellSession(w, "minikube")
    for i in range(journal.MAX_ENTRIES + 5):
        session.run(f"echo {i}")
    w2 = World.from_state(w.to_state())
    entries = journal.entries(w2)
    assert len(entries) == journal.MAX_ENTRIES
    assert entries[0]["line"] == "echo 5" and entries[-1]["seq"] == journal.MAX_ENTRIES + 5
    ShellSession(w2, "minikube").run("   ")
    assert len(journal.entries(w2)) == journal.MAX_ENTRIES and journal.entries(w2)[-1]["seq"] == 205
