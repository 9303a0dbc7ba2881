"""The image catalogue: image names, main processes, servers, log lines."""
from __future__ import annotations

import datetime as dt

from lab.sim.fs import HostFS
from lab.sim.workloads import ContainerEnv, Request, parse_image, workload_for

NOW = dt.datetime(2026, 12, 1, 9, 0, 5, tzinfo=dt.timezone.utc)


def _env(container: dict, logs: list) -> ContainerEnv:
    return ContainerEnv(pod={}, container=container, fs=HostFS(), env={}, hostname="pod-a", ip="10.244.1.5",
                        node="k8s-node1", now=lambda: NOW, log=lambda s, t: logs.append((s, t)))


def _get(path: str = "/", port: int = 80) -> Request:
    return Request("10.244.1.1", 40000, port, path=path,
                   headers=[("Host", f"10.244.1.5:{port}"), ("User-Agent", "curl/7.61.1"), ("Accept", "*/*")])


def test_image_names():
    assert parse_image("docker.io/library/nginx:1.27") == parse_image("nginx:1.27")
    assert parse_image("nginx").tag == "latest"
    assert parse_image("localhost:5000/nginx").registry == "localhost:5000"
    names = {i: type(workload_for({"image": i})).__name__ for i in (
        "nginx", "nginx:latest", "docker.io/library/nginx:1.27", "httpd", "busybox:1.28.3", "python:2.7",
        "python:3", "gcr.io/google-samples/kubernetes-bootcamp:v1", "jocatalin/kubernetes-bootcamp:v2",
        "registry.k8s.io/echoserver:1.10", "k8s.gcr.io/echoserver:1.4", "example.com/app:1")}
    assert names == {"nginx": "Nginx", "nginx:latest": "Nginx", "docker.io/library/nginx:1.27": "Nginx",
                     "httpd": "Httpd", "busybox:1.28.3": "Busybox", "python:2.7": "Python", "python:3": "Python",
                     "gcr.io/google-samples/kubernetes-bootcamp:v1": "Bootcamp",
                     "jocatalin/kubernetes-bootcamp:v2": "Bootcamp", "registry.k8s.io/echoserver:1.10": "EchoServer",
                     "k8s.gcr.io/echoserver:1.4": "EchoServer", "example.com/app:1": "UnknownImage"}
    assert workload_for({"image": "example.com/app:1"}).known is False


def test_busybox_commands_end_after_their_sleeps():
    logs: list = []
    c = {"name": "c", "image": "busybox", "command": ["sh", "-c", "echo hi; sleep 5; echo done; exit 3"]}
    r = workload_for(c).start(_env(c, logs))
    assert (r.running, r.runs_for, r.exit_code, r.reason) == (True, 5.0, 3, "Error")
    assert logs == [("stdout", "hi\n"), ("stdout", "done\n")]
    c = {"name": "c", "image": "busybox:1.28", "args": ["sleep", "3600"]}
    r = workload_for(c).start(_env(c, []))
    assert (r.running, r.runs_for, r.reason) == (True, 3600.0, "Completed")
    c = {"name": "c", "image": "busybox"}
    r = workload_for(c).start(_env(c, []))
    assert (r.running, r.exit_code, r.reason) == (False, 0, "Completed")  # `sh` without a terminal
    c = {"name": "c", "image": "busybox", "command": ["sh", "-c", "while true; do sleep 1; done"]}
    r = workload_for(c).start(_env(c, []))
    assert (r.running, r.runs_for) == (True, None)
    c = {"name": "c", "image": "busybox", "command": ["nosuch"]}
    r = workload_for(c).start(_env(c, []))
    assert (r.running, r.exit_code, r.reason) == (False, 128, "StartError")
    assert r.message.endswith('exec: "nosuch": executable file not found in $PATH: unknown')


def test_httpd_page_and_log():
    logs: list = []
    c = {"name": "httpd", "image": "httpd"}
    w = workload_for(c)
    env = _env(c, logs)
    assert w.start(env).listens == [(80, "TCP")]
    assert logs[0][1].startswith("AH00558: httpd: Could not reliably determine the server's fully qualified "
                                 "domain name, using 10.244.1.5.")
    logs.clear()
    resp = w.serve(env, _get())
    assert resp.body == "<html><body><h1>It works!</h1></body></html>\n"
    assert ("ETag", '"2d-432a5e4a73a80"') in resp.headers
    assert logs == [("stdout", '10.244.1.1 - - [01/Dec/2026:09:00:05 +0000] "GET / HTTP/1.1" 200 45\n')]
    assert w.serve(env, _get(port=8080)) is None


def test_python3_http_server_dual_stack_log():
    logs: list = []
    c = {"name": "c", "image": "python:3", "command": ["python", "-m", "http.server", "8000"],
         "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}]}
    env = _env(c, logs)
    env.env = {"PYTHONUNBUFFERED": "1"}
    w = workload_for(c)
    w.start(env)
    assert logs == [("stdout", "Serving HTTP on :: port 8000 (http://[::]:8000/) ...\n")]
    logs.clear()
    resp = w.serve(env, _get("/missing", 8000))
    assert resp.status == 404 and resp.version == "HTTP/1.0"
    assert logs == [("stderr", "::ffff:10.244.1.1 - - [01/Dec/2026 09:00:05] code 404, message File not found\n"),
                    ("stderr", '::ffff:10.244.1.1 - - [01/Dec/2026 09:00:05] "GET /missing HTTP/1.1" 404 -\n')]


def test_bootcamp_v2_and_echoserver():
    c = {"name": "c", "image": "jocatalin/kubernetes-bootcamp:v2"}
    env = _env(c, [])
    w = workload_for(c)
    w.start(env)
    assert w.serve(env, _get(port=8080)).body == "Hello Kubernetes bootcamp! | Running on: pod-a | v=2\n"
    c = {"name": "c", "image": "registry.k8s.io/echoserver:1.10"}
    env = _env(c, [])
    w = workload_for(c)
    w.start(env)
    assert w.serve(env, _get(port=8080)).body == (
        "\n\nHostname: pod-a\n\nPod Information:\n\t-no pod information available-\n\n"
        "Server values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\nRequest Information:\n"
        "\tclient_address=10.244.1.1\n\tmethod=GET\n\treal path=/\n\tquery=\n\trequest_version=1.1\n"
        "\trequest_scheme=http\n\trequest_uri=http://10.244.1.5:8080/\n\nRequest Headers:\n\taccept=*/*\n"
        "\thost=10.244.1.5:8080\n\tuser-agent=curl/7.61.1\n\nRequest Body:\n\t-no body in request-\n\n")


def test_nginx_without_daemon_off_exits_and_sigterm_rules():
    c = {"name": "c", "image": "nginx", "command": ["nginx"]}
    r = workload_for(c).start(_env(c, []))
    assert (r.running, r.reason) == (False, "Completed")
    c = {"name": "c", "image": "nginx"}
    assert workload_for(c).exits_on_sigterm(_env(c, [])) is True
    c = {"name": "c", "image": "busybox", "args": ["sleep", "3600"]}
    assert workload_for(c).exits_on_sigterm(_env(c, [])) is False
