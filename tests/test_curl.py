"""curl/wget from nodes, pods and the external host through lab.sim.net."""
from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timezone

from lab.sim.net import topology
from lab.sim.world import World
from lab.sim.workloads.nginx import INDEX_HTML

PY_ARGS = ("kubectl run py --image=python:2.7 --command -- /bin/bash -c "
           "'echo \"<p>Hello from $(hostname)<p>\" > index.html; python -m SimpleHTTPServer 8080'")


def _world(*lines: str) -> World:
    w = World.from_profile("kubeadm")
    for line in lines:
        r = w.run(line)
        assert r.status == 0, r.stderr
    w.advance(30)
    return w


def _ip(w: World, name: str) -> str:
    return w.api.get("pods", name)["status"]["podIP"]


def _node(w: World, name: str) -> str:
    return w.api.get("pods", name)["spec"]["nodeName"]


def _first_pod_ip(w: World, node: str) -> str:
    """The address host-local hands the first pod of a node: the podCIDR's .2 (cni0 holds .1)."""
    return str(ipaddress.ip_network(topology.pod_cidr(w, node)).network_address + 2)


def _master_flannel(w: World) -> str:
    return topology.flannel_ip(w, w.profile.control_plane)


def test_curl_nginx_pod_ip_from_node_and_access_log():
    w = _world("kubectl run web --image=nginx")
    ip, node = _ip(w, "web"), _node(w, "web")
    assert node != w.profile.control_plane          # the control plane's NoSchedule taint
    assert ip == _first_pod_ip(w, node)             # the first pod of its node
    r = w.run(f"curl {ip}")
    assert (r.stdout, r.stderr, r.status) == (INDEX_HTML, "", 0)
    assert len(INDEX_HTML.encode()) == 615
    logs = w.run("kubectl logs web").stdout.splitlines()
    # from k8s-master to a pod on a worker: the source is the master's flannel.1 address
    assert logs[-1] == (f'{_master_flannel(w)} - - [01/Dec/2026:09:00:30 +0000] "GET / HTTP/1.1" 200 615 "-" '
                        '"curl/7.61.1" "-"')
    assert logs[0] == ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, "
                       "will attempt to perform configuration")
    # from the pod's own node: the cni0 bridge address
    w.run(f"curl -s {ip}/x", host=node)
    assert w.run("kubectl logs web --tail=1").stdout == (
        f'{topology.bridge_ip(w, node)} - - [01/Dec/2026:09:00:30 +0000] "GET /x HTTP/1.1" 404 153 "-" '
        '"curl/7.61.1" "-"\n')


def test_curl_head_and_404_page():
    w = _world("kubectl run web --image=nginx")
    ip = _ip(w, "web")
    assert w.run(f"curl -I {ip}").stdout == (
        "HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nDate: Tue, 01 Dec 2026 09:00:30 GMT\r\n"
        "Content-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 26 Nov 2024 15:55:00 GMT\r\n"
        "Connection: keep-alive\r\nETag: \"6745ef54-267\"\r\nAccept-Ranges: bytes\r\n\r\n")
    assert w.run(f"curl -s {ip}/nope").stdout == (
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n"
        "</body>\r\n</html>\r\n")
    assert w.run(f"curl -s -o /dev/null -w '%{{http_code}}' {ip}/nope").stdout == "404"


def test_python_pod_serves_the_file_its_command_wrote():
    w = _world(PY_ARGS)
    ip = _ip(w, "py")
    assert w.run(f"curl {ip}:8080").stdout == "<p>Hello from py<p>\n"
    r = w.run(f"curl -i {ip}:8080")
    pod = w.api.get("pods", "py")
    started = pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    # the container started after the image pull, before the requests
    assert pod["metadata"]["creationTimestamp"] < started < "2026-12-01T09:00:30Z"
    # index.html was written when the container started
    modified = datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert r.stdout == ("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/2.7.18\r\n"
                        "Date: Tue, 01 Dec 2026 09:00:30 GMT\r\nContent-type: text/html\r\n"
                        f"Content-Length: 20\r\nLast-Modified: {modified:%a, %d %b %Y %H:%M:%S} GMT\r\n\r\n"
                        "<p>Hello from py<p>\n")
    # stdout is block-buffered: only the request lines (stderr) reach the log
    src = _master_flannel(w)
    assert w.run("kubectl logs py").stdout == (
        f'{src} - - [01/Dec/2026 09:00:30] "GET / HTTP/1.1" 200 -\n'
        f'{src} - - [01/Dec/2026 09:00:30] "GET / HTTP/1.1" 200 -\n')


