"""The store's indexes (namespace, owner, labels) stay true through writes and deletes."""
from lab.sim.api.store import Store


def pod(name, ns="default", labels=None, owner=None):
    meta = {"name": name, "namespace": ns, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"uid": owner}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta}


def names(objs):
    return [o["metadata"]["name"] for o in objs]


def test_label_index_follows_relabelling_and_deletion():
    store = Store()
    store.put("pods", pod("a", labels={"app": "web", "tier": "front"}), "ADDED")
    store.put("pods", pod("b", labels={"app": "web"}), "ADDED")
    store.put("pods", pod("c", ns="other", labels={"app": "web"}), "ADDED")
    assert names(store.with_labels("pods", "default", {"app": "web"})) == ["a", "b"]
    assert names(store.with_labels("pods", "default", {"app": "web", "tier": "front"})) == ["a"]
    store.put("pods", pod("a", labels={"app": "db"}), "MODIFIED")
    assert names(store.with_labels("pods", "default", {"app": "web"})) == ["b"]
    assert names(store.with_labels("pods", "default", {"app": "db"})) == ["a"]
    store.remove("pods", "default", "b")
    assert store.with_labels("pods", "default", {"app": "web"}) == []
    assert names(store.with_labels("pods", "default", {})) == ["a"]


def test_owner_and_namespace_indexes():
    store = Store()
    store.put("pods", pod("x-1", owner="rs-uid"), "ADDED")
    store.put("pods", pod("x-2", owner="rs-uid"), "ADDED")
    store.put("pods", pod("y", ns="kube-system"), "ADDED")
    assert [(r, o["metadata"]["name"]) for r, o in store.dependents("rs-uid")] == [("pods", "x-1"), ("pods", "x-2")]
    assert names(store.iter("pods", "default")) == ["x-1", "x-2"]
    assert names(store.iter("pods")) == ["x-1", "x-2", "y"]
    assert (store.count("pods"), store.count("pods", "kube-system")) == (3, 1)
    store.put("pods", pod("x-1"), "MODIFIED")  # ownerReference dropped (orphaned)
    assert [o["metadata"]["name"] for _, o in store.dependents("rs-uid")] == ["x-2"]


def test_events_are_snapshots():
    store = Store()
    seen = []
    store.subscribe(seen.append)
    store.put("pods", pod("a", labels={"v": "1"}), "ADDED")
    store.put("pods", pod("a", labels={"v": "2"}), "MODIFIED")
    assert [e.object["metadata"]["labels"]["v"] for e in seen] == ["1", "2"]
    assert [e.object["metadata"]["resourceVersion"] for e in seen] == ["2", "3"]
