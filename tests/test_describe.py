"""kubectl describe layouts (describe.go through text/tabwriter padding 2)."""
from datetime import datetime, timezone

from lab.sim.kubectl.describe import describe, describe_many, format_endpoint_slices

now = datetime(2024, 5, 6, 12, 0, 0, tzinfo=timezone.utc)

pod = {"metadata": {"name": "nginx-66b6c48dd5-x7k2p", "namespace": "default", "labels": {"app": "nginx", "pod-template-hash": "66b6c48dd5"},
  "ownerReferences": [{"kind": "ReplicaSet", "name": "nginx-66b6c48dd5", "controller": True}], "creationTimestamp": "2024-05-06T11:45:00Z"},
 "spec": {"nodeName": "k8s-node1", "serviceAccountName": "default", "priority": 0, "containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
   "volumeMounts": [{"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}]}],
   "volumes": [{"name": "kube-api-access-abcde", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}, {"configMap": {"name": "kube-root-ca.crt"}}, {"downwardAPI": {}}]}}],
   "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}, {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
 "status": {"phase": "Running", "hostIP": "192.168.1.11", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}], "startTime": "2024-05-06T11:45:00Z", "qosClass": "BestEffort",
   "conditions": [{"type": "PodReadyToStartContainers", "status": "True"}, {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
   "containerStatuses": [{"name": "nginx", "containerID": "containerd://4f1c", "image": "docker.io/library/nginx:1.25", "imageID": "docker.io/library/nginx@sha256:aa", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": "2024-05-06T11:45:03Z"}}}]}}
ev = [{"type": "Normal", "reason": "Scheduled", "message": "Successfully assigned default/nginx-66b6c48dd5-x7k2p to k8s-node1", "source": {"component": "default-scheduler"}, "eventTime": "2024-05-06T11:45:00.000000Z", "firstTimestamp": None, "lastTimestamp": None},
      {"type": "Normal", "reason": "Pulled", "message": "Container image \"nginx:1.25\" already present on machine", "source": {"component": "kubelet", "host": "k8s-node1"}, "firstTimestamp": "2024-05-06T11:45:02Z", "lastTimestamp": "2024-05-06T11:45:02Z", "count": 1}]
dep = {"metadata": {"name": "nginx", "namespace": "default", "creationTimestamp": "2024-05-06T11:00:00Z", "labels": {"app": "nginx"}, "annotations": {"deployment.kubernetes.io/revision": "1"}},
 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}}, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
   "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}},
 "status": {"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}, {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}}
dep_rs = {"metadata": {"name": "nginx-86dcfdf4c6", "creationTimestamp": "2024-05-06T11:00:00Z"}, "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "nginx", "pod-template-hash": "86dcfdf4c6"}}, "spec": dep["spec"]["template"]["spec"]}}, "status": {"replicas": 3}}
dev = [{"type": "Normal", "reason": "ScalingReplicaSet", "message": "Scaled up replica set nginx-86dcfdf4c6 to 3", "source": {"component": "deployment-controller"}, "firstTimestamp": "2024-05-06T11:59:42Z", "lastTimestamp": "2024-05-06T11:59:42Z", "count": 1}]

ep = {"metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}, "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "2024-05-06T11:45:05Z"}},
      "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.6"}], "notReadyAddresses": [{"ip": "10.244.2.7"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]}
rs = {"metadata": {"name": "nginx-86dcfdf4c6", "namespace": "default", "labels": {"app": "nginx", "pod-template-hash": "86dcfdf4c6"}, "annotations": {"deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4", "deployment.kubernetes.io/revision": "1"},
  "ownerReferences": [{"kind": "Deployment", "name": "nginx", "controller": True}]},
  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": "86dcfdf4c6"}}, "template": {"metadata": {"labels": {"app": "nginx", "pod-template-hash": "86dcfdf4c6"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}},
  "status": {"replicas": 3}}
pods = [{"status": {"phase": "Running"}}, {"status": {"phase": "Running"}}, {"status": {"phase": "Pending"}}]
ns = {"metadata": {"name": "default", "labels": {"kubernetes.io/metadata.name": "default"}}, "status": {"phase": "Active"}}
cm = {"metadata": {"name": "game-config", "namespace": "default"}, "data": {"game.properties": "enemies=aliens\nlives=3", "ui.properties": "color.good=purple\n"}}
svc = {"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "fe"}, "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "x"}},
       "spec": {"selector": {"app": "web"}, "type": "LoadBalancer", "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"], "clusterIP": "10.96.12.3", "clusterIPs": ["10.96.12.3"], "externalIPs": ["192.168.1.100"],
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web", "nodePort": 30080}, {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443, "nodePort": 30443}],
                "sessionAffinity": "None", "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster"},
       "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}}}
