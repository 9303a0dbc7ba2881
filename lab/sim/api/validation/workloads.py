"""Deployment, ReplicaSet and DaemonSet validation.

Mirrors pkg/apis/apps/validation/validation.go (v1.32) plus the apps/v1
strategies' ValidateUpdate, which adds the selector immutability check
(`spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable`).
"""
from __future__ import annotations

from typing import Any

from lab.sim.api.errors import FieldError, GoLiteral, forbidden, invalid, required
from lab.sim.api.validation import formats as f
from lab.sim.api.validation import meta as m
from lab.sim.api.validation.pod import validate_pod_template_spec


def _intstr_literal(value: Any) -> GoLiteral:
    return GoLiteral(f.go_intstr(value))


def _int_or_percent_value(value: Any) -> int:
    t, i, s = f.intstr_fields(value)
    if t == 0:
        return i
    if s.endswith("%") and s[:-1].isdigit():
        return int(s[:-1])
    return 0


def validate_positive_int_or_percent(value: Any, path: str) -> list[FieldError]:
    t, i, s = f.intstr_fields(value)
    if t == 1:
        return [invalid(path, _intstr_literal(value), msg) for msg in f.is_valid_percent(s)]
    return m.validate_nonnegative(i, path)


def _not_more_than_100_percent(value: Any, path: str) -> list[FieldError]:
    t, _, s = f.intstr_fields(value)
    if t == 1 and s.endswith("%") and s[:-1].isdigit() and int(s[:-1]) > 100:
        return [invalid(path, _intstr_literal(value), "must not be greater than 100%")]
    return []


