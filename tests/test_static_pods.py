"""The control plane as static Pods with mirror Pods, and the apiserver answering HTTPS.

Mirrors a kubeadm v1.32 node: the kubelet runs /etc/kubernetes/manifests/*.yaml
and posts `<name>-<node>` mirror Pods owned by the Node; the anonymous
user may read /version, /healthz, /livez and /readyz (system:public-info-viewer).
"""
import pytest

from lab.sim.world import World


def run(world, line, host=None):
    r = world.run(line, host=host)
    return r.stdout, r.stderr, r.status


@pytest.fixture(scope="module")
def kubeadm():
    return World.from_profile("kubeadm")


FORBIDDEN = """{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "forbidden: User \\"system:anonymous\\" cannot get path \\"%s\\"",
  "reason": "Forbidden",
  "details": {},
  "code": 403
}
"""

CERT_ERROR = """curl: (60) SSL certificate problem: unable to get local issuer certificate
More details here: https://curl.haxx.se/docs/sslcerts.html

curl failed to verify the legitimacy of the server and therefore could not
establish a secure connection to it. To learn more about this situation and
how to fix it, please visit the web page mentioned above.
"""


def test_kubeadm_lists_the_control_plane_pods(kubeadm):
    assert run(kubeadm, "kubectl get pods -n kube-system -o wide")[0] == (
        "NAME                                 READY   STATUS    RESTARTS   AGE    IP              NODE         "
        "NOMINATED NODE   READINESS GATES\n"
        "coredns-5664774cf5-b8ch5             1/1     Running   0          3d1h   10.244.0.2      k8s-master   "
        "<none>           <none>\n"
        "coredns-5664774cf5-h8dgh             1/1     Running   0          3d1h   10.244.0.3      k8s-master   "
        "<none>           <none>\n"
        "etcd-k8s-master                      1/1     Running   0          3d1h   192.168.56.10   k8s-master   "
        "<none>           <none>\n"
        "kube-apiserver-k8s-master            1/1     Running   0          3d1h   192.168.56.10   k8s-master   "
        "<none>           <none>\n"
        "kube-controller-manager-k8s-master   1/1     Running   0          3d1h   192.168.56.10   k8s-master   "
        "<none>           <none>\n"
        "kube-proxy-bkqts                     1/1     Running   0          3d1h   192.168.56.10   k8s-master   "
        "<none>           <none>\n"
        "kube-proxy-kpvq4                     1/1     Running   0          3d     192.168.56.12   k8s-node2    "
        "<none>           <none>\n"
        "kube-proxy-rlsg4                     1/1     Running   0          3d     192.168.56.11   k8s-node1    "
        "<none>           <none>\n"
        "kube-scheduler-k8s-master            1/1     Running   0          3d1h   192.168.56.10   k8s-master   "
        "<none>           <none>\n")


def test_a_mirror_pod_is_owned_by_its_node_and_annotated(kubeadm):
    node_uid = run(kubeadm, "kubectl get node k8s-master -o jsonpath={.metadata.uid}")[0]
    out = run(kubeadm, "kubectl get pod etcd-k8s-master -n kube-system -o jsonpath="
                       "'{.metadata.ownerReferences}|{.metadata.annotations.kubernetes\\.io/config\\.source}|"
                       "{.spec.hostNetwork}|{.spec.priorityClassName}|{.spec.tolerations}'")[0]
    assert out == (f'[{{"apiVersion":"v1","controller":true,"kind":"Node","name":"k8s-master","uid":"{node_uid}"}}]'
                   '|file|true|system-node-critical|[{"effect":"NoExecute","operator":"Exists"}]')
    annotations = run(kubeadm, "kubectl get pod etcd-k8s-master -n kube-system -o jsonpath="
                               "'{.metadata.annotations.kubernetes\\.io/config\\.hash} "
                               "{.metadata.annotations.kubernetes\\.io/config\\.mirror}'")[0].split()
    assert len(annotations) == 2 and annotations[0] == annotations[1] and len(annotations[0]) == 32


def test_the_apiserver_answers_anonymous_https():
    world = World.from_profile("kubeadm")
    assert run(world, "curl -k https://10.96.0.1") == (FORBIDDEN % "/", "", 0)
    assert run(world, "curl -sk https://192.168.56.10:6443/api/v1/pods") == (FORBIDDEN % "/api/v1/pods", "", 0)
    assert run(world, "curl -sk https://10.96.0.1/healthz") == ("ok", "", 0)
    assert run(world, "curl -sk https://kubernetes.default.svc.cluster.local/livez", host="k8s-node1")[2] == 6
    assert run(world, "curl -k https://192.168.56.10:6443/version")[0] == """{
  "major": "1",
  "minor": "32",
  "gitVersion": "v1.32.4",
  "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
  "gitTreeState": "clean",
  "buildDate": "2025-04-22T15:56:07Z",
  "goVersion": "go1.23.6",
  "compiler": "gc",
  "platform": "linux/amd64"
}"""
    assert run(world, "curl https://10.96.0.1/readyz", host="k8s-node2") == ("", CERT_ERROR, 60)
    assert run(world, "curl -s https://10.96.0.1/readyz") == ("", "", 60)
    assert run(world, "curl -sk -o /dev/null -w '%{http_code}\\n' https://10.96.0.1/") == ("403\n", "", 0)