es = [{"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "https", "port": 8443, "protocol": "TCP"}],
       "endpoints": [{"addresses": [f"10.244.1.{i}"], "conditions": {"ready": i != 3}} for i in range(1, 7)]}]
evs = [{"type": "Normal", "reason": "EnsuringLoadBalancer", "message": "Ensuring load balancer", "source": {"component": "service-controller"}, "count": 3, "firstTimestamp": "2024-05-06T11:50:00Z", "lastTimestamp": "2024-05-06T11:59:00Z"}]
node = {"metadata": {"name": "k8s-master", "labels": {"kubernetes.io/hostname": "k8s-master", "node-role.kubernetes.io/control-plane": ""}, "annotations": {"node.alpha.kubernetes.io/ttl": "0"}, "creationTimestamp": "2024-04-26T12:00:00Z"},
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"], "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": "2024-05-06T11:59:00Z", "lastTransitionTime": "2024-04-26T12:01:00Z"}],
                   "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}, {"type": "Hostname", "address": "k8s-master"}],
                   "capacity": {"cpu": "2", "memory": "3861264Ki", "pods": "110"}, "allocatable": {"cpu": "2", "memory": "3758864Ki", "pods": "110"},
                   "nodeInfo": {"machineID": "m1", "systemUUID": "u1", "bootID": "b1", "kernelVersion": "3.10.0-1160.el7.x86_64", "osImage": "CentOS Linux 7 (Core)", "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.13", "kubeletVersion": "v1.32.0"}}}
npods = [{"metadata": {"namespace": "kube-system", "name": "coredns-668d6bf9bc-abcde", "creationTimestamp": "2024-04-26T12:01:00Z"}, "spec": {"containers": [{"resources": {"requests": {"cpu": "100m", "memory": "70Mi"}, "limits": {"memory": "170Mi"}}}]}, "status": {"phase": "Running"}},
         {"metadata": {"namespace": "kube-system", "name": "kube-proxy-x2x2x", "creationTimestamp": "2024-04-26T12:01:00Z"}, "spec": {"containers": [{}]}, "status": {"phase": "Running"}}]


