"""The apiserver pipeline: allocation, conflicts, immutability, cascading deletion, watch.

Messages mirror kube-apiserver v1.32 (the legacy bitmap ClusterIP allocator,
which is still the default in 1.32).
"""
import pytest

from lab.sim.api.errors import StatusError
from lab.sim.world import World


@pytest.fixture
def world():
    return World.from_profile("kubeadm")


def svc(name="web", **spec):
    base = {"selector": {"app": name}, "ports": [{"port": 80}]}
    base.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": base}


def error_of(fn, *args, **kwargs) -> StatusError:
    with pytest.raises(StatusError) as info:
        fn(*args, **kwargs)
    return info.value


def test_bootstrap_services_take_first_and_tenth_ip(world):
    assert world.api.get("services", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    assert world.api.get("services", "kube-dns", "kube-system")["spec"]["clusterIPs"] == ["10.96.0.10"]


def test_binary_profile_uses_its_own_range():
    w = World.from_profile("binary")
    assert w.api.get("services", "kubernetes")["spec"]["clusterIP"] == "10.254.0.1"
    assert w.api.get("services", "kube-dns", "kube-system")["spec"]["clusterIP"] == "10.254.0.10"


def test_dynamic_cluster_ip_avoids_the_static_band(world):
    ip = world.api.create(svc())["spec"]["clusterIP"]
    # /12: the static band is 10.96.0.1-10.96.1.0; dynamic picks lie above it.
    value = [int(p) for p in ip.split(".")]
    assert value[:2] >= [10, 96] and (value[1] > 96 or value[2] >= 1)
    assert world.api.ips.contains(ip)


def test_nodeport_out_of_range_is_refused_and_nothing_is_stored(world):
    before = world.store.revision
    err = error_of(world.api.create, svc("nginx-service", type="NodePort", ports=[{"port": 8999, "nodePort": 8999}]))
    assert err.code == 422 and err.reason == "Invalid"
    assert err.message == ('Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: '
                           'provided port is not in the valid range. The range of valid ports is 30000-32767')
    assert err.causes == [{"reason": "FieldValueInvalid", "field": "spec.ports[0].nodePort",
                           "message": "Invalid value: 8999: provided port is not in the valid range. "
                                      "The range of valid ports is 30000-32767"}]
    assert world.store.revision == before
    assert world.api.ips.used == World.from_profile("kubeadm").api.ips.used


def test_nodeport_already_allocated(world):
    world.api.create(svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    err = error_of(world.api.create, svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert err.message == ('Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                           'provided port is already allocated')


def test_nodeport_released_on_delete(world):
    world.api.create(svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    world.api.delete("services", "a")
    created = world.api.create(svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert created["spec"]["ports"][0]["nodePort"] == 30080


def test_cluster_ip_already_allocated(world):
    err = error_of(world.api.create, svc(clusterIP="10.96.0.10"))
    assert err.message == ('Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: '
                           'failed to allocate IP 10.96.0.10: provided IP is already allocated')


def test_cluster_ip_out_of_range(world):
    err = error_of(world.api.create, svc(clusterIP="1.1.1.1"))
    assert err.message == ('Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: '
                           'failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. '
                           'The range of valid IPs is 10.96.0.0/12')


def test_explicit_cluster_ip_is_honoured_and_released(world):
    assert world.api.create(svc(clusterIP="10.96.0.50"))["spec"]["clusterIPs"] == ["10.96.0.50"]
    world.api.delete("services", "web")
    assert world.api.create(svc("again", clusterIP="10.96.0.50"))["spec"]["clusterIP"] == "10.96.0.50"


def test_cluster_ip_is_immutable_on_update(world):
    created = world.api.create(svc(clusterIP="10.96.0.50"))
    created["spec"]["clusterIP"] = "10.96.0.99"
    created["spec"]["clusterIPs"] = ["10.96.0.99"]
    err = error_of(world.api.update, created)
    assert err.message == ('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: '
                           'may not change once set')
    assert world.api.get("services", "web")["spec"]["clusterIP"] == "10.96.0.50"
    assert not world.api.ips.is_allocated("10.96.0.99")


def test_update_without_cluster_ip_keeps_it(world):
    created = world.api.create(svc(type="NodePort"))
    node_port = created["spec"]["ports"][0]["nodePort"]
    changed = svc(type="NodePort")
    changed["metadata"]["labels"] = {"tier": "web"}
    updated = world.api.update(changed)
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert updated["spec"]["ports"][0]["nodePort"] == node_port
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]


def test_stale_resource_version_conflicts(world):
    created = world.api.create(svc())
    world.api.patch("services", "web", {"metadata": {"labels": {"a": "b"}}})
    err = error_of(world.api.update, created)
    assert err.code == 409
    assert err.message == ('Operation cannot be fulfilled on services "web": the object has been modified; '
                           'please apply your changes to the latest version and try again')


def test_not_found_and_already_exists(world):
    assert error_of(world.api.get, "services", "nope").message == 'services "nope" not found'
    assert error_of(world.api.get, "deployments", "nope").message == 'deployments.apps "nope" not found'
    world.api.create(svc())
    err = error_of(world.api.create, svc())
    assert (err.code, err.reason, err.message) == (409, "AlreadyExists", 'services "web" already exists')


def test_namespace_must_exist(world):
    err = error_of(world.api.create, svc(), namespace="prod")
    assert (err.code, err.message) == (404, 'namespaces "prod" not found')


def test_resource_version_and_generation(world):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    created = world.api.create(dep)
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["creationTimestamp"] == "2026-12-01T09:00:00Z"
    rv = int(created["metadata"]["resourceVersion"])
    labelled = world.api.patch("deployments", "web", {"metadata": {"labels": {"x": "y"}}})
    assert labelled["metadata"]["generation"] == 1
    scaled = world.api.patch("deployments", "web", {"spec": {"replicas": 3}}, patch_type="merge")
    assert scaled["metadata"]["generation"] == 2
    assert int(scaled["metadata"]["resourceVersion"]) > rv


def test_generate_name_uses_the_apiserver_alphabet(world):
    obj = svc()
    del obj["metadata"]["name"]
    obj["metadata"]["generateName"] = "web-"
    name = world.api.create(obj)["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    assert all(c in "bcdfghjklmnpqrstvwxz2456789" for c in name[4:])


def test_label_selectors_in_list(world):
    for name, labels in (("a", {"app": "nginx", "env": "prod"}), ("b", {"app": "nginx", "env": "dev"}),
                         ("c", {"app": "redis"})):
        obj = svc(name)
        obj["metadata"]["labels"] = labels
        world.api.create(obj)
    names = lambda sel: [o["metadata"]["name"] for o in world.api.list("services", "default", sel)]  # noqa: E731
    assert names("app=nginx") == ["a", "b"]
    assert names("app!=nginx") == ["c", "kubernetes"]
    assert names("env in (prod,dev)") == ["a", "b"]
    assert names("env notin (prod)") == ["b", "c", "kubernetes"]
    assert names("!env,app") == ["c"]
    assert names("app=nginx,env=dev") == ["b"]


def test_field_selector_unsupported_field(world):
    err = error_of(world.api.list, "services", "default", None, "spec.type=NodePort")
    assert err.message == "field label not supported: spec.type"


def test_cascading_deletion_follows_owner_references(world):
    dep = world.api.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                            "spec": {"selector": {"matchLabels": {"app": "web"}},
                                     "template": {"metadata": {"labels": {"app": "web"}},
                                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    ref = lambda o: [{"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"]["name"],  # noqa: E731
                      "uid": o["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    rs = world.api.create({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                           "metadata": {"name": "web-66b6c48dd5", "ownerReferences": ref(dep)},
                           "spec": {"selector": {"matchLabels": {"app": "web"}},
                                    "template": {"metadata": {"labels": {"app": "web"}},
                                                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    world.api.create({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": "web-66b6c48dd5-x7k2p", "labels": {"app": "web"},
                                   "ownerReferences": ref(rs)},
                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    world.api.delete("deployments", "web")
    assert world.api.list("replicasets", "default") == []
    assert world.api.list("pods", "default") == []


def test_orphan_deletion_keeps_dependents(world):
    owner = world.api.create(svc("owner"))
    world.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "child", "ownerReferences": [
                          {"apiVersion": "v1", "kind": "Service", "name": "owner", "uid": owner["metadata"]["uid"]}]}})
    world.api.delete("services", "owner", propagation="Orphan")
    child = world.api.get("configmaps", "child")
    assert "ownerReferences" not in child["metadata"]


def test_watch_stream_records_changes_in_order(world):
    start = world.store.revision
    seen = []
    world.store.subscribe(lambda e: seen.append((e.type, e.object["metadata"]["name"])))
    world.api.create(svc())
    world.api.patch("services", "web", {"metadata": {"labels": {"a": "b"}}})
    world.api.delete("services", "web")
    assert seen == [("ADDED", "web"), ("MODIFIED", "web"), ("DELETED", "web")]
    events = world.store.events_since(start)
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert [e.resource_version for e in events] == [start + 1, start + 2, start + 3]


def test_dry_run_create_allocates_nothing(world):
    before = set(world.api.ips.used)
    obj = world.api.create(svc(type="NodePort"), dry_run=True)
    assert obj["spec"]["clusterIP"]
    assert world.api.ips.used == before and world.api.node_ports.used == set()
    assert error_of(world.api.get, "services", "web").code == 404


def test_type_change_to_cluster_ip_releases_node_ports(world):
    created = world.api.create(svc(type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    created["spec"]["type"] = "ClusterIP"
    updated = world.api.update(created)
    assert "nodePort" not in updated["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in updated["spec"]
    assert 30080 not in world.api.node_ports.used
