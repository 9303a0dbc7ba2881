"""Step two of the method, first part: does the Service's selector match Pods?

A Service selects Pods by their labels. When nothing matches, the
evidence shows, key by key, the nearest labels that do exist ("app=ngnix
matches nothing; 3 Pods have app=nginx") and the confusion the fifth
tutorial warns about: a selector copied from the Deployment's own labels
instead of its Pod template's. The fix patches the selector (null deletes
a key that should not be there).
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..api.labels import format_map, selector_from_map
from .findings import FAIL, PASS, Finding, Fix, Text, object_mark, selector_edge, service_mark
from .scene import Scene


def names(pods: list[dict[str, Any]], limit: int = 5) -> str:
    names = [p["metadata"]["name"] for p in pods]
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")


def _pods_word(n: int) -> str:
    return "1 Pod" if n == 1 else f"{n} Pods"


def _have(n: int) -> str:
    """`1 Pod has` / `3 Pods have`."""
    return f"{_pods_word(n)} {'has' if n == 1 else 'have'}"


def patch_selector(scene: Scene, wanted: dict[str, str]) -> str:
    """The command that makes the Service's selector exactly `wanted` (null deletes a key)."""
    body: dict[str, Any] = {k: None for k in sorted(scene.selector) if k not in wanted}
    body.update(dict(sorted(wanted.items())))
    return f"kubectl patch service {scene.name} -n {scene.namespace} -p " \
           f"'{json.dumps({'spec': {'selector': body}}, separators=(',', ':'))}'"


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
            evidence.append(Text(f"{key}={value}: {_pods_word(len(exact))} ({names(exact)})",
                                 f"{key}={value}：{len(exact)} 个 Pod（{names(exact)}）"))
            continue
        others = Counter((p["metadata"].get("labels") or {}).get(key) for p in pods
                         if key in (p["metadata"].get("labels") or {}))
        if others:
            near, count = sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            with_near = [p for p in pods if (p["metadata"].get("labels") or {}).get(key) == near]
            evidence.append(Text(f"{key}={value} matches nothing; {_have(count)} {key}={near} "
                                 f"({names(with_near)})",
                                 f"{key}={value} 匹配不到任何 Pod；有 {count} 个 Pod 带有 {key}={near}"
                                 f"（{names(with_near)}）"))
            wanted[key] = near
            continue
        keys = Counter(k for p in pods for k, v in (p["metadata"].get("labels") or {}).items() if v == value)
        if keys:
            near_key, count = sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            evidence.append(Text(f"no Pod has the key {key}; {_have(count)} {near_key}={value}",
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


__all__ = ["check_selector", "patch_selector", "names"]
