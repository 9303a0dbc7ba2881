"""The per-lab API through Django (test client): authentication, discovery,
OpenAPI, one transaction per request, watches from the stored watch log,
the live clock, and manage.py labkubeconfig."""
from __future__ import annotations

import io
import json

import pytest
import yaml
from django.core.management import call_command

from lab.k8sapi import clock, discovery, paths
from lab.k8sapi.handlers import ApiRequest
from lab.k8sapi.models import LabApiAccess, access_for
from lab.k8sapi.transaction import in_lab
from lab.k8sapi.watch import Watch, WatchExpired
from lab.labs.models import ApiObject, Lab
from lab.labs.persistence import create_lab, get_cli_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def still_clock(settings):
    settings.LAB_API_CLOCK_RATE = 0.0


@pytest.fixture
def lab(still_clock) -> Lab:
    return create_lab("api")


def auth(lab: Lab) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access_for(lab).token}"}


def test_requests_need_the_lab_token(client, lab):
    other = create_lab("other")
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, auth(other),
                    {"HTTP_AUTHORIZATION": f"Basic {access_for(lab).token}"}):
        answer = client.get(f"/k8s/{lab.pk}/api/v1/pods", **headers)
        assert answer.status_code == 401
        assert answer.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                 "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert client.get(f"/k8s/{lab.pk}/api/v1/pods", **auth(lab)).status_code == 200


def test_version_and_discovery_negotiation(client, lab):
    base = f"/k8s/{lab.pk}"
    assert client.get(f"{base}/version", **auth(lab)).json()["gitVersion"] == "v1.32.4"
    legacy = client.get(f"{base}/api", **auth(lab))
    assert legacy.json() == {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": "192.168.56.10:6443"}]}
    accept = f"{discovery.AGGREGATED_V2},{discovery.AGGREGATED_V2BETA1},application/json"
    aggregated = client.get(f"{base}/apis", HTTP_ACCEPT=accept, **auth(lab))
    assert aggregated["Content-Type"] == discovery.AGGREGATED_V2
    assert [g["metadata"]["name"] for g in aggregated.json()["items"]] == ["apps", "discovery.k8s.io"]
    assert client.get(f"{base}/apis/apps", **auth(lab)).json()["preferredVersion"]["groupVersion"] == "apps/v1"
    missing = client.get(f"{base}/apis/batch/v1", **auth(lab))
    assert (missing.status_code, missing.json()["reason"]) == (404, "NotFound")
    assert client.get(f"{base}/api/v1/secrets", **auth(lab)).status_code == 404


def test_openapi_v3_says_the_server_validates_fields(client, lab):
    base = f"/k8s/{lab.pk}"
    root = client.get(f"{base}/openapi/v3", **auth(lab)).json()
    assert sorted(root["paths"]) == ["api/v1", "apis/apps/v1", "apis/discovery.k8s.io/v1"]
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    doc = client.get(base + url, **auth(lab)).json()
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {p["name"] for p in patch["parameters"]} >= {"dryRun", "fieldManager", "fieldValidation"}
    assert "io.k8s.api.core.v1.Service" not in doc["components"]["schemas"]
    v2 = client.get(f"{base}/openapi/v2", HTTP_ACCEPT="application/json", **auth(lab)).json()
    assert v2["swagger"] == "2.0" and "io.k8s.api.core.v1.Service" in v2["definitions"]
    assert v2["definitions"]["io.k8s.api.core.v1.ServicePort"]["properties"]["port"]["type"] == "integer"
    protobuf_only = client.get(f"{base}/openapi/v2", HTTP_ACCEPT="application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
                               **auth(lab))
    assert protobuf_only.status_code == 406


def test_a_failed_request_changes_nothing_and_a_good_one_is_stored(client, lab):
    lab.refresh_from_db()
    revision, rows = lab.revision, ApiObject.objects.filter(lab=lab).count()
    url = f"/k8s/{lab.pk}/api/v1/namespaces/default/services"
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad"}, "spec": {"ports": [{"port": 0}]}}
    answer = client.post(url, json.dumps(bad), content_type="application/json", **auth(lab))
    assert answer.status_code == 422
    assert answer.json()["message"] == ('Service "bad" is invalid: [spec.ports[0].port: Invalid value: 0: must be '
                                        'between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: '
                                        'must be between 1 and 65535, inclusive]')
    lab.refresh_from_db()
    assert (lab.revision, ApiObject.objects.filter(lab=lab).count()) == (revision, rows)

    good = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "good"},
            "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}
    created = client.post(url, json.dumps(good), content_type="application/json", **auth(lab))
    assert created.status_code == 201
    lab.refresh_from_db()
    assert lab.revision == revision + 1
    stored = ApiObject.objects.get(lab=lab, resource="services", namespace="default", name="good")
    assert stored.data["spec"]["clusterIP"] == created.json()["spec"]["clusterIP"]
    # The Endpoints controller ran in the same transaction.
    assert ApiObject.objects.filter(lab=lab, resource="endpoints", name="good").exists()
    # A dry run answers as a create would and stores nothing.
    dry = dict(good, metadata={"name": "dry"})
    answer = client.post(url + "?dryRun=All", json.dumps(dry), content_type="application/json", **auth(lab))
    assert answer.status_code == 201 and answer.json()["metadata"]["name"] == "dry"
    assert not ApiObject.objects.filter(lab=lab, name="dry").exists()


