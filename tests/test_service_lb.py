"""The simulated cloud's service controller: LoadBalancer Services get an external IP."""
from __future__ import annotations

import json

from lab.sim.controllers.service_lb import pool_addresses
from lab.sim.world import World


def sh(world: World, line: str) -> str:
    result = world.run(line)
    return result.stdout + result.stderr


def test_pool_addresses():
    assert pool_addresses(["192.168.56.240-192.168.56.242", "10.0.0.8/31", "10.1.1.1"]) == [
        "192.168.56.240", "192.168.56.241", "192.168.56.242", "10.0.0.8", "10.0.0.9", "10.1.1.1"]
    assert World.from_profile("kubeadm").profile.load_balancer_pool == ("192.168.56.240-192.168.56.250",)


def test_pending_then_external_ip_after_sleep():
    w = World.from_profile("kubeadm")
    assert sh(w, "kubectl create service loadbalancer web --tcp=80:8080") == "service/web created\n"
    node_port = w.api.get("services", "web")["spec"]["ports"][0]["nodePort"]
    ip = w.api.get("services", "web")["spec"]["clusterIP"]
    assert sh(w, "kubectl get svc web") == (
        "NAME   TYPE           CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE\n"
        f"web    LoadBalancer   {ip}   <pending>     80:{node_port}/TCP   0s\n")
    assert w.api.get("services", "web")["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    sh(w, "sleep 3")
    assert sh(w, "kubectl get svc web") == (
        "NAME   TYPE           CLUSTER-IP      EXTERNAL-IP      PORT(S)        AGE\n"
        f"web    LoadBalancer   {ip}   192.168.56.240   80:{node_port}/TCP   3s\n")
    assert w.api.get("services", "web")["status"] == {"loadBalancer": {"ingress": [{"ip": "192.168.56.240",
                                                                                     "ipMode": "VIP"}]}}
    described = sh(w, "kubectl describe svc web")
    assert "LoadBalancer Ingress:     192.168.56.240 (VIP)\n" in described
    assert described.endswith(
        "Events:\n"
        "  Type    Reason                Age   From                Message\n"
        "  ----    ------                ----  ----                -------\n"
        "  Normal  EnsuringLoadBalancer  3s    service-controller  Ensuring load balancer\n"
        "  Normal  EnsuredLoadBalancer   0s    service-controller  Ensured load balancer\n")
    # A second one gets the next free address.
    sh(w, "kubectl create service loadbalancer api --tcp=80:8080")
    sh(w, "sleep 5")
    assert w.api.get("services", "api")["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.168.56.241"


def test_load_balancer_ip_is_honoured_and_released_on_type_change_and_delete():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/lb.yaml", """apiVersion: v1
kind: Service
metadata:
  name: lb
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.56.245
  selector: {app: lb}
  ports:
  - port: 80
""")
    sh(w, "kubectl apply -f /root/lb.yaml")
    sh(w, "sleep 5")
    assert "LoadBalancer Ingress:     192.168.56.245 (VIP)\n" in sh(w, "kubectl describe svc lb")
    assert "Desired LoadBalancer IP:  192.168.56.245\n" in sh(w, "kubectl describe svc lb")
    sh(w, "kubectl patch svc lb -p '{\"spec\":{\"type\":\"NodePort\",\"loadBalancerIP\":null}}'")
    svc = w.api.get("services", "lb")
    assert svc["status"] == {"loadBalancer": {}}
    assert "finalizers" not in svc["metadata"]
    events = sh(w, "kubectl get events --field-selector involvedObject.name=lb")
    assert events == (
        "LAST SEEN   TYPE     REASON                 OBJECT       MESSAGE\n"
        "5s          Normal   EnsuringLoadBalancer   service/lb   Ensuring load balancer\n"
        "2s          Normal   EnsuredLoadBalancer    service/lb   Ensured load balancer\n"
        "0s          Normal   Type                   service/lb   LoadBalancer -> NodePort\n"
        "0s          Normal   DeletingLoadBalancer   service/lb   Deleting load balancer\n"
        "0s          Normal   DeletedLoadBalancer    service/lb   Deleted load balancer\n")
    # Freed addresses are handed out again.
    sh(w, "kubectl create service loadbalancer one --tcp=80")
    sh(w, "sleep 3")
    assert w.api.get("services", "one")["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.168.56.240"
    sh(w, "kubectl delete svc one")
    sh(w, "kubectl create service loadbalancer two --tcp=80")
    sh(w, "sleep 3")
    assert w.api.get("services", "two")["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.168.56.240"


def test_requested_ip_outside_the_pool_fails_and_retries():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/lb.yaml", """apiVersion: v1
kind: Service
metadata:
  name: lb
spec:
  type: LoadBalancer
  loadBalancerIP: 10.0.0.1
  ports:
  - port: 80
""")
    sh(w, "kubectl apply -f /root/lb.yaml")
    sh(w, "sleep 10")
    assert "<pending>" in sh(w, "kubectl get svc lb")
    assert sh(w, "kubectl get events --field-selector type=Warning") == (
        "LAST SEEN   TYPE      REASON                   OBJECT       MESSAGE\n"
        "2s          Warning   SyncLoadBalancerFailed   service/lb   Error syncing load balancer: failed to ensure "
        "load balancer: requested IP 10.0.0.1 is not in the address pool 192.168.56.240-192.168.56.250\n")
    # Each retry (5s after the first failure) records Ensuring again, then the failure: both counted twice.
    assert sh(w, "kubectl get events") == (
        "LAST SEEN   TYPE      REASON                   OBJECT       MESSAGE\n"
        "2s          Normal    EnsuringLoadBalancer     service/lb   Ensuring load balancer\n"
        "2s          Warning   SyncLoadBalancerFailed   service/lb   Error syncing load balancer: failed to ensure "
        "load balancer: requested IP 10.0.0.1 is not in the address pool 192.168.56.240-192.168.56.250\n")
    counts = {e["reason"]: e["count"] for e in w.api.list("events", "default")}
    assert counts == {"EnsuringLoadBalancer": 2, "SyncLoadBalancerFailed": 2}


def test_minikube_has_no_cloud_provider_and_stays_pending():
    w = World.from_profile("minikube")
    sh(w, "kubectl create service loadbalancer web --tcp=80:8080")
    sh(w, "sleep 600")
    out = sh(w, "kubectl get svc web")
    assert out.splitlines()[1].split()[3] == "<pending>"
    assert "finalizers" not in w.api.get("services", "web")["metadata"]
    assert sh(w, "kubectl get events") == "No resources found in default namespace.\n"


def run_flow(commands: list[str], reload: bool) -> list[str]:
    w = World.from_profile("kubeadm", seed=5)
    out = []
    for line in commands:
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        out.append(sh(w, line))
    out.append(json.dumps(w.to_state()["objects"], sort_keys=True))
    return out


def test_save_and_load_between_commands_changes_nothing():
    commands = [
        "kubectl create service loadbalancer web --tcp=80:8080", "kubectl get svc", "sleep 1",
        "kubectl get svc", "sleep 1", "sleep 1", "kubectl get svc web -o yaml",
        "kubectl create service loadbalancer api --tcp=80", "sleep 2",
        "kubectl patch svc web -p '{\"spec\":{\"type\":\"ClusterIP\"}}'", "sleep 5",
        "kubectl get svc", "kubectl get events", "kubectl delete svc api", "kubectl get events",
    ]
    assert run_flow(commands, reload=True) == run_flow(commands, reload=False)
