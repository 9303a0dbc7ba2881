"""The official Kubernetes Python client against a lab's API (a live daphne server over TLS)."""
from __future__ import annotations

import json

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes client is not installed "
                                                      "(pip install -r requirements-test.txt)")
from kubernetes import client, config, watch  # noqa: E402
from kubernetes.stream import stream  # noqa: E402

from tests.k8sapi_server import lab_api  # noqa: E402,F401  (the server fixture)


def api_client(lab_api, lab: str, rate: float = 0.0) -> client.ApiClient:
    return config.new_client_from_config(str(lab_api.kubeconfig(lab, rate)))


def nginx_pod(name: str, labels: dict | None = None) -> client.V1Pod:
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, labels=labels or {"app": name}),
                        spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx")]))


def test_pods_create_list_patch_delete(lab_api):
    core = client.CoreV1Api(api_client(lab_api, "py-pods"))
    created = core.create_namespaced_pod("default", nginx_pod("alpha"))
    assert created.metadata.name == "alpha"
    assert created.metadata.namespace == "default"
    assert created.status.phase == "Pending"
    core.create_namespaced_pod("default", nginx_pod("beta", {"app": "other"}))

    names = [p.metadata.name for p in core.list_namespaced_pod("default").items]
    assert names == ["alpha", "beta"]
    selected = core.list_namespaced_pod("default", label_selector="app=alpha").items
    assert [p.metadata.name for p in selected] == ["alpha"]
    by_field = core.list_namespaced_pod("default", field_selector="metadata.name=beta").items
    assert [p.metadata.name for p in by_field] == ["beta"]

    patched = core.patch_namespaced_pod("alpha", "default", {"metadata": {"labels": {"tier": "web"}}})
    assert patched.metadata.labels == {"app": "alpha", "tier": "web"}
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)

    core.delete_namespaced_pod("beta", "default", grace_period_seconds=0)
    assert [p.metadata.name for p in core.list_namespaced_pod("default").items] == ["alpha"]
    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_pod("beta", "default")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["message"] == 'pods "beta" not found'


def test_deployments_create_scale_patch_delete(lab_api):
    api = api_client(lab_api, "py-deploy")
    apps = client.AppsV1Api(api)
    core = client.CoreV1Api(api)
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    created = apps.create_namespaced_deployment("default", body)
    assert created.spec.strategy.type == "RollingUpdate"
    assert created.spec.strategy.rolling_update.max_surge == "25%"
    assert created.metadata.generation == 1

    # The controllers ran within the request: a ReplicaSet and two Pods exist.
    sets = apps.list_namespaced_replica_set("default").items
    assert len(sets) == 1 and sets[0].metadata.name.startswith("web-")
    pods = core.list_namespaced_pod("default", label_selector="app=web").items
    assert len(pods) == 2 and all(p.metadata.name.startswith(sets[0].metadata.name + "-") for p in pods)

    scale = apps.read_namespaced_deployment_scale("web", "default")
    assert (scale.spec.replicas, scale.status.selector) == (2, "app=web")
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    assert len(core.list_namespaced_pod("default", label_selector="app=web").items) == 3

    patched = apps.patch_namespaced_deployment(
        "web", "default", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
    assert patched.spec.template.spec.containers[0].image == "nginx:1.27"
    assert patched.metadata.generation == 3

    status = apps.delete_namespaced_deployment("web", "default")  # the client hands back the Status as data
    assert (status["status"], status["details"]["name"], status["details"]["group"], status["details"]["kind"]) == \
        ("Success", "web", "apps", "deployments")
    assert apps.list_namespaced_deployment("default").items == []


def test_services_create_list_patch_delete(lab_api):
    core = client.CoreV1Api(api_client(lab_api, "py-svc"))
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    created = core.create_namespaced_service("default", body)
    assert created.spec.cluster_ip == created.spec.cluster_ips[0]
    assert created.spec.cluster_ip.startswith("10.")
    assert 30000 <= created.spec.ports[0].node_port <= 32767
    assert created.spec.ports[0].protocol == "TCP"
    assert created.spec.external_traffic_policy == "Cluster"

    listed = core.list_namespaced_service("default", label_selector="app=web").items
    assert [s.metadata.name for s in listed] == ["web"]
    everywhere = sorted(s.metadata.name for s in core.list_service_for_all_namespaces().items)
    assert everywhere == ["kube-dns", "kubernetes", "web"]

    merged = core.patch_namespaced_service("web", "default", {"spec": {"type": "ClusterIP"}})
    assert merged.spec.type == "ClusterIP"
    assert merged.spec.ports[0].node_port is None  # dropped with the type, as the apiserver does
    assert merged.spec.cluster_ip == created.spec.cluster_ip

    gone = core.delete_namespaced_service("web", "default")
    assert gone.metadata.name == "web"  # Services answer a DELETE with the object
    assert [s.metadata.name for s in core.list_namespaced_service("default").items] == ["kubernetes"]


def test_invalid_service_is_422_with_causes_and_changes_nothing(lab_api):
    core = client.CoreV1Api(api_client(lab_api, "py-invalid"))
    before = core.list_namespaced_service("default").metadata.resource_version
    # Validation errors: every cause comes back.
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad"},
            "spec": {"ports": [{"port": 80}, {"port": 0, "name": "b"}]}}
    with pytest.raises(client.ApiException) as failed:
        core.create_namespaced_service("default", body)
    assert (failed.value.status, failed.value.reason) == (422, "Unprocessable Entity")
    status = json.loads(failed.value.body)
    assert (status["kind"], status["status"], status["reason"], status["code"]) == ("Status", "Failure", "Invalid", 422)
    assert status["message"] == (
        'Service "bad" is invalid: [spec.ports[0].name: Required value, spec.ports[1].port: Invalid value: 0: '
        'must be between 1 and 65535, inclusive, spec.ports[1].targetPort: Invalid value: 0: must be between 1 '
        'and 65535, inclusive]')
    port_range = "Invalid value: 0: must be between 1 and 65535, inclusive"
    assert status["details"] == {"name": "bad", "kind": "Service", "causes": [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.ports[0].name"},
        {"reason": "FieldValueInvalid", "message": port_range, "field": "spec.ports[1].port"},
        # targetPort defaults to the port, so it is out of range too
        {"reason": "FieldValueInvalid", "message": port_range, "field": "spec.ports[1].targetPort"}]}
    # The allocator runs before validation (BeginCreate): a nodePort out of range is the one cause.
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad"},
            "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 8999}]}}
    with pytest.raises(client.ApiException) as failed:
        core.create_namespaced_service("default", body)
    assert json.loads(failed.value.body)["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": "Invalid value: 8999: provided port is not in the valid range. "
                                                   "The range of valid ports is 30000-32767",
         "field": "spec.ports[0].nodePort"}]
    assert core.list_namespaced_service("default").metadata.resource_version == before


