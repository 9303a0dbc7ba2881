"""The Service doctor: one broken lab per finding, the exact finding, then its fix makes the Service work.

Each lab is built with real commands; the fix is applied by running the
finding's own fix commands (or, where the doctor can only say what to
change, the real command a learner would type), then the doctor reports
the Service healthy and a request through it succeeds.
"""
from __future__ import annotations

import json

import pytest

from lab.sim.doctor import FAIL, NOTE, PASS, WARN, diagnose
from lab.sim.world import World

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: frontend}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 80}]
"""
TO_IPVS = "kubectl -n kube-system get cm kube-proxy -o yaml | sed 's/mode: \"\"/mode: ipvs/' | kubectl apply -f -"
RESTART_PROXY = "kubectl -n kube-system rollout restart ds kube-proxy"


def _lab(*lines: str | tuple[str, str], wait: float = 30) -> World:
    w = World.from_profile("kubeadm")
    for line in lines:
        text, stdin = line if isinstance(line, tuple) else (line, "")
        r = w.run(text, stdin=stdin)
        assert r.status == 0, (text, r.stderr)
    w.advance(wait)
    return w


def _apply_fix(w: World, finding, wait: float = 30) -> None:
    assert finding.fix is not None and finding.fix.commands, finding.check
    for command in finding.fix.commands:
        r = w.run(command)
        assert r.status == 0, (command, r.stderr)
    w.advance(wait)


def _pods(w: World, selector: str = "app=web", ns: str = "default") -> list[str]:
    return sorted(p["metadata"]["name"] for p in w.api.list("pods", ns, label_selector=selector))


def _cluster_ip(w: World, name: str = "web") -> str:
    return w.api.get("services", name)["spec"]["clusterIP"]


def _node_port(w: World, name: str = "web") -> int:
    return w.api.get("services", name)["spec"]["ports"][0]["nodePort"]


def _http_code(w: World, target: str, host: str | None = None) -> str:
    """curl's status code of the answer; "" when no answer came (the connection failed)."""
    r = w.run(f"curl -s -m 5 -o /dev/null -w '%{{http_code}}' {target}", host=host)
    return r.stdout if r.status == 0 else ""


def _statuses(d) -> dict[str, str]:
    return {f.check: f.status for f in d.findings}


def _healthy_and_clean(d) -> None:
    assert d.healthy, [(f.check, f.summary.en) for f in d.problems]
    assert not d.warnings, [(f.check, f.summary.en) for f in d.warnings]


# -- nothing wrong ---------------------------------------------------------------------------

def test_healthy_service_says_so_and_shows_the_path():
    w = _lab("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deploy web --port=80")
    r = w.run("labdoctor svc/web")
    assert r.status == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    ip = _cluster_ip(w)
    assert lines[0] == "labdoctor: service/web in namespace default, from k8s-master (node)"
    assert lines[2] == f" 1. PASS  service.exists        service/web exists in namespace default: ClusterIP {ip}"
    assert lines[3] == " 2. PASS  dns.coredns           CoreDNS is up: 2 of 2 Pods ready behind kube-dns"
    assert lines[4] == (" 3. NOTE  dns.name              cluster names do not resolve on a node (k8s-master): "
                        "web.default.svc.cluster.local is known only to CoreDNS")
    assert " 4. PASS  endpoints.selector    selector app=web matches 2 Pods" in lines
    assert " 5. PASS  endpoints.ready       2 of 2 selected Pods are ready endpoints" in lines
    assert " 6. PASS  endpoints.targetPort  the Pods listen on every targetPort" in lines
    assert " 7. PASS  proxy.running         kube-proxy runs on k8s-master" in lines
    assert " 8. PASS  proxy.mode            kube-proxy runs in the configured mode (iptables)" in lines
    assert f" 9. PASS  proxy.rules           the probes reached a Pod: {ip}:80" in lines
    assert "No problem found: service/web works from k8s-master (node)." in lines
    path = lines[lines.index("The path a request takes:") + 1:]
    assert path[0] == f"connection 1: tcp 192.168.56.10:32768 -> {ip}:80 from k8s-master (node)"
    assert any("-j KUBE-SVC-" in line and f"-d {ip}/32" in line for line in path)
    result = next(line for line in path if line.startswith("  result: "))
    assert result.startswith("  result: connected: pod default/web-")
    # the probe is a real connection: the node's conntrack table has it
    assert f"dst={ip} sport=32768 dport=80" in w.run("conntrack -L").stdout


