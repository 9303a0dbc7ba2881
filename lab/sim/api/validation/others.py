"""Namespace, Node, Endpoints, EndpointSlice, ConfigMap and Event validation.

Mirrors ValidateNamespace, ValidateNode, ValidateEndpoints, ValidateConfigMap
(pkg/apis/core/validation) and ValidateEndpointSlice
(pkg/apis/discovery/validation), v1.32, reduced to what the lab can produce.
"""
from __future__ import annotations

from typing import Any

from lab.sim.api.errors import FieldError, duplicate, invalid, not_supported, required, too_long
from lab.sim.api.validation import formats as f
from lab.sim.api.validation import meta as m
from lab.sim.api.validation.service import PROTOCOLS, validate_non_special_ip


def validate_namespace(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, False, m.name_is_dns_label)
    for i, fin in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        errs.extend(_validate_finalizer_name(fin, f"spec.finalizers[{i}]"))
    return errs


def _validate_finalizer_name(name: str, path: str) -> list[FieldError]:
    errs = m.validate_qualified_name(name, path)
    if not errs and "/" not in name and name != "kubernetes":
        errs.append(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


def validate_node(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, False, m.name_is_dns_subdomain)
    for i, cidr in enumerate((obj.get("spec") or {}).get("podCIDRs") or []):
        errs.extend(f.is_valid_cidr(f"spec.podCIDRs[{i}]", cidr))
    return errs


def _validate_endpoint_address(addr: dict[str, Any], path: str) -> list[FieldError]:
    ip = addr.get("ip") or ""
    errs = f.is_valid_ip(path + ".ip", ip)
    if addr.get("hostname"):
        errs.extend(m.validate_dns1123_label(addr["hostname"], path + ".hostname"))
    if addr.get("nodeName") is not None:
        errs.extend(invalid(path + ".nodeName", addr["nodeName"], msg)
                    for msg in m.name_is_dns_subdomain(addr["nodeName"], False))
    errs.extend(validate_non_special_ip(ip, path + ".ip"))
    return errs


def _validate_endpoint_port(port: dict[str, Any], require_name: bool, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(required(path + ".name"))
    elif name:
        errs.extend(m.validate_dns1123_label(name, path + ".name"))
    num = int(port.get("port") or 0)
    errs.extend(invalid(path + ".port", num, msg) for msg in f.is_valid_port_num(num))
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(required(path + ".protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(not_supported(path + ".protocol", protocol, PROTOCOLS))
    if port.get("appProtocol") is not None:
        errs.extend(m.validate_qualified_name(port["appProtocol"], path + ".appProtocol"))
    return errs


def validate_endpoints(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    for i, subset in enumerate(obj.get("subsets") or []):
        p = f"subsets[{i}]"
        addresses = subset.get("addresses") or []
        not_ready = subset.get("notReadyAddresses") or []
        if not addresses and not not_ready:
            errs.append(required(p, "must specify `addresses` or `notReadyAddresses`"))
        for j, addr in enumerate(addresses):
            errs.extend(_validate_endpoint_address(addr, f"{p}.addresses[{j}]"))
        for j, addr in enumerate(not_ready):
            errs.extend(_validate_endpoint_address(addr, f"{p}.notReadyAddresses[{j}]"))
        ports = subset.get("ports") or []
        for j, port in enumerate(ports):
            errs.extend(_validate_endpoint_port(port, len(ports) > 1, f"{p}.ports[{j}]"))
    return errs


ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]


def validate_endpoint_slice(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    address_type = obj.get("addressType") or ""
    if not address_type:
        errs.append(required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(not_supported("addressType", address_type, ADDRESS_TYPES))
    endpoints = obj.get("endpoints") or []
    if len(endpoints) > 1000:
        errs.append(too_long("endpoints", "", 1000))
    for i, ep in enumerate(endpoints):
        p = f"endpoints[{i}]"
        addresses = ep.get("addresses") or []
        if not addresses:
            errs.append(required(p + ".addresses", "must contain at least 1 address"))
        for j, addr in enumerate(addresses):
            ap = f"{p}.addresses[{j}]"
            parsed = f.parse_ip_sloppy(addr)
            if address_type == "IPv4" and (parsed is None or parsed.version != 4):
                errs.append(invalid(ap, addr, "must be a valid IPv4 address"))
            elif address_type == "IPv6" and (parsed is None or parsed.version != 6):
                errs.append(invalid(ap, addr, "must be a valid IPv6 address"))
            elif address_type == "FQDN":
                errs.extend(m.validate_dns1123_subdomain(addr, ap))
        if ep.get("hostname") is not None:
            errs.extend(m.validate_dns1123_label(ep["hostname"], p + ".hostname"))
        if ep.get("nodeName") is not None:
            errs.extend(invalid(p + ".nodeName", ep["nodeName"], msg)
                        for msg in m.name_is_dns_subdomain(ep["nodeName"], False))
    names: set[str] = set()
    for i, port in enumerate(obj.get("ports") or []):
        p = f"ports[{i}]"
        name = port.get("name") or ""
        if name:
            errs.extend(m.validate_dns1123_label(name, p + ".name"))
        if name in names:
            errs.append(duplicate(p + ".name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errs.append(required(p + ".protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(p + ".protocol", protocol, PROTOCOLS))
        if port.get("appProtocol") is not None:
            errs.extend(m.validate_qualified_name(port["appProtocol"], p + ".appProtocol"))
    return errs


def validate_config_map(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    for key in sorted(data):
        errs.extend(invalid("data[%s]" % key, key, msg) for msg in f.is_config_map_key(key))
    for key in sorted(binary):
        errs.extend(invalid("binaryData[%s]" % key, key, msg) for msg in f.is_config_map_key(key))
        if key in data:
            errs.append(invalid("binaryData[%s]" % key, key, "duplicate of key present in data"))
    size = sum(len(str(v)) for v in data.values()) + sum(len(str(v)) for v in binary.values())
    if size > 1024 * 1024:
        errs.append(too_long("", "", 1024 * 1024))
    return errs


def validate_service_account(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateServiceAccount: the name is a DNS subdomain (secret names are not checked)."""
    return m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)


def validate_event(obj: dict[str, Any]) -> list[FieldError]:
    """SIMPLIFICATION: only metadata and involvedObject.namespace are checked."""
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    involved_ns = (obj.get("involvedObject") or {}).get("namespace") or ""
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    if involved_ns and ns and involved_ns != ns:
        errs.append(invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
    return errs


def validate_endpoint_slice_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs = [e for e in validate_endpoint_slice(new) if not e.field.startswith("metadata.")]
    errs = m.validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {}) + errs
    if (new.get("addressType") or "") != (old.get("addressType") or ""):
        errs.append(invalid("addressType", new.get("addressType") or "", f.FIELD_IMMUTABLE))
    return errs
