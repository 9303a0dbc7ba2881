"""Step one of the method: DNS. Is CoreDNS up, and does the name resolve from where the request starts?

Lookups are real query packets (lab.sim.dns.resolver.query) from the
source to the nameserver of its own /etc/resolv.conf, one per name of the
search list, as res_search tries them; a server that does not answer is
reported, the clock does not wait for it.
"""
from __future__ import annotations

from typing import Any

from .. import runtime as rt
from ..dns.message import NOERROR
from ..dns.resolver import NoReply, candidates, files_for, query
from ..workloads import workload_for
from .findings import FAIL, NOTE, PASS, WARN, Finding, Fix, Text, node_mark, object_mark, pod_mark, service_mark
from .scene import Scene, pod_ready

DNS_NAMESPACE, DNS_SERVICE, DNS_LABELS = "kube-system", "kube-dns", {"k8s-app": "kube-dns"}


def check_coredns(scene: Scene) -> Finding:
    world = scene.world
    pods = sorted(world.store.with_labels("pods", DNS_NAMESPACE, DNS_LABELS), key=lambda p: p["metadata"]["name"])
    ready = [p for p in pods if pod_ready(p)]
    evidence = [Text.same(f"{p['metadata']['name']}: {_status(p)}, {'ready' if pod_ready(p) else 'not ready'}")
                for p in pods]
    marks = [service_mark(DNS_NAMESPACE, DNS_SERVICE)] + [pod_mark(DNS_NAMESPACE, p["metadata"]["name"])
                                                          for p in pods if not pod_ready(p)]
    data = {"pods": len(pods), "ready": len(ready)}
    if ready:
        return Finding("dns.coredns", PASS,
                       Text(f"CoreDNS is up: {len(ready)} of {len(pods)} Pods ready behind kube-dns",
                            f"CoreDNS 正常：kube-dns 后面有 {len(ready)}/{len(pods)} 个 Pod 就绪"),
                       evidence, marks=[service_mark(DNS_NAMESPACE, DNS_SERVICE)], data=data)
    # Names are resolved by Pods; for a node or the external host it is a warning.
    status = FAIL if scene.source.kind == "pod" else WARN
    deploy = world.store.peek("deployments.apps", DNS_NAMESPACE, "coredns")
    fix: Fix
    if deploy is not None and not pods and int((deploy.get("spec") or {}).get("replicas", 1) or 0) == 0:
        evidence.append(Text("deployment coredns is scaled to 0 replicas", "deployment coredns 的副本数被设为 0"))
        marks.append(object_mark("Deployment", DNS_NAMESPACE, "coredns"))
        fix = Fix(Text("Scale CoreDNS back up", "把 CoreDNS 重新扩容"),
                  ["kubectl -n kube-system scale deployment coredns --replicas=2"])
    else:
        if not pods:
            evidence.append(Text("no Pod with k8s-app=kube-dns in kube-system",
                                 "kube-system 中没有 k8s-app=kube-dns 的 Pod"))
        crashed = [(p, line) for p in pods for line in [_last_log(world, p)] if line]
        for p, line in crashed[:1]:
            evidence.append(Text.same(f"kubectl -n kube-system logs {p['metadata']['name']} --previous: {line}"))
        if crashed:
            fix = Fix(Text("CoreDNS cannot read its Corefile: correct it (kubectl -n kube-system edit configmap "
                           "coredns); the Pods start again after their back-off",
                           "CoreDNS 无法读取它的 Corefile：修正它（kubectl -n kube-system edit configmap coredns），"
                           "Pod 会在退避结束后重新启动"))
        else:
            fix = Fix(Text("kubectl -n kube-system describe pods -l k8s-app=kube-dns and their logs say why they are "
                           "not ready", "用 kubectl -n kube-system describe pods -l k8s-app=kube-dns 和它们的日志查看为何未就绪"))
    return Finding("dns.coredns", status,
                   Text("CoreDNS has no ready Pod: no Service name resolves in the cluster",
                        "CoreDNS 没有就绪的 Pod：集群内任何 Service 名字都无法解析"),
                   evidence, fix, marks, data)


def _status(pod: dict[str, Any]) -> str:
    """What kubectl's STATUS column says: a waiting container's reason, else the phase."""
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or []:
        reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
        if reason:
            return reason
    return status.get("phase", "Pending")


