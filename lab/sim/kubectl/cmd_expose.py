"""`kubectl expose TYPE NAME`: a Service built from an existing object.

Mirrors kubectl 1.32's expose.go and the polymorphichelpers it calls:
CanBeExposed (Pods, Services, ReplicationControllers, Deployments,
ReplicaSets), MapBasedSelectorForObject (the Pod's labels, the Service's
selector, a workload's matchLabels), PortsForObject (container ports, or
the Service's ports) and ProtocolsForObject (protocol per port), the
defaulting of name, labels, port names (`port-N` when there are several)
and targetPort (= port), and the messages when any of them is missing.
"""
from __future__ import annotations

import json
from typing import Any

from ..api.patch import merge_patch
from ..api.resources import resolve
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, Invocation, subcommand
from .cmd_create_generators import SAVE_CONFIG_FLAG, go_atoi
from .cmd_run import parse_labels
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format, print_result

EXPOSE_FLAGS = PRINT_FLAGS + FILENAME_FLAGS + (
    DRY_RUN_FLAG, SAVE_CONFIG_FLAG,
    Flag("cluster-ip", default=""),
    Flag("external-ip", default=""),
    Flag("field-manager", default="kubectl-expose"),
    Flag("labels", "l", default=""),
    Flag("load-balancer-ip", default=""),
    Flag("name", default=""),
    Flag("override-type", default="merge"),
    Flag("overrides", default=""),
    Flag("port", default=""),
    Flag("protocol", default=""),
    Flag("selector", default=""),
    Flag("session-affinity", default=""),
    Flag("target-port", default=""),
    Flag("container-port", default=""),
    Flag("type", default=""),
)

NO_RESOURCES = ("You must provide one or more resources by argument or filename.\n"
                "Example resource specifications include:\n"
                "   '-f rsrc.yaml'\n"
                "   '--filename=rsrc.json'\n"
                "   '<resource> <name>'\n"
                "   '<resource>'")
EXPOSABLE = {("", "Pod"), ("", "Service"), ("", "ReplicationController"), ("apps", "Deployment"),
             ("apps", "ReplicaSet"), ("extensions", "Deployment"), ("extensions", "ReplicaSet")}


def _go_requirements(exprs: list[dict[str, Any]]) -> str:
    """`%+v` of []metav1.LabelSelectorRequirement."""
    items = [f"{{Key:{e.get('key', '')} Operator:{e.get('operator', '')} Values:[{' '.join(e.get('values') or [])}]}}"
             for e in exprs]
    return "[" + " ".join(items) + "]"