def test_healthy_in_chinese_and_as_json():
    w = _lab("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deploy web --port=80",
             "kubectl run bb --image=busybox:1.28 -- sleep 3600")
    r = w.run("labdoctor svc/web --from pod/bb --lang zh")
    assert r.status == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "labdoctor：命名空间 default 中的 service/web，从 pod default/bb 检查"
    assert f" 3. 通过  dns.name              从 pod default/bb 可以把 web 解析为 {_cluster_ip(w)}" in lines
    assert "没有发现问题：service/web 从 pod default/bb 可以正常访问。" in lines
    assert "请求经过的路径：" in lines
    data = json.loads(w.run("labdoctor svc/web --from pod/bb -o json").stdout)
    assert data["healthy"] is True and data["lang"] == "en"
    assert data["service"] == {"namespace": "default", "name": "web"} and data["source"] == "pod default/bb"
    selector = next(f for f in data["findings"] if f["check"] == "endpoints.selector")
    assert selector["status"] == "pass" and selector["data"]["selected"] == 2
    assert {"kind": "Edge", "type": "selector", "from": {"kind": "Service", "name": "web", "namespace": "default"},
            "to": {"kind": "Pod", "name": _pods(w)[0], "namespace": "default"}} in selector["marks"]
    assert data["traces"][0]["result"] == "connected"
    zh = json.loads(w.run("labdoctor svc/web --from pod/bb -o json --lang zh").stdout)
    assert zh["findings"][1]["summary"] == "CoreDNS 正常：kube-dns 后面有 2/2 个 Pod 就绪"


def test_same_state_same_report():
    w = _lab("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deploy web --port=80")
    state = w.to_state()
    first = World.from_state(state).run("labdoctor svc/web -v").stdout
    assert World.from_state(state).run("labdoctor svc/web -v").stdout == first
    assert "          - web-" in first      # -v: the evidence of passed checks


# -- the Service's Pods -------------------------------------------------------------------------

def test_selector_typo_names_the_nearest_labels_and_the_patch_fixes_it():
    w = _lab("kubectl create deployment nginx --image=nginx --replicas=3",
             "kubectl create service clusterip web --tcp=80:80",
             "kubectl patch svc web -p '{\"spec\":{\"selector\":{\"app\":\"ngnix\"}}}'")
    d = diagnose(w, "default", "web")
    f = d.finding("endpoints.selector")
    pods = _pods(w, "app=nginx")
    assert (f.status, f.summary.en) == (FAIL, "selector app=ngnix matches no Pod")
    assert [e.en for e in f.evidence] == [
        "no Pod in namespace default has the labels app=ngnix",
        f"app=ngnix matches nothing; 3 Pods have app=nginx ({', '.join(pods)})"]
    assert f.summary.zh == "selector app=ngnix 没有匹配到任何 Pod"
    assert f.fix.commands == ["kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"app\":\"nginx\"}}}'"]
    assert {"kind": "Edge", "type": "selector", "from": {"kind": "Service", "name": "web", "namespace": "default"},
            "to": {"kind": "Pod", "name": pods[0], "namespace": "default"}} in f.marks
    assert not d.healthy and d.finding("proxy.rules").status == FAIL
    assert "has no endpoints" in "\n".join(d.finding("proxy.rules").trace)
    assert _http_code(w, f"{_cluster_ip(w)}:80") == ""
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, f"{_cluster_ip(w)}:80") == "200"


def test_selector_on_the_deployment_labels_instead_of_the_pod_template():
    w = _lab(("kubectl apply -f -", DEPLOYMENT), "kubectl create service clusterip web --tcp=80:80",
             "kubectl patch svc web -p '{\"spec\":{\"selector\":{\"app\":null,\"tier\":\"frontend\"}}}'")
    f = diagnose(w, "default", "web").finding("endpoints.selector")
    assert (f.status, f.summary.en) == (FAIL, "selector tier=frontend matches no Pod")
    assert f.evidence[-1].en == ("Deployment web has the labels tier=frontend on itself, but its Pods get app=web "
                                 "from spec.template.metadata.labels: a Service selects Pods, not the Deployment")
    assert f.evidence[-1].zh == ("Deployment web 自身带有标签 tier=frontend，但它创建的 Pod 的标签来自 "
                                 "spec.template.metadata.labels，是 app=web：Service 选择的是 Pod，而不是 Deployment")
    assert {"kind": "Deployment", "namespace": "default", "name": "web"} in f.marks
    assert f.fix.commands == [
        "kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"tier\":null,\"app\":\"web\"}}}'"]
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert w.api.get("services", "web")["spec"]["selector"] == {"app": "web"}
    assert _http_code(w, _cluster_ip(w)) == "200"