def test_watch_sees_a_pod_turn_ready(lab_api):
    # Twenty virtual seconds pass per wall second while the API is used.
    core = client.CoreV1Api(api_client(lab_api, "py-watch", rate=20))
    created = core.create_namespaced_pod("default", nginx_pod("ready-me"))
    seen = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_pod, "default", field_selector="metadata.name=ready-me",
                               resource_version=created.metadata.resource_version, timeout_seconds=30):
        pod = event["object"]
        ready = {c.type: c.status for c in pod.status.conditions or []}.get("Ready")
        seen.append((event["type"], pod.status.phase, ready))
        if ready == "True":
            stream.stop()
    assert seen and seen[-1] == ("MODIFIED", "Running", "True")
    assert all(kind == "MODIFIED" for kind, _, _ in seen)


def test_watch_from_nothing_lists_then_bookmarks(lab_api):
    core = client.CoreV1Api(api_client(lab_api, "py-bookmark"))
    core.create_namespaced_pod("default", nginx_pod("one"))
    events = list(watch.Watch().stream(core.list_namespaced_pod, "default", timeout_seconds=3,
                                       allow_watch_bookmarks=True, _preload_content=False))
    kinds = [(e["type"], e["object"].metadata.name if e["type"] != "BOOKMARK" else "") for e in events]
    assert kinds[0] == ("ADDED", "one")
    assert kinds[-1] == ("BOOKMARK", "")
    bookmark = events[-1]["raw_object"]
    assert bookmark["kind"] == "Pod" and int(bookmark["metadata"]["resourceVersion"]) >= 1


def test_a_wrong_token_is_401(lab_api):
    right = api_client(lab_api, "py-token").configuration
    wrong = client.Configuration(host=right.host, api_key={"authorization": "Bearer not-the-token"})
    wrong.ssl_ca_cert = right.ssl_ca_cert
    with pytest.raises(client.ApiException) as failed:
        client.CoreV1Api(client.ApiClient(wrong)).list_namespaced_pod("default")
    assert failed.value.status == 401
    assert json.loads(failed.value.body) == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                             "status": "Failure", "message": "Unauthorized",
                                             "reason": "Unauthorized", "code": 401}


def wait_running(core: client.CoreV1Api, name: str) -> None:
    stream_ = watch.Watch()
    for event in stream_.stream(core.list_namespaced_pod, "default", field_selector=f"metadata.name={name}",
                                timeout_seconds=60):
        if event["object"].status.phase == "Running":
            stream_.stop()


def test_exec_over_the_websocket_channel_protocol(lab_api):
    core = client.CoreV1Api(api_client(lab_api, "py-exec", rate=20))
    core.create_namespaced_pod("default", nginx_pod("shell"))
    wait_running(core, "shell")
    out = stream(core.connect_get_namespaced_pod_exec, "shell", "default", command=["sh", "-c", "echo hi there"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert out == "hi there\n"
    failing = stream(core.connect_get_namespaced_pod_exec, "shell", "default",
                     command=["sh", "-c", "echo oops >&2; exit 4"], stderr=True, stdin=False, stdout=True, tty=False,
                     _preload_content=False)
    failing.run_forever(timeout=10)
    assert failing.read_stderr() == "oops\n"
    assert failing.returncode == 4
