"""Pod and pod template validation (the parts a Services lab exercises).

Mirrors ValidatePodSpec / validateContainers / validateContainerCommon /
validateContainerPorts / validateProbe in pkg/apis/core/validation (v1.32),
in their order. SIMPLIFICATION: volumes, env, resources and security
contexts are not validated beyond their presence.
"""
from __future__ import annotations

from typing import Any

from lab.sim.api.errors import FieldError, duplicate, forbidden, invalid, not_supported, required
from lab.sim.api.validation import formats as f
from lab.sim.api.validation import meta as m
from lab.sim.api.validation.service import PROTOCOLS, validate_port_num_or_name


def validate_container_ports(ports: list[dict[str, Any]], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        p = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = f.is_valid_port_name(name)
            if msgs:
                errs.extend(invalid(p + ".name", name, msg) for msg in msgs)
            elif name in names:
                errs.append(duplicate(p + ".name", name))
            else:
                names.add(name)
        cport = int(port.get("containerPort") or 0)
        if cport == 0:
            errs.append(required(p + ".containerPort"))
        else:
            errs.extend(invalid(p + ".containerPort", cport, msg) for msg in f.is_valid_port_num(cport))
        hport = int(port.get("hostPort") or 0)
        if hport:
            errs.extend(invalid(p + ".hostPort", hport, msg) for msg in f.is_valid_port_num(hport))
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(required(p + ".protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(p + ".protocol", protocol, PROTOCOLS))
    return errs


def _validate_handler(probe: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    count = 0
    for kind in ("exec", "httpGet", "tcpSocket", "grpc"):
        action = probe.get(kind)
        if action is None:
            continue
        if count:
            errs.append(forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
            continue
        count += 1
        ap = f"{path}.{kind}"
        if kind == "exec" and not action.get("command"):
            errs.append(required(ap + ".command"))
        elif kind == "httpGet":
            if not action.get("path"):
                errs.append(required(ap + ".path"))
            errs.extend(validate_port_num_or_name(action.get("port", 0), ap + ".port"))
            scheme = action.get("scheme") or ""
            if scheme not in ("HTTP", "HTTPS"):
                errs.append(not_supported(ap + ".scheme", scheme, ["HTTP", "HTTPS"]))
        elif kind == "tcpSocket":
            errs.extend(validate_port_num_or_name(action.get("port", 0), ap + ".port"))
        elif kind == "grpc":
            errs.extend(validate_port_num_or_name(int(action.get("port") or 0), ap + ".port"))
    if count == 0:
        errs.append(required(path, "must specify a handler type"))
    return errs


def validate_probe(probe: dict[str, Any] | None, path: str, kind: str) -> list[FieldError]:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    if probe is None:
        return []
    errs = _validate_handler(probe, path)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs.extend(m.validate_nonnegative(int(probe.get(key) or 0), f"{path}.{key}"))
    tgps = probe.get("terminationGracePeriodSeconds")
    if tgps is not None and tgps <= 0:
        errs.append(invalid(path + ".terminationGracePeriodSeconds", tgps, "must be greater than 0"))
    if kind in ("liveness", "startup") and int(probe.get("successThreshold") or 0) != 1:
        errs.append(invalid(path + ".successThreshold", int(probe.get("successThreshold") or 0), "must be 1"))
    if kind == "readiness" and tgps is not None:
        errs.append(invalid(path + ".terminationGracePeriodSeconds", tgps, "must not be set for readinessProbes"))
    return errs


def _validate_container_common(ctr: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = ctr.get("name") or ""
    if not name:
        errs.append(required(path + ".name"))
    else:
        errs.extend(m.validate_dns1123_label(name, path + ".name"))
    if not ctr.get("image"):
        errs.append(required(path + ".image"))
    tmp = ctr.get("terminationMessagePolicy") or ""
    if not tmp:
        errs.append(required(path + ".terminationMessagePolicy"))
    elif tmp not in ("File", "FallbackToLogsOnError"):
        errs.append(f.not_supported_in_order(path + ".terminationMessagePolicy", tmp, ["File", "FallbackToLogsOnError"]))
    errs.extend(validate_container_ports(ctr.get("ports") or [], path + ".ports"))
    pull = ctr.get("imagePullPolicy") or ""
    if not pull:
        errs.append(required(path + ".imagePullPolicy"))
    elif pull not in ("Always", "IfNotPresent", "Never"):
        errs.append(not_supported(path + ".imagePullPolicy", pull, ["Always", "IfNotPresent", "Never"]))
    return errs


def validate_containers(containers: list[dict[str, Any]], path: str) -> list[FieldError]:
    if not containers:
        return [required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        p = f"{path}[{i}]"
        errs.extend(_validate_container_common(ctr, p))
        name = ctr.get("name") or ""
        if name in names:
            errs.append(duplicate(p + ".name", name))
        else:
            names.add(name)
        errs.extend(validate_probe(ctr.get("livenessProbe"), p + ".livenessProbe", "liveness"))
        errs.extend(validate_probe(ctr.get("readinessProbe"), p + ".readinessProbe", "readiness"))
        errs.extend(validate_probe(ctr.get("startupProbe"), p + ".startupProbe", "startup"))
        if ctr.get("restartPolicy") is not None:
            errs.append(forbidden(p + ".restartPolicy", "may not be set for non-init containers"))
    host_ports: set[str] = set()
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(ctr.get("ports") or []):
            hp = int(port.get("hostPort") or 0)
            if not hp:
                continue
            key = f"{port.get('protocol') or ''}/{port.get('hostIP') or ''}/{hp}"
            if key in host_ports:
                errs.append(duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            host_ports.add(key)
    return errs


def validate_pod_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.append(required(path + ".terminationGracePeriodSeconds"))
    errs.extend(validate_containers(spec.get("containers") or [], path + ".containers"))
    for i, ctr in enumerate(spec.get("initContainers") or []):
        errs.extend(_validate_container_common(ctr, f"{path}.initContainers[{i}]"))
    restart = spec.get("restartPolicy") or ""
    if not restart:
        errs.append(required(path + ".restartPolicy"))
    elif restart not in ("Always", "OnFailure", "Never"):
        errs.append(f.not_supported_in_order(path + ".restartPolicy", restart, ["Always", "OnFailure", "Never"]))
    dns = spec.get("dnsPolicy") or ""
    dns_values = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    if not dns:
        errs.append(required(path + ".dnsPolicy"))
    elif dns not in dns_values:
        errs.append(f.not_supported_in_order(path + ".dnsPolicy", dns, dns_values))
    errs.extend(m.validate_labels(spec.get("nodeSelector"), path + ".nodeSelector"))
    if spec.get("serviceAccountName"):
        errs.extend(invalid(path + ".serviceAccountName", spec["serviceAccountName"], msg)
                    for msg in m.name_is_dns_subdomain(spec["serviceAccountName"], False))
    if spec.get("nodeName"):
        errs.extend(invalid(path + ".nodeName", spec["nodeName"], msg)
                    for msg in m.name_is_dns_subdomain(spec["nodeName"], False))
    if spec.get("hostname"):
        errs.extend(m.validate_dns1123_label(spec["hostname"], path + ".hostname"))
    if spec.get("subdomain"):
        errs.extend(m.validate_dns1123_label(spec["subdomain"], path + ".subdomain"))
    return errs


def validate_pod_template_spec(template: dict[str, Any], path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: note upstream's paths `<path>.labels` (not `.metadata.labels`)."""
    tmeta = template.get("metadata") or {}
    errs = m.validate_labels(tmeta.get("labels"), path + ".labels")
    errs.extend(m.validate_annotations(tmeta.get("annotations"), path + ".annotations"))
    errs.extend(validate_pod_spec(template.get("spec") or {}, path + ".spec"))
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.append(forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errs


def validate_pod(pod: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(pod.get("metadata") or {}, True, m.name_is_dns_subdomain)
    spec = pod.get("spec") or {}
    errs.extend(validate_pod_spec(spec, "spec"))
    for i, ctr in enumerate(spec.get("containers") or []):
        image = ctr.get("image") or ""
        if image != image.strip():
            errs.append(invalid(f"spec.containers[{i}].image", image, "must not have leading or trailing whitespace"))
    return errs


POD_UPDATE_FORBIDDEN = ("pod updates may not change fields other than `spec.containers[*].image`,"
                        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                        "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                        "(allow it to be set to 1 if it was previously negative)")


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """ValidatePodUpdate: only images (and a few fields) may change.

    SIMPLIFICATION: the real message ends with a diff of the specs; we give
    the fixed sentence only.
    """
    errs = m.validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    new_spec = dict(new.get("spec") or {})
    old_spec = dict(old.get("spec") or {})
    errs.extend(validate_pod_spec(new_spec, "spec"))
    for spec in (new_spec, old_spec):
        spec.pop("activeDeadlineSeconds", None)
        spec.pop("tolerations", None)
        spec.pop("terminationGracePeriodSeconds", None)
        for key in ("containers", "initContainers"):
            spec[key] = [{k: v for k, v in c.items() if k != "image"} for c in spec.get(key) or []]
    if new_spec != old_spec:
        errs.append(forbidden("spec", POD_UPDATE_FORBIDDEN))
    return errs