def test_failing_readiness_probe_keeps_pods_out_of_the_endpoints():
    probe = "        ports: [{containerPort: 80}]\n        readinessProbe: {httpGet: {port: 8080}, periodSeconds: 5}\n"
    w = _lab(("kubectl apply -f -", DEPLOYMENT.replace("        ports: [{containerPort: 80}]\n", probe)),
             "kubectl expose deploy web --port=80")
    f = diagnose(w, "default", "web").finding("endpoints.ready")
    pods = _pods(w)
    ips = {p: w.api.get("pods", p)["status"]["podIP"] for p in pods}
    assert (f.status, f.summary.en) == (FAIL, "none of the 2 selected Pods is ready: the Service has no endpoint "
                                              "to send to")
    assert [e.en for e in f.evidence] == [f"EndpointSlice: {p} {ips[p]} not ready" for p in pods] + [
        f'{p}: running, but its readiness probe fails: Readiness probe failed: Get "http://{ips[p]}:8080/": '
        f'dial tcp {ips[p]}:8080: connect: connection refused' for p in pods]
    assert {"kind": "Endpoint", "service": {"kind": "Service", "name": "web", "namespace": "default"},
            "ip": ips[pods[0]], "port": 80, "pod": {"kind": "Pod", "name": pods[0], "namespace": "default"},
            "ready": False} in f.marks
    assert f.fix.commands == ["kubectl patch deployment web -n default --type=json -p '[{\"op\":\"replace\",\"path\":"
                              "\"/spec/template/spec/containers/0/readinessProbe/httpGet/port\",\"value\":80}]'"]
    _apply_fix(w, f, wait=60)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


def test_crash_looping_pods_are_not_endpoints():
    w = _lab(("kubectl apply -f -", DEPLOYMENT.replace("        image: nginx\n",
                                                        "        image: nginx\n        command: [sh, -c, 'exit 1']\n")),
             "kubectl expose deploy web --port=80")
    f = diagnose(w, "default", "web").finding("endpoints.ready")
    pods = _pods(w)
    assert f.status == FAIL and f.data["causes"] == ["crashloop"]
    assert f.evidence[2].en == (f"{pods[0]}: container nginx is in CrashLoopBackOff (restarted 2 times, "
                                f"last exit code 1)")
    assert f.fix.text.en == (f"Its process exits: kubectl logs {pods[0]} --previous shows why; correct the "
                             f"container's command, args or image (kubectl edit deployment web)")
    assert f.fix.commands == []
    # the learner's correction: drop the command that exits
    r = w.run("kubectl patch deployment web --type=json "
              "-p '[{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/0/command\"}]'")
    assert r.status == 0, r.stderr
    w.advance(60)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


# -- ports --------------------------------------------------------------------------------------

def test_target_port_the_pods_do_not_listen_on():
    w = _lab("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deploy web --port=8080")
    d = diagnose(w, "default", "web")
    f = d.finding("endpoints.targetPort")
    pods = _pods(w)
    assert (f.status, f.summary.en) == (FAIL, "the Pods do not listen on the Service's targetPort: connections are "
                                              "refused")
    assert [e.en for e in f.evidence] == [f"port 8080/TCP -> targetPort 8080: {', '.join(pods)} do not listen on "
                                          f"8080/TCP; they listen on 80/TCP"]
    assert [e.zh for e in f.evidence] == [f"port 8080/TCP -> targetPort 8080：{', '.join(pods)} 没有监听 8080/TCP，"
                                          f"监听的是 80/TCP"]
    rules = d.finding("proxy.rules")
    assert rules.evidence[0].en.startswith(f"{_cluster_ip(w)}:8080 (clusterIP): refused: web-")
    assert "answered with a reset: nothing listens on 10.244." in rules.evidence[0].en
    assert f.fix.commands == ["kubectl patch service web -n default --type=json "
                              "-p '[{\"op\":\"replace\",\"path\":\"/spec/ports/0/targetPort\",\"value\":80}]'"]
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, f"{_cluster_ip(w)}:8080") == "200"


def test_port_and_target_port_swapped():
    w = _lab("kubectl create deployment web --image=nginx --replicas=2",
             "kubectl expose deploy web --port=80 --target-port=8080")
    f = diagnose(w, "default", "web").finding("endpoints.targetPort")
    assert f.status == FAIL
    assert f.evidence[1].en == ("port is what clients dial on the Service (80), targetPort is what the Pods listen "
                                "on: here the Pods listen on 80")
    assert f.fix.text.en == "Set targetPort to 80, the port the Pods listen on"
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


def test_named_target_port_no_container_port_carries():
    w = _lab(("kubectl apply -f -", DEPLOYMENT), "kubectl expose deploy web --port=80 --target-port=http")
    f = diagnose(w, "default", "web").finding("endpoints.targetPort")
    pods = _pods(w)
    assert f.status == FAIL
    assert [e.en for e in f.evidence] == [f'port 80/TCP: targetPort "http" is a name, but no container port of '
                                          f'{", ".join(pods)} is named http (declared ports: 80/TCP unnamed; '
                                          f'listening on 80/TCP)']
    assert _http_code(w, _cluster_ip(w)) == ""
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


