"""The Endpoints controller: kubectl's view of Endpoints as a v1.32 cluster shows them."""
from __future__ import annotations

import json

from lab.sim.controllers.endpoints import (
    desired_subsets, find_port, repack_subsets, spew_port, spew_subset, truncate_endpoints,
)
from lab.sim.world import World


def sh(world: World, line: str, stdin: str = "") -> str:
    result = world.run(line, stdin=stdin)
    return result.stdout + result.stderr


def pods(world: World, selector: str) -> list[dict]:
    """The selected pods sorted by IP, as the Endpoints list them."""
    found = world.api.list("pods", "default", label_selector=selector)
    return sorted(found, key=lambda p: p["status"].get("podIP", ""))


def address_yaml(pod: dict, indent: str = "  ") -> str:
    meta = pod["metadata"]
    return (f"{indent}- ip: {pod['status']['podIP']}\n"
            f"{indent}  nodeName: {pod['spec']['nodeName']}\n"
            f"{indent}  targetRef:\n"
            f"{indent}    kind: Pod\n"
            f"{indent}    name: {meta['name']}\n"
            f"{indent}    namespace: default\n"
            f"{indent}    uid: {meta['uid']}\n")


WEB_NOT_READY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
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
          periodSeconds: 5
"""


def test_ready_pods_flow_get_describe_and_yaml():
    w = World.from_profile("kubeadm")
    assert sh(w, "kubectl create deployment nginx --image=nginx --replicas=3") == "deployment.apps/nginx created\n"
    assert sh(w, "kubectl expose deployment nginx --port=80") == "service/nginx exposed\n"
    assert sh(w, "kubectl get ep nginx") == "NAME    ENDPOINTS   AGE\nnginx   <none>      0s\n"
    sh(w, "sleep 30")
    ready = pods(w, "app=nginx")
    ips = [p["status"]["podIP"] for p in ready]
    assert ips == ["10.244.1.2", "10.244.1.3", "10.244.2.2"]
    assert sh(w, "kubectl get ep nginx") == (
        "NAME    ENDPOINTS                                   AGE\n"
        "nginx   10.244.1.2:80,10.244.1.3:80,10.244.2.2:80   30s\n")
    assert "Endpoints:                10.244.1.2:80,10.244.1.3:80,10.244.2.2:80\n" in sh(w, "kubectl describe svc nginx")
    ep = w.api.get("endpoints", "nginx")
    # The last pod became ready at this moment: the trigger time of the last change.
    trigger = max(c["lastTransitionTime"] for p in ready for c in p["status"]["conditions"] if c["type"] == "Ready")
    assert sh(w, "kubectl get ep nginx -o yaml") == (
        "apiVersion: v1\n"
        "kind: Endpoints\n"
        "metadata:\n"
        "  annotations:\n"
        f"    endpoints.kubernetes.io/last-change-trigger-time: \"{trigger}\"\n"
        "  creationTimestamp: \"2026-12-01T09:00:00Z\"\n"
        "  labels:\n"
        "    app: nginx\n"
        "  name: nginx\n"
        "  namespace: default\n"
        f"  resourceVersion: \"{ep['metadata']['resourceVersion']}\"\n"
        f"  uid: {ep['metadata']['uid']}\n"
        "subsets:\n"
        "- addresses:\n"
        + "".join(address_yaml(p) for p in ready) +
        "  ports:\n"
        "  - port: 80\n"
        "    protocol: TCP\n")


def test_not_ready_pods_are_not_ready_addresses_and_print_blank():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/web.yaml", WEB_NOT_READY)
    sh(w, "kubectl apply -f /root/web.yaml")
    sh(w, "kubectl expose deploy web --port=80")
    sh(w, "sleep 30")
    assert sh(w, "kubectl get ep web") == "NAME   ENDPOINTS   AGE\nweb                30s\n"
    assert "Endpoints:                \n" in sh(w, "kubectl describe svc web")
    ep = w.api.get("endpoints", "web")
    assert list(ep["subsets"][0]) == ["notReadyAddresses", "ports"]
    assert [a["ip"] for a in ep["subsets"][0]["notReadyAddresses"]] == ["10.244.1.2", "10.244.2.2"]
    # publishNotReadyAddresses: the same pods are published as ready addresses.
    assert sh(w, "kubectl patch svc web -p '{\"spec\":{\"publishNotReadyAddresses\":true}}'") == "service/web patched\n"
    assert sh(w, "kubectl get ep web") == "NAME   ENDPOINTS                     AGE\nweb    10.244.1.2:80,10.244.2.2:80   30s\n"
    assert "notReadyAddresses" not in w.api.get("endpoints", "web")["subsets"][0]


NAMED = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels: {{app: api}}
spec:
  containers:
  - name: c
    image: nginx
    ports:
{ports}"""