def _last_log(world: Any, pod: dict[str, Any]) -> str:
    """The last line a crashed CoreDNS container wrote before it exited ("" when it did not exit)."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if "terminated" in (cs.get("lastState") or {}) and "running" not in (cs.get("state") or {}):
            lines = rt.container_logs(world, pod["metadata"].get("uid", ""), cs["name"], previous=True)
            if lines:
                return lines[-1][2].rstrip("\n")
    return ""


def _busybox_nslookup_ignores_search(pod: dict[str, Any]) -> str:
    """The image of a container whose nslookup asks for a bare name as is (busybox 1.29, see dns/tools.py)."""
    for c in (pod.get("spec") or {}).get("containers") or []:
        w = workload_for(c)
        if type(w).__name__ == "Busybox" and (1, 29) <= getattr(w, "version", (1, 28)) < (1, 30):
            return c.get("image") or ""
    return ""


def resolve(scene: Scene, name: str) -> tuple[str, list[str], str]:
    """("found"|"nxdomain"|"noreply", addresses, the name that answered) through the source's search list."""
    conf, _ = files_for(scene.world, scene.source.connect_ref)
    server = conf.nameservers[0] if conf.nameservers else "127.0.0.1"
    for cand in candidates(name, conf):
        reply = query(scene.world, scene.source.connect_ref, server, cand, "A")
        if isinstance(reply, NoReply):
            return "noreply", [], server
        if reply.rcode == NOERROR and reply.addresses():
            return "found", reply.addresses(), cand.rstrip(".")
    return "nxdomain", [], server


def check_name(scene: Scene) -> Finding:
    ns, name = scene.namespace, scene.name
    src = scene.source
    fqdn = f"{name}.{ns}.svc.cluster.local"
    if src.kind != "pod":
        return _from_host(scene, fqdn)
    short = name if src.namespace == ns else f"{name}.{ns}"
    outcome, addrs, answered = resolve(scene, name)
    marks = [service_mark(ns, name), pod_mark(src.namespace, src.pod_name)]
    if outcome == "noreply":
        return Finding("dns.name", FAIL,
                       Text(f"no DNS server answered {src.label} (nameserver {answered})",
                            f"没有 DNS 服务器回应 {src.label}（nameserver {answered}）"),
                       [Text(f"the query for {name} got no reply", f"查询 {name} 没有得到任何回应")],
                       Fix(Text("Bring CoreDNS back (see dns.coredns)", "先恢复 CoreDNS（见 dns.coredns）")),
                       marks, {"name": name, "result": outcome})
    if outcome == "nxdomain" and src.namespace != ns:
        other, other_addrs, _ = resolve(scene, short)
        return Finding("dns.name", WARN,
                       Text(f"{name} does not resolve from namespace {src.namespace}: there it means "
                            f"{name}.{src.namespace}.svc.cluster.local; use {short}",
                            f"在命名空间 {src.namespace} 中 {name} 无法解析：那里它指的是 "
                            f"{name}.{src.namespace}.svc.cluster.local；请使用 {short}"),
                       [Text(f"{name}: NXDOMAIN for every name of the search list",
                             f"{name}：搜索列表中的每个名字都返回 NXDOMAIN"),
                        Text.same(f"{short}: {', '.join(other_addrs) or other}")],
                       Fix(Text(f"Ask for {short} (or {fqdn}) from other namespaces",
                                f"从其他命名空间访问时使用 {short}（或 {fqdn}）")),
                       marks, {"name": name, "result": outcome, "use": short})
    if outcome == "nxdomain":
        return _nxdomain(scene, name, fqdn, answered, marks)
    evidence = [Text.same(f"{name} -> {answered}: {', '.join(addrs)}")]
    image = _busybox_nslookup_ignores_search(src.pod)
    if image:
        return Finding("dns.name", WARN,
                       Text(f"{name} resolves, but the nslookup of {image} ignores the search list: "
                            f"`nslookup {name}` fails there", f"{name} 可以解析，但 {image} 的 nslookup 不使用搜索列表："
                            f"在这里 `nslookup {name}` 会失败"),
                       evidence + [Text(f"curl and wget in the same Pod use the search list and find {answered}",
                                        f"同一个 Pod 里的 curl 和 wget 会使用搜索列表，能找到 {answered}")],
                       Fix(Text(f"nslookup {fqdn}, or debug DNS from busybox:1.28",
                                f"改用 nslookup {fqdn}，或者用 busybox:1.28 来调试 DNS")),
                       marks, {"name": name, "result": outcome, "addresses": addrs, "image": image})
    return Finding("dns.name", PASS,
                   Text(f"{name} resolves from {src.label} to {', '.join(addrs)}",
                        f"从 {src.label} 可以把 {name} 解析为 {', '.join(addrs)}"),
                   evidence, marks=[service_mark(ns, name)], data={"name": name, "result": outcome, "addresses": addrs})