def test_cluster_ip_service_from_outside_the_cluster():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80")
    d = diagnose(w, "default", "web", "external")
    f = d.finding("exposure.type")
    assert (f.status, f.summary.en) == (FAIL, "service/web is a ClusterIP Service: it is reachable only inside "
                                              "the cluster")
    assert d.finding("dns.name").status == NOTE
    _apply_fix(w, f)
    d = diagnose(w, "default", "web", "external")
    _healthy_and_clean(d)
    assert d.finding("exposure.nodePort").evidence[0].en.startswith(
        f"port 80 on {_cluster_ip(w)} (in the cluster); nodePort {_node_port(w)} on every node (192.168.56.10:")
    assert _http_code(w, f"192.168.56.11:{_node_port(w)}", host="external") == "200"


def test_node_port_left_outside_a_narrowed_range():
    w = _lab("kubectl create deployment web --image=nginx",
             "kubectl expose deploy web --port=80 --type=NodePort",
             "kubectl patch svc web --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/ports/0/nodePort\","
             "\"value\":30080}]'",
             "sed -i 's/--service-node-port-range=30000-32767/--service-node-port-range=31000-32767/' "
             "/etc/kubernetes/manifests/kube-apiserver.yaml")
    f = diagnose(w, "default", "web", "external").finding("exposure.nodePort")
    assert (f.status, f.summary.en) == (WARN, "nodePort 30080 is outside --service-node-port-range 31000-32767")
    assert f.fix.commands == ["kubectl patch service web -n default --type=json "
                              "-p '[{\"op\":\"replace\",\"path\":\"/spec/ports/0/nodePort\",\"value\":31000}]'"]
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web", "external"))
    assert _node_port(w) == 31000
    assert _http_code(w, f"192.168.56.12:{_node_port(w)}", host="external") == "200"


# -- exposure -----------------------------------------------------------------------------------

def test_external_traffic_policy_local_on_nodes_without_a_pod():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80 --type=NodePort",
             "kubectl patch svc web -p '{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}'")
    d = diagnose(w, "default", "web", "external")
    f = d.finding("exposure.trafficPolicy")
    port = _node_port(w)
    assert (f.status, f.summary.en) == (FAIL, "externalTrafficPolicy Local: k8s-master, k8s-node2 drop external "
                                              "traffic to the nodePort (no local ready Pod there)")
    assert [e.en for e in f.evidence] == [
        "nodes with a ready local endpoint: k8s-node1",
        f"192.168.56.10:{port} (k8s-master): timeout at k8s-master INPUT: DROP (in eth0)",
        f"192.168.56.12:{port} (k8s-node2): timeout at k8s-node2 INPUT: DROP (in eth0)",
        f'the rule that drops it: -A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web has no local '
        f'endpoints" -m addrtype --dst-type LOCAL -m tcp --dport {port} -j DROP']
    assert {"kind": "Node", "name": "k8s-node2"} in f.marks
    assert d.finding("proxy.rules").status == WARN
    assert _http_code(w, f"192.168.56.12:{port}", host="external") == ""
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web", "external"))
    assert _http_code(w, f"192.168.56.12:{port}", host="external") == "200"


def test_load_balancer_pending_on_an_address_outside_the_pool():
    w = _lab("kubectl create deployment web --image=nginx",
             "kubectl expose deploy web --port=80 --type=LoadBalancer --load-balancer-ip=10.0.0.5")
    f = diagnose(w, "default", "web", "external").finding("exposure.loadBalancer")
    assert (f.status, f.summary.en) == (FAIL, "the LoadBalancer has no external address (<pending>)")
    assert f.evidence[1].en == ("Event SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load "
                                "balancer: requested IP 10.0.0.5 is not in the address pool "
                                "192.168.56.240-192.168.56.250")
    _apply_fix(w, f, wait=60)
    d = diagnose(w, "default", "web", "external")
    _healthy_and_clean(d)
    assert d.finding("exposure.loadBalancer").summary.en == "the load balancer is at 192.168.56.240"
    assert _http_code(w, "192.168.56.240", host="external") == "200"


def test_external_ip_that_routes_to_no_node():
    w = _lab("kubectl create deployment web --image=nginx",
             "kubectl expose deploy web --port=80 --external-ip=192.168.56.200")
    d = diagnose(w, "default", "web", "external")
    f = d.finding("exposure.externalIPs")
    assert (f.status, f.summary.en) == (FAIL, "externalIP 192.168.56.200 does not route to any node: clients "
                                              "outside cannot reach it")
    assert d.finding("proxy.rules").evidence[0].en == ("192.168.56.200:80 (externalIP): unreachable: nobody "
                                                       "answered ARP for 192.168.56.200")
    # on a node kube-proxy's rules still catch it: a warning there
    assert diagnose(w, "default", "web", "k8s-node1").finding("exposure.externalIPs").status == WARN
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web", "external"))
    assert _http_code(w, "192.168.56.11", host="external") == "200"


