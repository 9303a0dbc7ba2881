"""Service updates keep what the apiserver keeps (registry/core/service/strategy.go dropTypeDependentFields)."""
from __future__ import annotations

from lab.sim.world import World


def _svc(w: World) -> dict:
    return w.api.get("services", "web")["spec"]


def test_cluster_ip_service_with_external_ips_keeps_its_traffic_policy_on_update():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl create service clusterip web --tcp=80:80").status == 0
    r = w.run("kubectl patch svc web -p '{\"spec\":{\"externalIPs\":[\"192.168.56.200\"]}}'")
    assert (r.stdout, r.status) == ("service/web patched\n", 0)
    assert _svc(w)["externalTrafficPolicy"] == "Cluster"        # defaulted: externally accessible now
    # only leaving NodePort/LoadBalancer drops the policy; a ClusterIP Service keeps it
    r = w.run("kubectl patch svc web -p '{\"spec\":{\"externalIPs\":[\"192.168.56.11\"]}}'")
    assert (r.stdout, r.stderr, r.status) == ("service/web patched\n", "", 0)
    assert _svc(w)["externalIPs"] == ["192.168.56.11"]
    # without externalIPs the kept policy is invalid, as on a real apiserver
    r = w.run("kubectl patch svc web --type=json -p '[{\"op\":\"remove\",\"path\":\"/spec/externalIPs\"}]'")
    assert (r.stderr, r.status) == ('The Service "web" is invalid: spec.externalTrafficPolicy: Invalid value: '
                                    '"Cluster": may only be set for externally-accessible services\n', 1)


def test_leaving_node_port_drops_an_unchanged_traffic_policy():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl create service nodeport web --tcp=80:80").status == 0
    r = w.run("kubectl patch svc web -p '{\"spec\":{\"type\":\"ClusterIP\"}}'")
    assert (r.stderr, r.status) == ("", 0)
    assert "externalTrafficPolicy" not in _svc(w) and "nodePort" not in _svc(w)["ports"][0]
