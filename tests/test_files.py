"""The lab page's file endpoints (lab/labs/files.py): the hosts' trees, a
file's text, saving it through the World; only for the lab's own session,
writes only with the CSRF token."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from lab.labs.models import Lab
from lab.labs.persistence import load_world, run_command

pytestmark = pytest.mark.django_db

POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
  - name: nginx-container
    image: nginx
    ports:
    - name: nginx-port
      containerPort: 80
"""


@pytest.fixture
def visitor() -> Client:
    """A browser session that has opened /lab/ (which creates its lab "default"),
    with Django's CSRF checks on, as in a browser."""
    client = Client(enforce_csrf_checks=True)
    assert client.get("/lab/").status_code == 200
    return client


def the_lab() -> Lab:
    return Lab.objects.get(name="default")


def csrf(client: Client) -> dict:
    """The header a page sends on writes: the token from the cookie the tree's GET set."""
    assert client.get("/lab/default/files/").status_code == 200
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def put(client: Client, host: str, path: str, content, **headers):
    return client.put(f"/lab/default/files/{host}/?path={path}", data=json.dumps({"content": content}),
                      content_type="application/json", **headers)


def test_tree_lists_every_host_with_its_files(visitor):
    run_command(the_lab(), "mkdir -p /root/yaml && echo hi > /root/yaml/note.txt")
    answer = visitor.get("/lab/default/files/").json()
    assert answer["home"] == "/root"
    hosts = {h["name"]: h["entries"] for h in answer["hosts"]}
    assert sorted(hosts) == ["external", "k8s-master", "k8s-node1", "k8s-node2"]
    entries = {e["path"]: e for e in hosts["k8s-master"]}
    assert entries["/root/yaml"]["dir"] is True
    assert entries["/root/yaml/note.txt"] == {"path": "/root/yaml/note.txt", "dir": False, "size": 3,
                                              "mtime": entries["/root/yaml/note.txt"]["mtime"]}
    assert "/root/yaml/note.txt" not in {e["path"] for e in hosts["k8s-node1"]}
    assert not any(p.startswith("/proc") or p.startswith("/dev") for p in entries)


def test_save_then_read_and_the_shell_sees_it(visitor):
    headers = csrf(visitor)
    answer = put(visitor, "k8s-master", "/root/pod_nginx.yml", POD, **headers)
    assert answer.status_code == 200
    assert answer.json()["size"] == len(POD)
    assert visitor.get("/lab/default/files/k8s-master/?path=/root/pod_nginx.yml").json()["content"] == POD
    assert run_command(the_lab(), "cat pod_nginx.yml").stdout == POD
    created = run_command(the_lab(), "kubectl create -f pod_nginx.yml")
    assert (created.stdout, created.status) == ("pod/nginx-pod created\n", 0)
    # The file's mtime is the lab's virtual time, as `ls -l` shows it.
    world = load_world(the_lab())
    assert world.hosts["k8s-master"].fs.stat("/root/pod_nginx.yml").mtime == pytest.approx(
        world.clock.now.timestamp(), abs=1)


def test_writes_need_the_csrf_token(visitor):
    visitor.get("/lab/default/files/")
    assert put(visitor, "k8s-master", "/root/x.yml", "a: 1\n").status_code == 403
    assert visitor.post("/lab/default/lint/", data=json.dumps({"text": "a: 1\n"}),
                        content_type="application/json").status_code == 403
    assert run_command(the_lab(), "ls /root").stdout == ""


def test_bad_requests_change_nothing(visitor):
    headers = csrf(visitor)
    missing = put(visitor, "k8s-master", "/root/no/such/dir/x.yml", "a: 1\n", **headers)
    assert (missing.status_code, missing.json()["error"]) == (400, "fs")
    assert missing.json()["message"].endswith("No such file or directory")
    assert put(visitor, "k8s-master", "/root", "a: 1\n", **headers).json() == {
        "error": "fs", "message": "/root: Is a directory"}
    assert put(visitor, "nowhere", "/root/x.yml", "a: 1\n", **headers).status_code == 404
    assert put(visitor, "k8s-master", "relative.yml", "a: 1\n", **headers).status_code == 400
    assert put(visitor, "k8s-master", "/root/x.yml", 3, **headers).status_code == 400
    assert visitor.get("/lab/default/files/k8s-master/?path=/root/none.yml").json() == {
        "error": "no-file", "message": "/root/none.yml: No such file or directory"}
    assert visitor.get("/lab/default/files/k8s-master/?path=/root").json() == {
        "error": "is-dir", "message": "/root: Is a directory"}
    assert run_command(the_lab(), "ls /root").stdout == ""


def test_another_session_sees_nothing(visitor):
    stranger = Client()
    assert stranger.get("/lab/default/files/").status_code == 404
    assert stranger.get("/lab/default/files/k8s-master/?path=/root").status_code == 404
