"""Service validation, in the order of ValidateService / ValidateServiceUpdate.

Mirrors pkg/apis/core/validation/validation.go (v1.32). Expects the object
after defaulting and after the registry's ClusterIP/ClusterIPs normalization
(see lab.sim.api.defaults.normalize_cluster_ips). NodePort range and
ClusterIP allocation errors come from the allocators, not from here.
"""
from __future__ import annotations

from typing import Any

from lab.sim.api.errors import (
    FieldError, GoLiteral, duplicate, forbidden, invalid, not_supported, required)
from lab.sim.api.validation import formats as f
from lab.sim.api.validation import meta as m

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
AFFINITIES = ["ClientIP", "None"]
IP_FAMILIES = ["IPv4", "IPv6"]
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
MAX_CLIENT_IP_AFFINITY_SECONDS = 86400
LB_SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def _spec(svc: dict[str, Any]) -> dict[str, Any]:
    return svc.get("spec") or {}


def is_headless(svc: dict[str, Any]) -> bool:
    ips = _spec(svc).get("clusterIPs") or []
    return len(ips) == 1 and ips[0] == "None"


def externally_accessible(svc: dict[str, Any]) -> bool:
    spec = _spec(svc)
    t = spec.get("type")
    return t in ("LoadBalancer", "NodePort") or (t == "ClusterIP" and bool(spec.get("externalIPs")))


def needs_health_check(svc: dict[str, Any]) -> bool:
    spec = _spec(svc)
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _ips_literal(ips: list[str] | None) -> GoLiteral:
    return GoLiteral("[]string(nil)") if ips is None else f.go_string_slice_literal(ips)


