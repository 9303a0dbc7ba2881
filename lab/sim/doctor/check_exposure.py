"""How the Service is reached from outside: type, nodePort, externalTrafficPolicy, LoadBalancer, externalIPs.

The fourth tutorial's points: a Service's ClusterIP and DNS name mean
nothing outside the cluster; port (on the ClusterIP) vs targetPort (on the
Pods) vs nodePort (on every node) are three different numbers; with
externalTrafficPolicy Local a node without a local ready Pod drops
external traffic to its nodePort; a LoadBalancer without an address stays
<pending>; externalIPs must route to a node, and in ipvs mode an
externalIP that is a node's own address is bound to every node's
kube-ipvs0, so from the other nodes that node is unreachable.
"""
from __future__ import annotations

import json
from typing import Any

from ..net import topology as topo
from ..net.dataplane import NodeNet
from .findings import FAIL, PASS, WARN, Finding, Fix, Text, node_mark, service_mark
from .probe import Probe
from .scene import Scene


def _patch(scene: Scene, body: dict[str, Any]) -> str:
    return f"kubectl patch service {scene.name} -n {scene.namespace} -p '{json.dumps(body, separators=(',', ':'))}'"


def _json_patch(scene: Scene, ops: list[dict[str, Any]]) -> str:
    return f"kubectl patch service {scene.name} -n {scene.namespace} --type=json " \
           f"-p '{json.dumps(ops, separators=(',', ':'))}'"


def check_external_type(scene: Scene) -> Finding | None:
    """From outside, a ClusterIP-only Service has no address at all."""
    if scene.source.in_cluster or scene.type in ("NodePort", "LoadBalancer") or scene.spec.get("externalIPs"):
        return None
    return Finding("exposure.type", FAIL,
                   Text(f"service/{scene.name} is a {scene.type} Service: it is reachable only inside the cluster",
                        f"service/{scene.name} 是 {scene.type} 类型：只能在集群内部访问"),
                   [Text(f"{scene.cluster_ip or 'its ClusterIP'} exists only in kube-proxy's rules on the nodes; "
                         f"{scene.source.host} has no route to it",
                         f"{scene.cluster_ip or 'ClusterIP'} 只存在于各节点上 kube-proxy 写的规则里；"
                         f"{scene.source.host} 没有到它的路由")],
                   Fix(Text("Expose it on every node's address: type NodePort (or LoadBalancer)",
                            "改为 NodePort（或 LoadBalancer）类型，在每个节点的地址上暴露它"),
                       [_patch(scene, {"spec": {"type": "NodePort"}})]),
                   [service_mark(scene.namespace, scene.name)])


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _free_node_ports(scene: Scene, low: int, high: int, count: int) -> list[int]:
    """The lowest ports of the range no Service uses."""
    used = {int(p.get("nodePort") or 0) for svc in scene.world.store.iter("services")
            for p in (svc.get("spec") or {}).get("ports") or []}
    return [port for port in range(low, high + 1) if port not in used][:count]


def check_node_port(scene: Scene) -> Finding | None:
    if scene.type not in ("NodePort", "LoadBalancer"):
        return None
    cfg = scene.world.api.config.service_node_port_range
    low, high = _range(cfg)
    evidence: list[Text] = []
    outside: list[int] = []
    for p in scene.ports:
        np, port, target = p.get("nodePort"), p.get("port"), p.get("targetPort", p.get("port"))
        if not np:
            continue
        nodes = ", ".join(f"{scene.node_ip(n)}:{np}" for n in scene.node_names())
        evidence.append(Text(f"port {port} on {scene.cluster_ip or 'the ClusterIP'} (in the cluster); nodePort {np} on "
                             f"every node ({nodes}); both lead to targetPort {target} on the Pods",
                             f"集群内用 {scene.cluster_ip or 'ClusterIP'} 的 port {port}；集群外用每个节点上的 nodePort "
                             f"{np}（{nodes}）；两者最终都到 Pod 的 targetPort {target}"))
        if not low <= int(np) <= high:
            outside.append(int(np))
    if outside:
        indexes = [i for i, p in enumerate(scene.ports) if p.get("nodePort") in outside]
        choices = _free_node_ports(scene, low, high, len(indexes))
        return Finding("exposure.nodePort", WARN,
                       Text(f"nodePort {', '.join(map(str, outside))} is outside --service-node-port-range {cfg}",
                            f"nodePort {', '.join(map(str, outside))} 不在 --service-node-port-range {cfg} 之内"),
                       evidence + [Text("it was allocated before the range changed: it keeps working, but the "
                                        "apiserver refuses it for any new Service",
                                        "它是在端口范围修改之前分配的：仍然可用，但 apiserver 不会再把它分配给新的 Service")],
                       Fix(Text(f"Give it a free port of the range: {', '.join(map(str, choices))} (an update that "
                                f"only drops nodePort keeps the allocated one)",
                                f"在范围内给它一个空闲端口：{', '.join(map(str, choices))}（只删除 nodePort 的更新会保留原来分配的端口）"),
                           [_json_patch(scene, [{"op": "replace", "path": f"/spec/ports/{i}/nodePort", "value": c}
                                                for i, c in zip(indexes, choices)])]),
                       [service_mark(scene.namespace, scene.name)], {"outside": outside})
    return Finding("exposure.nodePort", PASS,
                   Text(f"nodePort in --service-node-port-range {cfg}",
                        f"nodePort 位于 --service-node-port-range {cfg} 之内"),
                   evidence, data={"range": cfg})


