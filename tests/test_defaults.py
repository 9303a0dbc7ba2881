"""Server-side defaulting: whole objects after apply_defaults, as `kubectl get -o yaml` shows them."""
from lab.sim.api.defaults import apply_defaults, default_ip_families

DEFAULTED_CONTAINER = {"name": "nginx", "image": "nginx", "resources": {}, "imagePullPolicy": "Always",
                       "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
TEMPLATE_SPEC = {"containers": [DEFAULTED_CONTAINER], "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                 "dnsPolicy": "ClusterFirst", "securityContext": {}, "schedulerName": "default-scheduler"}


def test_deployment_from_kubectl_create_deployment():
    # What `kubectl create deployment x --image=nginx --dry-run=client -o json` sends.
    obj = {"kind": "Deployment", "apiVersion": "apps/v1",
           "metadata": {"name": "x", "creationTimestamp": None, "labels": {"app": "x"}},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]}},
                    "strategy": {}},
           "status": {}}
    apply_defaults(obj)
    assert obj == {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "x", "creationTimestamp": None, "labels": {"app": "x"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}},
                 "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "x"}},
                              "spec": TEMPLATE_SPEC},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {}}


def test_pod_defaults_and_admission():
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                    "ports": [{"containerPort": 80}],
                                    "readinessProbe": {"httpGet": {"port": 80}}}]}}
    apply_defaults(obj)
    assert obj["spec"] == {
        "containers": [{"name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                                           "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                                           "failureThreshold": 3},
                        "resources": {}, "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File"}],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
        "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler", "enableServiceLinks": True,
        "priority": 0, "preemptionPolicy": "PreemptLowerPriority",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}]}


def test_image_pull_policy_by_tag():
    cases = {"nginx": "Always", "nginx:latest": "Always", "localhost:5000/nginx": "Always",
             "localhost:5000/nginx:1.0": "IfNotPresent", "nginx@sha256:" + "a" * 64: "IfNotPresent"}
    for image, want in cases.items():
        obj = {"kind": "Pod", "spec": {"containers": [{"name": "c", "image": image}]}}
        apply_defaults(obj)
        assert obj["spec"]["containers"][0]["imagePullPolicy"] == want, image


def test_service_cluster_ip_defaults():
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    apply_defaults(obj)
    assert obj["spec"] == {"selector": {"app": "web"},
                           "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                           "sessionAffinity": "None", "type": "ClusterIP", "internalTrafficPolicy": "Cluster"}


def test_service_load_balancer_and_client_ip_defaults():
    obj = {"kind": "Service", "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
                                       "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}]}}
    apply_defaults(obj)
    assert obj["spec"] == {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
                           "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}],
                           "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
                           "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                           "allocateLoadBalancerNodePorts": True}


def test_ip_families_single_stack():
    obj = {"kind": "Service", "spec": {"type": "ClusterIP", "selector": {"app": "a"}}}
    default_ip_families(obj)
    assert obj["spec"] == {"type": "ClusterIP", "selector": {"app": "a"},
                           "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"]}


def test_ip_families_headless_without_selector_quirk():
    obj = {"kind": "Service", "spec": {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"]}}
    default_ip_families(obj)
    assert obj["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert obj["spec"]["ipFamilies"] == ["IPv4", "IPv6"]


def test_ip_families_external_name_untouched():
    obj = {"kind": "Service", "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    default_ip_families(obj)
    assert obj["spec"] == {"type": "ExternalName", "externalName": "db.example.com"}


def test_replicaset_and_daemonset():
    rs = {"kind": "ReplicaSet", "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    apply_defaults(rs)
    assert rs == {"kind": "ReplicaSet", "spec": {"replicas": 1, "template": {"spec": TEMPLATE_SPEC}}}
    ds = {"kind": "DaemonSet", "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    apply_defaults(ds)
    assert ds == {"kind": "DaemonSet", "spec": {
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "revisionHistoryLimit": 10, "template": {"spec": TEMPLATE_SPEC}}}


def test_namespace():
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    apply_defaults(obj)
    assert obj == {"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def test_priority_comes_from_the_builtin_priority_classes():
    """The Priority admission plugin resolves the two system classes every cluster has."""
    for cls_name, value in (("system-node-critical", 2000001000), ("system-cluster-critical", 2000000000),
                            (None, 0)):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
        if cls_name:
            pod["spec"]["priorityClassName"] = cls_name
        apply_defaults(pod)
        assert pod["spec"]["priority"] == value


def test_volume_sources_get_their_default_modes():
    """SetDefaults_ConfigMapVolumeSource and friends: 0644 (420), hostPath type ""."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}],
                    "volumes": [{"name": "cfg", "configMap": {"name": "kube-proxy"}},
                                {"name": "lib", "hostPath": {"path": "/lib/modules"}},
                                {"name": "scratch"}]}}
    apply_defaults(pod)
    assert pod["spec"]["volumes"] == [
        {"name": "cfg", "configMap": {"name": "kube-proxy", "defaultMode": 420}},
        {"name": "lib", "hostPath": {"path": "/lib/modules", "type": ""}},
        {"name": "scratch", "emptyDir": {}},
    ]
