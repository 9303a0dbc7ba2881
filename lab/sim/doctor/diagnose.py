"""The driver: the debugging method as a short sequence of named steps.

DNS first, then the Service's Pods and Endpoints, then how it is exposed,
then kube-proxy and its rules on the node the packet enters (with a real
probe), then hairpin. Every step reads the lab's state; only the probes
touch it, as a client's packets would.
"""
from __future__ import annotations

from typing import Any, Callable

from . import check_dns, check_exposure, check_ports, check_proxy, check_ready, check_selector
from .findings import FAIL, PASS, Diagnosis, Finding, Fix, Text, pod_mark, service_mark
from .probe import send_all
from .scene import Scene, Source, find_source

StaticCheck = Callable[[Scene], "Finding | None"]
ProbeCheck = Callable[[Scene, list], "Finding | None"]

BEFORE_PROBES: tuple[StaticCheck, ...] = (
    check_dns.check_coredns,
    check_dns.check_name,
    check_selector.check_selector,
    check_ready.check_ready,
    check_ports.check_target_port,
    check_exposure.check_external_type,
    check_exposure.check_node_port,
    check_exposure.check_load_balancer,
    check_exposure.check_external_ips,
)
AFTER_PROBES: tuple[ProbeCheck, ...] = (
    check_exposure.check_traffic_policy,
    check_proxy.check_running,
    check_proxy.check_mode,
    check_proxy.check_rules,
    check_proxy.check_hairpin,
)


def diagnose(world: Any, namespace: str, name: str, source: str | Source | None = None) -> Diagnosis:
    """Diagnose service `namespace/name` as seen from `source` (a host name, `pod/NAME`, `NS/NAME`,
    a Source, or None for the control-plane node). Raises scene.SourceError for an unknown source."""
    world.sync_apiserver()     # the apiserver's flags as its manifest says now (kubectl does the same)
    src = source if isinstance(source, Source) else find_source(world, source, namespace)
    diagnosis = Diagnosis(namespace, name, src.label)
    svc = world.store.peek("services", namespace, name)
    if svc is None:
        diagnosis.findings.append(_missing(world, namespace, name))
        return diagnosis
    scene = Scene(world, namespace, name, svc, src)
    if src.pod is not None and not (src.pod.get("status") or {}).get("podIP"):
        diagnosis.findings.append(_source_not_running(src))
        return diagnosis
    diagnosis.findings.append(Finding("service.exists", PASS,
                                      Text(f"service/{name} exists in namespace {namespace}: {scene.type}"
                                           + (f" {scene.cluster_ip}" if scene.cluster_ip else ""),
                                           f"service/{name} 存在于命名空间 {namespace}：{scene.type}"
                                           + (f" {scene.cluster_ip}" if scene.cluster_ip else "")),
                                      marks=[service_mark(namespace, name)]))
    if scene.type == "ExternalName":
        diagnosis.findings.append(_external_name(scene))
        return diagnosis
    for check in BEFORE_PROBES:
        _add(diagnosis, check(scene))
    probes = send_all(scene)
    diagnosis.traces = [p.trace for p in probes]
    for after in AFTER_PROBES:
        _add(diagnosis, after(scene, probes))
    return diagnosis


def _add(diagnosis: Diagnosis, finding: Finding | None) -> None:
    if finding is not None:
        diagnosis.findings.append(finding)


def _missing(world: Any, namespace: str, name: str) -> Finding:
    elsewhere = sorted(s["metadata"]["namespace"] for s in world.store.iter("services")
                       if s["metadata"]["name"] == name and s["metadata"]["namespace"] != namespace)
    evidence = [Text.same(f'Error from server (NotFound): services "{name}" not found')]
    fix = Fix(Text(f"Create it (kubectl expose deployment ... --name={name}) or name the right namespace",
                   f"先创建它（kubectl expose deployment ... --name={name}），或指定正确的命名空间"))
    if elsewhere:
        evidence.append(Text(f"service/{name} exists in namespace {', '.join(elsewhere)}",
                             f"service/{name} 存在于命名空间 {', '.join(elsewhere)}"))
        fix = Fix(Text(f"Add -n {elsewhere[0]}", f"加上 -n {elsewhere[0]}"))
    return Finding("service.exists", FAIL,
                   Text(f"there is no service/{name} in namespace {namespace}",
                        f"命名空间 {namespace} 中没有 service/{name}"), evidence, fix,
                   [service_mark(namespace, name)], {"elsewhere": elsewhere})


def _source_not_running(src: Source) -> Finding:
    phase = (src.pod.get("status") or {}).get("phase", "Pending") if src.pod else ""
    return Finding("source.running", FAIL,
                   Text(f"{src.label} has no IP address ({phase}): it cannot send a request yet",
                        f"{src.label} 还没有 IP 地址（{phase}）：它现在还无法发出请求"),
                   fix=Fix(Text(f"Wait until it runs (kubectl get pod {src.pod_name} -n {src.namespace})",
                                f"等它运行起来（kubectl get pod {src.pod_name} -n {src.namespace}）")),
                   marks=[pod_mark(src.namespace, src.pod_name)])


def _external_name(scene: Scene) -> Finding:
    target = scene.spec.get("externalName", "")
    return Finding("service.externalName", PASS,
                   Text(f"ExternalName: {scene.name}.{scene.namespace}.svc.cluster.local is a CNAME for {target}; "
                        f"no ClusterIP, no endpoints, no kube-proxy rules",
                        f"ExternalName：{scene.name}.{scene.namespace}.svc.cluster.local 是 {target} 的 CNAME；"
                        f"没有 ClusterIP、端点和 kube-proxy 规则"), marks=[service_mark(scene.namespace, scene.name)])


__all__ = ["diagnose", "BEFORE_PROBES", "AFTER_PROBES"]