def test_connection_refused_and_timeouts():
    w = _world("kubectl run web --image=nginx")
    ip = _ip(w, "web")
    r = w.run(f"curl {ip}:81")
    assert (r.stdout, r.stderr, r.status) == (
        "", f"curl: (7) Failed to connect to {ip} port 81: Connection refused\n", 7)
    node_ip = w.hosts[_node(w, "web")].ip
    r = w.run(f"curl {node_ip}")
    assert r.stderr == f"curl: (7) Failed to connect to {node_ip} port 80: Connection refused\n"
    before = w.clock.elapsed
    r = w.run(f"curl -m 5 {ip}", host="external")
    assert (r.stderr, r.status) == ("curl: (28) Connection timed out after 5001 milliseconds\n", 28)
    assert w.clock.elapsed == before + 5
    r = w.run(f"curl {ip}", host="external")
    assert r.stderr == f"curl: (7) Failed to connect to {ip} port 80: Connection timed out\n"
    assert w.clock.elapsed == before + 5 + 127
    assert w.run("curl httpd-svc").stderr == "curl: (6) Could not resolve host: httpd-svc\n"
    assert w.run("curl -s httpd-svc").stderr == ""
    assert w.run("curl -sS httpd-svc").stderr == "curl: (6) Could not resolve host: httpd-svc\n"


def test_write_out_after_a_failed_transfer_prints_zero_values():
    """curl 7.61 writes -w after every transfer, a failed one too, before its error line."""
    w = _world("kubectl run web --image=nginx")
    ip = _ip(w, "web")
    r = w.run(f"curl -s -o /dev/null -w '%{{http_code}}\\n' {ip}:81")
    assert (r.stdout, r.stderr, r.status) == ("000\n", "", 7)
    r = w.run(f"curl -sS -w '%{{http_code}} [%{{remote_ip}}]:%{{remote_port}} %{{size_download}} "
              f"%{{time_connect}} %{{http_version}}' {ip}:81")
    assert (r.stdout, r.status) == ("000 []:0 0 0.000000 0", 7)
    assert r.chunks == [("out", "000 []:0 0 0.000000 0"),
                        ("err", f"curl: (7) Failed to connect to {ip} port 81: Connection refused\n")]
    r = w.run(f"curl -s -m 3 -w '%{{http_code}} %{{time_total}}' {ip}", host="external")
    assert (r.stdout, r.status) == ("000 3.001000", 28)
    r = w.run("curl -s -w '%{http_code}' nowhere")
    assert (r.stdout, r.status) == ("000", 6)
    # a response was read: --fail still writes its code
    r = w.run(f"curl -s -f -w '%{{http_code}} %{{remote_ip}}' {ip}/nope")
    assert (r.stdout, r.status) == (f"404 {ip}", 22)


def test_verbose_refused():
    w = _world()
    r = w.run("curl -v 192.168.56.11:8080")
    assert r.stderr == ("* Rebuilt URL to: 192.168.56.11:8080/\n*   Trying 192.168.56.11...\n"
                        "* TCP_NODELAY set\n* connect to 192.168.56.11 port 8080 failed: Connection refused\n"
                        "* Failed to connect to 192.168.56.11 port 8080: Connection refused\n"
                        "* Closing connection 0\n"
                        "curl: (7) Failed to connect to 192.168.56.11 port 8080: Connection refused\n")