def test_external_ip_that_is_a_node_address_in_ipvs_mode():
    w = _lab(TO_IPVS, RESTART_PROXY, "sleep 60", "kubectl create deployment web --image=nginx",
             "kubectl expose deploy web --port=80 --external-ip=192.168.56.11")
    f = diagnose(w, "default", "web", "k8s-node2").finding("exposure.externalIPs")
    assert (f.status, f.summary.en) == (FAIL, "externalIP 192.168.56.11 is a node's own address: in ipvs mode every "
                                              "node binds it, and the other nodes can no longer reach that node")
    assert f.evidence[0].en == ("k8s-master: kube-ipvs0 holds 192.168.56.11/32, so `ip route get 192.168.56.11` "
                                "is local: k8s-master reaches itself instead of k8s-node1")
    assert "192.168.56.11/32" in w.run("ip addr show kube-ipvs0", host="k8s-node2").stdout
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web", "k8s-node2"))
    assert "192.168.56.11/32" not in w.run("ip addr show kube-ipvs0", host="k8s-node2").stdout
    assert _http_code(w, _cluster_ip(w), host="k8s-node2") == "200"


# -- DNS ----------------------------------------------------------------------------------------

def test_coredns_scaled_to_zero():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             "kubectl run bb --image=busybox:1.28 -- sleep 3600",
             "kubectl -n kube-system scale deploy coredns --replicas=0")
    d = diagnose(w, "default", "web", "pod/bb")
    f = d.finding("dns.coredns")
    assert (f.status, f.summary.en) == (FAIL, "CoreDNS has no ready Pod: no Service name resolves in the cluster")
    assert [e.en for e in f.evidence] == ["deployment coredns is scaled to 0 replicas"]
    assert d.finding("dns.name").summary.en == "no DNS server answered pod default/bb (nameserver 10.96.0.10)"
    assert d.finding("proxy.rules").status == PASS        # the ClusterIP itself works
    assert w.run("kubectl exec bb -- wget -q -O - web").status != 0
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web", "pod/bb"))
    assert "Welcome to nginx!" in w.run("kubectl exec bb -- wget -q -O - web").stdout


def test_short_name_from_another_namespace():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             "kubectl create namespace other", "kubectl -n other run bb --image=busybox:1.28 -- sleep 3600")
    d = diagnose(w, "default", "web", "other/bb")
    f = d.finding("dns.name")
    assert (f.status, f.summary.en) == (WARN, "web does not resolve from namespace other: there it means "
                                              "web.other.svc.cluster.local; use web.default")
    assert f.data["use"] == "web.default" and d.healthy
    assert w.run("kubectl -n other exec bb -- wget -q -O - web").status != 0
    # the fix is the name the client asks for
    assert "Welcome to nginx!" in w.run("kubectl -n other exec bb -- wget -q -O - web.default").stdout


def test_cluster_name_asked_on_a_node():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80")
    f = diagnose(w, "default", "web", "k8s-node1").finding("dns.name")
    assert (f.status, f.summary.en) == (NOTE, "cluster names do not resolve on a node (k8s-node1): "
                                              "web.default.svc.cluster.local is known only to CoreDNS")
    assert f.fix.text.en == f"use the ClusterIP {_cluster_ip(w)} on a node"
    assert _http_code(w, "web.default.svc.cluster.local", host="k8s-node1") == ""
    assert _http_code(w, _cluster_ip(w), host="k8s-node1") == "200"


def test_busybox_whose_nslookup_ignores_the_search_list():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             "kubectl run bb --image=busybox:1.29 -- sleep 3600")
    f = diagnose(w, "default", "web", "pod/bb").finding("dns.name")
    assert (f.status, f.summary.en) == (WARN, "web resolves, but the nslookup of busybox:1.29 ignores the search "
                                              "list: `nslookup web` fails there")
    assert "server can't find web" in w.run("kubectl exec bb -- nslookup web").stdout
    assert _cluster_ip(w) in w.run("kubectl exec bb -- nslookup web.default.svc.cluster.local").stdout


# -- kube-proxy ---------------------------------------------------------------------------------

