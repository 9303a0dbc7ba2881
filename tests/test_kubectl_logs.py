"""kubectl logs: the container's output, flags, and the apiserver's pods/log errors."""
from __future__ import annotations

import re

from lab.sim import runtime as rt
from lab.sim.world import World

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx
"""

TWO = """apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - name: a
    image: nginx
  - name: b
    image: busybox
    command: ["sleep", "3600"]
"""


def _world(**files: str) -> World:
    w = World.from_profile("kubeadm")
    for name, text in files.items():
        w.hosts[w.default_host].fs.write(f"/root/{name}.yaml", text)
    return w


def test_waiting_container_and_not_found_errors():
    w = _world(web=POD)
    # kubectl 1.29+ wraps the NotFound to name the namespace (no longer an API status: "error: error ...")
    assert w.run("kubectl logs web").stderr == (
        'error: error from server (NotFound): pods "web" not found in namespace "default"\n')
    assert w.run("kubectl logs deploy/web").stderr == (
        'error: error from server (NotFound): deployments.apps "web" not found in namespace "default"\n')
    w.run("kubectl create -f /root/web.yaml")
    assert w.run("kubectl logs web").stderr == (
        'Error from server (BadRequest): container "nginx" in pod "web" is waiting to start: ContainerCreating\n')
    # checked by kubectl itself while it builds the request
    assert w.run("kubectl logs web -c x").stderr == "error: container x is not valid for pod web\n"


def test_logs_tail_timestamps_and_previous():
    w = _world(web=POD)
    w.run("kubectl create -f /root/web.yaml")
    w.run("sleep 10")
    uid = w.api.get("pods", "web")["metadata"]["uid"]
    rt.append_log(w, uid, "nginx", "stdout", "one\ntwo\nthree\n")
    out = w.run("kubectl logs web --tail 2").stdout
    assert out == "two\nthree\n"
    out = w.run("kubectl logs web --tail=1 --timestamps").stdout
    assert out == "2026-12-01T09:00:10.000000000Z three\n"
    assert w.run("kubectl logs web -p").stderr == (
        'Error from server (BadRequest): previous terminated container "nginx" in pod "web" not found\n')


def test_multi_container_pod_defaults_to_the_first():
    w = _world(two=TWO)
    w.run("kubectl create -f /root/two.yaml")
    w.run("sleep 20")
    r = w.run("kubectl logs two")
    assert r.stderr == 'Defaulted container "a" out of: a, b\n'
    assert w.run("kubectl logs two -c b").stdout == ""


def test_usage_error_without_arguments():
    w = _world()
    assert w.run("kubectl logs").stderr == (
        "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
        "POD or TYPE/NAME is a required argument for the logs command\n"
        "See 'kubectl logs -h' for help and examples\n")


def test_runtime_records_logs_per_container():
    w = _world(web=POD)
    w.run("kubectl create -f /root/web.yaml")
    w.run("sleep 10")
    uid = w.api.get("pods", "web")["metadata"]["uid"]
    assert rt.container_state(w, uid, "nginx") == "running"
    assert rt.restart_count(w, uid, "nginx") == 0
    assert rt.container_names(w, uid) == ["nginx"]
    assert re.fullmatch(r"10\.244\.1\.2", rt.pod_record(w, uid)["ip"])


def _replicas(w: World, n: int) -> list[dict]:
    w.run(f"kubectl create deployment web --image=nginx --replicas={n}")
    w.run("kubectl rollout status deployment web")
    pods = sorted(w.api.list("pods", label_selector="app=web"), key=lambda p: p["metadata"]["name"])
    for i, pod in enumerate(pods):
        rt.append_log(w, pod["metadata"]["uid"], "nginx", "stdout", "".join(f"p{i} line {k}\n" for k in range(12)))
    return pods


def test_logs_of_every_pod_a_selector_matches():
    """-l: every matching Pod's logs, the last 10 lines each unless --tail is given; --prefix names them."""
    w = _world()
    pods = _replicas(w, 2)
    r = w.run("kubectl logs -l app=web")
    assert (r.stderr, r.status) == ("", 0)
    assert r.stdout.splitlines() == [f"p{i} line {k}" for i in range(2) for k in range(2, 12)]
    r = w.run("kubectl logs -l app=web --tail=1 --prefix")
    names = [p["metadata"]["name"] for p in pods]
    assert r.stdout == f"[pod/{names[0]}/nginx] p0 line 11\n[pod/{names[1]}/nginx] p1 line 11\n"
    # --tail=-1: everything, nginx's start-up lines too
    whole = w.run("kubectl logs -l app=web --tail=-1").stdout.splitlines()
    assert whole[0].startswith("/docker-entrypoint.sh: ") and sum(" line " in x for x in whole) == 24
    # a Deployment's --all-pods: every Pod, with prefixes
    r = w.run("kubectl logs deploy/web --all-pods --tail=1")
    assert r.stdout == f"[pod/{names[0]}/nginx] p0 line 11\n[pod/{names[1]}/nginx] p1 line 11\n"