def test_pod():
    assert describe("Pod", pod, {"events": ev}, now) == (
        'Name:             nginx-66b6c48dd5-x7k2p\n'
        'Namespace:        default\n'
        'Priority:         0\n'
        'Service Account:  default\n'
        'Node:             k8s-node1/192.168.1.11\n'
        'Start Time:       Mon, 06 May 2024 11:45:00 +0000\n'
        'Labels:           app=nginx\n'
        '                  pod-template-hash=66b6c48dd5\n'
        'Annotations:      <none>\n'
        'Status:           Running\n'
        'IP:               10.244.1.5\n'
        'IPs:\n'
        '  IP:           10.244.1.5\n'
        'Controlled By:  ReplicaSet/nginx-66b6c48dd5\n'
        'Containers:\n'
        '  nginx:\n'
        '    Container ID:   containerd://4f1c\n'
        '    Image:          nginx:1.25\n'
        '    Image ID:       docker.io/library/nginx@sha256:aa\n'
        '    Port:           80/TCP\n'
        '    Host Port:      0/TCP\n'
        '    State:          Running\n'
        '      Started:      Mon, 06 May 2024 11:45:03 +0000\n'
        '    Ready:          True\n'
        '    Restart Count:  0\n'
        '    Environment:    <none>\n'
        '    Mounts:\n'
        '      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-abcde (ro)\n'
        'Conditions:\n'
        '  Type                        Status\n'
        '  PodReadyToStartContainers   True \n'
        '  Initialized                 True \n'
        '  Ready                       True \n'
        '  ContainersReady             True \n'
        '  PodScheduled                True \n'
        'Volumes:\n'
        '  kube-api-access-abcde:\n'
        '    Type:                    Projected (a volume that contains injected data from multiple sources)\n'
        '    TokenExpirationSeconds:  3607\n'
        '    ConfigMapName:           kube-root-ca.crt\n'
        '    ConfigMapOptional:       <nil>\n'
        '    DownwardAPI:             true\n'
        'QoS Class:                   BestEffort\n'
        'Node-Selectors:              <none>\n'
        'Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n'
        '                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n'
        'Events:\n'
        '  Type    Reason     Age   From               Message\n'
        '  ----    ------     ----  ----               -------\n'
        '  Normal  Scheduled  15m   default-scheduler  Successfully assigned default/nginx-66b6c48dd5-x7k2p to k8s-node1\n'
        '  Normal  Pulled     14m   kubelet            Container image "nginx:1.25" already present on machine\n'
    )


def test_deployment():
    assert describe("Deployment", dep, {"replicasets": [dep_rs], "events": dev}, now) == (
        'Name:                   nginx\n'
        'Namespace:              default\n'
        'CreationTimestamp:      Mon, 06 May 2024 11:00:00 +0000\n'
        'Labels:                 app=nginx\n'
        'Annotations:            deployment.kubernetes.io/revision: 1\n'
        'Selector:               app=nginx\n'
        'Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable\n'
        'StrategyType:           RollingUpdate\n'
        'MinReadySeconds:        0\n'
        'RollingUpdateStrategy:  25% max unavailable, 25% max surge\n'
        'Pod Template:\n'
        '  Labels:  app=nginx\n'
        '  Containers:\n'
        '   nginx:\n'
        '    Image:         nginx:1.14.2\n'
        '    Port:          80/TCP\n'
        '    Host Port:     0/TCP\n'
        '    Environment:   <none>\n'
        '    Mounts:        <none>\n'
        '  Volumes:         <none>\n'
        '  Node-Selectors:  <none>\n'
        '  Tolerations:     <none>\n'
        'Conditions:\n'
        '  Type           Status  Reason\n'
        '  ----           ------  ------\n'
        '  Available      True    MinimumReplicasAvailable\n'
        '  Progressing    True    NewReplicaSetAvailable\n'
        'OldReplicaSets:  <none>\n'
        'NewReplicaSet:   nginx-86dcfdf4c6 (3/3 replicas created)\n'
        'Events:\n'
        '  Type    Reason             Age   From                   Message\n'
        '  ----    ------             ----  ----                   -------\n'
        '  Normal  ScalingReplicaSet  18s   deployment-controller  Scaled up replica set nginx-86dcfdf4c6 to 3\n'
    )


def test_endpoints():
    assert describe("Endpoints", ep, {}, now) == (
        'Name:         nginx\n'
        'Namespace:    default\n'
        'Labels:       app=nginx\n'
        'Annotations:  endpoints.kubernetes.io/last-change-trigger-time: 2024-05-06T11:45:05Z\n'
        'Subsets:\n'
        '  Addresses:          10.244.1.5,10.244.2.6\n'
        '  NotReadyAddresses:  10.244.2.7\n'
        '  Ports:\n'
        '    Name  Port  Protocol\n'
        '    ----  ----  --------\n'
        '    http  80    TCP\n'
        '\n'
        'Events:  <none>\n'
    )


