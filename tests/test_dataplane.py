"""Connections through the rules kube-proxy wrote: ClusterIP, NodePort, ETP Local, hairpin, failures."""
from __future__ import annotations

import json
import re

from lab.sim.net import topology
from lab.sim.world import World

BOOT = "gcr.io/google-samples/kubernetes-bootcamp:v1"


def _world(*lines: str, wait: float = 40) -> World:
    w = World.from_profile("kubeadm")
    for line in lines:
        r = w.run(line)
        assert r.status == 0, (line, r.stderr)
    w.advance(wait)
    return w


def _svc(w: World, name: str) -> dict:
    return w.api.get("services", name)


def _pods(w: World, prefix: str) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in w.api.list("pods") if p["metadata"]["name"].startswith(prefix)}


def _last_log(w: World, pod: str) -> str:
    return w.run(f"kubectl logs {pod} --tail=1").stdout


def test_cluster_ip_from_node_is_masqueraded_to_the_flannel_address():
    w = _world("kubectl run web --image=nginx --expose --port=80")
    node = w.api.get("pods", "web")["spec"]["nodeName"]
    assert node != "k8s-master"
    ip = _svc(w, "web")["spec"]["clusterIP"]
    r = w.run(f"curl -s -o /dev/null -w '%{{http_code}}' {ip}")
    assert (r.stdout, r.stderr, r.status) == ("200", "", 0)
    # KUBE-SVC marks traffic from outside the pod network; KUBE-POSTROUTING masquerades it out of flannel.1
    assert _last_log(w, "web").startswith('10.244.0.0 - - [01/Dec/2026:09:00:40 +0000] "GET / HTTP/1.1" 200 615')
    # from the pod's own node: out of cni0
    w.run(f"curl -s -o /dev/null {ip}", host=node)
    assert _last_log(w, "web").startswith(f"{topology.bridge_ip(w, node)} - - ")


def test_pod_to_cluster_ip_keeps_the_pod_address_and_hairpin_is_masqueraded():
    w = _world("kubectl run web --image=nginx --expose --port=80",
               "kubectl run bb --image=busybox:1.36 -- sleep 3600")
    ip = _svc(w, "web")["spec"]["clusterIP"]
    bb = w.api.get("pods", "bb")["status"]["podIP"]
    assert w.run(f"kubectl exec bb -- wget -q -O /dev/null {ip}").status == 0
    assert _last_log(w, "web").startswith(f"{bb} - - ")
    # nginx reaching itself through its Service: KUBE-SEP's "-s <endpoint>" rule marks it, cni0 masquerades
    r = w.run(f"kubectl exec web -- curl -s -o /dev/null -w '%{{http_code}}' {ip}")
    assert r.stdout == "200"
    node = w.api.get("pods", "web")["spec"]["nodeName"]
    assert _last_log(w, "web").startswith(f"{topology.bridge_ip(w, node)} - - ")


def test_node_port_from_external_snat_and_etp_local():
    w = _world("kubectl run web --image=nginx --expose --port=80",
               "kubectl patch svc web -p '{\"spec\":{\"type\":\"NodePort\"}}'")
    port = _svc(w, "web")["spec"]["ports"][0]["nodePort"]
    node = w.api.get("pods", "web")["spec"]["nodeName"]
    other = "k8s-node2" if node == "k8s-node1" else "k8s-node1"
    here, there = w.hosts[node].ip, w.hosts[other].ip
    r = w.run(f"curl -s -o /dev/null -w '%{{http_code}}' {there}:{port}", host="external")
    assert r.stdout == "200"
    assert _last_log(w, "web").startswith(f"{topology.flannel_ip(w, other)} - - ")   # the other node's flannel.1
    w.run(f"curl -s -o /dev/null {here}:{port}", host="external")
    assert _last_log(w, "web").startswith(f"{topology.bridge_ip(w, node)} - - ")     # the pod's node: cni0
    assert w.run("kubectl patch svc web -p '{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}'").status == 0
    w.settle()
    w.run(f"curl -s -o /dev/null {here}:{port}", host="external")
    assert _last_log(w, "web").startswith("192.168.56.100 - - ")   # the client's own address
    before = w.clock.elapsed
    r = w.run(f"curl -m 2 {there}:{port}", host="external")
    assert (r.stderr, r.status) == ("curl: (28) Connection timed out after 2001 milliseconds\n", 28)
    assert w.clock.elapsed == before + 2
    trace = w.run(f"labtrace curl -s -m 1 {there}:{port}", host="external").stdout
    assert "filter KUBE-EXTERNAL-SERVICES #1: -A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment " \
           "\"default/web has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp " \
           f"--dport {port} -j DROP\n      => DROP\n" in trace