def check_traffic_policy(scene: Scene, probes: list[Probe]) -> Finding | None:
    if scene.spec.get("externalTrafficPolicy") != "Local" or scene.type not in ("NodePort", "LoadBalancer"):
        return None
    local = {e.node for e in scene.endpoints() if e.ready and e.node}
    without = [n for n in scene.node_names() if n not in local]
    evidence = [Text(f"nodes with a ready local endpoint: {', '.join(sorted(local)) or 'none'}",
                     f"有本地就绪端点的节点：{', '.join(sorted(local)) or '无'}")]
    dropped = [p for p in probes if p.target.via == "nodePort" and not p.ok and p.target.node in without]
    for p in dropped:
        host, what = p.stop()
        evidence.append(Text(f"{p.target.address} ({p.target.node}): {p.result} at {host} {what}",
                             f"{p.target.address}（{p.target.node}）：{p.result}，停在 {host} {what}"))
    rule = next((p.deciding_rule() for p in dropped if p.deciding_rule()), "")
    if rule:
        evidence.append(Text(f"the rule that drops it: {rule}", f"丢弃它的规则：{rule}"))
    if not without:
        return Finding("exposure.trafficPolicy", PASS,
                       Text("externalTrafficPolicy Local: every node has a local ready Pod",
                            "externalTrafficPolicy Local：每个节点都有本地就绪的 Pod"), evidence)
    status = FAIL if dropped else WARN
    return Finding("exposure.trafficPolicy", status,
                   Text(f"externalTrafficPolicy Local: {', '.join(without)} drop external traffic to the nodePort "
                        f"(no local ready Pod there)",
                        f"externalTrafficPolicy Local：{', '.join(without)} 没有本地就绪的 Pod，会丢弃发往 nodePort 的外部流量"),
                   evidence,
                   Fix(Text("Use Cluster (any node forwards, the Pods see the node's address instead of the client's), "
                            "or send external clients only to nodes that run a Pod",
                            "改为 Cluster（任何节点都会转发，但 Pod 看到的源地址变成节点地址），"
                            "或者只让外部客户端访问运行着 Pod 的节点"),
                       [_patch(scene, {"spec": {"externalTrafficPolicy": "Cluster"}})]),
                   [service_mark(scene.namespace, scene.name)] + [node_mark(n) for n in without],
                   {"nodes_without_endpoint": without})


def check_load_balancer(scene: Scene) -> Finding | None:
    if scene.type != "LoadBalancer":
        return None
    ingress = scene.ingress
    mark = service_mark(scene.namespace, scene.name)
    if ingress:
        return Finding("exposure.loadBalancer", PASS,
                       Text(f"the load balancer is at {', '.join(ingress)}", f"负载均衡器地址为 {', '.join(ingress)}"),
                       [Text.same(f"status.loadBalancer.ingress: {', '.join(ingress)}")], data={"ingress": ingress})
    spec = scene.spec
    evidence = [Text("status.loadBalancer is empty: EXTERNAL-IP shows <pending>",
                     "status.loadBalancer 为空：EXTERNAL-IP 显示 <pending>")]
    fix: Fix
    if spec.get("loadBalancerClass"):
        evidence.append(Text(f"spec.loadBalancerClass {spec['loadBalancerClass']}: left to another implementation, "
                             f"and none runs in this cluster",
                             f"spec.loadBalancerClass 为 {spec['loadBalancerClass']}：交给别的实现处理，而本集群里没有它"))
        fix = Fix(Text("loadBalancerClass cannot change: recreate the Service without it, or reach it through its "
                       "nodePort", "loadBalancerClass 不可修改：去掉它重新创建 Service，或者通过 nodePort 访问"))
    elif not scene.world.profile.load_balancer_pool:
        evidence.append(Text("this cluster has no cloud provider to hand out addresses",
                             "本集群没有云服务商来分配外部地址"))
        fix = Fix(Text("Reach it through its nodePort on a node's address", "通过节点地址加 nodePort 访问"))
    else:
        failure = scene.latest_event("Service", scene.name, reason="SyncLoadBalancerFailed")
        if failure:
            evidence.append(Text.same(f"Event SyncLoadBalancerFailed: {failure}"))
        if spec.get("loadBalancerIP") and "requested IP" in failure:
            fix = Fix(Text(f"Drop the requested address {spec['loadBalancerIP']} and let the pool pick one",
                           f"去掉指定的地址 {spec['loadBalancerIP']}，让地址池自动分配"),
                      [_json_patch(scene, [{"op": "remove", "path": "/spec/loadBalancerIP"}])])
        elif failure:
            fix = Fix(Text("Free an address of the pool (delete a LoadBalancer Service you no longer need)",
                           "释放地址池中的地址（删除不再需要的 LoadBalancer Service）"))
        else:
            evidence.append(Text("the cloud is still provisioning it", "云服务商仍在创建负载均衡器"))
            return Finding("exposure.loadBalancer", WARN,
                           Text("the load balancer is still being provisioned", "负载均衡器仍在创建中"),
                           evidence, Fix(Text("Wait a few seconds", "稍等几秒")), [mark])
    # inside the cluster the ClusterIP still works: there it is a warning
    return Finding("exposure.loadBalancer", WARN if scene.source.in_cluster else FAIL,
                   Text("the LoadBalancer has no external address (<pending>)", "LoadBalancer 没有外部地址（<pending>）"),
                   evidence, fix, [mark])