def test_named_target_ports_resolved_per_pod_by_name_and_protocol():
    w = World.from_profile("kubeadm")
    fs = w.hosts["k8s-master"].fs
    fs.write("/root/a.yaml", NAMED.format(name="a", ports="    - {name: http, containerPort: 8080}\n"))
    fs.write("/root/b.yaml", NAMED.format(name="b", ports="    - {name: http, containerPort: 9090}\n"))
    # c names its port http too, but for UDP: it is left out of the TCP port.
    fs.write("/root/c.yaml", NAMED.format(name="c", ports="    - {name: http, containerPort: 7070, protocol: UDP}\n"))
    for f in ("a", "b", "c"):
        sh(w, f"kubectl apply -f /root/{f}.yaml")
    sh(w, "kubectl create service clusterip api --tcp=80:http")
    sh(w, "kubectl patch svc api -p '{\"spec\":{\"selector\":{\"app\":\"api\"}}}'")
    sh(w, "sleep 30")
    ip = {p["metadata"]["name"]: p["status"]["podIP"] for p in w.api.list("pods", "default")}
    assert (ip["a"], ip["b"], ip["c"]) == ("10.244.1.2", "10.244.2.2", "10.244.1.3")
    assert sh(w, "kubectl get ep api") == (
        "NAME   ENDPOINTS                         AGE\n"
        "api    10.244.2.2:9090,10.244.1.2:8080   30s\n")
    subsets = w.api.get("endpoints", "api")["subsets"]
    # One subset per distinct port number, in RepackSubsets' order (MD5 of the go-spew dump).
    assert [([a["ip"] for a in s["addresses"]], s["ports"]) for s in subsets] == [
        (["10.244.2.2"], [{"name": "80-http", "port": 9090, "protocol": "TCP"}]),
        (["10.244.1.2"], [{"name": "80-http", "port": 8080, "protocol": "TCP"}]),
    ]
    # Slices group pods by their resolved ports; c (no TCP port named http) has none.
    assert sh(w, "kubectl get endpointslices") == (
        "NAME         ADDRESSTYPE   PORTS     ENDPOINTS       AGE\n"
        "api-4wtwk    IPv4          8080      10.244.1.2      29s\n"
        "api-7kjwh    IPv4          9090      10.244.2.2      29s\n"
        "api-n9hsc    IPv4          <unset>   10.244.1.3      30s\n"
        "kubernetes   IPv4          6443      192.168.56.10   3d1h\n")


def test_find_port_by_name_and_protocol():
    pod = {"spec": {"containers": [{"ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                              {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"}]}],
                    "initContainers": [{"restartPolicy": "Always", "ports": [{"name": "proxy", "containerPort": 15001}]}]}}
    assert find_port(pod, {"targetPort": "dns", "protocol": "UDP"}) == 53
    assert find_port(pod, {"targetPort": "dns", "protocol": "TCP"}) is None
    assert find_port(pod, {"targetPort": "proxy", "protocol": "TCP"}) == 15001  # a sidecar's port
    assert find_port(pod, {"targetPort": 8080, "protocol": "TCP"}) == 8080


