"""Step three and four of the method: kube-proxy on the node the packet enters, its rules, and hairpin.

- `running`: the kube-proxy container runs on every node the probes
  entered (a crashed one keeps the rules it last wrote, so a new or
  changed Service is missing there);
- `mode`: the mode in the kube-proxy ConfigMap is the one the running
  process started with (it reads its config only when it starts);
- `rules`: the probes themselves, with the rules each SYN met (the trace
  `labtrace` prints) and where a failed one ended;
- `hairpin`: a Pod reaching itself through its own Service.
"""
from __future__ import annotations

from typing import Any

from .. import runtime as rt
from ..net.trace import render_one
from ..proxy.config import load_config
from .findings import FAIL, PASS, WARN, Finding, Fix, Text, endpoint_mark, node_mark, object_mark, pod_mark
from .probe import Probe
from .scene import Scene

NS, LABELS, CONTAINER = "kube-system", {"k8s-app": "kube-proxy"}, "kube-proxy"
RESULTS_ZH = {"refused": "连接被拒绝", "timeout": "超时", "unreachable": "不可达", "denied": "不允许"}
RESTART = "kubectl -n kube-system rollout restart daemonset kube-proxy"


def entry_nodes(scene: Scene, probes: list[Probe]) -> list[str]:
    nodes = [p.entry_node(scene.world) for p in probes]
    if not nodes and scene.source.kind in ("pod", "node"):
        nodes = [scene.source.host]
    return sorted({n for n in nodes if n})


def _proxy_pod(scene: Scene, node: str) -> dict[str, Any] | None:
    pods = [p for p in scene.world.store.with_labels("pods", NS, LABELS)
            if (p.get("spec") or {}).get("nodeName") == node]
    return sorted(pods, key=lambda p: p["metadata"]["name"])[0] if pods else None


def _record(scene: Scene, node: str) -> dict[str, Any]:
    return ((scene.world.runtime.get("kube-proxy") or {}).get("nodes") or {}).get(node) or {}


def _state(scene: Scene, node: str) -> tuple[bool, Text, dict[str, Any] | None]:
    """(running, what is known, its Pod) of the node's kube-proxy."""
    world = scene.world
    host = world.hosts.get(node)
    if host is None or not host.powered:
        return False, Text(f"{node} is powered off", f"{node} 已关机"), None
    pod = _proxy_pod(scene, node)
    daemonset = world.store.peek("daemonsets.apps", NS, "kube-proxy")
    if pod is None:
        if daemonset is None and _record(scene, node).get("container") == "systemd":
            mode = _record(scene, node).get("mode", "iptables")
            return True, Text(f"{node}: the kube-proxy service runs ({mode} mode)",
                              f"{node}：kube-proxy 服务在运行（{mode} 模式）"), None
        return False, Text(f"no kube-proxy Pod on {node}", f"{node} 上没有 kube-proxy Pod"), None
    name = pod["metadata"]["name"]
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") != CONTAINER:
            continue
        state = cs.get("state") or {}
        if "running" in state and not _record(scene, node).get("failed"):
            mode = _record(scene, node).get("mode", "iptables")
            return True, Text(f"{name} on {node}: Running, {mode} mode", f"{node} 上的 {name}：运行中，{mode} 模式"), pod
        reason = (state.get("waiting") or {}).get("reason") or \
            ("Terminated" if "terminated" in state else "not running")
        return False, Text(f"{name} on {node}: {reason} (restarts: {cs.get('restartCount', 0)})",
                           f"{node} 上的 {name}：{reason}（重启 {cs.get('restartCount', 0)} 次）"), pod
    return False, Text(f"{name} on {node}: not started", f"{node} 上的 {name}：尚未启动"), pod


def _last_log(scene: Scene, pod: dict[str, Any]) -> str:
    uid = pod["metadata"].get("uid", "")
    for previous in (False, True):
        lines = rt.container_logs(scene.world, uid, CONTAINER, previous=previous)
        if lines:
            return lines[-1][2].rstrip("\n")
    return ""


