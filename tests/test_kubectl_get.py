"""kubectl get on a fresh kubeadm lab: tables, kinds, selectors, -o formats and messages."""
import pytest

from lab.sim.world import World


@pytest.fixture()
def world():
    return World.from_profile("kubeadm")


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def test_get_svc_fresh_lab(world):
    assert run(world, "kubectl get svc") == (
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   3d1h\n", "", 0)


def test_get_svc_kube_system_wide(world):
    assert run(world, "kubectl get svc -n kube-system -o wide") == (
        "NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE    SELECTOR\n"
        "kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   3d1h   k8s-app=kube-dns\n",
        "", 0)


def test_get_nodes_wide(world):
    out, err, status = run(world, "kubectl get nodes -o wide")
    assert (err, status) == ("", 0)
    assert out == (
        "NAME         STATUS   ROLES           AGE    VERSION   INTERNAL-IP     EXTERNAL-IP   OS-IMAGE          "
        "KERNEL-VERSION          CONTAINER-RUNTIME\n"
        "k8s-master   Ready    control-plane   3d1h   v1.32.4   192.168.56.10   <none>        CentOS Stream 9   "
        "5.14.0-503.el9.x86_64   containerd://1.7.24\n"
        "k8s-node1    Ready    <none>          3d     v1.32.4   192.168.56.11   <none>        CentOS Stream 9   "
        "5.14.0-503.el9.x86_64   containerd://1.7.24\n"
        "k8s-node2    Ready    <none>          3d     v1.32.4   192.168.56.12   <none>        CentOS Stream 9   "
        "5.14.0-503.el9.x86_64   containerd://1.7.24\n")


def test_age_follows_the_virtual_clock(world):
    world.advance(5 * 86400)
    assert "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   8d\n" in run(world, "kubectl get svc")[0]


def test_several_types_get_kind_prefixes_and_a_blank_line(world):
    assert run(world, "kubectl get svc,ep") == (
        "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   3d1h\n"
        "\n"
        "NAME                   ENDPOINTS            AGE\n"
        "endpoints/kubernetes   192.168.56.10:6443   3d1h\n", "", 0)


def test_get_all_all_namespaces(world):
    # kubeadm's kube-proxy DaemonSet (one Pod per node; the workers joined after the control plane),
    # flannel's DaemonSet, the control plane's mirror Pods (etcd, kube-apiserver,
    # kube-controller-manager, kube-scheduler) and CoreDNS's Deployment (two replicas on the control plane).
    assert run(world, "kubectl get all -A") == ("""\
NAMESPACE      NAME                                     READY   STATUS    RESTARTS   AGE
kube-flannel   pod/kube-flannel-ds-8lrq5                1/1     Running   0          3d
kube-flannel   pod/kube-flannel-ds-gq7jn                1/1     Running   0          3d1h
kube-flannel   pod/kube-flannel-ds-kg4z7                1/1     Running   0          3d
kube-system    pod/coredns-5664774cf5-b8ch5             1/1     Running   0          3d1h
kube-system    pod/coredns-5664774cf5-h8dgh             1/1     Running   0          3d1h
kube-system    pod/etcd-k8s-master                      1/1     Running   0          3d1h
kube-system    pod/kube-apiserver-k8s-master            1/1     Running   0          3d1h
kube-system    pod/kube-controller-manager-k8s-master   1/1     Running   0          3d1h
kube-system    pod/kube-proxy-bkqts                     1/1     Running   0          3d1h
kube-system    pod/kube-proxy-kpvq4                     1/1     Running   0          3d
kube-system    pod/kube-proxy-rlsg4                     1/1     Running   0          3d
kube-system    pod/kube-scheduler-k8s-master            1/1     Running   0          3d1h

NAMESPACE     NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE
default       service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP                  3d1h
kube-system   service/kube-dns     ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   3d1h

NAMESPACE      NAME                             DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE
kube-flannel   daemonset.apps/kube-flannel-ds   3         3         3       3            3           <none>                   3d1h
kube-system    daemonset.apps/kube-proxy        3         3         3       3            3           kubernetes.io/os=linux   3d1h

NAMESPACE     NAME                      READY   UP-TO-DATE   AVAILABLE   AGE
kube-system   deployment.apps/coredns   2/2     2            2           3d1h

NAMESPACE     NAME                                 DESIRED   CURRENT   READY   AGE
kube-system   replicaset.apps/coredns-5664774cf5   2         2         2       3d1h
""", "", 0)


def test_no_resources_messages(world):
    assert run(world, "kubectl get pods") == ("", "No resources found in default namespace.\n", 0)
    assert run(world, "kubectl get pods -n kube-public") == ("", "No resources found in kube-public namespace.\n", 0)
    # kube-system holds CoreDNS's Deployment: nothing matches this selector in any namespace.
    assert run(world, "kubectl get deploy -A -l app=none") == ("", "No resources found\n", 0)
    assert run(world, "kubectl get deploy") == ("", "No resources found in default namespace.\n", 0)


def test_missing_names_are_reported_after_the_found_ones(world):
    assert run(world, "kubectl get svc kubernetes x y") == (
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   3d1h\n",
        'Error from server (NotFound): services "x" not found\n'
        'Error from server (NotFound): services "y" not found\n', 1)
    assert run(world, "kubectl get svc x") == ("", 'Error from server (NotFound): services "x" not found\n', 1)
    assert run(world, "kubectl get deploy x") == (
        "", 'Error from server (NotFound): deployments.apps "x" not found\n', 1)
    assert run(world, "kubectl get svc x --ignore-not-found") == ("", "", 0)


def test_unknown_type_and_no_type(world):
    assert run(world, "kubectl get foo") == ("", 'error: the server doesn\'t have a resource type "foo"\n', 1)
    assert run(world, "kubectl get") == (
        'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of '
        "supported resources.\n\n",
        "error: Required resource not specified.\n"
        'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
        "See 'kubectl get -h' for help and examples\n", 1)


def test_selectors(world):
    out, err, status = run(world, "kubectl get svc -A -l 'k8s-app in (kube-dns,foo)' -o name")
    assert (out, err, status) == ("service/kube-dns\n", "", 0)
    assert run(world, "kubectl get svc -l provider=kubernetes,component!=x -o name") == ("service/kubernetes\n", "", 0)
    assert run(world, "kubectl get pods -l 'a in (b'") == (
        "", 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector '
            "\"a in (b\", field selector \"\": unable to parse requirement: found '', expected: ',', ')' or "
            "identifier\n", 1)
    assert run(world, "kubectl get ns --field-selector metadata.name=default -o name") == ("namespace/default\n", "", 0)


def test_labels_columns_and_sorting(world):
    assert run(world, "kubectl get svc -A -L component --sort-by=.spec.clusterIP --no-headers") == (
        "default       kubernetes   ClusterIP   10.96.0.1    <none>   443/TCP                  3d1h   apiserver\n"
        "kube-system   kube-dns     ClusterIP   10.96.0.10   <none>   53/UDP,53/TCP,9153/TCP   3d1h   \n", "", 0)
    assert run(world, "kubectl get svc --show-labels")[0] == (
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE    LABELS\n"
        "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   3d1h   component=apiserver,provider=kubernetes\n")
    assert run(world, "kubectl get svc --show-kind")[0].splitlines()[1].startswith("service/kubernetes ")


def test_jsonpath_go_template_and_custom_columns(world):
    assert run(world, """kubectl get nodes -o jsonpath='{.items[*].status.addresses[?(@.type=="InternalIP")].address}'""") \
        == ("192.168.56.10 192.168.56.11 192.168.56.12", "", 0)
    assert run(world, "kubectl get services/kubernetes -o go-template='{{(index .spec.ports 0).port}}'") == ("443", "", 0)
    assert run(world, """kubectl get nodes -o go-template --template '{{range .items}}{{printf "%s=%s\\n" .metadata.name (index .metadata.labels "kubernetes.io/hostname")}}{{end}}'""") == (
        "k8s-master=k8s-master\nk8s-node1=k8s-node1\nk8s-node2=k8s-node2\n", "", 0)
    assert run(world, "kubectl get svc -A -o custom-columns=NAME:.metadata.name,IP:.spec.clusterIP") == (
        "NAME         IP\nkubernetes   10.96.0.1\nkube-dns     10.96.0.10\n", "", 0)
    assert run(world, "kubectl get svc -o jsonpath-as-json='{.items[*].metadata.name}'") == (
        '[\n    "kubernetes"\n]\n', "", 0)


def test_yaml_single_object_and_empty_list(world):
    out, _, _ = run(world, "kubectl get svc kubernetes -o yaml")
    assert out.startswith("apiVersion: v1\nkind: Service\nmetadata:\n")
    assert run(world, "kubectl get pods -o yaml") == (
        'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n', "", 0)
    out, _, _ = run(world, "kubectl get svc -A -o json")
    assert out.startswith('{\n    "apiVersion": "v1",\n    "items": [\n')


def test_bad_output_format(world):
    assert run(world, "kubectl get svc -o foo") == (
        "", 'error: unable to match a printer suitable for the output format "foo", allowed formats are: '
            "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
            "jsonpath-file,name,template,templatefile,wide,yaml\n", 1)


def test_get_from_file(world):
    world.run("cat > svc.yaml <<'EOF'\napiVersion: v1\nkind: Service\nmetadata:\n  name: kubernetes\nEOF")
    assert run(world, "kubectl get -f svc.yaml -o name") in (("service/kubernetes\n", "", 0),)


def test_watch_prints_the_current_list(world):
    assert run(world, "kubectl get svc -w --sort-by=.metadata.name") == (
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   3d1h\n",
        "warning: --watch requested, --sort-by will be ignored for watch events received\n", 0)
