"""Server-side defaulting, as the apiserver does it on decode (v1.32).

Mirrors pkg/apis/core/v1/defaults.go and pkg/apis/apps/v1/defaults.go (with
the generated zz_generated.defaults walk into pod templates), the admission
plugins that fill Pod fields every kubeadm cluster shows (Priority,
DefaultTolerationSeconds), the Namespace strategy (spec.finalizers), and the
Service registry's ClusterIP/ClusterIPs normalization and IP family rules
(registry/core/service/strategy.go, storage/alloc.go initIPFamilyFields).
"""
from __future__ import annotations

from typing import Any

NOT_READY_TOLERATION = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                        "tolerationSeconds": 300}
UNREACHABLE_TOLERATION = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                          "tolerationSeconds": 300}


#: scheduling.k8s.io PriorityClasses built into every cluster (pkg/apis/scheduling).
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def apply_defaults(obj: dict[str, Any]) -> None:
    """Fill defaults in place for the kinds the lab serves (others are left alone)."""
    fn = _BY_KIND.get(obj.get("kind", ""))
    if fn:
        fn(obj)


# ---- Service ---------------------------------------------------------------

def _externally_accessible(spec: dict[str, Any]) -> bool:
    t = spec.get("type")
    return t in ("LoadBalancer", "NodePort") or (t == "ClusterIP" and bool(spec.get("externalIPs")))


def default_service(svc: dict[str, Any]) -> None:
    """SetDefaults_Service."""
    spec = svc.setdefault("spec", {})
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for sp in spec.get("ports") or []:
        if not sp.get("protocol"):
            sp["protocol"] = "TCP"
        if sp.get("targetPort") in (None, 0, ""):
            sp["targetPort"] = sp.get("port", 0)
    if spec["sessionAffinity"] == "ClientIP":
        cfg = spec.get("sessionAffinityConfig") or {}
        if (cfg.get("clientIP") or {}).get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if _externally_accessible(spec) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and spec["type"] in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