def test_cluster_ip_and_service_without_endpoints():
    w = _world("kubectl create deployment httpd --image=httpd --replicas=2",
               "kubectl expose deployment httpd --name=httpd-svc --port=8080 --target-port=80",
               "kubectl create service clusterip empty --tcp=80:80")
    ip = w.api.get("services", "httpd-svc")["spec"]["clusterIP"]
    w.settle()
    r = w.run(f"curl {ip}:8080")
    assert (r.stdout, r.status) == ("<html><body><h1>It works!</h1></body></html>\n", 0)
    empty = w.api.get("services", "empty")["spec"]["clusterIP"]
    assert w.run(f"curl {empty}").stderr == f"curl: (7) Failed to connect to {empty} port 80: Connection refused\n"
    # a port the Service does not have: nothing answers, the SYN is lost
    assert w.run(f"curl -m 2 {ip}:81").stderr == "curl: (28) Connection timed out after 2001 milliseconds\n"
    # ClusterIPs are not reachable from outside the cluster
    assert w.run(f"curl -m 3 {ip}:8080", host="external").stderr == (
        "curl: (28) Connection timed out after 3001 milliseconds\n")
    lines = []
    for p in w.api.list("pods"):
        lines += w.run(f"kubectl logs {p['metadata']['name']}").stdout.splitlines()
    assert [line for line in lines if "GET" in line] == [
        f'{_master_flannel(w)} - - [01/Dec/2026:09:00:30 +0000] "GET / HTTP/1.1" 200 45']


def test_node_port_from_external():
    w = _world("kubectl run web --image=nginx --expose --port=80",
               "kubectl patch svc web -p '{\"spec\":{\"type\":\"NodePort\"}}'")
    port = w.api.get("services", "web")["spec"]["ports"][0]["nodePort"]
    node = _node(w, "web")
    other = next(h.name for h in w.nodes if h.name not in (node, w.profile.control_plane))
    r = w.run(f"curl -s -o /dev/null -w '%{{http_code}}\\n' {w.hosts[other].ip}:{port}", host="external")
    assert r.stdout == "200\n"
    # externalTrafficPolicy Cluster: the other worker masquerades (its flannel.1 address) towards the pod
    assert w.run("kubectl logs web --tail=1").stdout.startswith(f'{topology.flannel_ip(w, other)} - - [')


def test_busybox_wget_in_pod():
    w = _world("kubectl run web --image=nginx", "kubectl run bb --image=busybox:1.36 -- sleep 3600")
    ip = _ip(w, "web")
    r = w.run(f"kubectl exec bb -- wget {ip}")
    assert r.stderr == (f"Connecting to {ip} ({ip}:80)\nsaving to 'index.html'\n"
                        "index.html           100% |********************************|   615  0:00:00 ETA\n"
                        "'index.html' saved\n")
    assert w.run("kubectl exec bb -- cat index.html").stdout == INDEX_HTML
    assert w.run(f"kubectl exec bb -- wget {ip}").stderr == (
        f"Connecting to {ip} ({ip}:80)\nwget: can't open 'index.html': File exists\n"
        "command terminated with exit code 1\n")
    bb = _ip(w, "bb")
    assert w.run("kubectl logs web --tail=1").stdout.startswith(f'{bb} - - [01/Dec/2026:09:00:30 +0000] "GET / ')


def _flow(w: World, lines: list[str], reload: bool) -> list[tuple[str, str, int]]:
    out = []
    for line in lines:
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        if line.startswith("sleep "):
            w.advance(float(line.split()[1]))
            continue
        r = w.run(line)
        out.append((r.stdout, r.stderr, r.status))
    return out


def test_same_output_after_save_and_load():
    # the pods' addresses are read where they were scheduled, as a learner copies them from `get pods`
    pod_ip = "$(kubectl get pods -l app=web -o jsonpath='{.items[%d].status.podIP}')"
    lines = ["kubectl create deployment web --image=nginx --replicas=3", "kubectl expose deployment web --port=80",
             "sleep 30", "curl -s -o /dev/null -w '%{http_code}\\n' " + pod_ip % 0,
             "kubectl get pods -o wide", "curl -s " + pod_ip % 1 + "/none",
             "kubectl run bb --image=busybox -- sleep 100", "sleep 20",
             "kubectl exec bb -- wget -q -O - " + pod_ip % 2,
             "kubectl logs deployment/web"]
    svc_lines = lines[:4] + ["curl -s -o /dev/null $(kubectl get svc web -o jsonpath='{.spec.clusterIP}')"] + lines[4:]
    a = _flow(World.from_profile("kubeadm"), svc_lines, reload=False)
    b = _flow(World.from_profile("kubeadm"), svc_lines, reload=True)
    assert a == b
    assert a[2][0] == "200\n"
    assert a[7] == (INDEX_HTML, "", 0)     # bb's wget reached the third web pod