def check_external_ips(scene: Scene) -> Finding | None:
    ips = list(scene.spec.get("externalIPs") or [])
    if not ips:
        return None
    world = scene.world
    by_ip = {h.ip: h.name for h in world.nodes}
    mark = service_mark(scene.namespace, scene.name)
    evidence: list[Text] = []
    hijacked: list[str] = []
    unrouted: list[str] = []
    for ip in ips:
        owner = by_ip.get(ip)
        if owner is None:
            unrouted.append(ip)
            evidence.append(Text(f"{ip} is no node's address: nothing on the nodes' network answers ARP for it",
                                 f"{ip} 不是任何节点的地址：节点所在网络上没有机器响应它的 ARP"))
            continue
        for other in scene.node_names():
            if other == owner:
                continue
            net = NodeNet(world, other)
            if net.mode == "ipvs" and topo.node_route(world, other, ip, net.local).local:
                hijacked.append(ip)
                evidence.append(Text(f"{other}: kube-ipvs0 holds {ip}/32, so `ip route get {ip}` is local: "
                                     f"{other} reaches itself instead of {owner}",
                                     f"{other}：kube-ipvs0 上绑定了 {ip}/32，`ip route get {ip}` 结果是本机："
                                     f"{other} 访问 {ip} 时到达的是自己，而不是 {owner}"))
                break
    keep = [ip for ip in ips if ip not in hijacked and ip not in unrouted]
    ops = [{"op": "replace", "path": "/spec/externalIPs", "value": keep}] if keep else \
        [{"op": "remove", "path": "/spec/externalIPs"}]
    if not keep and scene.type == "ClusterIP" and scene.spec.get("externalTrafficPolicy"):
        # without externalIPs a ClusterIP Service is not externally accessible: the policy must go too
        ops.append({"op": "remove", "path": "/spec/externalTrafficPolicy"})
    if hijacked:
        return Finding("exposure.externalIPs", FAIL,
                       Text(f"externalIP {', '.join(hijacked)} is a node's own address: in ipvs mode every node binds "
                            f"it, and the other nodes can no longer reach that node",
                            f"externalIP {', '.join(hijacked)} 是某个节点自己的地址：ipvs 模式下每个节点都会绑定它，"
                            f"其他节点从此无法访问那个节点"),
                       evidence,
                       Fix(Text("Remove the node's address from externalIPs (use a LoadBalancer or an address that no "
                                "machine owns and that routes to a node)",
                                "从 externalIPs 中去掉节点地址（改用 LoadBalancer，或一个不属于任何机器、但能路由到节点的地址）"),
                           [_json_patch(scene, ops)]),
                       [mark] + [node_mark(by_ip[ip]) for ip in hijacked], {"hijacked": hijacked})
    if unrouted:
        status = FAIL if not scene.source.in_cluster else WARN
        workers = [n for n in scene.node_names() if not world.hosts[n].control_plane] or scene.node_names()
        if NodeNet(world, workers[0]).mode != "ipvs" and not keep:
            keep = [scene.node_ip(workers[0])]
            ops = [{"op": "replace", "path": "/spec/externalIPs", "value": keep}]
        return Finding("exposure.externalIPs", status,
                       Text(f"externalIP {', '.join(unrouted)} does not route to any node: clients outside cannot "
                            f"reach it", f"externalIP {', '.join(unrouted)} 不能路由到任何节点：集群外的客户端无法访问"),
                       evidence + [Text("kube-proxy only catches packets that reach a node; on the nodes themselves "
                                        "its rules still match the address",
                                        "kube-proxy 只能处理到达节点的数据包；在节点上它的规则仍然会匹配这个地址")],
                       Fix(Text("Use addresses that route to a node (a node's address in iptables or nftables mode), "
                                "or type LoadBalancer",
                                "使用能路由到节点的地址（iptables 或 nftables 模式下可用节点地址），或者改用 LoadBalancer"),
                           [_json_patch(scene, ops)]),
                       [mark], {"unrouted": unrouted})
    return Finding("exposure.externalIPs", PASS,
                   Text(f"externalIPs {', '.join(ips)} route to nodes", f"externalIPs {', '.join(ips)} 可以路由到节点"),
                   [Text.same(f"{ip}: {by_ip[ip]}") for ip in ips])


__all__ = ["check_external_type", "check_node_port", "check_traffic_policy", "check_load_balancer",
           "check_external_ips"]