def validate_service_port(sp: dict[str, Any], require_name: bool, names: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = sp.get("name") or ""
    if require_name and not name:
        errs.append(required(path + ".name"))
    elif name:
        errs.extend(m.validate_dns1123_label(name, path + ".name"))
        if name in names:
            errs.append(duplicate(path + ".name", name))
        else:
            names.add(name)
    port = int(sp.get("port") or 0)
    errs.extend(invalid(path + ".port", port, msg) for msg in f.is_valid_port_num(port))
    protocol = sp.get("protocol") or ""
    if not protocol:
        errs.append(required(path + ".protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(not_supported(path + ".protocol", protocol, PROTOCOLS))
    errs.extend(validate_port_num_or_name(sp.get("targetPort", 0), path + ".targetPort"))
    if sp.get("appProtocol") is not None:
        errs.extend(m.validate_qualified_name(sp["appProtocol"], path + ".appProtocol"))
    return errs


def validate_port_num_or_name(port: Any, path: str) -> list[FieldError]:
    """ValidatePortNumOrName: an int must be 1-65535, a string an IANA_SVC_NAME."""
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in f.is_valid_port_name(port)]
    value = int(port or 0)
    return [invalid(path, value, msg) for msg in f.is_valid_port_num(value)]


def validate_non_special_ip(ip: str, path: str) -> list[FieldError]:
    """ValidateNonSpecialIP / ValidateEndpointIP: no unspecified, loopback or link-local addresses."""
    addr = f.parse_ip_sloppy(ip)
    if addr is None:
        return [invalid(path, ip, "must be a valid IP address")]
    errs = []
    if addr.is_unspecified:
        errs.append(invalid(path, ip, f"may not be unspecified ({ip})"))
    if addr.is_loopback:
        errs.append(invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if addr.is_link_local:
        errs.append(invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    link_local_mc = (addr.version == 4 and str(addr).startswith("224.0.0.")) or (
        addr.version == 6 and (int(addr) >> 112) & 0xff0f == 0xff02)
    if link_local_mc:
        errs.append(invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
    return errs


def validate_cluster_ips_related_fields(svc: dict[str, Any]) -> list[FieldError]:
    """ValidateServiceClusterIPsRelatedFields (also run by the allocator before it allocates)."""
    spec = _spec(svc)
    if spec.get("type") == "ExternalName":
        return []
    errs: list[FieldError] = []
    cluster_ip = spec.get("clusterIP") or ""
    cluster_ips = spec.get("clusterIPs")
    ips = cluster_ips or []
    families = spec.get("ipFamilies") or []
    if cluster_ip:
        if not ips:
            errs.append(required("spec.clusterIPs"))
        elif ips[0] != cluster_ip:
            errs.append(invalid("spec.clusterIPs", _ips_literal(cluster_ips), "first value must match `clusterIP`"))
    elif ips:
        errs.append(invalid("spec.clusterIPs", _ips_literal(cluster_ips),
                            "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    for i, fam in enumerate(families):
        if fam not in IP_FAMILIES:
            errs.append(not_supported(f"spec.ipFamilies[{i}]", fam, IP_FAMILIES))
        if fam in seen:
            errs.append(duplicate(f"spec.ipFamilies[{i}]", fam))
        seen.add(fam)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errs.append(not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    has_invalid = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                has_invalid = True
                errs.append(invalid("spec.clusterIPs", _ips_literal(cluster_ips),
                                    "'None' must be the first and only value"))
            continue
        bad = f.is_valid_ip(f"spec.clusterIPs[{i}]", ip)
        has_invalid = has_invalid or bool(bad)
        errs.extend(bad)
    if len(ips) > 2:
        errs.append(invalid("spec.clusterIPs", _ips_literal(cluster_ips), "may only hold up to 2 values"))
    if has_invalid:
        return errs
    if len(ips) > 1:
        versions = [f.parse_ip_sloppy(ip).version for ip in ips]  # type: ignore[union-attr]
        if len(ips) != 2 or versions[0] == versions[1]:
            errs.append(invalid("spec.clusterIPs", _ips_literal(cluster_ips),
                                "may specify no more than one IP for each IP family"))
    if not is_headless(svc) and ips and families:
        for i, ip in enumerate(ips):
            if i > len(families) - 1:
                break
            v6 = f.parse_ip_sloppy(ip).version == 6  # type: ignore[union-attr]
            if families[i] == "IPv4" and v6:
                errs.append(invalid(f"spec.clusterIPs[{i}]", ip,
                                    f"expected an IPv4 value as indicated by `ipFamilies[{i}]`"))
            if families[i] == "IPv6" and not v6:
                errs.append(invalid(f"spec.clusterIPs[{i}]", ip,
                                    f"expected an IPv6 value as indicated by `ipFamilies[{i}]`"))
    return errs


def validate_service(svc: dict[str, Any]) -> list[FieldError]:
    spec = _spec(svc)
    meta = svc.get("metadata") or {}
    errs = m.validate_object_meta(meta, True, m.name_is_dns1035_label)
    annotations = meta.get("annotations") or {}
    hints = annotations.get("service.kubernetes.io/topology-aware-hints")
    mode = annotations.get("service.kubernetes.io/topology-mode")
    if hints is not None and mode is not None and hints != mode:
        errs.append(invalid("metadata.annotations[service.kubernetes.io/topology-mode]", mode,
                            "must match annotations[service.kubernetes.io/topology-aware-hints] when both are "
                            "specified"))
    ports = spec.get("ports") or []
    stype = spec.get("type") or ""
    headless = is_headless(svc)
    if not ports and not headless and stype != "ExternalName":
        errs.append(required("spec.ports"))
    if stype == "LoadBalancer" and headless:
        errs.append(invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services"))
    elif stype == "NodePort" and headless:
        errs.append(invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services"))
    elif stype == "ExternalName":
        if spec.get("clusterIPs"):
            errs.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        if spec.get("ipFamilies"):
            errs.append(forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            errs.append(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
        cname = spec.get("externalName") or ""
        if cname.endswith("."):
            cname = cname[:-1]
        if cname:
            errs.extend(m.validate_dns1123_subdomain(cname, "spec.externalName"))
        else:
            errs.append(required("spec.externalName"))

    names: set[str] = set()
    for i, sp in enumerate(ports):
        errs.extend(validate_service_port(sp, len(ports) > 1, names, f"spec.ports[{i}]"))

    if spec.get("selector") is not None:
        errs.extend(m.validate_labels(spec["selector"], "spec.selector"))

    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        errs.append(required("spec.sessionAffinity"))
    elif affinity not in AFFINITIES:
        errs.append(not_supported("spec.sessionAffinity", affinity, AFFINITIES))
    if affinity == "ClientIP":
        errs.extend(_validate_client_ip_affinity(spec.get("sessionAffinityConfig")))
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errs.append(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))

    errs.extend(validate_cluster_ips_related_fields(svc))

    for i, ip in enumerate(spec.get("externalIPs") or []):
        bad = f.is_valid_ip(f"spec.externalIPs[{i}]", ip)
        errs.extend(bad or validate_non_special_ip(ip, f"spec.externalIPs[{i}]"))

    if not stype:
        errs.append(required("spec.type"))
    elif stype not in SERVICE_TYPES:
        errs.append(not_supported("spec.type", stype, SERVICE_TYPES))

    if stype == "ClusterIP":
        for i, sp in enumerate(ports):
            if sp.get("nodePort"):
                errs.append(forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))

    seen_node_ports: set[tuple[str, int]] = set()
    for i, sp in enumerate(ports):
        node_port = int(sp.get("nodePort") or 0)
        if not node_port:
            continue
        key = (sp.get("protocol") or "", node_port)
        if key in seen_node_ports:
            errs.append(duplicate(f"spec.ports[{i}].nodePort", node_port))
        seen_node_ports.add(key)

    seen_ports: set[tuple[str, int]] = set()
    for i, sp in enumerate(ports):
        key = (sp.get("protocol") or "", int(sp.get("port") or 0))
        if key in seen_ports:
            errs.append(duplicate(f"spec.ports[{i}]", f.go_service_port_key(*key)))
        seen_ports.add(key)

    ranges = spec.get("loadBalancerSourceRanges") or []
    if ranges:
        # The path really is capitalised like this upstream.
        path = "spec.LoadBalancerSourceRanges"
        if stype != "LoadBalancer":
            errs.append(forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
        for i, value in enumerate(ranges):
            errs.extend(f.is_valid_cidr(f"{path}[{i}]", value.strip()))
    elif LB_SOURCE_RANGES_ANNOTATION in annotations:
        path = f"metadata.annotations[{LB_SOURCE_RANGES_ANNOTATION}]"
        if stype != "LoadBalancer":
            errs.append(forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
        val = str(annotations[LB_SOURCE_RANGES_ANNOTATION]).strip()
        if val:
            for value in val.split(","):
                errs.extend(f.is_valid_cidr(path, value.strip()))

    if spec.get("allocateLoadBalancerNodePorts") is not None and stype != "LoadBalancer":
        errs.append(forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        # Upstream builds this path without the "spec." prefix.
        errs.append(required("allocateLoadBalancerNodePorts"))

    lb_class = spec.get("loadBalancerClass")
    if lb_class is not None:
        if stype == "LoadBalancer":
            errs.extend(m.validate_qualified_name(lb_class, "spec.loadBalancerClass"))
        else:
            errs.append(forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))

    errs.extend(_validate_external_traffic_policy(svc))

    itp = spec.get("internalTrafficPolicy")
    if itp is None:
        if stype in ("NodePort", "LoadBalancer", "ClusterIP"):
            errs.append(required("spec.internalTrafficPolicy"))
    elif itp not in TRAFFIC_POLICIES:
        errs.append(not_supported("spec.internalTrafficPolicy", itp, TRAFFIC_POLICIES))

    td = spec.get("trafficDistribution")
    if td is not None and td != "PreferClose":
        errs.append(not_supported("spec.trafficDistribution", td, ["PreferClose"]))
    return errs


def _validate_client_ip_affinity(config: dict[str, Any] | None) -> list[FieldError]:
    path = "spec.sessionAffinityConfig"
    detail = "when session affinity type is ClientIP"
    if config is None:
        return [required(path, detail)]
    if config.get("clientIP") is None:
        return [required(path + ".clientIP", detail)]
    timeout = config["clientIP"].get("timeoutSeconds")
    if timeout is None:
        return [required(path + ".clientIP.timeoutSeconds", detail)]
    if timeout <= 0 or timeout > MAX_CLIENT_IP_AFFINITY_SECONDS:
        return [invalid(path + ".clientIP.timeoutSeconds", timeout,
                        f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}")]
    return []


def _validate_external_traffic_policy(svc: dict[str, Any]) -> list[FieldError]:
    spec = _spec(svc)
    errs: list[FieldError] = []
    etp = spec.get("externalTrafficPolicy") or ""
    if not externally_accessible(svc):
        if etp:
            errs.append(invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"))
    elif not etp:
        errs.append(required("spec.externalTrafficPolicy"))
    elif etp not in TRAFFIC_POLICIES:
        errs.append(not_supported("spec.externalTrafficPolicy", etp, TRAFFIC_POLICIES))
    hc = int(spec.get("healthCheckNodePort") or 0)
    if not needs_health_check(svc):
        if hc:
            errs.append(invalid("spec.healthCheckNodePort", hc,
                                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
    elif not hc:
        errs.append(required("spec.healthCheckNodePort"))
    else:
        errs.extend(invalid("spec.healthCheckNodePort", hc, msg) for msg in f.is_valid_port_num(hc))
    return errs


def _validate_upgrade_downgrade_cluster_ips(old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    if _spec(new).get("type") == "ExternalName" or _spec(old).get("type") == "ExternalName":
        return []
    if is_headless(old) and is_headless(new):
        return []
    old_ips = _spec(old).get("clusterIPs") or []
    new_raw = _spec(new).get("clusterIPs")
    new_ips = new_raw or []
    lit = _ips_literal(new_raw)
    errs: list[FieldError] = []
    if len(old_ips) == len(new_ips):
        for i, ip in enumerate(old_ips):
            if ip != new_ips[i]:
                errs.append(invalid(f"spec.clusterIPs[{i}]", lit, "may not change once set"))
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            errs.append(invalid("spec.clusterIPs[0]", lit, "primary clusterIP can not be unset"))
        if old_ips and new_ips and new_ips[0] != old_ips[0]:
            errs.append(invalid("spec.clusterIPs[0]", lit, "may not change once set"))
        if len(new_ips) == 1 and _spec(new).get("ipFamilyPolicy") != "SingleStack":
            errs.append(invalid("spec.ipFamilyPolicy", _spec(new).get("ipFamilyPolicy"),
                                "must be set to 'SingleStack' when releasing the secondary clusterIP"))
    elif old_ips and new_ips[0] != old_ips[0]:
        errs.append(invalid("spec.clusterIPs[0]", lit, "may not change once set"))
    return errs


def _validate_upgrade_downgrade_ip_families(old: dict[str, Any], new: dict[str, Any]) -> list[FieldError]:
    if _spec(new).get("type") == "ExternalName" or _spec(old).get("type") == "ExternalName":
        return []
    if is_headless(old) != is_headless(new) or is_headless(new):
        return []
    old_f = _spec(old).get("ipFamilies") or []
    new_f = _spec(new).get("ipFamilies") or []
    errs: list[FieldError] = []
    if len(old_f) == len(new_f):
        for i, fam in enumerate(old_f):
            if fam != new_f[i]:
                errs.append(invalid("spec.ipFamilies[0]", f.go_family_slice_literal(new_f), "may not change once set"))
    elif len(old_f) > len(new_f):
        if new_f and new_f[0] != old_f[0]:
            errs.append(invalid("spec.ipFamilies[0]", _ips_literal(_spec(new).get("clusterIPs")),
                                "may not change once set"))
        if len(new_f) == 1 and _spec(new).get("ipFamilyPolicy") != "SingleStack":
            errs.append(invalid("spec.ipFamilyPolicy", _spec(new).get("ipFamilyPolicy"),
                                "must be set to 'SingleStack' when releasing the secondary ipFamily"))
    elif old_f and new_f and new_f[0] != old_f[0]:
        errs.append(invalid("spec.ipFamilies[0]", _ips_literal(_spec(new).get("clusterIPs")),
                            "may not change once set"))
    return errs


def validate_service_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    errs.extend(_validate_upgrade_downgrade_cluster_ips(old, new))
    errs.extend(_validate_upgrade_downgrade_ip_families(old, new))
    if _spec(old).get("type") == "LoadBalancer" and _spec(new).get("type") == "LoadBalancer":
        if _spec(old).get("loadBalancerClass") != _spec(new).get("loadBalancerClass"):
            errs.append(invalid("spec.loadBalancerClass", _spec(new).get("loadBalancerClass"),
                                "may not change once set"))
    if needs_health_check(old) and needs_health_check(new):
        if _spec(old).get("healthCheckNodePort") != _spec(new).get("healthCheckNodePort"):
            errs.append(forbidden("spec.healthCheckNodePort", "field is immutable"))
    errs.extend(validate_service(new))
    return errs
