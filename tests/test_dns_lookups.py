"""Cluster DNS: CoreDNS Pods, records, pod resolv.conf, lookups from Pods and nodes, CoreDNS down."""
from __future__ import annotations

import json

from lab.sim.world import World

HEADLESS = """apiVersion: v1
kind: Service
metadata:
  name: headless-svc
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - name: http
    port: 80
"""


def run(w: World, line: str, host: str | None = None):
    return w.run(line, host=host)


def with_coredns() -> World:
    """A kubeadm cluster: kubeadm installed CoreDNS (bootstrap.coredns_deployment) with the control plane."""
    w = World.from_profile("kubeadm")
    assert w.store.peek("deployments.apps", "kube-system", "coredns") is not None
    return w


def cluster() -> World:
    w = with_coredns()
    run(w, "kubectl run clientpod --image=busybox:1.28.3 -- sleep 30000")
    run(w, "kubectl run dnsutils --image=registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3 --command -- sleep 3600")
    run(w, "kubectl create deployment web --image=nginx --replicas=2")
    run(w, "kubectl expose deployment web --name=web-svc --port=80")
    w.run("kubectl apply -f -", stdin=HEADLESS)
    run(w, "kubectl create service externalname my-service --external-name my.database.example.com")
    w.advance(30)
    return w


def test_coredns_pods_run_and_kube_dns_has_endpoints():
    w = with_coredns()
    out = run(w, "kubectl get pods -n kube-system -l k8s-app=kube-dns").stdout
    names = [line.split()[0] for line in out.splitlines()[1:]]
    assert out == ("NAME                       READY   STATUS    RESTARTS   AGE\n"
                   f"{names[0]}   1/1     Running   0          3d1h\n"
                   f"{names[1]}   1/1     Running   0          3d1h\n")
    assert all(n.startswith("coredns-5664774cf5-") and len(n) == 24 for n in names)
    logs = run(w, f"kubectl logs -n kube-system {names[0]}").stdout.splitlines()
    assert logs[0] == ".:53"
    assert logs[1].startswith("[INFO] plugin/reload: Running configuration SHA512 = ")
    assert len(logs[1].rsplit(" ", 1)[1]) == 128
    assert logs[2:] == ["CoreDNS-1.11.3", "linux/amd64, go1.21.11, a6338e9"]
    eps = w.store.peek("endpoints", "kube-system", "kube-dns")
    assert sorted(a["ip"] for a in eps["subsets"][0]["addresses"]) == ["10.244.0.2", "10.244.0.3"]  # both on the control plane, as kubeadm places them


def test_pod_resolv_conf_and_hosts_as_the_kubelet_writes_them():
    w = cluster()
    assert run(w, "kubectl exec clientpod -- cat /etc/resolv.conf").stdout == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n")
    hosts = run(w, "kubectl exec clientpod -- cat /etc/hosts").stdout
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    ip = w.store.peek("pods", "default", "clientpod")["status"]["podIP"]
    assert hosts.endswith(f"{ip}\tclientpod\n")


def test_busybox_128_nslookup_kubernetes_default_and_service_and_reverse():
    w = cluster()
    assert run(w, "kubectl exec clientpod -- nslookup kubernetes.default").stdout == (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        "Name:      kubernetes.default\nAddress 1: 10.96.0.1 kubernetes.default.svc.cluster.local\n")
    ip = w.store.peek("services", "default", "web-svc")["spec"]["clusterIP"]
    assert run(w, "kubectl exec clientpod -- nslookup web-svc").stdout == (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        f"Name:      web-svc\nAddress 1: {ip} web-svc.default.svc.cluster.local\n")
    assert run(w, f"kubectl exec clientpod -- nslookup {ip}").stdout == (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        f"Name:      {ip}\nAddress 1: {ip} web-svc.default.svc.cluster.local\n")
    res = run(w, "kubectl exec clientpod -- nslookup nope")
    assert res.stderr == "nslookup: can't resolve 'nope'\ncommand terminated with exit code 1\n"
    assert res.status == 1


def test_wget_and_curl_resolve_through_the_search_list_from_pods_only():
    w = cluster()
    res = run(w, "kubectl exec clientpod -- wget -q -O- web-svc")
    assert res.status == 0 and "Welcome to nginx!" in res.stdout
    assert run(w, "kubectl exec clientpod -- wget -q -O- web-svc.default").status == 0
    assert run(w, "kubectl exec clientpod -- wget -q -O- web-svc.default.svc.cluster.local").status == 0
    res = run(w, "curl web-svc")
    assert (res.stderr, res.status) == ("curl: (6) Could not resolve host: web-svc\n", 6)
    res = run(w, "curl web-svc.default.svc.cluster.local", host="external")
    assert (res.stderr, res.status) == ("curl: (6) Could not resolve host: web-svc.default.svc.cluster.local\n", 6)


def _pod_ips(w: World, app: str) -> list[str]:
    return [p["status"]["podIP"] for p in w.store.iter("pods", "default")
            if (p["metadata"].get("labels") or {}).get("app") == app]