def test_go_spew_dump_of_an_endpoint_port():
    assert spew_port({"name": "http", "port": 80, "protocol": "TCP"}) == (
        '(v1.EndpointPort){Name:(string)"http" Port:(int32)80 Protocol:(v1.Protocol)"TCP" AppProtocol:(*string)<nil>}')
    assert spew_subset({"addresses": [{"ip": "10.0.0.1", "nodeName": "n"}], "ports": [{"port": 80, "protocol": "TCP"}]}) == (
        '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)"10.0.0.1" Hostname:(string)"" '
        'NodeName:(*string)"n" TargetRef:(*v1.ObjectReference)<nil>}] NotReadyAddresses:([]v1.EndpointAddress)<nil> '
        'Ports:([]v1.EndpointPort)[{Name:(string)"" Port:(int32)80 Protocol:(v1.Protocol)"TCP" AppProtocol:(*string)<nil>}]}')


def test_repack_merges_ports_and_not_ready_wins():
    a = {"ip": "10.0.0.2"}
    b = {"ip": "10.0.0.10"}
    p80 = {"name": "http", "port": 80, "protocol": "TCP"}
    p443 = {"name": "https", "port": 443, "protocol": "TCP"}
    out = repack_subsets([
        {"addresses": [a], "ports": [p80]}, {"addresses": [a], "ports": [p443]},
        {"addresses": [b], "ports": [p80]}, {"notReadyAddresses": [b], "ports": [p443]},
    ])
    by_ports = {tuple(p["name"] for p in s["ports"]): s for s in out}
    # 10.0.0.2 offers both ports; 10.0.0.10 is ready on 80 only and not ready on 443.
    assert len(out) == 2
    assert by_ports[("http",)] == {"addresses": [b, a], "ports": [p80]}  # "10.0.0.10" < "10.0.0.2" as bytes
    assert by_ports[("https",)] == {"addresses": [a], "notReadyAddresses": [b], "ports": [p443]}


def test_over_capacity_truncates_to_1000_ready_first():
    subsets = [{"addresses": [{"ip": f"10.0.{i // 250}.{i % 250}"} for i in range(900)],
                "notReadyAddresses": [{"ip": f"10.9.{i // 250}.{i % 250}"} for i in range(200)],
                "ports": [{"port": 80, "protocol": "TCP"}]}]
    assert truncate_endpoints(subsets) is True
    assert (len(subsets[0]["addresses"]), len(subsets[0]["notReadyAddresses"])) == (900, 100)
    small = [{"addresses": [{"ip": "10.0.0.1"}]}]
    assert truncate_endpoints(small) is False


def test_headless_service_label_and_pod_hostnames():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/db.yaml", """apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
  ports:
  - port: 5432
---
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  labels: {app: db}
spec:
  hostname: db-0
  subdomain: db
  containers:
  - name: c
    image: nginx
""")
    sh(w, "kubectl apply -f /root/db.yaml")
    sh(w, "sleep 30")
    ep = w.api.get("endpoints", "db")
    assert ep["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert ep["subsets"][0]["addresses"][0]["hostname"] == "db-0"
    slice_ = w.api.list("endpointslices", "default", label_selector="kubernetes.io/service-name=db")[0]
    assert slice_["metadata"]["labels"] == {
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": "db", "service.kubernetes.io/headless": ""}
    assert slice_["endpoints"][0]["hostname"] == "db-0"
    assert sh(w, "kubectl get ep db") == "NAME   ENDPOINTS         AGE\ndb     10.244.1.2:5432   30s\n"


def test_pod_losing_its_label_leaves_the_endpoints():
    w = World.from_profile("kubeadm")
    sh(w, "kubectl create deployment nginx --image=nginx --replicas=2")
    sh(w, "kubectl expose deployment nginx --port=80")
    sh(w, "sleep 30")
    assert sh(w, "kubectl get ep nginx") == "NAME    ENDPOINTS                     AGE\nnginx   10.244.1.2:80,10.244.2.2:80   30s\n"
    first = pods(w, "app=nginx")[0]["metadata"]["name"]
    assert sh(w, f"kubectl label pod {first} app-") == f"pod/{first} unlabeled\n"
    ep = w.api.get("endpoints", "nginx")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.244.2.2"]
    # Nothing selected changed its readiness: the update carries no trigger time.
    assert "annotations" not in ep["metadata"]
    # The ReplicaSet replaces the pod; the new one joins once ready.
    sh(w, "sleep 30")
    assert sh(w, "kubectl get ep nginx") == "NAME    ENDPOINTS                     AGE\nnginx   10.244.1.3:80,10.244.2.2:80   60s\n"
    assert "endpoints.kubernetes.io/last-change-trigger-time" in w.api.get("endpoints", "nginx")["metadata"]["annotations"]


EXTERNAL = """apiVersion: v1
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
subsets:
- addresses:
  - ip: 192.168.56.200
  ports:
  - port: 3306
