"""Kubelet: Pod start-up timeline, IPs from the node's podCIDR, events, deletion, restarts, determinism."""
from __future__ import annotations

import json
import re

from lab.sim.world import World

NGINX = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  containers:
  - name: nginx
    image: nginx
"""

BUSYBOX = """apiVersion: v1
kind: Pod
metadata:
  name: bb
spec:
  containers:
  - name: bb
    image: busybox
    command: ["sleep", "3600"]
"""

TWO = """apiVersion: v1
kind: Pod
metadata:
  name: web-b
spec:
  containers:
  - name: web
    image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: web-a
spec:
  containers:
  - name: web
    image: nginx:1.27
"""


def _world(profile: str = "kubeadm", **files: str) -> World:
    w = World.from_profile(profile)
    for name, text in files.items():
        w.hosts[w.default_host].fs.write(f"/root/{name}.yaml", text)
    return w


def test_pod_goes_container_creating_then_running_on_node1():
    w = _world(nginx=NGINX)
    assert w.run("kubectl create -f /root/nginx.yaml").stdout == "pod/nginx-pod created\n"
    assert w.run("kubectl get pods").stdout == (
        "NAME        READY   STATUS              RESTARTS   AGE\n"
        "nginx-pod   0/1     ContainerCreating   0          0s\n")
    w.run("sleep 10")
    assert w.run("kubectl get pods -o wide").stdout == (
        "NAME        READY   STATUS    RESTARTS   AGE   IP           NODE        NOMINATED NODE   READINESS GATES\n"
        "nginx-pod   1/1     Running   0          10s   10.244.1.2   k8s-node1   <none>           <none>\n")


def test_status_shape_while_creating_and_running():
    w = _world(nginx=NGINX)
    w.run("kubectl create -f /root/nginx.yaml")
    status = w.api.get("pods", "nginx-pod")["status"]
    assert status["phase"] == "Pending"
    assert status["hostIP"] == "192.168.56.11"
    assert "podIP" not in status
    assert status["containerStatuses"] == [{
        "name": "nginx", "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {},
        "ready": False, "restartCount": 0, "image": "nginx", "imageID": "", "started": False}]
    w.run("sleep 10")
    status = w.api.get("pods", "nginx-pod")["status"]
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
        ("ContainersReady", "True"), ("PodScheduled", "True")]
    cs = status["containerStatuses"][0]
    assert cs["image"] == "docker.io/library/nginx:latest"
    assert re.fullmatch(r"docker\.io/library/nginx@sha256:[0-9a-f]{64}", cs["imageID"])
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert cs["ready"] is True and cs["started"] is True
    assert status["podIPs"] == [{"ip": "10.244.1.2"}]


def test_describe_events_table():
    w = _world(nginx=NGINX)
    w.run("kubectl create -f /root/nginx.yaml")
    w.run("sleep 10")
    out = w.run("kubectl describe pod nginx-pod").stdout
    table = out[out.index("Events:"):]
    lines = table.splitlines()
    assert lines[:4] == [
        "Events:",
        "  Type    Reason     Age   From               Message",
        "  ----    ------     ----  ----               -------",
        "  Normal  Scheduled  10s   default-scheduler  Successfully assigned default/nginx-pod to k8s-node1",
    ]
    assert lines[4] == '  Normal  Pulling    9s    kubelet            Pulling image "nginx"'
    assert re.fullmatch(r'  Normal  Pulled     \ds    kubelet            Successfully pulled image "nginx" in '
                        r'(\d\.\d+)s \(\1s including waiting\)\. Image size: \d+ bytes\.', lines[5]), lines[5]
    assert re.fullmatch(r"  Normal  Created    \ds    kubelet            Created container nginx", lines[6])
    assert re.fullmatch(r"  Normal  Started    \ds    kubelet            Started container nginx", lines[7])


def test_binary_profile_pod_ips():
    w = _world("binary", two=TWO)
    w.run("kubectl create -f /root/two.yaml")
    w.run("sleep 15")
    out = w.run("kubectl get pods -o wide").stdout
    assert out == (
        "NAME    READY   STATUS    RESTARTS   AGE   IP            NODE          NOMINATED NODE   READINESS GATES\n"
        "web-a   1/1     Running   0          15s   172.30.84.3   kube-node01   <none>           <none>\n"
        "web-b   1/1     Running   0          15s   172.30.87.2   kube-node02   <none>           <none>\n")
    # 172.30.84.2 is CoreDNS's Pod, which the install put on kube-node01 first.


def test_ips_are_sequential_and_not_reused_at_once():
    w = _world(nginx=NGINX, bb=BUSYBOX)
    w.run("kubectl create -f /root/nginx.yaml")
    w.run("sleep 2")
    w.run("kubectl delete pod nginx-pod")
    w.run("kubectl create -f /root/nginx.yaml")
    w.run("sleep 2")
    assert w.api.get("pods", "nginx-pod")["status"]["podIP"] == "10.244.1.3"


def test_already_present_image_on_second_pod():
    w = _world(two=TWO)
    w.run("kubectl create -f /root/two.yaml")
    w.run("sleep 15")
    w.run("kubectl delete pod web-a web-b --wait=false")
    w.run("sleep 5")
    w.run("kubectl create -f /root/two.yaml")
    w.run("sleep 3")
    msgs = w.run("kubectl get events --field-selector involvedObject.name=web-a,reason=Pulled "
                 "-o jsonpath={.items[*].message}").stdout
    assert msgs.endswith('Container image "nginx:1.27" already present on machine')


def test_graceful_deletion_busybox_takes_the_full_grace_period():
    w = _world(bb=BUSYBOX)
    w.run("kubectl create -f /root/bb.yaml")
    w.run("sleep 10")
    assert w.run("kubectl delete pod bb --wait=false").stdout == 'pod "bb" deleted\n'
    assert w.run("kubectl get pods").stdout == (
        "NAME   READY   STATUS        RESTARTS   AGE\n"
        "bb     1/1     Terminating   0          10s\n")
    killing = w.run("kubectl get events --field-selector reason=Killing -o jsonpath={.items[0].message}").stdout
    assert killing == "Stopping container bb"
    w.run("sleep 29")
    assert "Terminating" in w.run("kubectl get pods").stdout
    w.run("sleep 1")
    assert w.run("kubectl get pods").stderr == "No resources found in default namespace.\n"


def test_nginx_stops_quickly_on_sigterm():
    w = _world(nginx=NGINX)
    w.run("kubectl create -f /root/nginx.yaml")
    w.run("sleep 10")
    w.run("kubectl delete pod nginx-pod --wait=false")
    assert "Terminating" in w.run("kubectl get pods").stdout
    w.run("sleep 1")
    assert w.run("kubectl get pods").stderr == "No resources found in default namespace.\n"


def test_exiting_container_crash_loop_back_off():
    w = _world(c="""apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  containers:
  - name: c
    image: busybox