def _cluster_dns_ip(scene: Scene) -> str:
    svc = scene.world.store.peek("services", DNS_NAMESPACE, DNS_SERVICE)
    return ((svc or {}).get("spec") or {}).get("clusterIP", "")


def _nxdomain(scene: Scene, name: str, fqdn: str, server: str, marks: list[dict[str, Any]]) -> Finding:
    """The name is unknown where the Pod asks: not the cluster DNS (dnsPolicy), or no such record."""
    src = scene.source
    cluster_dns = _cluster_dns_ip(scene)
    policy = ((src.pod or {}).get("spec") or {}).get("dnsPolicy") or "ClusterFirst"
    if cluster_dns and server != cluster_dns:
        host_net = bool(((src.pod or {}).get("spec") or {}).get("hostNetwork"))
        wanted = "ClusterFirstWithHostNet" if host_net else "ClusterFirst"
        return Finding("dns.name", FAIL,
                       Text(f"{src.label} does not ask the cluster DNS: its nameserver is {server}, not kube-dns "
                            f"({cluster_dns})", f"{src.label} 没有使用集群 DNS：它的 nameserver 是 {server}，"
                                                f"而不是 kube-dns（{cluster_dns}）"),
                       [Text(f"dnsPolicy: {policy}", f"dnsPolicy：{policy}"),
                        Text(f"{name}: NXDOMAIN from {server}", f"{name}：{server} 返回 NXDOMAIN")],
                       Fix(Text(f"Run it with dnsPolicy: {wanted} (dnsPolicy cannot change on a running Pod: "
                                f"recreate it)", f"使用 dnsPolicy: {wanted} 运行它（运行中的 Pod 不能修改 dnsPolicy："
                                                 f"需要重新创建）")),
                       marks, {"name": name, "result": "nxdomain", "nameserver": server, "dnsPolicy": policy})
    return Finding("dns.name", FAIL, Text(f"{fqdn} does not resolve", f"{fqdn} 无法解析"),
                   [Text(f"{server} answered NXDOMAIN for {name}", f"{server} 对 {name} 返回 NXDOMAIN")],
                   None, marks, {"name": name, "result": "nxdomain"})


def _from_host(scene: Scene, fqdn: str) -> Finding:
    """A node or the external host asks its own resolver, which knows no cluster name."""
    src = scene.source
    outcome, addrs, answered = resolve(scene, fqdn)
    conf, _ = files_for(scene.world, src.host)
    server = conf.nameservers[0] if conf.nameservers else "127.0.0.1"
    if outcome == "found":
        return Finding("dns.name", PASS,
                       Text(f"{fqdn} resolves on {src.host} to {', '.join(addrs)}",
                            f"{fqdn} 在 {src.host} 上解析为 {', '.join(addrs)}"),
                       [Text.same(f"/etc/resolv.conf: nameserver {server}")], data={"name": fqdn, "result": outcome})
    where = Text("a node", "节点") if src.kind == "node" else Text("the external host", "集群外的主机")
    use = Text(f"use the ClusterIP {scene.cluster_ip} on a node", f"在节点上请直接使用 ClusterIP {scene.cluster_ip}") \
        if src.kind == "node" and scene.cluster_ip else \
        Text("from outside the cluster use a node's IP and the nodePort, or a LoadBalancer/external IP",
             "在集群外请使用节点 IP 加 nodePort，或 LoadBalancer/externalIP 地址")
    return Finding("dns.name", NOTE,
                   Text(f"cluster names do not resolve on {where.en} ({src.host}): {fqdn} is known only to CoreDNS",
                        f"集群内的名字在{where.zh}（{src.host}）上无法解析：{fqdn} 只有 CoreDNS 知道"),
                   [Text(f"/etc/resolv.conf of {src.host}: nameserver {server}",
                         f"{src.host} 的 /etc/resolv.conf：nameserver {server}"),
                    Text(f"{fqdn}: {'NXDOMAIN' if outcome == 'nxdomain' else 'no reply'} from {server}",
                         f"{fqdn}：{server} 返回 {'NXDOMAIN' if outcome == 'nxdomain' else '无响应'}")],
                   Fix(use), [node_mark(src.host)] if src.kind == "node" else [],
                   {"name": fqdn, "result": outcome})


__all__ = ["check_coredns", "check_name", "resolve"]
