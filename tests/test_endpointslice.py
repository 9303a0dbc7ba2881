"""The EndpointSlice and mirroring controllers, seen through kubectl as on v1.32."""
from __future__ import annotations

import json

from lab.sim.controllers.endpointslice import EndpointSliceController, pod_to_endpoint
from lab.sim.world import World


def sh(world: World, line: str) -> str:
    result = world.run(line)
    return result.stdout + result.stderr


def slices(world: World, service: str) -> list[dict]:
    return world.api.list("endpointslices", "default", label_selector=f"kubernetes.io/service-name={service}")


def test_placeholder_slice_is_filled_under_the_same_name():
    w = World.from_profile("kubeadm")
    sh(w, "kubectl create deployment nginx --image=nginx --replicas=2")
    sh(w, "kubectl expose deployment nginx --port=80")
    [placeholder] = slices(w, "nginx")
    name = placeholder["metadata"]["name"]
    assert placeholder["endpoints"] is None and placeholder["ports"] is None
    assert sh(w, "kubectl get endpointslices -l kubernetes.io/service-name=nginx") == (
        "NAME          ADDRESSTYPE   PORTS     ENDPOINTS   AGE\n"
        f"{name}   IPv4          <unset>   <unset>     0s\n")
    sh(w, "sleep 30")
    [filled] = slices(w, "nginx")
    assert filled["metadata"]["name"] == name
    assert sh(w, "kubectl get endpointslices -l kubernetes.io/service-name=nginx") == (
        "NAME          ADDRESSTYPE   PORTS   ENDPOINTS               AGE\n"
        f"{name}   IPv4          80      10.244.1.2,10.244.2.2   30s\n")
    svc = w.api.get("services", "nginx")
    assert filled["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "nginx",
                                                      "uid": svc["metadata"]["uid"], "controller": True,
                                                      "blockOwnerDeletion": True}]
    assert filled["metadata"]["generateName"] == "nginx-"
    assert filled["metadata"]["labels"] == {"app": "nginx",
                                            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                                            "kubernetes.io/service-name": "nginx"}
    assert filled["ports"] == [{"name": "", "protocol": "TCP", "port": 80}]
    pod = {p["status"]["podIP"]: p for p in w.api.list("pods", "default")}["10.244.1.2"]
    assert filled["endpoints"][0] == {
        "addresses": ["10.244.1.2"], "conditions": {"ready": True, "serving": True, "terminating": False},
        "targetRef": {"kind": "Pod", "namespace": "default", "name": pod["metadata"]["name"],
                      "uid": pod["metadata"]["uid"]},
        "nodeName": "k8s-node1"}
    # Deleting the Service takes its slices with it.
    sh(w, "kubectl delete svc nginx")
    assert slices(w, "nginx") == []


def test_not_ready_pods_stay_in_the_slice_with_ready_false():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/web.yaml", """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx
        readinessProbe:
          tcpSocket: {port: 8080}
""")
    sh(w, "kubectl apply -f /root/web.yaml")
    sh(w, "kubectl expose deploy web --port=80")
    sh(w, "sleep 30")
    [s] = slices(w, "web")
    assert [e["conditions"] for e in s["endpoints"]] == [{"ready": False, "serving": False, "terminating": False}]
    assert "Endpoints:                \n" in sh(w, "kubectl describe svc web")
    sh(w, "kubectl patch svc web -p '{\"spec\":{\"publishNotReadyAddresses\":true}}'")
    [s] = slices(w, "web")
    assert [e["conditions"] for e in s["endpoints"]] == [{"ready": True, "serving": False, "terminating": False}]
    assert "Endpoints:                10.244.1.2:80\n" in sh(w, "kubectl describe svc web")


def test_terminating_pod_conditions_and_zone():
    svc = {"metadata": {"name": "s", "namespace": "default"}, "spec": {"selector": {"a": "b"}}}
    pod = {"metadata": {"name": "p", "namespace": "default", "uid": "u", "deletionTimestamp": "2026-12-01T09:00:30Z"},
           "spec": {"nodeName": "n1"},
           "status": {"podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}],
                      "conditions": [{"type": "Ready", "status": "True"}]}}
    node = {"metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "zone-a"}}}
    assert pod_to_endpoint(pod, node, svc) == {
        "addresses": ["10.0.0.5"], "conditions": {"ready": False, "serving": True, "terminating": True},
        "targetRef": {"kind": "Pod", "namespace": "default", "name": "p", "uid": "u"},
        "nodeName": "n1", "zone": "zone-a"}
    svc["spec"]["publishNotReadyAddresses"] = True
    assert pod_to_endpoint(pod, None, svc)["conditions"] == {"ready": True, "serving": True, "terminating": True}


def slice_controller(world: World) -> EndpointSliceController:
    return next(c for c in world.controllers.controllers if isinstance(c, EndpointSliceController))


def test_endpoints_per_slice_limit_and_minimal_churn():
    w = World.from_profile("kubeadm")
    slice_controller(w).max_endpoints = 2  # kube-controller-manager --max-endpoints-per-slice
    sh(w, "kubectl create deployment nginx --image=nginx --replicas=5")
    sh(w, "kubectl expose deployment nginx --port=80")
    sh(w, "sleep 30")
    found = sorted(slices(w, "nginx"), key=lambda s: s["metadata"]["name"])
    assert sorted(len(s["endpoints"]) for s in found) == [1, 2, 2]
    names = {s["metadata"]["name"] for s in found}
    assert sorted(a for s in found for e in s["endpoints"] for a in e["addresses"]) == [
        "10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.2.2", "10.244.2.3"]
    # Scaling down updates slices in place; a slice left empty is deleted, no new name appears.
    sh(w, "kubectl scale deployment nginx --replicas=2")
    sh(w, "sleep 40")
    after = slices(w, "nginx")
    assert {s["metadata"]["name"] for s in after} <= names
    assert sum(len(s["endpoints"] or []) for s in after) == 2


def test_mirrored_slice_of_hand_made_endpoints():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/mysql.yaml", """apiVersion: v1
kind: Service
metadata:
  name: mysql
