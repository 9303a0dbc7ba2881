"""ObjectMeta, labels, annotations and label selectors.

Mirrors apimachinery pkg/api/validation/objectmeta.go (ValidateObjectMeta,
ValidateObjectMetaUpdate), the name functions in pkg/api/validation/generic.go
(NameIsDNSSubdomain, NameIsDNSLabel, NameIsDNS1035Label with the quirky
maskTrailingDash for generateName prefixes) and pkg/apis/meta/v1/validation
(ValidateLabels, ValidateLabelSelector) as of v1.32.

SIMPLIFICATION: Go iterates label/annotation maps in random order; we report
their errors in sorted key order so output is deterministic.
"""
from __future__ import annotations

from typing import Any, Callable

from lab.sim.api.errors import FieldError, forbidden, invalid, required, too_long
from lab.sim.api.validation import formats as f

NameFunc = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    # Reproduces upstream exactly: it drops TWO characters and appends "a".
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return f.is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return f.is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return f.is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def validate_dns1123_label(value: str, path: str) -> list[FieldError]:
    return [invalid(path, value, m) for m in f.is_dns1123_label(value)]


def validate_dns1123_subdomain(value: str, path: str) -> list[FieldError]:
    return [invalid(path, value, m) for m in f.is_dns1123_subdomain(value)]


def validate_qualified_name(value: str, path: str) -> list[FieldError]:
    return [invalid(path, value, m) for m in f.is_qualified_name(value)]


def validate_nonnegative(value: int, path: str) -> list[FieldError]:
    return [invalid(path, value, f.NEGATIVE_MSG)] if value < 0 else []


def validate_labels(labels: dict[str, str] | None, path: str) -> list[FieldError]:
    """ValidateLabels: errors carry the map's path (no key), then the bad key or value."""
    errs: list[FieldError] = []
    for key in sorted(labels or {}):
        value = (labels or {})[key]
        errs.extend(invalid(path, key, m) for m in f.is_qualified_name(key))
        errs.extend(invalid(path, value, m) for m in f.is_valid_label_value(str(value)))
    return errs


TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_annotations(annotations: dict[str, str] | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    annotations = annotations or {}
    for key in sorted(annotations):
        errs.extend(invalid(path, key, m) for m in f.is_qualified_name(key.lower()))
    total = sum(len(k) + len(str(v)) for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.append(too_long(path, "", TOTAL_ANNOTATION_SIZE_LIMIT))
    return errs


def validate_label_selector(selector: dict[str, Any] | None, path: str) -> list[FieldError]:
    """metav1validation.ValidateLabelSelector (strict label values)."""
    if selector is None:
        return []
    errs = validate_labels(selector.get("matchLabels"), path + ".matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator", "")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(forbidden(p + ".values",
                                      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(invalid(p + ".operator", op, "not a valid selector operator"))
        errs.extend(invalid(p + ".key", expr.get("key", ""), m) for m in f.is_qualified_name(expr.get("key", "")))
        for j, value in enumerate(values):
            errs.extend(invalid(f"{p}.values[{j}]", value, m) for m in f.is_valid_label_value(value))
    return errs


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str] | None) -> bool | None:
    """metav1.LabelSelectorAsSelector(...).Matches(labels).

    Returns None for an empty (non-nil) selector, which matches everything and
    is skipped by the template check; a nil selector matches nothing.
    """
    labels = labels or {}
    if selector is None:
        return False
    match_labels = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not match_labels and not exprs:
        return None
    for k, v in match_labels.items():
        if labels.get(k) != v:
            return False
    for expr in exprs:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def validate_object_meta(meta: dict[str, Any], requires_namespace: bool, name_fn: NameFunc,
                         path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMeta for create: generateName, name, namespace, labels, annotations."""
    errs: list[FieldError] = []
    generate_name = meta.get("generateName") or ""
    name = meta.get("name") or ""
    if generate_name:
        errs.extend(invalid(path + ".generateName", generate_name, m) for m in name_fn(generate_name, True))
    if not name:
        errs.append(required(path + ".name", "name or generateName is required"))
    else:
        errs.extend(invalid(path + ".name", name, m) for m in name_fn(name, False))
    namespace = meta.get("namespace") or ""
    if requires_namespace:
        if not namespace:
            errs.append(required(path + ".namespace"))
        else:
            errs.extend(invalid(path + ".namespace", namespace, m) for m in name_is_dns_label(namespace, False))
    elif namespace:
        errs.append(forbidden(path + ".namespace", "not allowed on this type"))
    errs.extend(validate_nonnegative(int(meta.get("generation") or 0), path + ".generation"))
    errs.extend(validate_labels(meta.get("labels"), path + ".labels"))
    errs.extend(validate_annotations(meta.get("annotations"), path + ".annotations"))
    return errs


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any], path: str = "metadata") -> list[FieldError]:
    """ValidateObjectMetaUpdate: name, namespace, uid, creationTimestamp are immutable."""
    errs: list[FieldError] = []
    for key in ("name", "namespace", "uid", "creationTimestamp"):
        if (new.get(key) or "") != (old.get(key) or "") and old.get(key) is not None:
            errs.append(invalid(f"{path}.{key}", new.get(key) or "", f.FIELD_IMMUTABLE))
    errs.extend(validate_nonnegative(int(new.get("generation") or 0), path + ".generation"))
    errs.extend(validate_labels(new.get("labels"), path + ".labels"))
    errs.extend(validate_annotations(new.get("annotations"), path + ".annotations"))
    return errs
