"""kubectl get tables (printers.go + the kubectl table printer and tabwriter)."""
from datetime import datetime, timezone

from lab.sim.kubectl.duration import human_duration, translate_timestamp_since
from lab.sim.kubectl.printers import (
    no_resources_found, print_custom_columns, print_names, print_table, print_tables,
)
from lab.sim.kubectl.tabwriter import describe_tabwriter, tabify

NOW = datetime(2024, 5, 6, 12, 0, 0, tzinfo=timezone.utc)


def meta(name, ns="default", created="2024-05-01T12:00:00Z", **extra):
    m = {"name": name, "creationTimestamp": created}
    if ns:
        m["namespace"] = ns
    m.update(extra)
    return m


KUBERNETES = {"apiVersion": "v1", "kind": "Service", "metadata": meta("kubernetes", labels={"component": "apiserver", "provider": "kubernetes"}),
              "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                       "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}
BOOTCAMP = {"apiVersion": "v1", "kind": "Service", "metadata": meta("kubernetes-bootcamp", created="2024-05-06T11:58:30Z"),
            "spec": {"type": "NodePort", "clusterIPs": ["10.104.82.11"], "selector": {"app": "kubernetes-bootcamp"},
                     "ports": [{"port": 8080, "nodePort": 31526, "protocol": "TCP"}]}}
LB = {"apiVersion": "v1", "kind": "Service", "metadata": meta("web", created="2024-05-06T09:00:00Z"),
      "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.12.3"], "selector": {"app": "web", "tier": "fe"},
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "nodePort": 30443, "protocol": "TCP"}]},
      "status": {"loadBalancer": {}}}
HEADLESS = {"apiVersion": "v1", "kind": "Service", "metadata": meta("db", created="2024-05-06T11:59:50Z"),
            "spec": {"type": "ClusterIP", "clusterIPs": ["None"], "ports": [{"port": 5432, "protocol": "TCP"}]}}
EXTNAME = {"apiVersion": "v1", "kind": "Service", "metadata": meta("ext", created="2024-05-06T11:50:00Z"),
           "spec": {"type": "ExternalName", "externalName": "example.com"}}


def test_human_duration_bands():
    cases = {0: "0s", -1.5: "0s", -2: "<invalid>", 10: "10s", 119: "119s", 120: "2m", 150: "2m30s", 599: "9m59s",
             600: "10m", 3 * 3600 - 1: "179m", 3 * 3600: "3h", 3 * 3600 + 60: "3h1m", 8 * 3600: "8h", 47 * 3600: "47h",
             48 * 3600: "2d", 51 * 3600: "2d3h", 8 * 86400 - 1: "7d23h", 8 * 86400: "8d", 729 * 86400: "729d",
             730 * 86400: "2y", 731 * 86400: "2y1d", 8 * 365 * 86400: "8y"}
    for secs, want in cases.items():
        assert human_duration(secs) == want, secs
    assert translate_timestamp_since("", NOW) == "<unknown>"
    assert translate_timestamp_since("2024-05-06T11:59:19Z", NOW) == "41s"


def test_service_table():
    assert print_table("Service", [KUBERNETES, BOOTCAMP, LB, HEADLESS, EXTNAME], NOW) == (
        "NAME                  TYPE           CLUSTER-IP     EXTERNAL-IP   PORT(S)                      AGE\n"
        "kubernetes            ClusterIP      10.96.0.1      <none>        443/TCP                      5d\n"
        "kubernetes-bootcamp   NodePort       10.104.82.11   <none>        8080:31526/TCP               90s\n"
        "web                   LoadBalancer   10.96.12.3     <pending>     80:30080/TCP,443:30443/TCP   3h\n"
        "db                    ClusterIP      None           <none>        5432/TCP                     10s\n"
        "ext                   ExternalName   <none>         example.com   <none>                       10m\n"
    )


def test_service_wide_selector_and_lb_ingress_truncation():
    lb = {**LB, "status": {"loadBalancer": {"ingress": [{"hostname": "a1234567890.elb.example.com"}]}}}
    assert print_table("Service", [lb], NOW) == (
        "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP        PORT(S)                      AGE\n"
        "web    LoadBalancer   10.96.12.3   a1234567890.e...   80:30080/TCP,443:30443/TCP   3h\n"
    )
    assert print_table("Service", [lb, KUBERNETES], NOW, wide=True) == (
        "NAME         TYPE           CLUSTER-IP   EXTERNAL-IP                   PORT(S)                      AGE   SELECTOR\n"
        "web          LoadBalancer   10.96.12.3   a1234567890.elb.example.com   80:30080/TCP,443:30443/TCP   3h    app=web,tier=fe\n"
        "kubernetes   ClusterIP      10.96.0.1    <none>                        443/TCP                      5d    <none>\n"
    )