def check_running(scene: Scene, probes: list[Probe]) -> Finding | None:
    nodes = entry_nodes(scene, probes)
    if not nodes:
        return None
    evidence: list[Text] = []
    down: list[str] = []
    for node in nodes:
        running, what, pod = _state(scene, node)
        evidence.append(what)
        if not running:
            down.append(node)
            line = _last_log(scene, pod) if pod is not None else ""
            if line:
                evidence.append(Text.same(f"kubectl -n kube-system logs {pod['metadata']['name']}: {line}"))
    if not down:
        return Finding("proxy.running", PASS,
                       Text(f"kube-proxy runs on {', '.join(nodes)}", f"kube-proxy 在 {', '.join(nodes)} 上运行"),
                       evidence, data={"nodes": nodes})
    config = load_config(scene.world.store)
    marks = [node_mark(n) for n in down]
    if config.config is None:
        evidence.append(Text(f"ConfigMap kube-proxy: {config.error}", f"ConfigMap kube-proxy：{config.error}"))
        marks.append(object_mark("ConfigMap", NS, "kube-proxy"))
        fix = Fix(Text("Correct config.conf in the kube-proxy ConfigMap (kubectl -n kube-system edit configmap "
                       f"kube-proxy), then restart kube-proxy: {RESTART}",
                       "修正 kube-proxy ConfigMap 中的 config.conf（kubectl -n kube-system edit configmap kube-proxy），"
                       f"然后重启 kube-proxy：{RESTART}"))
    elif any(not scene.world.hosts[n].powered for n in down if n in scene.world.hosts):
        fix = Fix(Text("Power the node on, or send the traffic to another node", "开启该节点，或把流量发往其他节点"))
    else:
        fix = Fix(Text("Start kube-proxy on the node again", "在该节点上重新启动 kube-proxy"), [RESTART])
    return Finding("proxy.running", FAIL,
                   Text(f"kube-proxy is not running on {', '.join(down)}: the rules there are whatever it wrote last",
                        f"kube-proxy 没有在 {', '.join(down)} 上运行：那里的规则停留在它最后一次写入的样子"),
                   evidence, fix, marks, {"nodes": nodes, "down": down})


def check_mode(scene: Scene, probes: list[Probe]) -> Finding | None:
    nodes = entry_nodes(scene, probes)
    config = load_config(scene.world.store).config
    if not nodes or config is None:
        return None
    wanted = config.mode or "iptables"
    stale = []
    evidence = [Text(f"ConfigMap kube-proxy: mode \"{wanted}\"", f"ConfigMap kube-proxy：mode \"{wanted}\"")]
    for node in nodes:
        running, _, pod = _state(scene, node)
        if not running:
            continue
        mode = _record(scene, node).get("mode") or "iptables"
        who = pod["metadata"]["name"] if pod else node
        evidence.append(Text(f"{who} on {node} started in {mode} mode", f"{node} 上的 {who} 以 {mode} 模式启动"))
        if mode != wanted:
            stale.append(node)
    if not stale:
        return Finding("proxy.mode", PASS,
                       Text(f"kube-proxy runs in the configured mode ({wanted})", f"kube-proxy 运行在配置的模式（{wanted}）"),
                       evidence, data={"mode": wanted})
    return Finding("proxy.mode", WARN,
                   Text(f"the kube-proxy ConfigMap says {wanted}, but kube-proxy on {', '.join(stale)} still runs the "
                        f"mode it started with: it reads its config only when it starts",
                        f"kube-proxy ConfigMap 写的是 {wanted}，但 {', '.join(stale)} 上的 kube-proxy 仍在使用启动时的模式："
                        f"它只在启动时读取配置"),
                   evidence, Fix(Text("Restart kube-proxy so that it reads the ConfigMap again",
                                      "重启 kube-proxy，让它重新读取 ConfigMap"), [RESTART]),
                   [node_mark(n) for n in stale] + [object_mark("ConfigMap", NS, "kube-proxy")],
                   {"mode": wanted, "stale": stale})


def _explain(probe: Probe, ready_endpoints: bool) -> Text:
    host, what = probe.stop()
    rules = " ".join(r.rule for h in probe.trace.hops for r in h.rules)
    rejected = any(h.verdict == "REJECT" for h in probe.trace.hops)
    # iptables says so in the rule's comment; ipvs (no real server) and nftables reject without one
    if "has no endpoints" in rules or (rejected and not ready_endpoints):
        return Text(f"kube-proxy on {host} rejects it: the Service has no ready endpoint",
                    f"{host} 上的 kube-proxy 拒绝了它：Service 没有就绪的端点")
    if "nothing listens on " in what:
        where = what.split("nothing listens on ", 1)[1].split(":RST", 1)[0].rsplit(": RST", 1)[0]
        return Text(f"{host} answered with a reset: nothing listens on {where}",
                    f"{host} 回复了 RST：没有进程监听 {where}")
    if "lost" in what:
        return Text(f"no kube-proxy rule caught {probe.target.address}: the packet left {host} by the default route "
                    f"and was lost", f"没有 kube-proxy 规则匹配 {probe.target.address}：数据包从 {host} 的默认路由发出后丢失")
    if "ARP" in what:
        return Text(f"nobody answered ARP for {probe.target.ip}", f"没有机器响应 {probe.target.ip} 的 ARP")
    return Text(f"it ended at {host}: {what}", f"它止于 {host}：{what}")