def test_headless_answers_follow_ready_endpoints():
    w = cluster()
    ips = sorted(_pod_ips(w, "web"))
    out = run(w, "kubectl exec dnsutils -- dig +short headless-svc.default.svc.cluster.local").stdout
    assert sorted(out.split()) == ips
    bb = run(w, "kubectl exec clientpod -- nslookup headless-svc").stdout.splitlines()
    assert bb[3] == "Name:      headless-svc"
    assert [line.split()[:2] for line in bb[4:]] == [["Address", "1:"], ["Address", "2:"]]
    assert {line.split()[2] for line in bb[4:]} == set(ips)
    for line in bb[4:]:
        ip = line.split()[2]
        assert line.endswith(f" {ip.replace('.', '-')}.headless-svc.default.svc.cluster.local")
    dashed = ips[0].replace(".", "-")
    assert run(w, f"kubectl exec dnsutils -- dig +short {dashed}.headless-svc.default.svc.cluster.local").stdout \
        == ips[0] + "\n"
    run(w, "kubectl scale deployment web --replicas=0")
    w.advance(40)
    res = run(w, "kubectl exec dnsutils -- host headless-svc.default.svc.cluster.local")
    assert res.stdout == "Host headless-svc.default.svc.cluster.local not found: 3(NXDOMAIN)\n"
    # outside the cluster domain the lab resolver cannot recurse: SERVFAIL
    assert run(w, "kubectl exec dnsutils -- host headless-svc").stdout == "Host headless-svc not found: 2(SERVFAIL)\n"


def test_dig_full_output_srv_ptr_nxdomain():
    w = cluster()
    out = run(w, "kubectl exec dnsutils -- dig kubernetes.default.svc.cluster.local").stdout
    lines = out.split("\n")
    assert lines[:3] == ["", "; <<>> DiG 9.9.5-9+deb8u19-Debian <<>> kubernetes.default.svc.cluster.local",
                         ";; global options: +cmd"]
    assert lines[4].startswith(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ")
    assert lines[5:] == [
        ";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
        ";; WARNING: recursion requested but not available", "",
        ";; OPT PSEUDOSECTION:", "; EDNS: version: 0, flags:; udp: 4096",
        ";; QUESTION SECTION:", ";kubernetes.default.svc.cluster.local. IN A", "",
        ";; ANSWER SECTION:", "kubernetes.default.svc.cluster.local. 30 IN A\t10.96.0.1", "",
        ";; Query time: 1 msec", ";; SERVER: 10.96.0.10#53(10.96.0.10)",
        ";; WHEN: Tue Dec 01 09:00:30 UTC 2026", ";; MSG SIZE  rcvd: 81", "", ""]
    assert run(w, "kubectl exec dnsutils -- dig +short -t SRV _http._tcp.headless-svc.default.svc.cluster.local"
               ).stdout.count(" 80 ") == 2
    assert run(w, "kubectl exec dnsutils -- dig +short -x 10.96.0.10").stdout == \
        "kube-dns.kube-system.svc.cluster.local.\n"
    nx = run(w, "kubectl exec dnsutils -- dig nope.default.svc.cluster.local").stdout
    assert ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN" in nx
    assert ("cluster.local.\t\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. " in nx)


def test_externalname_cname_and_pod_records():
    w = cluster()
    out = run(w, "kubectl exec dnsutils -- dig +short my-service.default.svc.cluster.local").stdout
    assert out == "my.database.example.com.\n"
    assert run(w, "kubectl exec dnsutils -- host my-service").stdout == \
        "my-service.default.svc.cluster.local is an alias for my.database.example.com.\n"
    assert run(w, "kubectl exec dnsutils -- dig +short 10-244-1-5.default.pod.cluster.local").stdout == "10.244.1.5\n"


def test_coredns_scaled_to_zero_lookups_fail_with_the_real_messages():
    w = cluster()
    run(w, "kubectl scale deployment coredns -n kube-system --replicas=0")
    w.advance(40)
    res = run(w, "kubectl exec clientpod -- nslookup kubernetes.default")
    assert res.stdout == "Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\n"
    assert res.stderr == "nslookup: can't resolve 'kubernetes.default'\ncommand terminated with exit code 1\n"
    res = run(w, "kubectl exec dnsutils -- nslookup kubernetes.default")
    assert res.stdout == ";; connection timed out; no servers could be reached\n"
    res = run(w, "kubectl exec clientpod -- wget -q -O- web-svc")
    assert res.stderr.startswith("wget: bad address 'web-svc'\n")


def test_save_and_load_between_commands_changes_nothing():
    lines = ["kubectl exec clientpod -- nslookup headless-svc",
             "kubectl exec dnsutils -- dig headless-svc.default.svc.cluster.local",
             "kubectl exec clientpod -- nslookup kubernetes.default"]
    a = cluster()
    b = World.from_state(json.loads(json.dumps(cluster().to_state())))
    for line in lines:
        ra = a.run(line)
        b = World.from_state(json.loads(json.dumps(b.to_state())))
        rb = b.run(line)
        assert (ra.stdout, ra.stderr, ra.status) == (rb.stdout, rb.stderr, rb.status)