def test_kube_proxy_crashing_on_a_bad_config_leaves_a_new_service_without_rules():
    w = _lab("kubectl -n kube-system get cm kube-proxy -o yaml | sed 's/mode: \"\"/mode: bogus/' | kubectl apply -f -",
             RESTART_PROXY, "sleep 60", "kubectl create deployment web --image=nginx",
             "kubectl expose deploy web --port=80")
    d = diagnose(w, "default", "web")
    f = d.finding("proxy.running")
    proxy = next(p for p in _pods(w, "k8s-app=kube-proxy", "kube-system")
                 if w.api.get("pods", p, "kube-system")["spec"]["nodeName"] == "k8s-master")
    assert (f.status, f.summary.en) == (FAIL, "kube-proxy is not running on k8s-master: the rules there are whatever "
                                              "it wrote last")
    assert f.evidence[0].en.startswith(f"{proxy} on k8s-master: CrashLoopBackOff (restarts: ")
    assert f.evidence[-1].en == ('ConfigMap kube-proxy: KubeProxyConfiguration.Mode: Invalid value: "bogus": must be '
                                 'iptables,ipvs,nftables or blank (blank means the best-available proxy '
                                 '[currently iptables])')
    assert d.finding("proxy.rules").evidence[0].en == (
        f"{_cluster_ip(w)}:80 (clusterIP): timeout: no kube-proxy rule caught {_cluster_ip(w)}:80: the packet left "
        f"k8s-master by the default route and was lost")
    # the fix it names: correct the ConfigMap, then restart kube-proxy
    for line in ("kubectl -n kube-system get cm kube-proxy -o yaml | sed 's/mode: bogus/mode: \"\"/' | "
                 "kubectl apply -f -", RESTART_PROXY):
        assert w.run(line).status == 0
    w.advance(120)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


def test_mode_changed_in_the_configmap_without_a_restart():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80", TO_IPVS)
    d = diagnose(w, "default", "web", "k8s-node1")
    f = d.finding("proxy.mode")
    assert (f.status, f.summary.en) == (WARN, "the kube-proxy ConfigMap says ipvs, but kube-proxy on k8s-node1 still "
                                              "runs the mode it started with: it reads its config only when it starts")
    # the node still runs the iptables proxier: its rules are iptables chains, no IPVS table
    assert d.healthy and f'-d {_cluster_ip(w)}/32' in w.run("iptables-save -t nat", host="k8s-node1").stdout
    assert w.run("ipvsadm -Ln", host="k8s-node1").stderr == "ipvsadm: command not found\n"
    _apply_fix(w, f, wait=120)
    _healthy_and_clean(diagnose(w, "default", "web", "k8s-node1"))
    assert f"TCP  {_cluster_ip(w)}:80 rr" in w.run("ipvsadm -Ln", host="k8s-node1").stdout
    assert _http_code(w, _cluster_ip(w), host="k8s-node1") == "200"


def test_pod_reaching_itself_through_its_service_hairpin():
    w = _lab("kubectl run web --image=nginx --labels=app=web", "kubectl expose pod web --port=80")
    d = diagnose(w, "default", "web", "pod/web")
    f = d.finding("proxy.hairpin")
    ip = w.api.get("pods", "web")["status"]["podIP"]
    assert (f.status, f.summary.en) == (PASS, "web reached itself through its own Service (hairpin): the node "
                                              "masqueraded the request, so the reply comes back through the node")
    assert [e.en for e in f.evidence][-1].startswith(f"k8s-node1 POSTROUTING: MASQUERADE {ip}:")
    assert d.healthy
    assert w.run(f"kubectl exec web -- curl -s -o /dev/null -w '%{{http_code}}' {_cluster_ip(w)}").stdout == "200"


# -- the command --------------------------------------------------------------------------------

def test_missing_service_and_usage_errors():
    w = _lab("kubectl create namespace shop", "kubectl -n shop create service clusterip web --tcp=80:80", wait=1)
    r = w.run("labdoctor svc/web")
    assert r.status == 1
    assert r.stdout == ("labdoctor: service/web in namespace default, from k8s-master (node)\n\n"
                        " 1. FAIL  service.exists  there is no service/web in namespace default\n"
                        "          - Error from server (NotFound): services \"web\" not found\n"
                        "          - service/web exists in namespace shop\n"
                        "          fix: Add -n shop\n\n"
                        "1 problem, 0 warnings: service/web does not work from k8s-master (node).\n")
    usage = ("usage: labdoctor svc/NAME [-n NAMESPACE] [--from HOST|pod/NAME|NAMESPACE/NAME] [--lang en|zh] "
             "[-o json] [-v]\n")
    assert (w.run("labdoctor").stderr, w.run("labdoctor").status) == (usage, 2)
    assert w.run("labdoctor deploy/web").stderr == "labdoctor: only Services can be diagnosed, not deploy/web\n" + usage
    assert w.run("labdoctor svc/web -x").stderr == "labdoctor: unknown flag: -x\n" + usage
    assert w.run("labdoctor svc/web --lang fr").stderr == "labdoctor: unknown language 'fr' (en or zh)\n" + usage
    r = w.run("labdoctor svc/web -n shop --from nowhere")
    assert (r.stderr, r.status) == ("labdoctor: no host or Pod 'nowhere' (hosts: external, k8s-master, k8s-node1, "
                                    "k8s-node2; Pods: pod/NAME or NAMESPACE/NAME)\n", 2)