def _same_cluster_ips(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return (old.get("clusterIPs") or []) == (new.get("clusterIPs") or [])


def normalize_cluster_ips(svc: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """NormalizeClusterIPs: keep spec.clusterIP and spec.clusterIPs in step, as old clients set one only."""
    spec = svc.setdefault("spec", {})
    if old is None:
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]
        return
    ospec = old.get("spec") or {}
    if ospec.get("clusterIPs") and not spec.get("clusterIPs"):
        if (ospec.get("clusterIP") or "") == (spec.get("clusterIP") or ""):
            spec["clusterIPs"] = list(ospec["clusterIPs"])
    if (ospec.get("clusterIP") or "") != (spec.get("clusterIP") or ""):
        if ospec.get("clusterIP") and not spec.get("clusterIP"):
            if _same_cluster_ips(ospec, spec):
                spec.pop("clusterIPs", None)
        elif _same_cluster_ips(ospec, spec):
            spec["clusterIPs"] = [spec.get("clusterIP") or ""]


def _needs_node_port(spec: dict[str, Any]) -> bool:
    t = spec.get("type")
    return t == "NodePort" or (t == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False)


def patch_allocated_values(svc: dict[str, Any], old: dict[str, Any]) -> None:
    """patchAllocatedValues: an update that omits clusterIP/nodePorts keeps the allocated ones."""
    spec, ospec = svc.setdefault("spec", {}), old.get("spec") or {}
    if spec.get("type") != "ExternalName" and ospec.get("type") != "ExternalName":
        if not spec.get("clusterIP") and ospec.get("clusterIP"):
            spec["clusterIP"] = ospec["clusterIP"]
        if not spec.get("clusterIPs") and ospec.get("clusterIPs"):
            spec["clusterIPs"] = list(ospec["clusterIPs"])
    if _needs_node_port(ospec) and _needs_node_port(spec):
        def used(s: dict[str, Any]) -> set[int]:
            return {int(p.get("nodePort") or 0) for p in s.get("ports") or [] if p.get("nodePort")}
        taken = used(ospec) & used(spec)
        by_name = {p.get("name") or "": int(p.get("nodePort") or 0) for p in ospec.get("ports") or []}
        for p in spec.get("ports") or []:
            if not p.get("nodePort"):
                old_val = by_name.get(p.get("name") or "", 0)
                if old_val and old_val not in taken:
                    p["nodePort"] = old_val
    lb_local = ("LoadBalancer", "Local")
    if ((ospec.get("type"), ospec.get("externalTrafficPolicy")) == lb_local
            and (spec.get("type"), spec.get("externalTrafficPolicy")) == lb_local
            and not spec.get("healthCheckNodePort") and ospec.get("healthCheckNodePort")):
        spec["healthCheckNodePort"] = ospec["healthCheckNodePort"]


def prepare_service_for_create(svc: dict[str, Any]) -> None:
    """svcStrategy.PrepareForCreate (the parts that shape validation input)."""
    svc.pop("status", None)
    normalize_cluster_ips(svc, None)


def prepare_service_for_update(svc: dict[str, Any], old: dict[str, Any]) -> None:
    """svcStrategy.PrepareForUpdate: status is kept, allocated values patched in, IPs normalized."""
    if "status" in old:
        svc["status"] = old["status"]
    else:
        svc.pop("status", None)
    patch_allocated_values(svc, old)
    normalize_cluster_ips(svc, old)


def default_ip_families(svc: dict[str, Any], old: dict[str, Any] | None = None,
                        cluster_families: tuple[str, ...] = ("IPv4",)) -> None:
    """initIPFamilyFields' defaulting on a cluster with `cluster_families` (primary first).

    Sets spec.ipFamilyPolicy and spec.ipFamilies. ExternalName gets neither.
    Quirk mirrored: a headless Service without a selector defaults to
    RequireDualStack and gets both families, even on a single-stack cluster.
    SIMPLIFICATION: the error cases of initIPFamilyFields (families not
    configured, RequireDualStack on single-stack) are left to the allocator.
    """
    spec = svc.setdefault("spec", {})
    if spec.get("type") == "ExternalName":
        return
    headless_no_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
    if spec.get("ipFamilyPolicy") is None:
        old_policy = ((old or {}).get("spec") or {}).get("ipFamilyPolicy")
        if old_policy is not None:
            spec["ipFamilyPolicy"] = old_policy
        elif headless_no_selector:
            spec["ipFamilyPolicy"] = "RequireDualStack"
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
    families = list(spec.get("ipFamilies") or [])
    for i, ip in enumerate(spec.get("clusterIPs") or []):
        if ip == "None":
            break
        if i >= len(families):
            families.append("IPv6" if ":" in ip else "IPv4")
    other = {"IPv4": "IPv6", "IPv6": "IPv4"}
    if headless_no_selector:
        if not families:
            families = [cluster_families[0]]
        if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
            families.append(other[families[0]])
        spec["ipFamilies"] = families
        return
    if not families:
        families = [cluster_families[0]]
    if spec["ipFamilyPolicy"] != "SingleStack" and len(families) == 1 and len(cluster_families) == 2:
        families.append(other[families[0]])
    spec["ipFamilies"] = families


# ---- Pods and pod templates ------------------------------------------------

def _image_tag(image: str) -> str:
    """The tag docker's reference parser finds: "latest" when there is neither tag nor digest."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if digest else "latest"


def _default_probe(probe: dict[str, Any] | None) -> None:
    if probe is None:
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    _default_handler(probe)


def _default_handler(handler: dict[str, Any] | None) -> None:
    if handler and handler.get("httpGet") is not None:
        http = handler["httpGet"]
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


def _default_container(ctr: dict[str, Any]) -> None:
    """SetDefaults_Container, ContainerPort, Probe, HTTPGetAction."""
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = "Always" if _image_tag(ctr.get("image") or "") == "latest" else "IfNotPresent"
    if not ctr.get("terminationMessagePath"):
        ctr["terminationMessagePath"] = "/dev/termination-log"
    if not ctr.get("terminationMessagePolicy"):
        ctr["terminationMessagePolicy"] = "File"
    ctr.setdefault("resources", {})
    for port in ctr.get("ports") or []:
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(ctr.get(key))
    lifecycle = ctr.get("lifecycle") or {}
    for key in ("postStart", "preStop"):
        _default_handler(lifecycle.get(key))


def _default_volume(volume: dict[str, Any]) -> None:
    """SetDefaults_ConfigMapVolumeSource / SecretVolumeSource / HostPathVolumeSource ..."""
    for source in ("configMap", "secret", "downwardAPI", "projected"):
        if isinstance(volume.get(source), dict) and volume[source].get("defaultMode") is None:
            volume[source]["defaultMode"] = 420  # 0644
    if isinstance(volume.get("hostPath"), dict) and volume["hostPath"].get("type") is None:
        volume["hostPath"]["type"] = ""
    if not any(k for k in volume if k != "name"):
        volume["emptyDir"] = {}


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec (also applied to templates) plus the per-container defaults."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    if not spec.get("schedulerName"):
        spec["schedulerName"] = "default-scheduler"
    # The v1 conversion: serviceAccount is an alias of serviceAccountName
    # (which wins), and what is stored carries both with one value.
    from .serviceaccounts import convert_deprecated_field, stored_deprecated_field
    convert_deprecated_field(spec)
    stored_deprecated_field(spec)
    for volume in spec.get("volumes") or []:
        _default_volume(volume)
    for key in ("initContainers", "containers"):
        for ctr in spec.get(key) or []:
            _default_container(ctr)
            if spec.get("hostNetwork"):
                for port in ctr.get("ports") or []:
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)


def default_pod(pod: dict[str, Any]) -> None:
    """SetDefaults_Pod + SetDefaults_PodSpec, then the Priority and DefaultTolerationSeconds admission."""
    spec = pod.setdefault("spec", {})
    default_pod_spec(spec)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    for ctr in spec.get("containers") or []:
        res = ctr.get("resources") or {}
        if res.get("limits"):
            requests = res.setdefault("requests", {})
            for name, qty in res["limits"].items():
                requests.setdefault(name, qty)
    # Priority admission plugin: the two built-in PriorityClasses every
    # cluster has; any other class name is unknown to the lab.
    if spec.get("priority") is None:
        spec["priority"] = SYSTEM_PRIORITY_CLASSES.get(spec.get("priorityClassName") or "", 0)
    if spec.get("preemptionPolicy") is None:
        spec["preemptionPolicy"] = "PreemptLowerPriority"
    # DefaultTolerationSeconds admission plugin.
    tolerations = spec.get("tolerations") or []
    have = {(t.get("key"), t.get("effect")) for t in tolerations}
    # An empty key with operator Exists tolerates every taint of its effect (both are NoExecute),
    # as TolerationsTolerateTaint decides: a static Pod's `:NoExecute op=Exists` gets neither.
    tolerates_all = any(not t.get("key") and t.get("operator") == "Exists" and t.get("effect", "") in ("", "NoExecute")
                        for t in tolerations)
    added = list(tolerations)
    if not tolerates_all:
        for tol in (NOT_READY_TOLERATION, UNREACHABLE_TOLERATION):
            if (tol["key"], "NoExecute") not in have:
                added.append(dict(tol))
    if added:
        spec["tolerations"] = added


# ---- Workloads -------------------------------------------------------------

def _default_template(obj: dict[str, Any]) -> None:
    template = obj.setdefault("spec", {}).setdefault("template", {})
    default_pod_spec(template.setdefault("spec", {}))


def default_deployment(obj: dict[str, Any]) -> None:
    """SetDefaults_Deployment."""
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            ru = strategy["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = "25%"
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(obj)


def default_replicaset(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(obj)


def default_daemonset(obj: dict[str, Any]) -> None:
    """SetDefaults_DaemonSet."""
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            ru = strategy["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = 1
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(obj)


# ---- Others ----------------------------------------------------------------

def default_namespace(obj: dict[str, Any]) -> None:
    """SetDefaults_Namespace (the name label) and the namespace strategy (finalizers, phase)."""
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if name:
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {})
    if not obj["spec"].get("finalizers"):
        obj["spec"]["finalizers"] = ["kubernetes"]
    obj.setdefault("status", {}).setdefault("phase", "Active")


def default_endpoints(obj: dict[str, Any]) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def default_endpoint_slice(obj: dict[str, Any]) -> None:
    """SetDefaults_EndpointPort (discovery/v1): name "" and protocol TCP."""
    for port in obj.get("ports") or []:
        if port.get("name") is None:
            port["name"] = ""
        if port.get("protocol") is None:
            port["protocol"] = "TCP"


_BY_KIND = {
    "Service": default_service,
    "Pod": default_pod,
    "Deployment": default_deployment,
    "ReplicaSet": default_replicaset,
    "DaemonSet": default_daemonset,
    "Namespace": default_namespace,
    "Endpoints": default_endpoints,
    "EndpointSlice": default_endpoint_slice,
}