def test_no_endpoints_refused_and_no_kube_proxy_times_out():
    w = _world("kubectl create service clusterip empty --tcp=80:80",
               "kubectl run web --image=nginx --expose --port=80")
    empty = _svc(w, "empty")["spec"]["clusterIP"]
    assert w.run(f"curl {empty}").stderr == f"curl: (7) Failed to connect to {empty} port 80: Connection refused\n"
    assert w.run(f"curl -s {empty}", host="k8s-node2").status == 7
    ip = _svc(w, "web")["spec"]["clusterIP"]
    pod_ip = w.api.get("pods", "web")["status"]["podIP"]
    # a node whose kube-proxy never ran: the ClusterIP follows the default route and is lost
    real = w.proxy_ruleset
    w.proxy_ruleset = lambda node: None if node == "k8s-master" else real(node)  # type: ignore[method-assign]
    r = w.run(f"curl -m 3 {ip}", host="k8s-master")
    assert r.stderr == "curl: (28) Connection timed out after 3001 milliseconds\n"
    # the pod IP itself still answers (flannel routes do not depend on kube-proxy)
    assert w.run(f"curl -s -o /dev/null -w '%{{http_code}}' {pod_ip}", host="k8s-master").stdout == "200"


def test_nothing_listening_is_refused_and_unknown_lan_address_unreachable():
    w = _world("kubectl run web --image=nginx", "kubectl expose pod web --port=80 --target-port=8080")
    ip = _svc(w, "web")["spec"]["clusterIP"]
    # DNAT to a port nginx does not listen on: the pod answers with RST
    assert w.run(f"curl {ip}").stderr == f"curl: (7) Failed to connect to {ip} port 80: Connection refused\n"
    before = w.clock.elapsed
    assert w.run("curl 192.168.56.77").stderr == (
        "curl: (7) Failed to connect to 192.168.56.77 port 80: No route to host\n")
    assert w.clock.elapsed == before + 3


def test_spread_over_pods_and_session_affinity():
    w = _world(f"kubectl create deployment boot --image={BOOT} --replicas=3",
               "kubectl expose deployment boot --port=8080")
    ip = _svc(w, "boot")["spec"]["clusterIP"]
    out = w.run(f"for i in $(seq 1 100); do curl -s {ip}:8080; done | sort | uniq -c").stdout
    counts = re.findall(r"^ +(\d+) Hello Kubernetes bootcamp! \| Running on: (boot-\S+) \| v=1$", out, re.M)
    assert sorted(n for _, n in counts) == sorted(_pods(w, "boot-"))
    assert sum(int(c) for c, _ in counts) == 100
    assert all(20 <= int(c) <= 47 for c, _ in counts), out
    assert w.run("kubectl patch svc boot -p '{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}'").status == 0
    w.settle()
    out = w.run(f"for i in $(seq 1 30); do curl -s {ip}:8080; done | sort | uniq -c").stdout
    assert re.fullmatch(r"     30 Hello Kubernetes bootcamp! \| Running on: boot-\S+ \| v=1\n", out), out


def test_iptables_counters_follow_the_requests():
    w = _world(f"kubectl create deployment boot --image={BOOT} --replicas=2",
               "kubectl expose deployment boot --port=8080")
    ip = _svc(w, "boot")["spec"]["clusterIP"]
    w.run(f"for i in $(seq 1 10); do curl -s {ip}:8080; done")
    save = w.run("iptables-save -c -t nat").stdout
    svc_line = next(line for line in save.splitlines() if f"-d {ip}/32" in line and "KUBE-SERVICES" in line)
    assert svc_line.startswith("[10:600] -A KUBE-SERVICES ")
    seps = [int(m) for m in re.findall(r'^\[(\d+):\d+\] -A KUBE-SEP-\w+ .*"default/boot" .*-j DNAT', save, re.M)]
    assert sum(seps) == 10 and len(seps) == 2
    chain = re.search(r"-j (KUBE-SVC-\w+)", svc_line).group(1)
    listing = w.run(f"iptables -t nat -L {chain} -v -n").stdout.splitlines()
    assert listing[0] == f"Chain {chain} (1 references)"
    assert listing[2].split()[:3] == ["10", "600", "KUBE-MARK-MASQ"]
    # other nodes saw nothing: the client node's rules did the DNAT
    assert "[10:600]" not in w.run("iptables-save -c -t nat", host="k8s-node1").stdout


def _flow(w: World, lines: list[str], reload: bool) -> list[tuple[str, str, int]]:
    out = []
    for line in lines:
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        if line.startswith("sleep "):
            w.advance(float(line.split()[1]))
            continue
        host, _, cmd = line.partition(": ") if ": " in line.split(" ")[0] + " " else ("", "", line)
        r = w.run(cmd, host=host or None)
        out.append((r.stdout, r.stderr, r.status))
    return out