def test_service_without_selector():
    w = _lab("kubectl create service clusterip web --tcp=80:80",
             "kubectl patch svc web --type=json -p '[{\"op\":\"remove\",\"path\":\"/spec/selector\"}]'", wait=1)
    f = diagnose(w, "default", "web").finding("endpoints.selector")
    assert (f.status, f.summary.en) == (FAIL, "service/web has no selector and no EndpointSlice: it has nowhere to "
                                              "send requests")


@pytest.mark.parametrize("source", ["k8s-node2", "external"])
def test_json_output_is_the_diagnosis(source):
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80 --type=NodePort")
    state = w.to_state()
    data = json.loads(World.from_state(state).run(f"labdoctor svc/web --from {source} -o json").stdout)
    # the same state diagnosed through the API gives the same data, byte for byte once encoded
    assert data == json.loads(json.dumps(diagnose(World.from_state(state), "default", "web", source).to_dict("en")))
    assert data["healthy"] is True
    assert [f["check"] for f in data["findings"]][:3] == ["service.exists", "dns.coredns", "dns.name"]
    assert all(set(f) == {"check", "status", "summary", "evidence", "fix", "marks", "data", "trace"}
               for f in data["findings"])
    rules = next(f for f in data["findings"] if f["check"] == "proxy.rules")
    via = {p["via"] for p in rules["data"]["probes"]}
    assert via == ({"clusterIP"} if source == "k8s-node2" else {"nodePort"})


def test_new_pods_that_cannot_be_scheduled_while_the_old_one_serves():
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             "kubectl patch deployment web "
             "-p '{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}}}'")
    d = diagnose(w, "default", "web")
    f = d.finding("endpoints.ready")
    pending = [p for p in _pods(w) if w.api.get("pods", p)["status"]["phase"] == "Pending"]
    assert len(pending) == 1 and len(_pods(w)) == 2
    assert (f.status, f.summary.en) == (WARN, "1 of 2 selected Pods are ready: requests go only to ready ones")
    reason = w.api.get("pods", pending[0])["status"]["conditions"][0]["message"]
    assert f.evidence[-1].en == f"{pending[0]}: not scheduled: {reason}"
    assert reason.startswith("0/3 nodes are available:")
    assert f.data["causes"] == ["unscheduled"] and d.healthy
    assert w.run("kubectl label node k8s-node2 disk=ssd").status == 0
    w.advance(60)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert _http_code(w, _cluster_ip(w)) == "200"


@pytest.mark.parametrize("mode", ["ipvs", "nftables"])
def test_no_endpoint_rejection_is_explained_in_every_proxy_mode(mode):
    w = _lab(TO_IPVS.replace("ipvs", mode), RESTART_PROXY, "sleep 60",
             "kubectl create service clusterip web --tcp=80:80")
    d = diagnose(w, "default", "web")
    assert d.finding("proxy.mode").summary.en == f"kube-proxy runs in the configured mode ({mode})"
    assert d.finding("proxy.rules").evidence[0].en == (f"{_cluster_ip(w)}:80 (clusterIP): refused: kube-proxy on "
                                                       f"k8s-master rejects it: the Service has no ready endpoint")
    assert w.run("kubectl create deployment web --image=nginx").status == 0
    w.advance(30)
    _healthy_and_clean(diagnose(w, "default", "web"))


def test_a_diagnosis_and_its_fix_read_the_same_with_a_save_and_load_between_commands():
    lines = ["kubectl create deployment nginx --image=nginx --replicas=3",
             "kubectl create service clusterip web --tcp=80:80", "sleep 30",
             "labdoctor svc/web", "labdoctor svc/web --from external -o json",
             "kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"app\":\"nginx\"}}}'", "sleep 5",
             "labdoctor svc/web -v", "conntrack -L"]
    live = World.from_profile("kubeadm")
    straight = [live.run(line).stdout for line in lines]
    w = World.from_profile("kubeadm")
    reloaded = []
    for line in lines:
        reloaded.append(w.run(line).stdout)
        w = World.from_state(w.to_state())
    assert reloaded == straight
    assert "No problem found" in straight[7] and "selector app=web matches no Pod" in straight[3]


def test_a_source_pod_that_is_not_running_yet():
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  nodeSelector: {disk: ssd}\n"
           "  containers: [{name: bb, image: 'busybox:1.28', command: [sleep, '3600']}]\n")
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             ("kubectl apply -f -", pod))
    d = diagnose(w, "default", "web", "pod/client")
    assert [(f.check, f.status, f.summary.en) for f in d.findings] == [
        ("source.running", FAIL, "pod default/client has no IP address (Pending): it cannot send a request yet")]
    assert w.run("kubectl label node k8s-node1 disk=ssd").status == 0
    w.advance(30)
    _healthy_and_clean(diagnose(w, "default", "web", "pod/client"))