def test_replicaset():
    assert describe("ReplicaSet", rs, {"pods": pods}, now) == (
        'Name:           nginx-86dcfdf4c6\n'
        'Namespace:      default\n'
        'Selector:       app=nginx,pod-template-hash=86dcfdf4c6\n'
        'Labels:         app=nginx\n'
        '                pod-template-hash=86dcfdf4c6\n'
        'Annotations:    deployment.kubernetes.io/desired-replicas: 3\n'
        '                deployment.kubernetes.io/max-replicas: 4\n'
        '                deployment.kubernetes.io/revision: 1\n'
        'Controlled By:  Deployment/nginx\n'
        'Replicas:       3 current / 3 desired\n'
        'Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed\n'
        'Pod Template:\n'
        '  Labels:  app=nginx\n'
        '           pod-template-hash=86dcfdf4c6\n'
        '  Containers:\n'
        '   nginx:\n'
        '    Image:         nginx:1.14.2\n'
        '    Port:          80/TCP\n'
        '    Host Port:     0/TCP\n'
        '    Environment:   <none>\n'
        '    Mounts:        <none>\n'
        '  Volumes:         <none>\n'
        '  Node-Selectors:  <none>\n'
        '  Tolerations:     <none>\n'
        'Events:            <none>\n'
    )


def test_namespace():
    assert describe("Namespace", ns, {}, now) == (
        'Name:         default\n'
        'Labels:       kubernetes.io/metadata.name=default\n'
        'Annotations:  <none>\n'
        'Status:       Active\n'
        '\n'
        'No resource quota.\n'
        '\n'
        'No LimitRange resource.\n'
    )


def test_configmap():
    assert describe("ConfigMap", cm, {}, now) == (
        'Name:         game-config\n'
        'Namespace:    default\n'
        'Labels:       <none>\n'
        'Annotations:  <none>\n'
        '\n'
        'Data\n'
        '====\n'
        'game.properties:\n'
        '----\n'
        'enemies=aliens\n'
        'lives=3\n'
        '\n'
        'ui.properties:\n'
        '----\n'
        'color.good=purple\n'
        '\n'
        '\n'
        '\n'
        'BinaryData\n'
        '====\n'
        '\n'
        'Events:  <none>\n'
    )


def test_service_lb():
    assert describe("Service", svc, {"endpointslices": es, "events": evs}, now) == (
        'Name:                     web\n'
        'Namespace:                default\n'
        'Labels:                   app=web\n'
        '                          tier=fe\n'
        'Annotations:              note: x\n'
        'Selector:                 app=web\n'
        'Type:                     LoadBalancer\n'
        'IP Family Policy:         SingleStack\n'
        'IP Families:              IPv4\n'
        'IP:                       10.96.12.3\n'
        'IPs:                      10.96.12.3\n'
        'External IPs:             192.168.1.100\n'
        'LoadBalancer Ingress:     203.0.113.10 (VIP)\n'
        'Port:                     http  80/TCP\n'
        'TargetPort:               web/TCP\n'
        'NodePort:                 http  30080/TCP\n'
        'Endpoints:                10.244.1.1:8080,10.244.1.2:8080,10.244.1.4:8080 + 2 more...\n'
        'Port:                     https  443/TCP\n'
        'TargetPort:               8443/TCP\n'
        'NodePort:                 https  30443/TCP\n'
        'Endpoints:                10.244.1.1:8443,10.244.1.2:8443,10.244.1.4:8443 + 2 more...\n'
        'Session Affinity:         None\n'
        'External Traffic Policy:  Cluster\n'
        'Internal Traffic Policy:  Cluster\n'
        'Events:\n'
        '  Type    Reason                Age                From                Message\n'
        '  ----    ------                ----               ----                -------\n'
        '  Normal  EnsuringLoadBalancer  60s (x3 over 10m)  service-controller  Ensuring load balancer\n'
    )