def test_logs_are_plain_text(client, lab):
    pods = client.get(f"/k8s/{lab.pk}/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns",
                      **auth(lab)).json()["items"]
    name = pods[0]["metadata"]["name"]
    answer = client.get(f"/k8s/{lab.pk}/api/v1/namespaces/kube-system/pods/{name}/log?tailLines=1", **auth(lab))
    assert answer["Content-Type"] == "text/plain"
    assert answer.content.decode().count("\n") == 1
    missing = client.get(f"/k8s/{lab.pk}/api/v1/namespaces/kube-system/pods/{name}/log?container=nope",
                         **auth(lab))
    assert missing.json()["message"] == f"container nope is not valid for pod {name}"


# -- watches (the poll steps, without the HTTP stream) ----------------------------------

def watch_request(path: str, **query: str) -> ApiRequest:
    return ApiRequest("GET", paths.parse(path), {"watch": "1", "timeoutSeconds": "30", **query})


def events(lines: list[bytes]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        event = json.loads(line)
        out.append((event["type"], event["object"]["metadata"].get("name", "")))
    return out


def create(lab: Lab, obj: dict) -> None:
    in_lab(lab, lambda world: world.api.create(obj), write=True)


def test_a_watch_lists_then_follows_the_changes(lab):
    watch = Watch(lab, watch_request("api/v1/namespaces/default/services"))
    assert events(watch.start()) == [("ADDED", "kubernetes")]
    create(lab, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert events(watch.poll()) == [("ADDED", "web")]
    assert watch.poll() == []
    in_lab(lab, lambda world: world.api.delete("services", "web", "default"), write=True)
    assert events(watch.poll()) == [("DELETED", "web")]


def test_a_selector_watch_sees_objects_leave_and_join(lab):
    create(lab, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"team": "a"}}})
    watch = Watch(lab, watch_request("api/v1/namespaces/default/configmaps", labelSelector="team=a"))
    assert events(watch.start()) == [("ADDED", "c")]

    def relabel(team: str):
        return lambda world: world.api.patch("configmaps", "c", {"metadata": {"labels": {"team": team}}},
                                             "merge", namespace="default")
    in_lab(lab, relabel("b"), write=True)
    assert events(watch.poll()) == [("DELETED", "c")]
    in_lab(lab, relabel("a"), write=True)
    assert events(watch.poll()) == [("ADDED", "c")]


def test_a_watch_from_a_version_the_log_lost_is_410_expired(lab):
    def many(world):
        for n in range(world.PERSISTED_EVENTS):
            world.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{n}"}})
    in_lab(lab, many, write=True)  # the stored watch log now starts after version 1
    watch = Watch(lab, watch_request("api/v1/pods", resourceVersion="1"))
    with pytest.raises(WatchExpired) as expired:
        watch.start()
    event = json.loads(expired.value.line)
    assert event["type"] == "ERROR"
    status = event["object"]
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith("too old resource version: 1 (")


def test_send_initial_events_ends_with_the_annotated_bookmark(lab):
    watch = Watch(lab, watch_request("api/v1/namespaces", sendInitialEvents="true", allowWatchBookmarks="true",
                                     resourceVersionMatch="NotOlderThan"))
    lines = watch.start()
    # default, kube-flannel, kube-node-lease, kube-public, kube-system
    assert [e[0] for e in events(lines)] == ["ADDED"] * 5 + ["BOOKMARK"]
    assert sorted(json.loads(line)["object"]["metadata"]["name"] for line in lines[:-1]) == [
        "default", "kube-flannel", "kube-node-lease", "kube-public", "kube-system"]
    bookmark = json.loads(lines[-1])["object"]
    assert bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


# -- the clock ---------------------------------------------------------------------

def test_the_api_clock_follows_wall_time_at_the_lab_rate(lab):
    access = access_for(lab)
    access.clock_rate = 10.0
    access.clock_wall = 1000.0
    access.save()
    from lab.labs.persistence import load_world

    world = load_world(lab)
    start = world.clock.elapsed
    assert clock.catch_up(world, access, 1002.5)
    assert world.clock.elapsed == pytest.approx(start + 25.0)
    assert access.clock_wall == 1002.5
    assert clock.catch_up(world, access, 1000000.0)  # a long absence moves at most MAX_STEP
    assert world.clock.elapsed == pytest.approx(start + 25.0 + clock.MAX_STEP)
    access.clock_rate = 0.0
    assert not clock.catch_up(world, access, 2000000.0)