def test_coredns_crash_looping_on_a_broken_corefile():
    broken = "kubectl -n kube-system get cm coredns -o yaml | sed 's/forward \\. /forwardx . /' | kubectl apply -f -"
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             "kubectl run bb --image=busybox:1.28 -- sleep 3600", broken,
             "kubectl -n kube-system delete pod -l k8s-app=kube-dns", wait=60)
    f = diagnose(w, "default", "web", "pod/bb").finding("dns.coredns")
    pods = _pods(w, "k8s-app=kube-dns", "kube-system")
    assert f.status == FAIL
    assert [e.en for e in f.evidence] == [f"{p}: CrashLoopBackOff, not ready" for p in pods] + [
        f"kubectl -n kube-system logs {pods[0]} --previous: /etc/coredns/Corefile:13 - Error during parsing: "
        f"Unknown directive 'forwardx'"]
    assert f.fix.text.en.startswith("CoreDNS cannot read its Corefile: correct it")
    assert w.run(broken.replace("s/forward \\. /forwardx . /", "s/forwardx \\. /forward . /")).status == 0
    w.advance(300)
    _healthy_and_clean(diagnose(w, "default", "web", "pod/bb"))
    assert "Welcome to nginx!" in w.run("kubectl exec bb -- wget -q -O - web").stdout


def test_a_failed_packet_trace_is_diagnosed_as_the_service_it_dialled():
    from lab.sim.doctor import diagnose_trace
    from lab.sim.net import recording

    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80 --type=NodePort",
             "kubectl patch svc web -p '{\"spec\":{\"selector\":{\"app\":\"wbe\"}}}'",
             "kubectl run bb --image=busybox:1.28 -- sleep 3600")
    with recording(w) as traces:
        w.run(f"curl -s -m 2 192.168.56.11:{_node_port(w)}", host="external")
        w.run("kubectl exec bb -- wget -q -T 2 -O - web")
    nodeport, from_pod = traces[0], traces[-1]
    assert nodeport.result == "refused" and from_pod.result == "refused"
    d = diagnose_trace(w, nodeport.to_dict())
    assert (d.namespace, d.name, d.source) == ("default", "web", "external (external)")
    assert d.finding("endpoints.selector").summary.en == "selector app=wbe matches no Pod"
    assert diagnose_trace(w, from_pod).source == "pod default/bb"
    with recording(w) as traces:
        w.run("curl -s -m 2 192.168.56.11:1")
    assert diagnose_trace(w, traces[0]) is None          # no Service there


def test_a_pod_whose_dns_policy_skips_the_cluster_dns():
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  dnsPolicy: Default\n"
           "  containers: [{name: bb, image: 'busybox:1.28', command: [sleep, '3600']}]\n")
    w = _lab("kubectl create deployment web --image=nginx", "kubectl expose deploy web --port=80",
             ("kubectl apply -f -", pod))
    f = diagnose(w, "default", "web", "pod/client").finding("dns.name")
    assert (f.status, f.summary.en) == (FAIL, "pod default/client does not ask the cluster DNS: its nameserver is "
                                              "192.168.56.1, not kube-dns (10.96.0.10)")
    assert [e.en for e in f.evidence] == ["dnsPolicy: Default", "web: NXDOMAIN from 192.168.56.1"]
    assert w.run("kubectl exec client -- wget -q -T 2 -O - web").status != 0
    # the fix it names: recreate the Pod with the default policy
    assert w.run("kubectl delete pod client --now").status == 0
    assert w.run("kubectl apply -f -", stdin=pod.replace("  dnsPolicy: Default\n", "")).status == 0
    w.advance(30)
    _healthy_and_clean(diagnose(w, "default", "web", "pod/client"))
    assert "Welcome to nginx!" in w.run("kubectl exec client -- wget -q -O - web").stdout


def test_selector_key_typo_and_a_single_pod():
    w = _lab("kubectl create deployment nginx --image=nginx", "kubectl create service clusterip web --tcp=80:80",
             "kubectl patch svc web -p '{\"spec\":{\"selector\":{\"app\":null,\"ap\":\"nginx\"}}}'")
    f = diagnose(w, "default", "web").finding("endpoints.selector")
    assert [e.en for e in f.evidence] == ["no Pod in namespace default has the labels ap=nginx",
                                          "no Pod has the key ap; 1 Pod has app=nginx"]
    assert f.evidence[1].zh == "没有 Pod 带有键 ap；有 1 个 Pod 带有 app=nginx"
    assert f.fix.commands == [
        "kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"ap\":null,\"app\":\"nginx\"}}}'"]
    _apply_fix(w, f)
    _healthy_and_clean(diagnose(w, "default", "web"))
    assert w.api.get("services", "web")["spec"]["selector"] == {"app": "nginx"}
    assert _http_code(w, _cluster_ip(w)) == "200"