def test_node():
    assert describe("Node", node, {"pods": npods}, now) == (
        'Name:               k8s-master\n'
        'Roles:              control-plane\n'
        'Labels:             kubernetes.io/hostname=k8s-master\n'
        '                    node-role.kubernetes.io/control-plane=\n'
        'Annotations:        node.alpha.kubernetes.io/ttl: 0\n'
        'CreationTimestamp:  Fri, 26 Apr 2024 12:00:00 +0000\n'
        'Taints:             node-role.kubernetes.io/control-plane:NoSchedule\n'
        'Unschedulable:      false\n'
        'Conditions:\n'
        '  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message\n'
        '  ----    ------  -----------------                 ------------------                ------         -------\n'
        '  Ready   True    Mon, 06 May 2024 11:59:00 +0000   Fri, 26 Apr 2024 12:01:00 +0000   KubeletReady   kubelet is posting ready status\n'
        'Addresses:\n'
        '  InternalIP:  192.168.1.10\n'
        '  Hostname:    k8s-master\n'
        'Capacity:\n'
        '  cpu:     2\n'
        '  memory:  3861264Ki\n'
        '  pods:    110\n'
        'Allocatable:\n'
        '  cpu:     2\n'
        '  memory:  3758864Ki\n'
        '  pods:    110\n'
        'System Info:\n'
        '  Machine ID:                 m1\n'
        '  System UUID:                u1\n'
        '  Boot ID:                    b1\n'
        '  Kernel Version:             3.10.0-1160.el7.x86_64\n'
        '  OS Image:                   CentOS Linux 7 (Core)\n'
        '  Operating System:           linux\n'
        '  Architecture:               amd64\n'
        '  Container Runtime Version:  containerd://1.7.13\n'
        '  Kubelet Version:            v1.32.0\n'
        'PodCIDR:                      10.244.0.0/24\n'
        'PodCIDRs:                     10.244.0.0/24\n'
        'Non-terminated Pods:          (2 in total)\n'
        '  Namespace                   Name                        CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n'
        '  ---------                   ----                        ------------  ----------  ---------------  -------------  ---\n'
        '  kube-system                 coredns-668d6bf9bc-abcde    100m (5%)     0 (0%)      70Mi (1%)        170Mi (4%)     9d\n'
        '  kube-system                 kube-proxy-x2x2x            0 (0%)        0 (0%)      0 (0%)           0 (0%)         9d\n'
        'Allocated resources:\n'
        '  (Total limits may be over 100 percent, i.e., overcommitted.)\n'
        '  Resource  Requests   Limits\n'
        '  --------  --------   ------\n'
        '  cpu       100m (5%)  0 (0%)\n'
        '  memory    70Mi (1%)  170Mi (4%)\n'
        'Events:     <none>\n'
    )

BOOTCAMP = {"metadata": {"name": "kubernetes-bootcamp", "namespace": "default", "labels": {"app": "kubernetes-bootcamp"}},
            "spec": {"selector": {"app": "kubernetes-bootcamp"}, "type": "NodePort", "ipFamilyPolicy": "SingleStack",
                     "ipFamilies": ["IPv4"], "clusterIP": "10.104.82.11", "clusterIPs": ["10.104.82.11"],
                     "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080, "nodePort": 31526}],
                     "sessionAffinity": "None", "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster"}}


def test_service_matches_reference_layout():
    # the layout recorded in shared/reference/k8s-api-facts.md section 2.2
    slices = [{"ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
               "endpoints": [{"addresses": ["10.244.0.7"], "conditions": {"ready": True}}]}]
    assert describe("Service", BOOTCAMP, {"endpointslices": slices}, now) == (
        "Name:                     kubernetes-bootcamp\n"
        "Namespace:                default\n"
        "Labels:                   app=kubernetes-bootcamp\n"
        "Annotations:              <none>\n"
        "Selector:                 app=kubernetes-bootcamp\n"
        "Type:                     NodePort\n"
        "IP Family Policy:         SingleStack\n"
        "IP Families:              IPv4\n"
        "IP:                       10.104.82.11\n"
        "IPs:                      10.104.82.11\n"
        "Port:                     <unset>  8080/TCP\n"
        "TargetPort:               8080/TCP\n"
        "NodePort:                 <unset>  31526/TCP\n"
        "Endpoints:                10.244.0.7:8080\n"
        "Session Affinity:         None\n"
        "External Traffic Policy:  Cluster\n"
        "Internal Traffic Policy:  Cluster\n"
        "Events:                   <none>\n"
    )