def _validate_template_for_selector(spec: dict[str, Any], path: str, kind: str) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet: selector/labels match, template, restartPolicy Always."""
    errs: list[FieldError] = []
    template = spec.get("template")
    if template is None:
        return [required(path)]
    labels = (template.get("metadata") or {}).get("labels")
    if m.selector_matches(spec.get("selector"), labels) is False:
        errs.append(invalid(path + ".metadata.labels", f.go_map(labels), "`selector` does not match template `labels`"))
    errs.extend(validate_pod_template_spec(template, path))
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy") or ""
    if restart and restart != "Always":
        errs.append(f.not_supported_in_order(path + ".spec.restartPolicy", restart, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(forbidden(path + ".spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _validate_selector(spec: dict[str, Any], kind: str) -> list[FieldError]:
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    errs = m.validate_label_selector(selector, "spec.selector")
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errs.append(invalid("spec.selector", f.go_label_selector(selector), f"empty selector is invalid for {kind}"))
    return errs


def validate_deployment_strategy(strategy: dict[str, Any], path: str) -> list[FieldError]:
    stype = strategy.get("type") or ""
    if stype == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            return [required(path + ".rollingUpdate", "this should be defaulted and never be nil")]
        rp = path + ".rollingUpdate"
        errs = validate_positive_int_or_percent(ru.get("maxUnavailable"), rp + ".maxUnavailable")
        errs.extend(validate_positive_int_or_percent(ru.get("maxSurge"), rp + ".maxSurge"))
        if _int_or_percent_value(ru.get("maxUnavailable")) == 0 and _int_or_percent_value(ru.get("maxSurge")) == 0:
            errs.append(invalid(rp + ".maxUnavailable", _intstr_literal(ru.get("maxUnavailable")),
                                "may not be 0 when `maxSurge` is 0"))
        errs.extend(_not_more_than_100_percent(ru.get("maxUnavailable"), rp + ".maxUnavailable"))
        return errs
    return [f.not_supported_in_order(path + ".type", stype, ["Recreate", "RollingUpdate"])]


def validate_deployment(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    errs.extend(m.validate_nonnegative(int(spec.get("replicas") or 0), "spec.replicas"))
    errs.extend(_validate_selector(spec, "deployment"))
    errs.extend(_validate_template_for_selector(spec, "spec.template", "ReplicaSet"))
    errs.extend(validate_deployment_strategy(spec.get("strategy") or {}, "spec.strategy"))
    min_ready = int(spec.get("minReadySeconds") or 0)
    errs.extend(m.validate_nonnegative(min_ready, "spec.minReadySeconds"))
    if spec.get("revisionHistoryLimit") is not None:
        errs.extend(m.validate_nonnegative(int(spec["revisionHistoryLimit"]), "spec.revisionHistoryLimit"))
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        errs.extend(m.validate_nonnegative(int(pds), "spec.progressDeadlineSeconds"))
        if pds <= min_ready:
            errs.append(invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    return errs


def validate_replicaset(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    errs.extend(m.validate_nonnegative(int(spec.get("replicas") or 0), "spec.replicas"))
    errs.extend(m.validate_nonnegative(int(spec.get("minReadySeconds") or 0), "spec.minReadySeconds"))
    # Upstream's ReplicaSet check really says "for deployment".
    errs.extend(_validate_selector(spec, "deployment"))
    errs.extend(_validate_template_for_selector(spec, "spec.template", "ReplicaSet"))
    return errs


def validate_daemonset(obj: dict[str, Any]) -> list[FieldError]:
    errs = m.validate_object_meta(obj.get("metadata") or {}, True, m.name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    errs.extend(m.validate_label_selector(selector, "spec.selector"))
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    if m.selector_matches(selector, labels) is False:
        errs.append(invalid("spec.template.metadata.labels", f.go_map(labels),
                            "`selector` does not match template `labels`"))
    if selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        errs.append(invalid("spec.selector", f.go_label_selector(selector), "empty selector is invalid for daemonset"))
    errs.extend(validate_pod_template_spec(template, "spec.template"))
    tspec = template.get("spec") or {}
    restart = tspec.get("restartPolicy") or ""
    if restart and restart != "Always":
        errs.append(f.not_supported_in_order("spec.template.spec.restartPolicy", restart, ["Always"]))
    errs.extend(m.validate_nonnegative(int(spec.get("minReadySeconds") or 0), "spec.minReadySeconds"))
    strategy = spec.get("updateStrategy") or {}
    stype = strategy.get("type") or ""
    if stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        rp = "spec.updateStrategy.rollingUpdate"
        errs.extend(validate_positive_int_or_percent(ru.get("maxUnavailable"), rp + ".maxUnavailable"))
        errs.extend(validate_positive_int_or_percent(ru.get("maxSurge"), rp + ".maxSurge"))
        if _int_or_percent_value(ru.get("maxUnavailable")) == 0 and _int_or_percent_value(ru.get("maxSurge")) == 0:
            errs.append(invalid(rp + ".maxUnavailable", _intstr_literal(ru.get("maxUnavailable")),
                                "may not be 0 when `maxSurge` is 0"))
        errs.extend(_not_more_than_100_percent(ru.get("maxUnavailable"), rp + ".maxUnavailable"))
    elif stype != "OnDelete":
        errs.append(f.not_supported_in_order("spec.updateStrategy", stype, ["OnDelete", "RollingUpdate"]))
    if spec.get("revisionHistoryLimit") is not None:
        errs.extend(m.validate_nonnegative(int(spec["revisionHistoryLimit"]), "spec.revisionHistoryLimit"))
    return errs


_CREATE = {"Deployment": validate_deployment, "ReplicaSet": validate_replicaset, "DaemonSet": validate_daemonset}


def validate_workload(obj: dict[str, Any]) -> list[FieldError]:
    return _CREATE[obj.get("kind", "")](obj)


def validate_workload_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """Validate<Kind>Update (metadata + spec) and then the apps/v1 selector immutability."""
    errs = m.validate_object_meta_update(new.get("metadata") or {}, old.get("metadata") or {})
    errs.extend(e for e in _CREATE[new.get("kind", "")](new) if not e.field.startswith("metadata."))
    new_sel = (new.get("spec") or {}).get("selector")
    old_sel = (old.get("spec") or {}).get("selector")
    if _canonical_selector(new_sel) != _canonical_selector(old_sel):
        errs.append(invalid("spec.selector", f.go_label_selector(new_sel), f.FIELD_IMMUTABLE))
    return errs


def _canonical_selector(sel: dict[str, Any] | None) -> Any:
    if sel is None:
        return None
    return (tuple(sorted((sel.get("matchLabels") or {}).items())),
            tuple((e.get("key"), e.get("operator"), tuple(e.get("values") or [])) for e in sel.get("matchExpressions") or []))
