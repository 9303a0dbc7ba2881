"""Step two of the method, second part: are the selected Pods ready endpoints?

Only ready Pods are ready endpoints in the EndpointSlices, and only those
get traffic. For each selected Pod that is not, the cause the kubelet and
the scheduler recorded: not scheduled (the scheduler's message), a
container waiting or in CrashLoopBackOff (restarts, last exit code), or a
readiness probe failing (the probe's own Event message). A probe pointed
at a port the container does not listen on is fixed through its
Deployment.
"""
from __future__ import annotations

import json
from typing import Any

from ..workloads.containers import listens
from .findings import FAIL, PASS, WARN, Finding, Fix, Text, endpoint_mark, pod_mark
from .owners import kubectl_kind, top_owner
from .scene import Scene, pod_ready


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


__all__ = ["check_ready"]