def test_show_labels_all_namespaces_and_label_columns():
    assert print_table("Service", [KUBERNETES], NOW, all_namespaces=True, show_labels=True) == (
        "NAMESPACE   NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE   LABELS\n"
        "default     kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d    component=apiserver,provider=kubernetes\n"
    )
    assert print_table("Service", [KUBERNETES], NOW, label_columns=["provider", "app.kubernetes.io/name"], no_headers=True) == (
        "kubernetes   ClusterIP   10.96.0.1   <none>   443/TCP   5d    kubernetes   \n"
    )


def pod(name, phase="Running", statuses=(), node="k8s-node1", ip="10.244.1.5", deleting=False, created="2024-05-06T11:45:00Z", conditions=None):
    p = {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, created=created, labels={"app": "nginx"}),
         "spec": {"nodeName": node, "containers": [{"name": c[0], "image": "nginx"} for c in statuses] or [{"name": "c", "image": "nginx"}]},
         "status": {"phase": phase, "podIPs": [{"ip": ip}] if ip else [], "conditions": conditions or [],
                    "containerStatuses": [s[1] for s in statuses]}}
    if deleting:
        p["metadata"]["deletionTimestamp"] = "2024-05-06T11:59:00Z"
    return p


RUNNING = {"name": "c", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": "2024-05-06T11:45:05Z"}}}


def test_pod_statuses():
    crash = {"name": "c", "ready": False, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2024-05-06T11:59:19Z"}}}
    creating = {"name": "c", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}
    done = {"name": "c", "ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    pods = [
        pod("nginx-66b6c48dd5-x7k2p", statuses=[("c", RUNNING)]),
        pod("crashy", statuses=[("c", crash)]),
        pod("new", phase="Pending", statuses=[("c", creating)], ip=""),
        pod("job-abcde", phase="Succeeded", statuses=[("c", done)]),
        pod("going", statuses=[("c", RUNNING)], deleting=True),
        pod("unscheduled", phase="Pending", node="", ip=""),
    ]
    assert print_table("Pod", pods, NOW) == (
        "NAME                     READY   STATUS              RESTARTS      AGE\n"
        "nginx-66b6c48dd5-x7k2p   1/1     Running             0             15m\n"
        "crashy                   0/1     CrashLoopBackOff    3 (41s ago)   15m\n"
        "new                      0/1     ContainerCreating   0             15m\n"
        "job-abcde                0/1     Completed           0             15m\n"
        "going                    1/1     Terminating         0             15m\n"
        "unscheduled              0/1     Pending             0             15m\n"
    )
    assert print_table("Pod", pods[:1] + pods[-1:], NOW, wide=True) == (
        "NAME                     READY   STATUS    RESTARTS   AGE   IP           NODE        NOMINATED NODE   READINESS GATES\n"
        "nginx-66b6c48dd5-x7k2p   1/1     Running   0          15m   10.244.1.5   k8s-node1   <none>           <none>\n"
        "unscheduled              0/1     Pending   0          15m   <none>       <none>      <none>           <none>\n"
    )


def test_pod_init_containers_and_two_containers():
    p = pod("init", phase="Pending", ip="")
    p["spec"]["initContainers"] = [{"name": "wait", "image": "busybox"}]
    p["status"]["initContainerStatuses"] = [{"name": "wait", "ready": False, "restartCount": 0, "state": {"running": {}}}]
    two = pod("two", statuses=[("a", RUNNING), ("b", {"name": "b", "ready": False, "restartCount": 0, "state": {"running": {}}})])
    assert print_table("Pod", [p, two], NOW, no_headers=True) == (
        "init   0/1   Init:0/1   0     15m\n"
        "two    1/2   Running    0     15m\n"
    )


def test_deployment_replicaset_daemonset():
    dep = {"kind": "Deployment", "metadata": meta("nginx", created="2024-05-06T11:00:00Z"),
           "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                    "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
           "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
    assert print_table("Deployment", [dep], NOW) == (
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx   2/3     3            2           60m\n"
    )
    assert print_table("Deployment", [dep], NOW, wide=True) == (
        "NAME    READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "nginx   2/3     3            2           60m   nginx        nginx:1.25   app=nginx\n"
    )
    rs = {"kind": "ReplicaSet", "metadata": meta("nginx-66b6c48dd5", created="2024-05-06T11:00:00Z"),
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": "66b6c48dd5"}},
                   "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
          "status": {"replicas": 3, "readyReplicas": 3}}
    assert print_table("ReplicaSet", [rs], NOW, wide=True) == (
        "NAME               DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "nginx-66b6c48dd5   3         3         3       60m   nginx        nginx:1.25   app=nginx,pod-template-hash=66b6c48dd5\n"
    )
    ds = {"kind": "DaemonSet", "metadata": meta("kube-proxy", ns="kube-system", created="2024-04-01T12:00:00Z"),
          "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                   "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.0"}]}}},
          "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}}
    assert print_table("DaemonSet", [ds], NOW) == (
        "NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE\n"
        "kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   35d\n"
    )


def node(name, ready="True", labels=None, unschedulable=False):
    return {"kind": "Node", "metadata": meta(name, ns=None, created="2024-04-26T12:00:00Z", labels=labels or {}),
            "spec": {"unschedulable": unschedulable} if unschedulable else {},
            "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}],
                       "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "CentOS Linux 7 (Core)",
                                    "kernelVersion": "3.10.0-1160.el7.x86_64", "containerRuntimeVersion": "containerd://1.7.13"}}}


def test_nodes():
    nodes = [node("k8s-master", labels={"node-role.kubernetes.io/control-plane": ""}),
             node("k8s-node1", ready="False", unschedulable=True), node("k8s-node2", ready="Unknown", labels={"kubernetes.io/role": "worker"})]
    assert print_table("Node", nodes, NOW) == (
        "NAME         STATUS                        ROLES           AGE   VERSION\n"
        "k8s-master   Ready                         control-plane   10d   v1.32.0\n"
        "k8s-node1    NotReady,SchedulingDisabled   <none>          10d   v1.32.0\n"
        "k8s-node2    NotReady                      worker          10d   v1.32.0\n"
    )
    assert print_table("Node", nodes[:1], NOW, wide=True, all_namespaces=True) == (
        "NAME         STATUS   ROLES           AGE   VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE                KERNEL-VERSION           CONTAINER-RUNTIME\n"
        "k8s-master   Ready    control-plane   10d   v1.32.0   192.168.1.10   <none>        CentOS Linux 7 (Core)   3.10.0-1160.el7.x86_64   containerd://1.7.13\n"
    )


def test_endpoints_and_slices():
    ep = {"kind": "Endpoints", "metadata": meta("nginx", created="2024-05-06T11:59:00Z"),
          "subsets": [{"addresses": [{"ip": f"10.244.1.{i}"} for i in range(2, 7)], "ports": [{"port": 80, "protocol": "TCP"}]}]}
    empty = {"kind": "Endpoints", "metadata": meta("none", created="2024-05-06T11:59:00Z")}
    notready = {"kind": "Endpoints", "metadata": meta("nr", created="2024-05-06T11:59:00Z"),
                "subsets": [{"notReadyAddresses": [{"ip": "10.244.1.9"}], "ports": [{"port": 80}]}]}
    assert print_table("Endpoints", [ep, empty, notready], NOW) == (
        "NAME    ENDPOINTS                                               AGE\n"
        "nginx   10.244.1.2:80,10.244.1.3:80,10.244.1.4:80 + 2 more...   60s\n"
        "none    <none>                                                  60s\n"
        "nr                                                              60s\n"
    )
    es = {"kind": "EndpointSlice", "metadata": meta("nginx-7xk2p", created="2024-05-06T11:59:00Z"), "addressType": "IPv4",
          "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
          "endpoints": [{"addresses": ["10.244.1.2"], "conditions": {"ready": True}}, {"addresses": ["10.244.2.3"], "conditions": {"ready": False}}]}
    es_empty = {"kind": "EndpointSlice", "metadata": meta("db-abcde", created="2024-05-06T11:59:00Z"), "addressType": "IPv4", "endpoints": None, "ports": None}
    assert print_table("EndpointSlice", [es, es_empty], NOW) == (
        "NAME          ADDRESSTYPE   PORTS     ENDPOINTS               AGE\n"
        "nginx-7xk2p   IPv4          80        10.244.1.2,10.244.2.3   60s\n"
        "db-abcde      IPv4          <unset>   <unset>                 60s\n"
    )


def test_namespace_configmap_event():
    ns = {"kind": "Namespace", "metadata": meta("default", ns=None, created="2024-04-26T12:00:00Z"), "status": {"phase": "Active"}}
    assert print_table("Namespace", [ns], NOW) == "NAME      STATUS   AGE\ndefault   Active   10d\n"
    cm = {"kind": "ConfigMap", "metadata": meta("kube-root-ca.crt", created="2024-04-26T12:00:00Z"), "data": {"ca.crt": "x"}}
    assert print_table("ConfigMap", [cm], NOW) == "NAME               DATA   AGE\nkube-root-ca.crt   1      10d\n"
    ev = {"kind": "Event", "metadata": meta("nginx.17c1", created="2024-05-06T11:58:00Z"), "type": "Normal", "reason": "Scheduled",
          "involvedObject": {"kind": "Pod", "name": "nginx", "namespace": "default"}, "message": "Successfully assigned default/nginx to k8s-node1",
          "source": {"component": "default-scheduler"}, "firstTimestamp": None, "lastTimestamp": None, "eventTime": "2024-05-06T11:57:59.500000Z"}
    ev2 = {"kind": "Event", "metadata": meta("nginx.17c2", created="2024-05-06T11:58:30Z"), "type": "Normal", "reason": "Pulled",
           "involvedObject": {"kind": "Pod", "name": "nginx", "fieldPath": "spec.containers{nginx}"}, "message": "Container image \"nginx\" already present on machine",
           "source": {"component": "kubelet", "host": "k8s-node1"}, "count": 2, "firstTimestamp": "2024-05-06T11:58:30Z", "lastTimestamp": "2024-05-06T11:59:30Z"}
    assert print_table("Event", [ev, ev2], NOW) == (
        "LAST SEEN   TYPE     REASON      OBJECT      MESSAGE\n"
        "2m          Normal   Scheduled   pod/nginx   Successfully assigned default/nginx to k8s-node1\n"
        "30s         Normal   Pulled      pod/nginx   Container image \"nginx\" already present on machine\n"
    )
    assert print_table("Event", [ev2], NOW, wide=True) == (
        "LAST SEEN   TYPE     REASON   OBJECT      SUBOBJECT                SOURCE               MESSAGE                                              FIRST SEEN   COUNT   NAME\n"
        "30s         Normal   Pulled   pod/nginx   spec.containers{nginx}   kubelet, k8s-node1   Container image \"nginx\" already present on machine   90s          2       nginx.17c2\n"
    )


def test_several_kinds_get_kind_prefix_and_blank_line():
    dep = {"kind": "Deployment", "metadata": meta("nginx", created="2024-05-06T11:00:00Z"),
           "spec": {"replicas": 1, "template": {"spec": {"containers": []}}}, "status": {"readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1}}
    assert print_tables([("Pod", [pod("nginx", statuses=[("c", RUNNING)])]), ("Service", [KUBERNETES]), ("Deployment", [dep]), ("ReplicaSet", [])], NOW) == (
        "NAME        READY   STATUS    RESTARTS   AGE\n"
        "pod/nginx   1/1     Running   0          15m\n"
        "\n"
        "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d\n"
        "\n"
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/nginx   1/1     1            1           60m\n"
    )
    assert print_tables([("Service", [KUBERNETES])], NOW) == (
        "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d\n"
    )


def test_no_resources_and_names():
    assert print_table("Pod", [], NOW) == ""
    assert no_resources_found("default") == "No resources found in default namespace.\n"
    assert no_resources_found(None) == "No resources found\n"
    assert print_names([KUBERNETES, {"kind": "Deployment", "metadata": {"name": "nginx"}},
                        {"kind": "EndpointSlice", "metadata": {"name": "k-1"}}]) == (
        "service/kubernetes\ndeployment.apps/nginx\nendpointslice.discovery.k8s.io/k-1\n")


def test_custom_columns():
    assert print_custom_columns("NAME:.metadata.name,PORTS:.spec.ports[*].port,SEL:{.spec.selector},X:x", [KUBERNETES, LB]) == (
        "NAME         PORTS    SEL                    X\n"
        "kubernetes   443      <none>                 <none>\n"
        "web          80,443   map[app:web tier:fe]   <none>\n"
    )


def test_tabwriter_edge_cases():
    # minwidth 6; a line without tabs flushes the block, but RememberWidths
    # keeps column widths across that flush; the last cell is never padded
    assert tabify("a\tbb\tc\nlonger-name\tx\n--\nq\tw\n") == (
        "a             bb    c\nlonger-name   x\n--\nq             w\n")
    w = describe_tabwriter()
    w.write("Name:\tnginx\nIP Family Policy:\tSingleStack\nEvents:\t<none>\n")
    w.flush()
    assert w.getvalue() == "Name:              nginx\nIP Family Policy:  SingleStack\nEvents:            <none>\n"


def test_secret_serviceaccount_and_default_columns():
    sec = {"kind": "Secret", "metadata": meta("tls", created="2024-05-06T11:00:00Z"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}
    assert print_table("Secret", [sec], NOW) == "NAME   TYPE                DATA   AGE\ntls    kubernetes.io/tls   2      60m\n"
    sa = {"kind": "ServiceAccount", "metadata": meta("default", created="2024-04-26T12:00:00Z")}
    assert print_table("ServiceAccount", [sa], NOW) == "NAME      SECRETS   AGE\ndefault   0         10d\n"
    lease = {"kind": "Lease", "metadata": meta("k8s-master", ns="kube-node-lease", created="2024-04-26T12:00:00Z")}
    assert print_table("Lease", [lease], NOW) == "NAME         AGE\nk8s-master   10d\n"