def test_service_endpoints_none_vs_blank():
    assert format_endpoint_slices([], "") == "<none>"
    not_ready = [{"ports": [{"name": "", "port": 80}], "endpoints": [{"addresses": ["10.244.1.2"], "conditions": {"ready": False}}]}]
    assert format_endpoint_slices(not_ready, "") == ""
    nil_ready = [{"ports": [{"name": "", "port": 80}], "endpoints": [{"addresses": ["fd00::5"], "conditions": {}}]}]
    assert format_endpoint_slices(nil_ready, "") == "[fd00::5]:80"
    other_port = [{"ports": [{"name": "metrics", "port": 9153}], "endpoints": [{"addresses": ["10.244.0.2"]}]}]
    assert format_endpoint_slices(other_port, "dns") == ""


def test_describe_many_separator():
    assert describe_many(["a\n", "b\n", "c\n"]) == "a\n\n\nb\n\n\nc\n"


def test_endpointslice_and_no_events_section():
    es = {"metadata": {"name": "nginx-7xk2p", "namespace": "default",
                       "labels": {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io", "kubernetes.io/service-name": "nginx"}},
          "addressType": "IPv4", "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
          "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}, "nodeName": "k8s-node1",
                         "targetRef": {"kind": "Pod", "name": "nginx-1"}}]}
    assert describe("EndpointSlice", es, {"events": None}, now) == (
        "Name:         nginx-7xk2p\n"
        "Namespace:    default\n"
        "Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io\n"
        "              kubernetes.io/service-name=nginx\n"
        "Annotations:  <none>\n"
        "AddressType:  IPv4\n"
        "Ports:\n"
        "  Name     Port  Protocol\n"
        "  ----     ----  --------\n"
        "  <unset>  80    TCP\n"
        "Endpoints:\n"
        "  - Addresses:  10.244.1.5\n"
        "    Conditions:\n"
        "      Ready:    true\n"
        "    Hostname:   <unset>\n"
        "    TargetRef:  Pod/nginx-1\n"
        "    NodeName:   k8s-node1\n"
        "    Zone:       <unset>\n"
    )


def test_daemonset():
    ds = {"metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
          "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                   "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                                "spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "kube-proxy",
                                         "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.0",
                                                         "command": ["/usr/local/bin/kube-proxy"]}]}}},
          "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}}
    assert describe("DaemonSet", ds, {"pods": [{"status": {"phase": "Running"}}] * 3}, now) == (
        "Name:           kube-proxy\n"
        "Namespace:      kube-system\n"
        "Selector:       k8s-app=kube-proxy\n"
        "Node-Selector:  kubernetes.io/os=linux\n"
        "Labels:         k8s-app=kube-proxy\n"
        "Annotations:    <none>\n"
        "Desired Number of Nodes Scheduled: 3\n"
        "Current Number of Nodes Scheduled: 3\n"
        "Number of Nodes Scheduled with Up-to-date Pods: 3\n"
        "Number of Nodes Scheduled with Available Pods: 3\n"
        "Number of Nodes Misscheduled: 0\n"
        "Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed\n"
        "Pod Template:\n"
        "  Labels:           k8s-app=kube-proxy\n"
        "  Service Account:  kube-proxy\n"
        "  Containers:\n"
        "   kube-proxy:\n"
        "    Image:      registry.k8s.io/kube-proxy:v1.32.0\n"
        "    Port:       <none>\n"
        "    Host Port:  <none>\n"
        "    Command:\n"
        "      /usr/local/bin/kube-proxy\n"
        "    Environment:   <none>\n"
        "    Mounts:        <none>\n"
        "  Volumes:         <none>\n"
        "  Node-Selectors:  kubernetes.io/os=linux\n"
        "  Tolerations:     <none>\n"
        "Events:            <none>\n"
    )
