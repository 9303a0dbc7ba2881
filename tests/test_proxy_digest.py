"""The kube-proxy digest: Services and EndpointSlices as the proxier merges them."""
from __future__ import annotations

from lab.sim.api.store import Store
from lab.sim.proxy.base import EndpointInfo, ServicePortName
from lab.sim.proxy.digest import (DigestTracker, build_digest, categorize, digest_from_state, digest_to_state)

SLICES = "endpointslices.discovery.k8s.io"


def svc(name, ip="10.96.0.20", ports=None, ns="default", **spec):
    body = {"clusterIP": ip, "type": spec.pop("type", "ClusterIP"),
            "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}]}
    body.update(spec)
    status = body.pop("status", {})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": body, "status": status}


def ep(ip, node="k8s-node1", ready=True, serving=None, terminating=None):
    cond = {"ready": ready}
    if serving is not None:
        cond["serving"] = serving
    if terminating is not None:
        cond["terminating"] = terminating
    return {"addresses": [ip], "conditions": cond, "nodeName": node}


def eps(name, service, endpoints, ports=None, ns="default", labels=None):
    meta_labels = {"kubernetes.io/service-name": service}
    meta_labels.update(labels or {})
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": name, "namespace": ns, "labels": meta_labels},
            "endpoints": endpoints,
            "ports": ports if ports is not None else [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def node(name, ip, cidr):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": cidr}, "status": {"addresses": [{"type": "InternalIP", "address": ip}]}}


def put(store, resource, obj, kind="ADDED"):
    store.put(resource, obj, kind)


HTTP = ServicePortName("default", "web", "http", "TCP")


def test_skips_headless_and_externalname_and_other_proxies():
    s = Store()
    put(s, "services", svc("web"))
    put(s, "services", svc("headless", ip="None"))
    put(s, "services", svc("ext", ip="", type="ExternalName", externalName="example.com"))
    other = svc("other", ip="10.96.0.30")
    other["metadata"]["labels"] = {"service.kubernetes.io/service-proxy-name": "foo"}
    put(s, "services", other)
    d = build_digest(s)
    assert [str(k) for k in d.services] == ["default/web:http"]


def test_service_fields_policies_and_affinity():
    s = Store()
    put(s, "services", svc("web", type="LoadBalancer", externalTrafficPolicy="Local", internalTrafficPolicy="Local",
                           healthCheckNodePort=31234, externalIPs=["203.0.113.9"],
                           loadBalancerSourceRanges=[" 203.0.113.0/25"], sessionAffinity="ClientIP",
                           sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}},
                           ports=[{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080},
                                  {"port": 53, "protocol": "UDP", "name": "dns"}],
                           status={"loadBalancer": {"ingress": [{"ip": "192.168.56.240", "ipMode": "VIP"}]}}))
    put(s, "services", svc("plain", ip="10.96.0.21", ports=[{"port": 80, "protocol": "TCP"}],
                           externalTrafficPolicy="Local"))
    d = build_digest(s)
    info = d.services[HTTP]
    assert (info.cluster_ip, info.port, info.node_port, info.external_ips, info.load_balancer_ips) == (
        "10.96.0.20", 80, 30080, ("203.0.113.9",), ("192.168.56.240",))
    assert info.load_balancer_source_ranges == ("203.0.113.0/25",)
    assert (info.session_affinity_seconds, info.external_policy_local, info.internal_policy_local,
            info.health_check_node_port, info.service_type) == (60, True, True, 31234, "LoadBalancer")
    assert ServicePortName("default", "web", "dns", "UDP") in d.services
    plain = d.services[ServicePortName("default", "plain", "", "TCP")]
    assert str(plain.name) == "default/plain"
    # externalTrafficPolicy only counts for externally accessible Services
    assert plain.external_policy_local is False
    assert plain.session_affinity_seconds == 0


def test_default_affinity_timeout_is_three_hours():
    s = Store()
    put(s, "services", svc("web", sessionAffinity="ClientIP"))
    assert build_digest(s).services[HTTP].session_affinity_seconds == 10800


def test_slices_merge_dedupe_sort_and_match_port_names():
    s = Store()
    put(s, "services", svc("web", ports=[{"name": "http", "port": 80, "protocol": "TCP"},
                                         {"name": "metrics", "port": 9000, "protocol": "TCP"}]))
    put(s, SLICES, eps("web-b", "web", [ep("10.244.1.5"), ep("10.244.2.10", node="k8s-node2")]))
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5"), ep("10.244.1.10")],
                       ports=[{"name": "http", "port": 8080, "protocol": "TCP"},
                              {"name": "metrics", "port": 9100, "protocol": "TCP"}]))
    put(s, SLICES, eps("web-headless", "web", [ep("10.244.9.9")], labels={"service.kubernetes.io/headless": ""}))
    put(s, SLICES, eps("other", "nope", [ep("10.244.8.8")]))
    d = build_digest(s)
    assert [e.address for e in d.endpoints[HTTP]] == ["10.244.1.10:8080", "10.244.1.5:8080", "10.244.2.10:8080"]
    assert [e.address for e in d.endpoints[ServicePortName("default", "web", "metrics", "TCP")]] == [
        "10.244.1.10:9100", "10.244.1.5:9100"]
    assert d.endpoints[HTTP][2].node_name == "k8s-node2"
    # no Service for "nope": nothing in the digest
    assert len(d.endpoints) == 2


