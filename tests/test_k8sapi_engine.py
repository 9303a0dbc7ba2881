"""The per-lab API's parts that need no server: paths, discovery, protobuf
bodies, Tables and the resource verbs on a World."""
from __future__ import annotations

import json

import pytest

from lab.k8sapi import discovery, fieldvalidation, paths, protobuf, tables
from lab.k8sapi.handlers import ApiRequest, handle
from lab.k8sapi.protowire import WireError, fields, signed
from lab.sim.api.errors import StatusError
from lab.sim.api.resources import resolve
from lab.sim.world import World


# -- a small protobuf encoder (the tests' own, to build kubectl-like bodies) ----------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def vint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def entry(number: int, key: str, value: bytes | str) -> bytes:
    return ld(number, ld(1, key) + ld(2, value))


def unknown(api_version: str, kind: str, raw: bytes) -> bytes:
    return protobuf.MAGIC + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw)


def deployment_body(replicas: int | None) -> bytes:
    """What `kubectl create deployment web --image=nginx --port=80` sends (gogo writes every non-pointer field)."""
    zero_time = b""
    meta = ld(1, "web") + ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "") + vint(7, 0) + \
        ld(8, zero_time) + entry(11, "app", "web")
    template_meta = ld(1, "") + ld(2, "") + vint(7, 0) + ld(8, zero_time) + entry(11, "app", "web")
    port = ld(1, "") + vint(2, 0) + vint(3, 80) + ld(4, "") + ld(5, "")
    container = ld(1, "nginx") + ld(2, "nginx") + ld(5, "") + ld(6, port) + ld(8, b"") + ld(13, "") + \
        ld(14, "") + vint(16, 0) + vint(17, 0) + vint(18, 0) + ld(20, "")
    pod_spec = ld(2, container) + ld(3, "") + ld(6, "") + ld(8, "") + ld(9, "") + ld(10, "") + vint(11, 0)
    spec = (vint(1, replicas) if replicas is not None else b"") + ld(2, entry(1, "app", "web")) + \
        ld(3, ld(1, template_meta) + ld(2, pod_spec)) + ld(4, ld(1, "")) + vint(5, 0) + vint(7, 0)
    return unknown("apps/v1", "Deployment", ld(1, meta) + ld(2, spec) + ld(3, b""))


def test_a_deployment_body_decodes_to_the_json_kubectl_would_send():
    assert protobuf.decode_body(deployment_body(0)) == {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "creationTimestamp": None, "labels": {"app": "web"}},
        "spec": {"replicas": 0,  # a pointer: its zero is kept
                 "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                                       "ports": [{"containerPort": 80}], "resources": {}}]}},
                 "strategy": {}}}
    assert "replicas" not in protobuf.decode_body(deployment_body(None))["spec"]


def test_a_service_body_keeps_int_and_named_target_ports():
    ports = ld(1, ld(1, "http") + ld(2, "TCP") + vint(3, 80) + ld(4, vint(1, 0) + vint(2, 8080)) + vint(5, 0)) + \
        ld(1, ld(1, "web") + ld(2, "TCP") + vint(3, 81) + ld(4, vint(1, 1) + ld(3, "web")) + vint(5, 30081))
    spec = ports + entry(2, "app", "web") + ld(3, "") + ld(4, "NodePort") + ld(7, "") + vint(12, 0)
    body = unknown("v1", "Service", ld(1, ld(1, "web")) + ld(2, spec) + ld(3, ld(1, b"")))
    assert protobuf.decode_body(body) == {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "web", "creationTimestamp": None},
        "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                           {"name": "web", "protocol": "TCP", "port": 81, "targetPort": "web", "nodePort": 30081}],
                 "selector": {"app": "web"}, "type": "NodePort"}}


def test_a_configmap_body_base64s_binary_data():
    body = unknown("v1", "ConfigMap", ld(1, ld(1, "c")) + entry(2, "a", "b") + entry(3, "bin", b"\x00\xff"))
    assert protobuf.decode_body(body) == {"kind": "ConfigMap", "apiVersion": "v1",
                                          "metadata": {"name": "c", "creationTimestamp": None},
                                          "data": {"a": "b"}, "binaryData": {"bin": "AP8="}}


def test_unknown_fields_kinds_and_bytes_are_errors_not_losses():
    with pytest.raises(protobuf.ProtobufError, match="field 99 of ObjectMeta is not supported"):
        protobuf.decode_body(unknown("v1", "Namespace", ld(1, ld(1, "n") + ld(99, "x"))))
    with pytest.raises(protobuf.ProtobufError, match='no kind "Secret" is registered'):
        protobuf.decode_body(unknown("v1", "Secret", b""))
    with pytest.raises(protobuf.ProtobufError, match="expected prefix"):
        protobuf.decode_body(b'{"kind": "Pod"}')
    with pytest.raises(protobuf.ProtobufError, match="truncated"):
        protobuf.decode_body(protobuf.MAGIC + b"\x0a\x05ab")