def test_selector_matching_nothing_and_usage_errors():
    w = _world()
    _replicas(w, 1)
    r = w.run("kubectl logs -l app=none")
    assert (r.stdout, r.stderr, r.status) == ("", "No resources found in default namespace.\n", 0)
    r = w.run("kubectl logs -n kube-system -l app=none")
    assert r.stderr == "No resources found in kube-system namespace.\n"
    r = w.run("kubectl logs web -l app=web")
    assert (r.stderr, r.status) == ("error: only a selector (-l) or a POD name is allowed\n"
                                    "See 'kubectl logs -h' for help and examples\n", 1)
    r = w.run("kubectl logs -l 'app in (web'")
    assert r.status == 1 and r.stderr.startswith(
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "app in (web"')
    assert w.run("kubectl logs -l app=web --tail=-2").stderr == "error: --tail must be greater than or equal to -1\n"
    # the builder lists before the flags are validated, as kubectl's Complete comes before Validate
    assert w.run("kubectl logs -l app=none --tail=-2").stderr == (
        "No resources found in default namespace.\nerror: --tail must be greater than or equal to -1\n")
    assert w.run("kubectl logs -l app=web --all-containers -c nginx").stderr == (
        "error: --all-containers=true should not be specified with container name nginx\n")


def test_following_more_streams_than_max_log_requests_is_refused():
    w = _world()
    _replicas(w, 6)
    r = w.run("kubectl logs -f -l app=web")
    assert (r.stdout, r.stderr, r.status) == ("", "error: you are attempting to follow 6 log streams, but maximum "
                                              "allowed concurrency is 5, use --max-log-requests to increase the limit\n", 1)
    r = w.run("kubectl logs -f -l app=web --max-log-requests=6 --tail=1")
    assert (r.stdout.count("line 11"), r.status) == (6, 0)
    # without -f the requests are read one after another: no limit
    assert w.run("kubectl logs -l app=web --tail=1").stdout.count("line 11") == 6


def test_selector_with_all_containers_and_the_default_container_note():
    w = _world(two=TWO)
    w.run("kubectl create -f /root/two.yaml")
    w.run("kubectl label pod two tier=x")
    w.run("sleep 20")
    uid = w.api.get("pods", "two")["metadata"]["uid"]
    rt.append_log(w, uid, "a", "stdout", "from a\n")
    rt.append_log(w, uid, "b", "stdout", "from b\n")
    r = w.run("kubectl logs -l tier=x --tail=1")
    assert (r.stdout, r.stderr) == ("from a\n", 'Defaulted container "a" out of: a, b\n')
    r = w.run("kubectl logs -l tier=x --all-containers --prefix --tail=1")
    assert (r.stdout, r.stderr) == ("[pod/two/a] from a\n[pod/two/b] from b\n", "")
