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
    assert w.run("kubectl logs web").stderr == 'Error from server (NotFound): pods "web" not found\n'
    w.run("kubectl create -f /root/web.yaml")
    assert w.run("kubectl logs web").stderr == (
        'Error from server (BadRequest): container "nginx" in pod "web" is waiting to start: ContainerCreating\n')
    assert w.run("kubectl logs web -c x").stderr == (
        "Error from server (BadRequest): container x is not valid for pod web\n")


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