def test_wire_reader():
    assert list(fields(vint(1, 300) + ld(2, "hi"))) == [(1, 0, 300), (2, 2, b"hi")]
    assert signed((1 << 64) - 1) == -1 and signed((1 << 64) - 2, 32) == -2
    with pytest.raises(WireError):
        list(fields(b"\x0b"))  # wire type 3 (groups) is not used by Kubernetes


# -- paths and discovery ---------------------------------------------------------

def test_paths_name_resources_namespaces_and_subresources():
    p = paths.parse("apis/apps/v1/namespaces/default/deployments/web/scale")
    assert (p.resource.kind, p.namespace, p.name, p.subresource) == ("Deployment", "default", "web", "scale")
    assert paths.parse("api/v1/pods").namespace is None
    ns = paths.parse("api/v1/namespaces/kube-system")
    assert (ns.resource.kind, ns.name, ns.namespace) == ("Namespace", "kube-system", None)
    assert paths.parse("api/v1/namespaces/kube-system/status").subresource == "status"
    assert paths.parse("api/v1/namespaces/default/pods").resource.kind == "Pod"
    for bad in ("api/v1/secrets", "apis/batch/v1/jobs", "api/v1/pods/web", "api/v1/namespaces/x/nodes/n", "api"):
        with pytest.raises(paths.UnknownPath):
            paths.parse(bad)