def selector_for_object(obj: dict[str, Any]) -> dict[str, str]:
    """MapBasedSelectorForObject."""
    kind = obj.get("kind", "")
    if kind == "Pod":
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if not labels:
            raise KubectlError("the pod has no labels and cannot be exposed")
        return dict(labels)
    if kind == "Service":
        selector = (obj.get("spec") or {}).get("selector") or {}
        if not selector:
            raise KubectlError("the service has no pod selector set")
        return dict(selector)
    if kind == "ReplicationController":
        return dict((obj.get("spec") or {}).get("selector") or {})
    selector = (obj.get("spec") or {}).get("selector")
    if selector is None:
        raise KubectlError(f"invalid {kind.lower()}: no selectors, therefore cannot be exposed")
    if selector.get("matchExpressions"):
        raise KubectlError(f'couldn\'t convert expressions - "{_go_requirements(selector["matchExpressions"])}" '
                           "to map-based selector format")
    return dict(selector.get("matchLabels") or {})


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("kind") == "Pod":
        return obj.get("spec") or {}
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def ports_and_protocols(obj: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """PortsForObject and ProtocolsForObject (port number as text -> protocol)."""
    ports: list[str] = []
    protocols: dict[str, str] = {}
    if obj.get("kind") == "Service":
        for port in (obj.get("spec") or {}).get("ports") or []:
            ports.append(str(port.get("port", 0)))
            protocols[str(port.get("port", 0))] = port.get("protocol") or "TCP"
        return ports, protocols
    for container in _pod_spec(obj).get("containers") or []:
        for port in container.get("ports") or []:
            ports.append(str(port.get("containerPort", 0)))
            protocols[str(port.get("containerPort", 0))] = port.get("protocol") or "TCP"
    return ports, protocols


def build_service(inv: Invocation, parsed: Parsed, obj: dict[str, Any]) -> dict[str, Any]:
    """The Service expose generates for one exposed object."""
    meta = obj.get("metadata") or {}
    name = parsed.get("name") or meta.get("name", "")[:63]
    selector_flag = parsed.get("selector") or ""
    if selector_flag:
        selector = parse_labels(selector_flag)
    else:
        try:
            selector = selector_for_object(obj)
        except KubectlError as exc:
            raise KubectlError(f"couldn't retrieve selectors via --selector flag or introspection: {exc.message}") \
                from None
    cluster_ip = parsed.get("cluster-ip") or ""
    found_ports, protocols = ports_and_protocols(obj)
    port_text = parsed.get("port") or ""
    port_list = port_text.split(",") if port_text else found_ports
    if not port_list and cluster_ip != "None":
        raise KubectlError("couldn't find port via --port flag or introspection")
    labels_flag = parsed.get("labels") or ""
    labels = parse_labels(labels_flag) if labels_flag else dict(meta.get("labels") or {})
    protocol_flag = parsed.get("protocol") or ""
    ports = []
    for i, text in enumerate(port_list, 1):
        number = go_atoi(text)
        entry: dict[str, Any] = {}
        if len(port_list) > 1:
            entry["name"] = f"port-{i}"
        entry["protocol"] = protocol_flag or protocols.get(text) or "TCP"
        entry["port"] = number
        ports.append(entry)
    target_text = parsed.get("target-port") or parsed.get("container-port") or ""
    for entry in ports:
        if target_text:
            try:
                entry["targetPort"] = go_atoi(target_text)
            except KubectlError:
                entry["targetPort"] = target_text
        else:
            entry["targetPort"] = entry["port"]
    svc_meta: dict[str, Any] = {"name": name, "creationTimestamp": None}
    if labels:
        svc_meta["labels"] = labels
    spec: dict[str, Any] = {}
    if ports:
        spec["ports"] = ports
    spec["selector"] = selector
    if parsed.get("external-ip"):
        spec["externalIPs"] = [parsed["external-ip"]]
    if parsed.get("type"):
        spec["type"] = parsed["type"]
    if spec.get("type") == "LoadBalancer" and parsed.get("load-balancer-ip"):
        spec["loadBalancerIP"] = parsed["load-balancer-ip"]
    affinity = parsed.get("session-affinity") or ""
    if affinity:
        if affinity not in ("None", "ClientIP"):
            raise KubectlError(f"unknown session affinity: {affinity}")
        spec["sessionAffinity"] = affinity
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    svc = {"kind": "Service", "apiVersion": "v1", "metadata": svc_meta, "spec": spec,
           "status": {"loadBalancer": {}}}
    overrides = parsed.get("overrides") or ""
    if overrides:
        # SIMPLIFICATION: --overrides is applied as a JSON merge patch whatever --override-type says.
        try:
            svc = merge_patch(svc, json.loads(overrides))
        except ValueError as exc:
            raise KubectlError(f"unable to parse {overrides}: {exc}") from None
    return svc


def _objects(inv: Invocation, parsed: Parsed) -> list[dict[str, Any]]:
    files = [f for f in parsed.get("filename") or [] if f]
    if files:
        return [fo.obj for fo in inv.file_objects(files, bool(parsed.get("recursive")))]
    if not parsed.args:
        raise KubectlError(NO_RESOURCES)
    targets = inv.targets(parsed.args)
    if any(t.name is None for t in targets):
        raise KubectlError("resource(s) were provided, but no name was specified")
    return [inv.api.get(t.resource, t.name, namespace=inv.namespace) for t in targets]


@subcommand("expose", flags=EXPOSE_FLAGS)
def expose(inv: Invocation, parsed: Parsed) -> int:
    strategy = inv.dry_run()
    check_format(parsed.get("output", "") or "")
    services = resolve("services")
    for obj in _objects(inv, parsed):
        group = obj.get("apiVersion", "").rpartition("/")[0]
        kind = obj.get("kind", "")
        if (group, kind) not in EXPOSABLE:
            raise KubectlError(f"cannot expose a {kind}{'.' + group if group else ''}")
        svc = build_service(inv, parsed, obj)
        if strategy == "client":
            if inv.namespace_explicit:
                svc["metadata"]["namespace"] = inv.namespace
        else:
            svc = inv.api.create(svc, namespace=inv.namespace, dry_run=(strategy == "server"))
        print_result(inv, svc, services, "exposed", strategy, typed=(strategy == "client"))
    return 0
