"""Step two of the method: does the Service have Pods to send to?

- `selector`: the selector matches Pods, or the nearest labels that exist
  ("app=ngnix matches nothing; 3 Pods have app=nginx") and the
  Deployment-label vs Pod-template-label confusion (a Service selects
  Pods, not the Deployment that made them);
- `ready`: the selected Pods are ready, so the EndpointSlices list them as
  ready (else why not: not scheduled, container waiting or crash-looping,
  readiness probe failing, with the probe's own message from the Events);
- `target_port`: the Pods listen on each port's targetPort, a named
  targetPort is a container port's name, and port/targetPort are not swapped.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..api.labels import format_map, selector_from_map
from ..workloads.containers import listens
from .findings import FAIL, PASS, WARN, Finding, Fix, Text, endpoint_mark, object_mark, pod_mark, selector_edge, \
    service_mark
from .owners import kubectl_kind, top_owner
from .scene import Scene, pod_ready


def _names(pods: list[dict[str, Any]], limit: int = 5) -> str:
    names = [p["metadata"]["name"] for p in pods]
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")


def _pods_word(n: int) -> str:
    return "1 Pod" if n == 1 else f"{n} Pods"


def patch_selector(scene: Scene, wanted: dict[str, str]) -> str:
    """The command that makes the Service's selector exactly `wanted` (null deletes a key)."""
    body: dict[str, Any] = {k: None for k in sorted(scene.selector) if k not in wanted}
    body.update(dict(sorted(wanted.items())))
    return f"kubectl patch service {scene.name} -n {scene.namespace} -p " \
           f"'{json.dumps({'spec': {'selector': body}}, separators=(',', ':'))}'"


# -- the selector ----------------------------------------------------------------------------

def check_selector(scene: Scene) -> Finding:
    ns, name = scene.namespace, scene.name
    svc = service_mark(ns, name)
    if not scene.selector:
        eps = scene.endpoints()
        if eps:
            return Finding("endpoints.selector", PASS,
                           Text(f"service/{name} has no selector: its {len(eps)} endpoint(s) are written by hand",
                                f"service/{name} 没有 selector：它的 {len(eps)} 个端点是手工写入的"),
                           [Text.same(f"endpoints: {', '.join(e.ip for e in eps)}")], marks=[svc],
                           data={"selected": 0, "manual": len(eps)})
        return Finding("endpoints.selector", FAIL,
                       Text(f"service/{name} has no selector and no EndpointSlice: it has nowhere to send requests",
                            f"service/{name} 既没有 selector 也没有 EndpointSlice：请求无处可去"),
                       [Text("spec.selector is empty, so no controller writes its endpoints",
                             "spec.selector 为空，没有控制器会为它写入端点")],
                       Fix(Text("Give it a selector that matches the Pods' labels (kubectl get pods --show-labels)",
                                "为它设置与 Pod 标签匹配的 selector（先用 kubectl get pods --show-labels 查看）")),
                       [svc], {"selected": 0})
    selected = scene.selected()
    text = format_map(scene.selector)
    if selected:
        return Finding("endpoints.selector", PASS,
                       Text(f"selector {text} matches {_pods_word(len(selected))}",
                            f"selector {text} 匹配到 {len(selected)} 个 Pod"),
                       [Text.same(f"{p['metadata']['name']}: {format_map(p['metadata'].get('labels'))}")
                        for p in selected[:5]],
                       marks=[svc] + [selector_edge(ns, name, p["metadata"]["name"]) for p in selected],
                       data={"selected": len(selected), "pods": [p["metadata"]["name"] for p in selected]})
    return _no_match(scene, text)