def test_aggregated_discovery_lists_only_the_lab_kinds():
    core = discovery.aggregated(True)
    assert (core["kind"], core["apiVersion"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
    resources = {r["resource"]: r for r in core["items"][0]["versions"][0]["resources"]}
    assert sorted(resources) == ["configmaps", "endpoints", "events", "namespaces", "nodes", "pods", "serviceaccounts",
                                 "services"]
    assert resources["pods"]["shortNames"] == ["po"] and resources["pods"]["categories"] == ["all"]
    assert [s["subresource"] for s in resources["pods"]["subresources"]] == ["exec", "log", "status"]
    groups = discovery.aggregated(False)
    assert [g["metadata"]["name"] for g in groups["items"]] == ["apps", "discovery.k8s.io"]
    apps = {r["resource"]: r for r in groups["items"][0]["versions"][0]["resources"]}
    scale = next(s for s in apps["deployments"]["subresources"] if s["subresource"] == "scale")
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    assert discovery.wants_aggregated(
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json") == "v2"
    assert discovery.wants_aggregated("application/json") is None


def test_legacy_discovery_documents():
    assert discovery.api_group_list()["groups"][0] == {
        "name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}
    v1 = discovery.api_resource_list("", "v1")
    names = [r["name"] for r in v1["resources"]]
    assert names[:3] == ["configmaps", "endpoints", "events"]
    assert "pods/log" in names and "services/status" in names
    scale = next(r for r in discovery.api_resource_list("apps", "v1")["resources"] if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert discovery.api_resource_list("batch", "v1") is None


# -- verbs on a World ------------------------------------------------------------------

@pytest.fixture(scope="module")
def world() -> World:
    return World.from_profile("kubeadm", seed=0)


def request(method: str, path: str, body: object = None, *, query: dict | None = None,
            content_type: str = "application/json", accept: str = "application/json") -> ApiRequest:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return ApiRequest(method, paths.parse(path), query or {}, raw, content_type, accept)


def test_get_as_table_has_the_printer_columns_and_partial_metadata(world):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    answer = handle(world, request("GET", "api/v1/namespaces/kube-system/services", accept=accept))
    table = answer.body
    assert answer.content_type == "application/json;as=Table;v=v1;g=meta.k8s.io"
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", 0), ("Type", 0), ("Cluster-IP", 0), ("External-IP", 0), ("Port(s)", 0), ("Age", 0),
        ("Selector", 1)]
    assert table["rows"][0]["cells"] == ["kube-dns", "ClusterIP", "10.96.0.10", "<none>",
                                         "53/UDP,53/TCP,9153/TCP", "3d1h", "k8s-app=kube-dns"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert table["rows"][0]["object"]["metadata"]["name"] == "kube-dns"
    assert tables.wants_table(accept) and not tables.wants_table("application/json")


def test_lists_drop_item_kinds_and_carry_the_store_revision(world):
    body = handle(world, request("GET", "api/v1/nodes")).body
    assert (body["kind"], body["apiVersion"]) == ("NodeList", "v1")
    assert body["metadata"]["resourceVersion"] == str(world.store.revision)
    assert [n["metadata"]["name"] for n in body["items"]] == ["k8s-master", "k8s-node1", "k8s-node2"]
    assert "kind" not in body["items"][0] and "apiVersion" not in body["items"][0]


def test_create_patch_scale_and_delete_through_the_verbs():
    w = World.from_profile("kubeadm", seed=1)
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}
    created = handle(w, request("POST", "apis/apps/v1/namespaces/default/deployments", deployment))
    assert created.status == 201 and created.body["metadata"]["generation"] == 1
    scaled = handle(w, request("PATCH", "apis/apps/v1/namespaces/default/deployments/web/scale",
                               {"spec": {"replicas": 4}}, content_type="application/merge-patch+json"))
    assert scaled.body["kind"] == "Scale" and scaled.body["spec"] == {"replicas": 4}
    patched = handle(w, request("PATCH", "apis/apps/v1/namespaces/default/deployments/web",
                                [{"op": "add", "path": "/spec/paused", "value": True}],
                                content_type="application/json-patch+json"))
    assert patched.body["spec"]["paused"] is True
    dry = handle(w, request("DELETE", "apis/apps/v1/namespaces/default/deployments/web", query={"dryRun": "All"}))
    assert dry.body["status"] == "Success"
    assert w.store.peek("deployments.apps", "default", "web") is not None
    gone = handle(w, request("DELETE", "apis/apps/v1/namespaces/default/deployments/web",
                             {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"}))
    assert gone.body["details"]["kind"] == "deployments"
    assert w.store.peek("deployments.apps", "default", "web") is None


def test_errors_are_status_errors_with_the_apiserver_words(world):
    with pytest.raises(StatusError) as missing:
        handle(world, request("GET", "api/v1/namespaces/default/services/nope"))
    assert (missing.value.code, missing.value.message) == (404, 'services "nope" not found')
    with pytest.raises(StatusError) as wrong_name:
        handle(world, request("PUT", "api/v1/namespaces/default/services/kubernetes",
                              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other"}}))
    assert wrong_name.value.message == \
        "the name of the object (other) does not match the name on the URL (kubernetes)"
    with pytest.raises(StatusError) as media:
        handle(world, request("PATCH", "api/v1/namespaces/default/services/kubernetes", {},
                              content_type="text/plain"))
    assert media.value.code == 415
    with pytest.raises(StatusError) as all_ns:
        handle(world, request("POST", "api/v1/pods", {"apiVersion": "v1", "kind": "Pod"}))
    assert (all_ns.value.code, all_ns.value.reason) == (405, "MethodNotAllowed")
    with pytest.raises(StatusError) as kind:
        handle(world, request("POST", "api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Service"}))
    assert kind.value.code == 400


def test_strict_field_validation_reports_unknown_fields(world):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"selectr": {"a": "b"}, "ports": [{"port": 80}]}}
    with pytest.raises(StatusError) as strict:
        with world.api.client_request():
            handle(world, request("POST", "api/v1/namespaces/default/services", svc,
                                  query={"dryRun": "All", "fieldValidation": "Strict"}))  # as kubectl sends
    assert strict.value.message == ('Service in version "v1" cannot be handled as a Service: strict decoding '
                                    'error: unknown field "spec.selectr"')


def test_resolve_is_unchanged_by_the_api():
    assert resolve("deploy").kind == "Deployment"


def test_field_validation_warn_and_ignore_drop_unknown_fields():
    w = World.from_profile("kubeadm", seed=2)
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "labls": {}},
           "spec": {"selectr": {"a": "b"}, "ports": [{"port": 80, "nam": "web"}]}}
    with w.api.client_request(field_validation="Warn"):
        answer = handle(w, request("POST", "api/v1/namespaces/default/services", svc))
    assert answer.warnings == ['unknown field "metadata.labls"', 'unknown field "spec.ports[0].nam"',
                               'unknown field "spec.selectr"']
    assert "selectr" not in answer.body["spec"] and "nam" not in answer.body["spec"]["ports"][0]
    with w.api.client_request(field_validation="Ignore"):
        quiet = handle(w, request("PATCH", "api/v1/namespaces/default/services/x", {"spec": {"tpye": "NodePort"}},
                                  content_type="application/strategic-merge-patch+json"))
    assert quiet.warnings == [] and quiet.body["spec"]["type"] == "ClusterIP"
    with pytest.raises(StatusError) as bogus:
        fieldvalidation.directive("POST", {"fieldValidation": "Loud"})
    assert (bogus.value.code, bogus.value.message) == (
        422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported '
             'values: "", "Ignore", "Strict", "Warn"')
    assert fieldvalidation.directive("POST", {}) == "Warn"