# -- labkubeconfig ----------------------------------------------------------------------

def test_labkubeconfig_prints_a_kubeconfig_for_the_cli_lab(still_clock, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("labkubeconfig", "kc", "--server", "https://lab.example:8443", "--clock-rate", "5", stdout=out)
    lab = get_cli_lab("kc")
    config = yaml.safe_load(out.getvalue())
    access = LabApiAccess.objects.get(lab=lab)
    assert config["clusters"] == [{"name": "lab-kc", "cluster": {"server": f"https://lab.example:8443/k8s/{lab.pk}",
                                                                  "insecure-skip-tls-verify": True}}]
    assert config["users"] == [{"name": "lab-kc", "user": {"token": access.token}}]
    assert config["current-context"] == "lab-kc"
    assert access.clock_rate == 5.0
    # With a certificate made by labcert, the kubeconfig trusts it.
    call_command("labcert", stdout=io.StringIO())
    out = io.StringIO()
    call_command("labkubeconfig", "kc", "--server", "https://127.0.0.1:8443", stdout=out)
    cluster = yaml.safe_load(out.getvalue())["clusters"][0]["cluster"]
    assert "certificate-authority-data" in cluster and "insecure-skip-tls-verify" not in cluster
    assert LabApiAccess.objects.get(lab=lab).token == access.token  # the same lab, the same token


def test_an_idle_watch_poll_loads_no_world(lab, django_assert_num_queries):
    watch = Watch(lab, watch_request("api/v1/namespaces/default/services"))
    watch.start()
    with django_assert_num_queries(2):  # the lab's revision and clock, the API's clock anchor
        assert watch.poll() == []
    create(lab, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other-kind"}})
    assert watch.poll() == []  # the lab changed, so this poll looked (and found no Service event)


def test_a_live_clock_is_idle_until_the_next_timer(lab):
    access = access_for(lab)
    access.clock_rate, access.clock_wall, access.next_due = 1.0, 1000.0, 500.0
    assert clock.would_change_nothing(480.0, access, 1010.0)       # 490 < 500: no timer fires yet
    assert not clock.would_change_nothing(480.0, access, 1030.0)   # 510: the timer at 500 fires
    access.next_due = None
    assert not clock.would_change_nothing(480.0, access, 1001.0)   # unknown: look


def test_the_lab_page_visitor_downloads_a_kubeconfig_for_their_lab(client, still_clock):
    assert client.get("/k8s/kubeconfig/default/").status_code == 404  # no session, no lab
    client.get("/lab/")  # the page creates the visitor's lab "default"
    answer = client.get("/k8s/kubeconfig/default/")
    assert answer["Content-Disposition"] == 'attachment; filename="lab-default.kubeconfig"'
    config = yaml.safe_load(answer.content)
    lab = Lab.objects.get(owner_kind=Lab.OwnerKind.SESSION, name="default")
    assert config["clusters"][0]["cluster"] == {"server": f"http://testserver/k8s/{lab.pk}"}
    token = config["users"][0]["user"]["token"]
    assert client.get(f"/k8s/{lab.pk}/api/v1/namespaces", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    shown = client.get("/k8s/kubeconfig/default/?format=json").json()
    assert (shown["server"], shown["token"]) == (f"http://testserver/k8s/{lab.pk}", token)
    # Another visitor's session cannot have it.
    from django.test import Client
    assert Client().get("/k8s/kubeconfig/default/").status_code == 404


def test_logs_follow_streams_the_new_lines(lab):
    from lab.k8sapi.logfollow import LogFollow

    create(lab, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                 "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
    (ip, _) = in_lab(lab, lambda world: (world.advance(60), world.api.get("pods", "web", "default"))[1]["status"]["podIP"],
                     write=True)
    follow = LogFollow(lab, ApiRequest("GET", paths.parse("api/v1/namespaces/default/pods/web/log"),
                                       {"follow": "true", "tailLines": "1"}))
    first = follow.start().decode()
    assert first.count("\n") == 1 and "start worker process" in first
    assert follow.poll() == (b"", False)  # idle: nothing new
    in_lab(lab, lambda world: world.run(f"curl -s {ip}"), write=True)
    text, done = follow.poll()
    assert not done
    assert text.decode().count("\n") == 1 and '"GET / HTTP/1.1" 200 615' in text.decode()
    in_lab(lab, lambda world: world.api.delete("pods", "web", "default", grace_period=0), write=True)
    assert follow.poll() == (b"", True)  # the Pod is gone: the stream ends