def check_rules(scene: Scene, probes: list[Probe]) -> Finding | None:
    if not probes:
        return None
    ok = [p for p in probes if p.ok]
    failed = [p for p in probes if not p.ok]
    evidence: list[Text] = []
    marks: list[dict[str, Any]] = []
    for p in probes:
        line = f"{p.target.address} ({p.target.via})"
        if p.ok:
            evidence.append(Text(f"{line}: connected, {p.trace.server}", f"{line}：已连接，{p.trace.server}"))
        else:
            why = _explain(p, any(e.ready for e in scene.endpoints()))
            evidence.append(Text(f"{line}: {p.result}: {why.en}", f"{line}：{RESULTS_ZH.get(p.result, p.result)}："
                                                                   f"{why.zh}"))
            host, _ = p.stop()
            if host in scene.world.hosts:
                marks.append(node_mark(host))
    shown = failed[0] if failed else ok[0]
    trace = render_one(1, shown.trace).rstrip("\n").splitlines()
    for p in ok:
        server = p.server_pod
        if server:
            ns, _, pod = server.partition("/")
            ip_port = p.trace.server.split()[-1]
            ip, _, port = ip_port.rpartition(":")
            marks.append(endpoint_mark(scene.namespace, scene.name, ip, int(port), pod, True))
    data = {"probes": [{"target": p.target.address, "via": p.target.via, "result": p.result} for p in probes]}
    if not failed:
        return Finding("proxy.rules", PASS,
                       Text(f"the probes reached a Pod: {', '.join(p.target.address for p in ok)}",
                            f"探测请求到达了 Pod：{', '.join(p.target.address for p in ok)}"),
                       evidence, marks=marks, data=data, trace=trace)
    status = WARN if ok else FAIL
    summary = Text(f"{len(failed)} of {len(probes)} probes failed", f"{len(probes)} 个探测中有 {len(failed)} 个失败") \
        if ok else Text(f"no probe reached a Pod ({failed[0].target.address}: {failed[0].result})",
                        f"没有探测请求到达 Pod（{failed[0].target.address}："
                        f"{RESULTS_ZH.get(failed[0].result, failed[0].result)}）")
    return Finding("proxy.rules", status, summary, evidence, None, marks, data, trace)


def check_hairpin(scene: Scene, probes: list[Probe]) -> Finding | None:
    src = scene.source
    if src.pod is None or src.namespace != scene.namespace:
        return None
    me = src.pod_name
    if me not in {e.pod for e in scene.endpoints() if e.ready}:
        return None
    my_ip = (src.pod.get("status") or {}).get("podIP", "")
    mine = next(e for e in scene.endpoints() if e.pod == me)
    port = mine.ports[0].get("port", "") if mine.ports else ""
    mark = [pod_mark(src.namespace, me), endpoint_mark(scene.namespace, scene.name, my_ip, port, me, True)]
    back = [p for p in probes if p.server_pod == f"{src.namespace}/{me}"]
    nat = [Text.same(f"{h.host} {h.stage}: {h.nat}") for p in back[:1] for h in p.trace.hops if h.nat]
    if back:
        return Finding("proxy.hairpin", PASS,
                       Text(f"{me} reached itself through its own Service (hairpin): the node masqueraded the request, "
                            f"so the reply comes back through the node",
                            f"{me} 通过自己的 Service 访问到了自己（hairpin）：节点对请求做了 MASQUERADE，"
                            f"回包因此经过节点返回"), nat, marks=mark, data={"hairpin": True})
    lost = [p for p in probes if not p.ok and any(my_ip and f"-> {my_ip}:" in (h.nat or "") for h in p.trace.hops)]
    if lost:
        return Finding("proxy.hairpin", FAIL,
                       Text(f"{me} cannot reach itself through its own Service", f"{me} 无法通过自己的 Service 访问自己"),
                       [Text.same(f"{h.host} {h.stage}: {h.nat}") for h in lost[0].trace.hops if h.nat],
                       Fix(Text("Check the kubelet's hairpin mode (hairpinMode: hairpin-veth or promiscuous-bridge)",
                                "检查 kubelet 的 hairpin 模式（hairpinMode：hairpin-veth 或 promiscuous-bridge）")),
                       mark, {"hairpin": True})
    return Finding("proxy.hairpin", PASS,
                   Text(f"{me} is itself an endpoint of this Service; this probe went to another Pod. When kube-proxy "
                        f"picks {me} itself, the node masquerades the request (hairpin) so the reply can come back",
                        f"{me} 本身就是这个 Service 的端点；这次探测被转发到了别的 Pod。当 kube-proxy 选中 {me} 自己时，"
                        f"节点会对请求做 MASQUERADE（hairpin），回包才能返回"), marks=mark, data={"hairpin": False})


__all__ = ["check_running", "check_mode", "check_rules", "check_hairpin", "entry_nodes"]
