"""Step two of the method, third part: do the Pods listen on the Service's targetPort?

Per Service port: a number the running containers do not listen on (and,
when they listen on `port` instead, the port/targetPort confusion of the
fourth tutorial's comments), or a named targetPort that no container port
carries. Pods with the same outcome are reported together.
"""
from __future__ import annotations

import json
from typing import Any

from ..workloads.containers import listens
from .check_selector import names
from .findings import FAIL, PASS, Finding, Fix, Text, pod_mark
from .scene import Scene


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
            who = names(pods)
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


__all__ = ["check_target_port"]