def _no_match(scene: Scene, text: str) -> Finding:
    ns, name = scene.namespace, scene.name
    pods = scene.pods()
    evidence = [Text(f"no Pod in namespace {ns} has the labels {text}",
                     f"命名空间 {ns} 中没有 Pod 带有标签 {text}")]
    marks: list[dict[str, Any]] = [service_mark(ns, name)]
    wanted = dict(scene.selector)
    confused = _deployment_confusion(scene)
    for key, value in sorted(scene.selector.items()):
        exact = [p for p in pods if (p["metadata"].get("labels") or {}).get(key) == value]
        if exact:
            evidence.append(Text(f"{key}={value}: {_pods_word(len(exact))} ({_names(exact)})",
                                 f"{key}={value}：{len(exact)} 个 Pod（{_names(exact)}）"))
            continue
        others = Counter((p["metadata"].get("labels") or {}).get(key) for p in pods
                         if key in (p["metadata"].get("labels") or {}))
        if others:
            near, count = sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            with_near = [p for p in pods if (p["metadata"].get("labels") or {}).get(key) == near]
            evidence.append(Text(f"{key}={value} matches nothing; {_pods_word(count)} have {key}={near} "
                                 f"({_names(with_near)})",
                                 f"{key}={value} 匹配不到任何 Pod；有 {count} 个 Pod 带有 {key}={near}"
                                 f"（{_names(with_near)}）"))
            wanted[key] = near
            continue
        keys = Counter(k for p in pods for k, v in (p["metadata"].get("labels") or {}).items() if v == value)
        if keys:
            near_key, count = sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            evidence.append(Text(f"no Pod has the key {key}; {_pods_word(count)} have {near_key}={value}",
                                 f"没有 Pod 带有键 {key}；有 {count} 个 Pod 带有 {near_key}={value}"))
            del wanted[key]
            wanted[near_key] = value
        else:
            evidence.append(Text(f"no Pod has a label {key}", f"没有 Pod 带有标签 {key}"))
            del wanted[key]
    if confused is not None:
        kind, dname, template = confused
        evidence.append(Text(f"{kind} {dname} has the labels {text} on itself, but its Pods get "
                             f"{format_map(template)} from spec.template.metadata.labels: "
                             f"a Service selects Pods, not the {kind}",
                             f"{kind} {dname} 自身带有标签 {text}，但它创建的 Pod 的标签来自 "
                             f"spec.template.metadata.labels，是 {format_map(template)}："
                             f"Service 选择的是 Pod，而不是 {kind}"))
        marks.append(object_mark(kind, ns, dname))
        wanted = template
    sel = selector_from_map(wanted) if wanted else None
    matched = [p for p in pods if sel is not None and sel.matches(p["metadata"].get("labels"))]
    fix = None
    if matched:
        marks += [selector_edge(ns, name, p["metadata"]["name"]) for p in matched]
        fix = Fix(Text(f"Select the Pods' labels: {format_map(wanted)} (it matches {_pods_word(len(matched))})",
                       f"改为选择 Pod 实际的标签：{format_map(wanted)}（可匹配 {len(matched)} 个 Pod）"),
                  [patch_selector(scene, wanted)])
    else:
        fix = Fix(Text("Set spec.selector to labels the Pods have (kubectl get pods --show-labels)",
                       "把 spec.selector 改成 Pod 实际带有的标签（kubectl get pods --show-labels）"))
    return Finding("endpoints.selector", FAIL,
                   Text(f"selector {text} matches no Pod", f"selector {text} 没有匹配到任何 Pod"),
                   evidence, fix, marks,
                   {"selected": 0, "suggested": dict(sorted(wanted.items())) if matched else None})