spec:
  ports:
  - port: 3306
---
apiVersion: v1
kind: Endpoints
metadata:
  name: mysql
  labels: {db: external}
subsets:
- addresses:
  - ip: 192.168.56.200
  - ip: 192.168.56.201
  ports:
  - port: 3306
""")
    sh(w, "kubectl apply -f /root/mysql.yaml")
    [s] = slices(w, "mysql")
    ep = w.api.get("endpoints", "mysql")
    name = s["metadata"]["name"]
    assert name.startswith("mysql-") and len(name) == len("mysql-") + 5
    assert sh(w, "kubectl get endpointslices") == (
        "NAME          ADDRESSTYPE   PORTS   ENDPOINTS                       AGE\n"
        "kubernetes    IPv4          6443    192.168.56.10                   3d1h\n"
        f"{name}   IPv4          3306    192.168.56.200,192.168.56.201   0s\n")
    assert sh(w, f"kubectl get endpointslice {name} -o yaml") == (
        "addressType: IPv4\n"
        "apiVersion: discovery.k8s.io/v1\n"
        "endpoints:\n"
        "- addresses:\n"
        "  - 192.168.56.200\n"
        "  conditions:\n"
        "    ready: true\n"
        "- addresses:\n"
        "  - 192.168.56.201\n"
        "  conditions:\n"
        "    ready: true\n"
        "kind: EndpointSlice\n"
        "metadata:\n"
        f"  creationTimestamp: \"{s['metadata']['creationTimestamp']}\"\n"
        "  generateName: mysql-\n"
        "  labels:\n"
        "    db: external\n"
        "    endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io\n"
        "    kubernetes.io/service-name: mysql\n"
        f"  name: {name}\n"
        "  namespace: default\n"
        "  ownerReferences:\n"
        "  - apiVersion: v1\n"
        "    blockOwnerDeletion: true\n"
        "    controller: true\n"
        "    kind: Endpoints\n"
        "    name: mysql\n"
        f"    uid: {ep['metadata']['uid']}\n"
        f"  resourceVersion: \"{s['metadata']['resourceVersion']}\"\n"
        f"  uid: {s['metadata']['uid']}\n"
        "ports:\n"
        "- name: \"\"\n"
        "  port: 3306\n"
        "  protocol: TCP\n")
    # Editing the Endpoints updates the same slice.
    sh(w, "kubectl patch endpoints mysql --type=json -p '[{\"op\":\"remove\",\"path\":\"/subsets/0/addresses/1\"}]'")
    [s2] = slices(w, "mysql")
    assert s2["metadata"]["name"] == name
    assert [e["addresses"] for e in s2["endpoints"]] == [["192.168.56.200"]]
    # The apiserver's own Endpoints carry skip-mirror: only its bootstrap slice exists.
    assert [x["metadata"]["name"] for x in slices(w, "kubernetes")] == ["kubernetes"]


def run_flow(commands: list[str], reload: bool) -> list[str]:
    w = World.from_profile("kubeadm", seed=11)
    out = []
    for line in commands:
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        out.append(sh(w, line))
    out.append(json.dumps(w.to_state()["objects"], sort_keys=True))
    return out


def test_save_and_load_between_commands_changes_nothing():
    commands = [
        "kubectl create deployment web --image=nginx --replicas=2",
        "kubectl expose deployment web --port=80 --target-port=80",
        "kubectl get endpointslices", "sleep 3", "kubectl get endpointslices -o yaml", "sleep 30",
        "kubectl get endpointslices -o yaml", "kubectl scale deployment web --replicas=4", "sleep 30",
        "kubectl describe svc web", "kubectl delete deployment web", "sleep 45", "kubectl get endpointslices",
    ]
    assert run_flow(commands, reload=True) == run_flow(commands, reload=False)