"""


def test_selector_less_service_keeps_hand_made_endpoints_until_deleted():
    w = World.from_profile("kubeadm")
    w.hosts["k8s-master"].fs.write("/root/mysql.yaml", EXTERNAL)
    assert sh(w, "kubectl apply -f /root/mysql.yaml") == "service/mysql created\nendpoints/mysql created\n"
    sh(w, "sleep 10")
    assert sh(w, "kubectl get ep") == (
        "NAME         ENDPOINTS             AGE\n"
        "kubernetes   192.168.56.10:6443    3d1h\n"
        "mysql        192.168.56.200:3306   10s\n")
    assert "Endpoints:                192.168.56.200:3306\n" in sh(w, "kubectl describe svc mysql")
    # Deleting the Service removes its Endpoints too (and their mirrored slice).
    assert sh(w, "kubectl delete svc mysql") == 'service "mysql" deleted\n'
    assert sh(w, "kubectl get ep mysql") == 'Error from server (NotFound): endpoints "mysql" not found\n'
    assert w.api.list("endpointslices", "default", label_selector="kubernetes.io/service-name=mysql") == []


def test_the_apiservers_own_endpoints_are_left_alone():
    w = World.from_profile("kubeadm")
    before = w.api.get("endpoints", "kubernetes")
    sh(w, "kubectl create deployment nginx --image=nginx")
    sh(w, "sleep 20")
    assert w.api.get("endpoints", "kubernetes") == before


def test_desired_subsets_skip_terminal_and_terminating_pods():
    svc = {"metadata": {"name": "s", "namespace": "default"},
           "spec": {"selector": {"a": "b"}, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}}

    def pod(name, ip, phase="Running", deleting=False, ready=True):
        meta = {"name": name, "namespace": "default", "uid": name}
        if deleting:
            meta["deletionTimestamp"] = "2026-12-01T09:00:30Z"
        return {"metadata": meta, "spec": {"nodeName": "n1"},
                "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}],
                           "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}
    pods_ = [pod("a", "10.0.0.1"), pod("b", "10.0.0.2", phase="Succeeded"), pod("c", "10.0.0.3", deleting=True)]
    assert [a["ip"] for s in desired_subsets(svc, pods_) for a in s["addresses"]] == ["10.0.0.1"]
    svc["spec"]["publishNotReadyAddresses"] = True
    assert [a["ip"] for s in desired_subsets(svc, pods_) for a in s["addresses"]] == ["10.0.0.1", "10.0.0.3"]


def run_flow(commands: list[str], reload: bool) -> list[str]:
    w = World.from_profile("kubeadm", seed=7)
    w.hosts["k8s-master"].fs.write("/root/mysql.yaml", EXTERNAL)
    out = []
    for line in commands:
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
        out.append(sh(w, line))
    out.append(json.dumps(w.to_state()["objects"], sort_keys=True))
    return out


def test_save_and_load_between_commands_changes_nothing():
    commands = [
        "kubectl create deployment nginx --image=nginx --replicas=3",
        "kubectl expose deployment nginx --port=80",
        "sleep 5", "kubectl get ep nginx -o yaml", "sleep 25",
        "kubectl get ep nginx -o yaml", "kubectl get endpointslices -o yaml",
        "kubectl scale deployment nginx --replicas=1", "sleep 40",
        "kubectl get ep,endpointslices", "kubectl apply -f /root/mysql.yaml", "kubectl get endpointslices",
    ]
    assert run_flow(commands, reload=True) == run_flow(commands, reload=False)