def test_same_outputs_after_save_and_load():
    lines = [f"kubectl create deployment boot --image={BOOT} --replicas=3", "kubectl expose deployment boot --port=8080",
             "kubectl patch svc boot -p '{\"spec\":{\"type\":\"NodePort\"}}'", "sleep 40",
             "for i in $(seq 1 12); do curl -s $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}'):8080; done",
             "conntrack -L", "iptables-save -c -t nat | grep boot",
             "external: curl -s 192.168.56.11:$(kubectl get svc boot -o jsonpath='{.spec.ports[0].nodePort}')",
             "k8s-node1: conntrack -L", "kubectl patch svc boot -p '{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}'",
             "for i in $(seq 1 5); do curl -s $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}'):8080; done",
             "sleep 100", "conntrack -L", "iptables-save -c -t nat | grep boot"]
    a = _flow(World.from_profile("kubeadm"), lines, reload=False)
    b = _flow(World.from_profile("kubeadm"), lines, reload=True)
    assert a == b
    assert a[4][1] == "conntrack v1.4.7 (conntrack-tools): 12 flow entries have been shown.\n"
    # 100 s later the TIME_WAIT entries (120 s) have 19 s left
    assert a[10][1] == "conntrack v1.4.7 (conntrack-tools): 17 flow entries have been shown.\n"
    assert re.findall(r"^tcp +6 (\d+) TIME_WAIT ", a[10][0], re.M) == ["19"] * 17


def test_iptables_save_is_byte_identical_after_save_and_load():
    """KUBE-SERVICES is ordered by the state alone: partial syncs (a Service added after the
    cluster's own) write it as the full sync after a load does, counters included."""
    lines = [f"kubectl create deployment boot --image={BOOT} --replicas=2", "kubectl expose deployment boot --port=8080",
             "kubectl create service clusterip zz --tcp=80:80", "kubectl create service clusterip aa --tcp=81:81",
             "sleep 40",
             "for i in $(seq 1 3); do curl -s $(kubectl get svc boot -o jsonpath='{.spec.clusterIP}'):8080; done",
             "iptables-save -c", "k8s-node1: iptables-save -c",
             "kubectl create namespace apps", "kubectl -n apps create service nodeport web --tcp=80:80",
             "kubectl delete svc zz", "sleep 1", "iptables-save -c", "k8s-node2: iptables-save -c"]
    a = _flow(World.from_profile("kubeadm"), lines, reload=False)
    b = _flow(World.from_profile("kubeadm"), lines, reload=True)
    assert a == b
    saves = [out for out, _, _ in a if out.startswith("# Generated by iptables-save")]
    assert len(saves) == 4
    def kube_services(text: str, table: str) -> list[str]:
        part = text.split(f"*{table}\n")[1].split("COMMIT\n")[0]
        return re.findall(r'^\[\d+:\d+\] -A KUBE-SERVICES .*?--comment "?([^ "]+)', part, re.M)

    dns = ["kube-system/kube-dns:dns", "kube-system/kube-dns:dns-tcp", "kube-system/kube-dns:metrics"]
    # zz was created before aa: still aa first, as a full sync writes them
    assert kube_services(saves[0], "filter") == ["default/aa:81-81", "default/zz:80-80"]
    assert kube_services(saves[0], "nat") == ["default/boot", "default/kubernetes:https"] + dns + ["kubernetes"]
    assert kube_services(saves[2], "filter") == ["apps/web:80-80", "default/aa:81-81"]
    assert "[3:180] -A KUBE-SERVICES -d " in saves[0]


def test_counters_of_rewritten_chains_survive_a_load_right_after_a_curl():
    """A curl just after a load, with no tick in between, still leaves a mirror the next load trusts;
    a load after the store moved still drops the counters of chains kube-proxy rewrites."""
    lines = ["kubectl create deployment web --image=nginx", "kubectl expose deployment web --port=80",
             "kubectl rollout status deployment web",
             "curl -s -o /dev/null $(kubectl get svc web -o jsonpath='{.spec.clusterIP}')",
             "iptables -t nat -L KUBE-SERVICES -n -v",
             "kubectl create service clusterip other --tcp=81:81",
             "iptables -t nat -L KUBE-SERVICES -n -v"]
    a = _flow(World.from_profile("kubeadm"), lines, reload=False)
    b = _flow(World.from_profile("kubeadm"), lines, reload=True)
    assert a == b
    web = [line.split()[:2] for line in a[4][0].splitlines() if "/* default/web cluster IP */" in line]
    assert web == [["1", "60"]]
    # kube-proxy rewrote KUBE-SERVICES for the new Service: its counters start again from zero
    web = [line.split()[:2] for line in a[6][0].splitlines() if "/* default/web cluster IP */" in line]
    assert web == [["0", "0"]]
