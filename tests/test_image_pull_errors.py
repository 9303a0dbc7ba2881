"""Pulling a tag its repository does not have: ErrImagePull, then ImagePullBackOff, with the
kubelet's events and the image back-off (10s doubling to 300s)."""
from __future__ import annotations

import json

import pytest

from lab.sim.controllers.kubelet import pull_error
from lab.sim.workloads.image import parse_image
from lab.sim.workloads.tags import tag_exists
from lab.sim.world import World

NOT_FOUND = ('rpc error: code = NotFound desc = failed to pull and unpack image '
             '"docker.io/library/nginx:no-such-tag": failed to resolve reference '
             '"docker.io/library/nginx:no-such-tag": docker.io/library/nginx:no-such-tag: not found')


def _status(w: World) -> str:
    return w.run("kubectl get pod nope --no-headers").stdout.split()[2]


def _waiting(w: World) -> dict:
    pod = json.loads(w.run("kubectl get pod nope -o json").stdout)
    return pod["status"]["containerStatuses"][0]["state"]["waiting"]


def _kubelet_events(w: World) -> list[tuple[str, str, str]]:
    items = json.loads(w.run("kubectl get events -o json").stdout)["items"]
    kubelet = [e for e in items if e["source"].get("component") == "kubelet"]
    return [(e["type"], e["reason"], e["message"]) for e in
            sorted(kubelet, key=lambda e: (e["lastTimestamp"], e["metadata"]["name"]))]


@pytest.mark.parametrize("image,exists", [
    ("nginx", True), ("nginx:1.27", True), ("nginx:1.27.3-alpine", True), ("nginx:stable-perl", True),
    ("nginx:1.7.9", True), ("docker.io/library/nginx:1.14.2", True), ("nginx:no-such-tag", False),
    ("nginx:1.19.19", False), ("nginx:1.99", False), ("busybox:1.28", True), ("busybox:1.36.1-musl", True),
    ("busybox:9", False), ("httpd:2.4", True), ("httpd:2.4-alpine", True), ("python:3.12-slim", True),
    ("python:2.7", True), ("python:4", False), ("jocatalin/kubernetes-bootcamp:v1", True),
    ("jocatalin/kubernetes-bootcamp:v10", False), ("gcr.io/google-samples/kubernetes-bootcamp:v1", True),
    ("registry.k8s.io/echoserver:1.10", True), ("registry.k8s.io/coredns/coredns:v1.11.3", True),
    ("registry.k8s.io/kube-proxy:v1.32.4", True), ("registry.k8s.io/kube-proxy:v1.32.99", False),
    ("registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3", True),
])
def test_known_repositories_tags(image, exists):
    assert tag_exists(parse_image(image)) is exists


def test_unknown_repositories_and_digests_are_not_judged():
    assert tag_exists(parse_image("example.com/team/app:whatever")) is None
    assert tag_exists(parse_image("nginx@sha256:" + "0" * 64), digest=True) is None
    assert pull_error("example.com/team/app:whatever") == ""
    assert pull_error("nginx:1.27") == ""
    assert pull_error("nginx:no-such-tag") == NOT_FOUND


def test_missing_tag_goes_err_image_pull_then_image_pull_back_off():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl run nope --image=nginx:no-such-tag").stdout == "pod/nope created\n"
    assert _status(w) == "ContainerCreating"
    w.run("sleep 2.6")          # sandbox (1s), then the registry says not found
    assert _status(w) == "ErrImagePull"
    assert _waiting(w) == {"reason": "ErrImagePull", "message": NOT_FOUND}
    w.run("sleep 1")            # the next sync finds the image in back-off
    assert _status(w) == "ImagePullBackOff"
    assert _waiting(w) == {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "nginx:no-such-tag"'}
    assert _kubelet_events(w) == [
        ("Normal", "Pulling", 'Pulling image "nginx:no-such-tag"'),
        ("Warning", "Failed", f'Failed to pull image "nginx:no-such-tag": {NOT_FOUND}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
        ("Normal", "BackOff", 'Back-off pulling image "nginx:no-such-tag"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    pod = json.loads(w.run("kubectl get pod nope -o json").stdout)
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["image"] == "nginx:no-such-tag"
    assert pod["status"]["containerStatuses"][0]["imageID"] == ""


def _pull_failures(w: World, seconds: float, step: float = 0.1) -> list[float]:
    """Virtual times at which the container turns ErrImagePull."""
    out, before = [], ""
    for _ in range(int(seconds / step)):
        w.advance(step)
        pod = w.store.peek("pods", "default", "nope")
        reason = pod["status"]["containerStatuses"][0]["state"].get("waiting", {}).get("reason", "")
        if reason == "ErrImagePull" and before != reason:
            out.append(w.clock.elapsed)
        before = reason
    return out


def test_back_off_doubles_between_pulls_up_to_five_minutes():
    w = World.from_profile("kubeadm")
    w.run("kubectl run nope --image=nginx:no-such-tag")
    failures = _pull_failures(w, 1000)
    gaps = [b - a for a, b in zip(failures, failures[1:])]
    # each retry waits out the back-off, then asking the registry takes 0.5 to 1.5 s
    assert [next(d for d in (10, 20, 40, 80, 160, 300) if d + 0.4 <= gap <= d + 1.6) for gap in gaps] == \
        [10, 20, 40, 80, 160, 300, 300]


def test_describe_shows_waiting_reason_and_counted_events():
    w = World.from_profile("kubeadm")
    w.run("kubectl run nope --image=nginx:no-such-tag")
    w.run("sleep 60")
    out = w.run("kubectl describe pod nope").stdout
    assert "    State:          Waiting\n      Reason:       ImagePullBackOff\n" in out
    events = out.split("Events:\n", 1)[1]
    assert "Pulling    " in events and "(x3 over " in events
    assert f'kubelet            Failed to pull image "nginx:no-such-tag": {NOT_FOUND}\n' in events
    assert 'kubelet            Back-off pulling image "nginx:no-such-tag"\n' in events


def test_fixing_the_image_of_a_deployment_recovers():
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx:no-such-tag")
    w.run("sleep 5")
    assert w.run("kubectl get pods --no-headers").stdout.split()[2] == "ImagePullBackOff"
    w.run("kubectl set image deployment/web nginx=nginx:1.27")
    w.run("sleep 60")
    lines = w.run("kubectl get pods --no-headers").stdout.splitlines()
    assert [line.split()[2] for line in lines] == ["Running"]


def test_unknown_image_still_pulls_and_runs():
    w = World.from_profile("kubeadm")
    w.run("kubectl run app --image=example.com/team/app:1.0")
    w.run("sleep 20")
    assert w.run("kubectl get pod app --no-headers").stdout.split()[2] == "Running"


def _flow(reload: bool) -> list[str]:
    w = World.from_profile("kubeadm")
    outputs = []
    for line in ["kubectl run nope --image=nginx:no-such-tag", "sleep 2", "kubectl get pods", "sleep 1",
                 "kubectl get pods", "sleep 15", "kubectl get pods", "sleep 40", "kubectl describe pod nope"]:
        r = w.run(line)
        outputs.append(r.stdout + r.stderr)
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
    outputs.append(json.dumps(w.to_state()["runtime"]["kubelet"], sort_keys=True))
    return outputs


def test_save_and_load_between_commands_changes_nothing():
    assert _flow(reload=True) == _flow(reload=False)
