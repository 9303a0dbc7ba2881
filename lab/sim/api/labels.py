"""Label and field selectors, as apimachinery's labels.Parse and fields.Parse.

Supports equality (`app=nginx`, `app==nginx`, `app!=x`), set-based
(`env in (a,b)`, `env notin (a)`), existence (`key`, `!key`) and the
matchLabels/matchExpressions form of a LabelSelector object.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector that does not parse; str() is the apimachinery message."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.op in ("=", "=="):
            return has and value == self.values[0]
        if self.op == "!=":
            return not has or value != self.values[0]
        if self.op == "in":
            return has and value in self.values
        if self.op == "notin":
            return not has or value not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        return False


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: dict[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


EVERYTHING = Selector()

_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|[^\s!=(),]+)")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            break
        if m.group(1):
            out.append(m.group(1))
        pos = m.end()
        if text[pos:].strip() == "":
            break
    return out


def parse_selector(text: str | None) -> Selector:
    """labels.Parse: the kubectl `-l` syntax."""
    if text is None or text.strip() == "":
        return EVERYTHING
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def expect_value(idx: int) -> str:
        if idx >= len(toks) or toks[idx] in ("(", ")", ",", "=", "==", "!=", "!"):
            found = toks[idx] if idx < len(toks) else ""
            raise SelectorError(f"unable to parse requirement: found '{found}', expected: identifier")
        return toks[idx]

    while i < len(toks):
        tok = toks[i]
        if tok == "!":
            key = expect_value(i + 1)
            reqs.append(Requirement(key, "!"))
            i += 2
        else:
            key = tok
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is None or nxt == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif nxt in ("=", "==", "!="):
                value = ""
                if i + 2 < len(toks) and toks[i + 2] not in (",",):
                    value = toks[i + 2]
                    i += 3
                else:
                    i += 2
                reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (value,)))
            elif nxt in ("in", "notin"):
                if i + 2 >= len(toks) or toks[i + 2] != "(":
                    found = toks[i + 2] if i + 2 < len(toks) else ""
                    raise SelectorError(f"unable to parse requirement: found '{found}', expected: '('")
                j = i + 3
                values: list[str] = []
                while True:
                    if j >= len(toks):
                        raise SelectorError("unable to parse requirement: found '', expected: ',', ')' or identifier")
                    if toks[j] == ")":
                        j += 1
                        break
                    if toks[j] == ",":
                        j += 1
                        continue
                    values.append(toks[j])
                    j += 1
                reqs.append(Requirement(key, nxt, tuple(sorted(set(values)))))
                i = j
            else:
                raise SelectorError(
                    f"unable to parse requirement: found '{nxt}', expected: in, notin, =, ==, !=, gt, lt")
        if i < len(toks):
            if toks[i] != ",":
                raise SelectorError(f"found '{toks[i]}', expected: ',' or 'end of string'")
            i += 1
    return Selector(tuple(reqs))


def selector_from_label_selector(spec: dict[str, Any] | None) -> Selector:
    """metav1.LabelSelectorAsSelector: matchLabels and matchExpressions.

    A nil selector matches nothing; an empty one matches everything.
    """
    if spec is None:
        return Selector((Requirement("", "in", ()),))  # matches nothing
    reqs: list[Requirement] = []
    for key, value in sorted((spec.get("matchLabels") or {}).items()):
        reqs.append(Requirement(key, "=", (str(value),)))
    for expr in spec.get("matchExpressions") or []:
        op = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(expr.get("operator", ""), "")
        reqs.append(Requirement(expr.get("key", ""), op, tuple(sorted(expr.get("values") or []))))
    return Selector(tuple(reqs))


def selector_from_map(selector: dict[str, str] | None) -> Selector:
    """labels.SelectorFromSet for a Service's spec.selector map."""
    return Selector(tuple(Requirement(k, "=", (str(v),)) for k, v in sorted((selector or {}).items())))


def format_label_selector(sel: dict | None) -> str:
    """metav1.LabelSelectorAsSelector(sel).String() (`""` for an empty selector)."""
    if sel is None:
        return ""  # LabelSelectorAsSelector(nil) is labels.Nothing(), whose String() is ""
    reqs: list[tuple[str, str]] = []
    for k, v in (sel.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e.get("key", ""), e.get("operator", ""), sorted(set(e.get("values") or []))
        if op == "In":
            reqs.append((key, f"{key} in ({','.join(vals)})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({','.join(vals)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return "<invalid>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(r[1] for r in reqs)


def format_map(labels: dict[str, str] | None) -> str:
    """labels.Set.String(): sorted `k=v,k2=v2`."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


# Field selectors -----------------------------------------------------------

@dataclass(frozen=True)
class FieldRequirement:
    field: str
    op: str  # "=" or "!="
    value: str


def parse_field_selector(text: str | None) -> tuple[FieldRequirement, ...]:
    """fields.ParseSelector: `metadata.name=x,status.phase!=Running`."""
    if not text:
        return ()
    reqs = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        for op in ("!=", "==", "="):
            if op in part:
                field, value = part.split(op, 1)
                reqs.append(FieldRequirement(field.strip(), "!=" if op == "!=" else "=", value.strip()))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
    return tuple(reqs)


def field_value(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def field_matches(obj: dict[str, Any], reqs: tuple[FieldRequirement, ...]) -> bool:
    for req in reqs:
        value = field_value(obj, req.field)
        if (value == req.value) != (req.op == "="):
            return False
    return True


# Which fields each kind's storage allows in a field selector.
SUPPORTED_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": ("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "Event": ("metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
              "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
              "source", "type"),
    "Node": ("metadata.name", "spec.unschedulable"),
    "Namespace": ("metadata.name", "status.phase"),
    "ReplicaSet": ("metadata.name", "metadata.namespace", "status.replicas"),
}
DEFAULT_FIELDS = ("metadata.name", "metadata.namespace")