""")
    w.run("kubectl create -f /root/c.yaml")
    w.run("sleep 60")
    out = w.run("kubectl get pods").stdout
    assert re.fullmatch(r"NAME    READY   STATUS             RESTARTS      AGE\n"
                        r"crash   0/1     CrashLoopBackOff   3 \(4\ds ago\)   60s\n", out), out
    cs = w.api.get("pods", "crash")["status"]["containerStatuses"][0]
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["state"]["waiting"]["message"].startswith("back-off 40s restarting failed container=c pod=crash_default(")
    assert cs["lastState"]["terminated"]["reason"] == "Completed"


def test_restart_policy_never_completes():
    w = _world(c="""apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
""")
    w.run("kubectl create -f /root/c.yaml")
    w.run("sleep 10")
    assert w.run("kubectl get pods").stdout == (
        "NAME   READY   STATUS      RESTARTS   AGE\n"
        "once   0/1     Completed   0          10s\n")
    assert w.api.get("pods", "once")["status"]["phase"] == "Succeeded"


def test_liveness_failure_restarts_and_readiness_probe():
    w = _world(p="""apiVersion: v1
kind: Pod
metadata:
  name: probe
spec:
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe:
      httpGet: {path: /, port: 80}
    livenessProbe:
      httpGet: {path: /healthz, port: 80}
""")
    w.run("kubectl create -f /root/p.yaml")
    w.run("sleep 40")
    out = w.run("kubectl get pods").stdout
    assert out.splitlines()[1].split()[:4] == ["probe", "1/1", "Running", "1"]
    msgs = w.run("kubectl get events --field-selector reason=Unhealthy -o jsonpath={.items[0].message}").stdout
    assert msgs == "Liveness probe failed: HTTP probe failed with statuscode: 404"
    kill = w.run("kubectl get events --field-selector reason=Killing -o jsonpath={.items[0].message}").stdout
    assert kill == "Container web failed liveness probe, will be restarted"


def test_stopped_kubelet_leaves_pods_alone():
    w = _world(nginx=NGINX)
    w.hosts["k8s-node1"].kubelet_running = False
    w.run("kubectl create -f /root/nginx.yaml")
    w.run("sleep 1")
    pod = w.api.get("pods", "nginx-pod")
    assert pod["spec"].get("nodeName") in ("k8s-node1", "k8s-node2")
    if pod["spec"]["nodeName"] == "k8s-node1":
        assert "containerStatuses" not in pod["status"]


def _flow(reload: bool) -> list[str]:
    w = _world(two=TWO, bb=BUSYBOX)
    outputs = []
    for cmd in ["kubectl create -f /root/two.yaml", "kubectl create -f /root/bb.yaml", "kubectl get pods -o wide",
                "sleep 3", "kubectl get pods -o wide", "sleep 7", "kubectl get pods -o wide",
                "kubectl delete pod bb --wait=false", "sleep 12", "kubectl get events -o name",
                "kubectl get pods -o yaml", "sleep 30", "kubectl get pods -o wide", "kubectl get events"]:
        r = w.run(cmd)
        outputs.append(r.stdout + r.stderr)
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
    outputs.append(json.dumps(w.to_state()["runtime"], sort_keys=True))
    return outputs


def test_save_and_load_between_commands_changes_nothing():
    assert _flow(reload=True) == _flow(reload=False)