def test_conditions_default_like_the_cache():
    s = Store()
    put(s, "services", svc("web"))
    put(s, SLICES, eps("web-a", "web", [{"addresses": ["10.244.1.2"]},
                                        ep("10.244.1.3", ready=False, serving=True, terminating=True),
                                        ep("10.244.1.4", ready=False)]))
    got = {e.ip: (e.ready, e.serving, e.terminating) for e in build_digest(s).endpoints[HTTP]}
    assert got == {"10.244.1.2": (True, True, False), "10.244.1.3": (False, True, True),
                   "10.244.1.4": (False, False, False)}


def E(ip, node="n1", ready=True, serving=True, terminating=False):
    return EndpointInfo(ip, 80, ready, serving, terminating, node)


def test_categorize_cluster_policy_ready_then_terminating():
    s = Store()
    put(s, "services", svc("web"))
    info = build_digest(s).services[HTTP]
    c = categorize([E("10.0.0.1"), E("10.0.0.2", ready=False, terminating=True)], info, "n1")
    assert [e.ip for e in c.cluster] == ["10.0.0.1"] and c.has_any and c.local == ()
    c = categorize([E("10.0.0.2", ready=False, terminating=True), E("10.0.0.3", ready=False, serving=False,
                                                                     terminating=True)], info, "n1")
    assert [e.ip for e in c.cluster] == ["10.0.0.2"] and c.has_any
    c = categorize([E("10.0.0.3", ready=False, serving=False)], info, "n1")
    assert c.cluster == () and not c.has_any


def test_categorize_local_policies():
    s = Store()
    put(s, "services", svc("web", type="NodePort", externalTrafficPolicy="Local",
                           ports=[{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080}]))
    put(s, "services", svc("itp", ip="10.96.0.21", internalTrafficPolicy="Local"))
    d = build_digest(s)
    etp = d.services[HTTP]
    itp = d.services[ServicePortName("default", "itp", "http", "TCP")]
    endpoints = [E("10.0.0.1", node="n2"), E("10.0.0.2", node="n1", ready=False, terminating=True)]
    c = categorize(endpoints, etp, "n1")
    assert [e.ip for e in c.cluster] == ["10.0.0.1"]
    assert [e.ip for e in c.local] == ["10.0.0.2"]           # local: serving+terminating when none ready
    assert [e.ip for e in c.all_reachable] == ["10.0.0.1", "10.0.0.2"]
    c = categorize(endpoints, itp, "n3")
    assert c.cluster == () and c.local == () and c.has_any     # internal Local: nothing on n3
    c = categorize(endpoints, itp, "n2")
    assert [e.ip for e in c.all_reachable] == ["10.0.0.1"]


def test_tracker_incremental_changes_and_matches_full_build():
    s = Store()
    put(s, "nodes", node("n1", "192.168.56.11", "10.244.1.0/24"))
    tracker = DigestTracker(s, cluster_cidr="10.244.0.0/16")
    s.subscribe(tracker.observe)
    mark = tracker.seq
    put(s, "services", svc("web"))
    put(s, "services", svc("db", ip="10.96.0.30"))
    assert {str(x) for x in tracker.changes_since(mark)} == {"default/web:http", "default/db:http"}
    mark = tracker.seq
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5")]))
    assert tracker.changes_since(mark) == {HTTP}
    mark = tracker.seq
    # rewriting a slice with the same content changes nothing
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5")]), "MODIFIED")
    assert tracker.changes_since(mark) == set()
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5", ready=False, serving=True, terminating=True)]), "MODIFIED")
    assert tracker.changes_since(mark) == {HTTP}
    full = build_digest(s, cluster_cidr="10.244.0.0/16")
    assert digest_to_state(tracker.digest) == digest_to_state(full)
    mark = tracker.seq
    s.remove(SLICES, "default", "web-a")
    assert tracker.changes_since(mark) == {HTTP} and HTTP not in tracker.digest.endpoints
    s.remove("services", "default", "db")
    assert ServicePortName("default", "db", "http", "TCP") not in tracker.digest.services
    # a node change means every rule may change: a full sync
    mark = tracker.seq
    put(s, "nodes", node("n2", "192.168.56.12", "10.244.2.0/24"))
    assert tracker.changes_since(mark) is None
    assert tracker.digest.node_ips == {"n1": "192.168.56.11", "n2": "192.168.56.12"}
    assert tracker.changes_since(tracker.seq) == set()
    assert digest_to_state(tracker.digest) == digest_to_state(build_digest(s, cluster_cidr="10.244.0.0/16"))


def test_tracker_port_rename_moves_endpoints():
    s = Store()
    tracker = DigestTracker(s)
    s.subscribe(tracker.observe)
    put(s, "services", svc("web"))
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5")]))
    mark = tracker.seq
    put(s, "services", svc("web", ports=[{"name": "web", "port": 80, "protocol": "TCP"}]), "MODIFIED")
    new = ServicePortName("default", "web", "web", "TCP")
    assert tracker.changes_since(mark) == {HTTP, new}
    assert new not in tracker.digest.endpoints and HTTP not in tracker.digest.endpoints
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5")], ports=[{"name": "web", "port": 8080}]), "MODIFIED")
    assert [e.address for e in tracker.digest.endpoints[new]] == ["10.244.1.5:8080"]


def test_digest_state_round_trip():
    s = Store()
    put(s, "services", svc("web", sessionAffinity="ClientIP"))
    put(s, SLICES, eps("web-a", "web", [ep("10.244.1.5"), ep("10.244.1.6", ready=False, terminating=True)]))
    d = build_digest(s)
    again = digest_from_state(digest_to_state(d))
    assert again.services == d.services and again.endpoints == d.endpoints