def _deployment_confusion(scene: Scene) -> tuple[str, str, dict[str, str]] | None:
    """A workload whose own labels match the selector while its Pod template's labels do not."""
    sel = selector_from_map(scene.selector)
    for resource, kind in (("deployments.apps", "Deployment"), ("daemonsets.apps", "DaemonSet"),
                           ("statefulsets.apps", "StatefulSet"), ("replicasets.apps", "ReplicaSet")):
        for obj in sorted(scene.world.store.iter(resource, scene.namespace), key=lambda o: o["metadata"]["name"]):
            if obj["metadata"].get("ownerReferences"):
                continue
            template = (((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            if sel.matches(obj["metadata"].get("labels")) and not sel.matches(template):
                return kind, obj["metadata"]["name"], dict(template)
    return None


# -- readiness -------------------------------------------------------------------------------

def _why_not_ready(scene: Scene, pod: dict[str, Any]) -> tuple[str, Text, Fix | None]:
    """(cause, explanation, fix) for a selected Pod that is not ready."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") != "True":
            msg = cond.get("message") or cond.get("reason") or "Pending"
            return "unscheduled", Text(f"{name}: not scheduled: {msg}", f"{name}：未被调度：{msg}"), \
                Fix(Text("Make room for it or relax its constraints (kubectl describe pod shows the scheduler's "
                         "reasons)", "腾出资源或放宽调度约束（kubectl describe pod 可看到调度器给出的原因）"))
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting is None:
            continue
        reason = waiting.get("reason") or "Waiting"
        if reason == "CrashLoopBackOff":
            term = (cs.get("lastState") or {}).get("terminated") or {}
            code = term.get("exitCode")
            owner = top_owner(scene.world, pod)
            edit = f"kubectl edit {kubectl_kind(owner[0])} {owner[1]}" if owner else f"kubectl edit pod {name}"
            return "crashloop", Text(
                f"{name}: container {cs['name']} is in CrashLoopBackOff (restarted {cs.get('restartCount', 0)} "
                f"times, last exit code {code})",
                f"{name}：容器 {cs['name']} 处于 CrashLoopBackOff（已重启 {cs.get('restartCount', 0)} 次，"
                f"上次退出码 {code}）"), \
                Fix(Text(f"Its process exits: kubectl logs {name} --previous shows why; correct the container's "
                         f"command, args or image ({edit})",
                         f"容器进程退出了：用 kubectl logs {name} --previous 查看原因，再修正容器的 "
                         f"command、args 或镜像（{edit}）"))
        return "waiting", Text(f"{name}: container {cs['name']} has not started: {reason}",
                               f"{name}：容器 {cs['name']} 尚未启动：{reason}"), \
            Fix(Text(f"kubectl describe pod {name} shows what it waits for", f"用 kubectl describe pod {name} 查看它在等待什么"))
    message = scene.latest_event("Pod", name, prefix="Readiness probe failed")
    if message:
        return "readiness", Text(f"{name}: running, but its readiness probe fails: {message}",
                                 f"{name}：已运行，但就绪探针失败：{message}"), _probe_fix(scene, pod)
    return "notready", Text(f"{name}: not ready yet", f"{name}：尚未就绪"), None


def _probe_fix(scene: Scene, pod: dict[str, Any]) -> Fix | None:
    """Point the readiness probe at a port the container listens on (through its Deployment)."""
    owner = top_owner(scene.world, pod)
    for i, c in enumerate((pod.get("spec") or {}).get("containers") or []):
        probe = c.get("readinessProbe") or {}
        action = "httpGet" if "httpGet" in probe else "tcpSocket" if "tcpSocket" in probe else ""
        if not action:
            continue
        heard = sorted(p for p, proto in listens(scene.world, pod, c["name"]) if proto == "TCP")
        if len(heard) != 1 or owner is None or owner[0] not in ("Deployment", "DaemonSet", "StatefulSet"):
            return Fix(Text(f"Point the readiness probe of container {c['name']} at a port it listens on",
                            f"把容器 {c['name']} 的就绪探针指向它实际监听的端口"))
        path = f"/spec/template/spec/containers/{i}/readinessProbe/{action}/port"
        patch = json.dumps([{"op": "replace", "path": path, "value": heard[0]}], separators=(",", ":"))
        return Fix(Text(f"Container {c['name']} listens on {heard[0]}: point its readiness probe there",
                        f"容器 {c['name']} 监听的是 {heard[0]} 端口：把就绪探针指向它"),
                   [f"kubectl patch {kubectl_kind(owner[0])} {owner[1]} -n {scene.namespace} --type=json -p '{patch}'"])
    return None


def check_ready(scene: Scene) -> Finding | None:
    ns, name = scene.namespace, scene.name
    selected = scene.selected()
    if not selected:
        return None
    eps = {e.pod: e for e in scene.endpoints() if e.pod}
    marks: list[dict[str, Any]] = []
    for e in scene.endpoints():
        port = e.ports[0].get("port", "") if e.ports else ""
        marks.append(endpoint_mark(ns, name, e.ip, port, e.pod, e.ready))
    ready = [p for p in selected if pod_ready(p) and eps.get(p["metadata"]["name"], None) is not None
             and eps[p["metadata"]["name"]].ready]
    unready = [p for p in selected if p not in ready]
    evidence: list[Text] = []
    for p in selected:
        e = eps.get(p["metadata"]["name"])
        listed = "ready" if e is not None and e.ready else "not ready" if e is not None else "absent"
        listed_zh = {"ready": "就绪", "not ready": "未就绪", "absent": "不在其中"}[listed]
        evidence.append(Text(f"EndpointSlice: {p['metadata']['name']} {(p.get('status') or {}).get('podIP') or '-'} "
                             f"{listed}",
                             f"EndpointSlice：{p['metadata']['name']} {(p.get('status') or {}).get('podIP') or '-'} "
                             f"{listed_zh}"))
    causes: list[str] = []
    fix: Fix | None = None
    for p in unready:
        cause, why, pod_fix = _why_not_ready(scene, p)
        causes.append(cause)
        evidence.append(why)
        marks.append(pod_mark(ns, p["metadata"]["name"]))
        fix = fix or pod_fix
    data = {"ready": len(ready), "selected": len(selected), "causes": sorted(set(causes))}
    if not unready:
        return Finding("endpoints.ready", PASS,
                       Text(f"{len(ready)} of {len(selected)} selected Pods are ready endpoints",
                            f"选中的 {len(selected)} 个 Pod 中有 {len(ready)} 个是就绪端点"),
                       evidence, marks=marks, data=data)
    status = WARN if ready else FAIL
    summary = Text(f"{len(ready)} of {len(selected)} selected Pods are ready: requests go only to ready ones",
                   f"选中的 {len(selected)} 个 Pod 中只有 {len(ready)} 个就绪：请求只会发给就绪的 Pod") if ready else \
        Text(f"none of the {len(selected)} selected Pods is ready: the Service has no endpoint to send to",
             f"选中的 {len(selected)} 个 Pod 都未就绪：Service 没有可用的端点")
    return Finding("endpoints.ready", status, summary, evidence, fix, marks, data)


# -- targetPort --------------------------------------------------------------------------------

def _container_ports(pod: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], p) for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []]


def _heard(scene: Scene, pod: dict[str, Any], protocol: str) -> list[int]:
    out: set[int] = set()
    for c in (pod.get("spec") or {}).get("containers") or []:
        out.update(p for p, proto in listens(scene.world, pod, c["name"]) if proto == protocol)
    return sorted(out)


def _patch_target(scene: Scene, index: int, value: int) -> str:
    patch = json.dumps([{"op": "replace", "path": f"/spec/ports/{index}/targetPort", "value": value}],
                       separators=(",", ":"))
    return f"kubectl patch service {scene.name} -n {scene.namespace} --type=json -p '{patch}'"


def _port_outcome(scene: Scene, pod: dict[str, Any], sp: dict[str, Any]) -> tuple[str, int | None, tuple[int, ...]]:
    """("ok"|"unnamed"|"silent", the number targetPort means in this Pod, what the Pod listens on)."""
    protocol = sp.get("protocol") or "TCP"
    target = sp.get("targetPort", sp.get("port"))
    heard = tuple(_heard(scene, pod, protocol))
    if isinstance(target, str):
        named = [p for _, p in _container_ports(pod) if p.get("name") == target
                 and (p.get("protocol") or "TCP") == protocol]
        if not named:
            return "unnamed", None, heard
        target = int(named[0].get("containerPort"))
    return ("ok" if int(target) in heard else "silent"), int(target), heard


def check_target_port(scene: Scene) -> Finding | None:
    ns, name = scene.namespace, scene.name
    running = [p for p in scene.selected() if any(_heard(scene, p, proto) for proto in ("TCP", "UDP"))]
    if not running or not scene.ports:
        return None
    evidence: list[Text] = []
    marks: list[dict[str, Any]] = []
    fix: Fix | None = None
    failed = False
    for index, sp in enumerate(scene.ports):
        protocol = sp.get("protocol") or "TCP"
        target = sp.get("targetPort", sp.get("port"))
        label = f"port {sp.get('port')}/{protocol}" + (f" ({sp['name']})" if sp.get("name") else "")
        groups: dict[tuple[str, int | None, tuple[int, ...]], list[dict[str, Any]]] = {}
        for pod in running:
            groups.setdefault(_port_outcome(scene, pod, sp), []).append(pod)
        for (outcome, number, heard), pods in groups.items():
            who = _names(pods)
            one = len(pods) == 1
            listened = ", ".join(f"{p}/{protocol}" for p in heard) or "nothing"
            if outcome == "ok":
                verb = "listens" if one else "listen"
                evidence.append(Text(f"{label} -> targetPort {target}: {who} {verb} on {number}/{protocol}",
                                     f"{label} -> targetPort {target}：{who} 正在监听 {number}/{protocol}"))
                continue
            failed = True
            marks += [pod_mark(ns, p["metadata"]["name"]) for p in pods]
            if outcome == "unnamed":
                have = ", ".join(f"{p.get('containerPort')}/{p.get('protocol') or 'TCP'}"
                                 + (f" named {p['name']}" if p.get("name") else " unnamed")
                                 for _, p in _container_ports(pods[0])) or "none declared"
                evidence.append(Text(f"{label}: targetPort \"{target}\" is a name, but no container port of {who} is "
                                     f"named {target} (declared ports: {have}; listening on {listened})",
                                     f"{label}：targetPort \"{target}\" 是端口名，但 {who} 没有名为 {target} 的容器端口"
                                     f"（声明的端口：{have}；正在监听 {listened}）"))
                if fix is None and len(heard) == 1:
                    fix = Fix(Text(f"Use the number the container listens on ({heard[0]}), or name that container "
                                   f"port {target}", f"改用容器实际监听的端口号 {heard[0]}，或者给该容器端口起名为 {target}"),
                              [_patch_target(scene, index, heard[0])])
                continue
            swapped = int(sp.get("port", 0)) in heard
            evidence.append(Text(f"{label} -> targetPort {target}: {who} {'does' if one else 'do'} not listen on "
                                 f"{number}/{protocol}; {'it listens' if one else 'they listen'} on {listened}",
                                 f"{label} -> targetPort {target}：{who} 没有监听 {number}/{protocol}，"
                                 f"监听的是 {listened}"))
            if swapped:
                evidence.append(Text(f"port is what clients dial on the Service ({sp.get('port')}), targetPort is what "
                                     f"the Pods listen on: here the Pods listen on {sp.get('port')}",
                                     f"port 是客户端访问 Service 时用的端口（{sp.get('port')}），targetPort 是 Pod "
                                     f"监听的端口：这里 Pod 监听的是 {sp.get('port')}"))
            if fix is None and heard:
                choice = int(sp.get("port")) if swapped else heard[0]
                fix = Fix(Text(f"Set targetPort to {choice}, the port the Pods listen on",
                               f"把 targetPort 改为 Pod 实际监听的 {choice}"), [_patch_target(scene, index, choice)])
    if failed:
        return Finding("endpoints.targetPort", FAIL,
                       Text("the Pods do not listen on the Service's targetPort: connections are refused",
                            "Pod 没有监听 Service 的 targetPort：连接会被拒绝"),
                       evidence, fix, marks)
    return Finding("endpoints.targetPort", PASS,
                   Text("the Pods listen on every targetPort", "Pod 监听了每个 targetPort"), evidence)


__all__ = ["check_selector", "check_ready", "check_target_port", "patch_selector"]