def test_deleting_a_mirror_pod_posts_it_again_and_keeps_its_containers():
    world = World.from_profile("kubeadm")
    before = run(world, "kubectl get pod etcd-k8s-master -n kube-system -o jsonpath="
                        "'{.metadata.uid} {.status.containerStatuses[0].containerID}'")[0].split()
    assert run(world, "kubectl delete pod etcd-k8s-master -n kube-system") == (
        'pod "etcd-k8s-master" deleted\n', "", 0)
    after = run(world, "kubectl get pod etcd-k8s-master -n kube-system -o jsonpath="
                       "'{.metadata.uid} {.status.containerStatuses[0].containerID}'")[0].split()
    assert after[0] != before[0] and after[1] == before[1]
    assert run(world, "kubectl get pod etcd-k8s-master -n kube-system")[0] == (
        "NAME              READY   STATUS    RESTARTS   AGE\n"
        "etcd-k8s-master   1/1     Running   0          0s\n")


def test_editing_a_manifest_restarts_its_static_pod_and_removing_it_removes_the_pod():
    world = World.from_profile("kubeadm")
    path = "/etc/kubernetes/manifests/kube-scheduler.yaml"
    jsonpath = ("'{.metadata.annotations.kubernetes\\.io/config\\.hash} {.spec.containers[0].command[5]} "
                "{.status.containerStatuses[0].containerID}'")
    old_hash, flag, old_id = run(world, f"kubectl get pod kube-scheduler-k8s-master -n kube-system -o jsonpath={jsonpath}")[0].split()
    assert flag == "--leader-elect=true"
    run(world, f"sed -i 's/--leader-elect=true/--leader-elect=false/' {path}")
    assert run(world, "kubectl get pod kube-scheduler-k8s-master -n kube-system")[0] == (
        "NAME                        READY   STATUS              RESTARTS   AGE\n"
        "kube-scheduler-k8s-master   0/1     ContainerCreating   0          0s\n")
    run(world, "sleep 30")
    new_hash, flag, new_id = run(world, f"kubectl get pod kube-scheduler-k8s-master -n kube-system -o jsonpath={jsonpath}")[0].split()
    assert flag == "--leader-elect=false" and new_hash != old_hash and len(new_hash) == 32 and new_id != old_id
    run(world, f"rm {path}")
    assert run(world, "kubectl get pod kube-scheduler-k8s-master -n kube-system") == (
        "", 'Error from server (NotFound): pods "kube-scheduler-k8s-master" not found\n', 1)


def test_a_saved_and_loaded_world_keeps_the_mirror_pods_settled():
    world = World.from_profile("kubeadm")
    loaded = World.from_state(world.to_state())
    assert run(loaded, "kubectl get pods -n kube-system") == run(world, "kubectl get pods -n kube-system")
    assert loaded.to_state()["storeRevision"] == world.to_state()["storeRevision"]


def test_minikube_has_its_control_plane_pods_and_binary_has_none():
    mini = World.from_profile("minikube")
    assert run(mini, "kubectl get pods -n kube-system -o name")[0] == (
        "pod/coredns-5664774cf5-h8dgh\npod/etcd-minikube\npod/kube-apiserver-minikube\n"
        "pod/kube-controller-manager-minikube\npod/kube-proxy-bkqts\npod/kube-scheduler-minikube\n")
    assert run(mini, "curl -sk https://172.17.0.71:8443/readyz") == ("ok", "", 0)
    binary = World.from_profile("binary")
    assert run(binary, "kubectl get pods -n kube-system -o name")[0] == "pod/coredns-5664774cf5-bkqts\n"


def test_the_apiserver_from_a_pod_through_the_kubernetes_service():
    world = World.from_profile("kubeadm")
    run(world, "kubectl run n --image=nginx")
    run(world, "sleep 20")
    assert run(world, "kubectl exec n -- curl -sk https://kubernetes.default.svc/api") == (FORBIDDEN % "/api", "", 0)
    assert run(world, "kubectl exec n -- curl -sk https://10.96.0.1/healthz") == ("ok", "", 0)
