"""Strategic merge / merge / JSON patches, kubectl apply's three-way patch, and selector parsing."""
import pytest

from lab.sim.api.errors import StatusError
from lab.sim.api.labels import SelectorError, parse_selector, selector_from_label_selector
from lab.sim.api.patch import json_patch, merge_patch, strategic_merge, three_way_patch

POD = {"spec": {"containers": [
    {"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
    {"name": "side", "image": "busybox"}]}}


def test_strategic_merge_merges_containers_by_name():
    out = strategic_merge(POD, {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    assert [c["image"] for c in out["spec"]["containers"]] == ["nginx:1.27", "busybox"]
    assert out["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_strategic_merge_delete_directive_and_null():
    out = strategic_merge(POD, {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}})
    assert [c["name"] for c in out["spec"]["containers"]] == ["web"]
    out = strategic_merge({"metadata": {"labels": {"a": "1", "b": "2"}}}, {"metadata": {"labels": {"a": None}}})
    assert out == {"metadata": {"labels": {"b": "2"}}}


def test_service_ports_merge_by_port():
    svc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}}
    out = strategic_merge(svc, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}]


def test_merge_patch_replaces_lists():
    out = merge_patch(POD, {"spec": {"containers": [{"name": "only", "image": "httpd"}]}})
    assert out == {"spec": {"containers": [{"name": "only", "image": "httpd"}]}}


def test_json_patch_operations_and_missing_path():
    doc = {"spec": {"replicas": 1, "list": [1, 2]}}
    out = json_patch(doc, [{"op": "replace", "path": "/spec/replicas", "value": 3},
                           {"op": "add", "path": "/spec/list/-", "value": 3},
                           {"op": "remove", "path": "/spec/list/0"}])
    assert out == {"spec": {"replicas": 3, "list": [2, 3]}}
    with pytest.raises(StatusError):
        json_patch(doc, [{"op": "replace", "path": "/spec/missing", "value": 1}])


def test_three_way_patch_deletes_only_what_was_applied():
    original = {"metadata": {"labels": {"app": "web", "tier": "front"}}, "spec": {"replicas": 2}}
    modified = {"metadata": {"labels": {"app": "web"}}, "spec": {"replicas": 3}}
    current = {"metadata": {"labels": {"app": "web", "tier": "front", "added-by-hand": "x"}},
               "spec": {"replicas": 2, "revisionHistoryLimit": 10}}
    patch = three_way_patch(original, modified, current)
    assert patch == {"metadata": {"labels": {"tier": None}}, "spec": {"replicas": 3}}
    assert three_way_patch(modified, modified, strategic_merge(current, patch)) == {}


@pytest.mark.parametrize("text,labels,expected", [
    ("app=nginx", {"app": "nginx"}, True),
    ("app==nginx", {"app": "nginx"}, True),
    ("app!=nginx", {}, True),
    ("env in (a, b)", {"env": "b"}, True),
    ("env notin (a)", {"env": "a"}, False),
    ("!env", {"env": "x"}, False),
    ("env", {"env": ""}, True),
])
def test_selector_semantics(text, labels, expected):
    assert parse_selector(text).matches(labels) is expected


def test_selector_parse_errors():
    with pytest.raises(SelectorError) as info:
        parse_selector("env in a")
    assert str(info.value) == "unable to parse requirement: found 'a', expected: '('"


def test_label_selector_objects():
    sel = selector_from_label_selector({"matchLabels": {"app": "web"},
                                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]})
    assert sel.matches({"app": "web", "tier": "a"}) and not sel.matches({"app": "web"})
    assert not selector_from_label_selector(None).matches({"app": "web"})
    assert selector_from_label_selector({}).matches({"anything": "x"})
