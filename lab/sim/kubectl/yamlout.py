"""`-o yaml` and `-o json` rendering, as kubectl 1.32 prints objects.

kubectl gets objects as unstructured maps, so:
- `-o json` is Go's json.MarshalIndent(obj, "", "    ") of a map: keys sorted
  byte-wise, HTML-safe escaping (`<` -> `\\u003c`), a trailing newline.
- `-o yaml` is sigs.k8s.io/yaml.Marshal (JSON -> go-yaml v2): keys in
  go-yaml's "natural" order, 2-space indent, sequences not indented under
  their key, strings quoted only when a plain scalar would read back as
  something else (double quotes) or would not parse (single quotes), long
  plain/quoted strings folded at column 80, multi-line strings as `|` blocks.
The emitter below is a port of the parts of go-yaml v2's emitterc.go that a
JSON document can reach (block mappings and sequences, `{}`/`[]` for empty
ones, and the four scalar styles).
"""
from __future__ import annotations

import functools
import math
import re
from typing import Any

# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def json_string(s: str) -> str:
    """A Go encoding/json string literal (HTML-safe, as json.Marshal)."""
    out = ['"']
    for ch in s:
        if ch in _JSON_SHORT:
            out.append(_JSON_SHORT[ch])
        elif ch < " " or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_float(f: float) -> str:
    """Go's encoding/json formatting of a float64 (ES6-style: %f, or %e
    with a short exponent when the exponent is < -6 or >= 21)."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {f}")
    r = repr(f)
    if "e" in r:
        mant, e_s = r.split("e")
        e = int(e_s)
        mant = mant[:-2] if mant.endswith(".0") else mant
    else:
        mant, e = _to_sci(r)
    if f != 0 and (e < -6 or e >= 21):
        return f"{mant}e{'-' if e < 0 else '+'}{abs(e)}"
    if f == int(f):
        return _integral_float_text(f)
    if "e" in r:
        return format(f, ".20f").rstrip("0").rstrip(".")
    return r


def _integral_float_text(f: float) -> str:
    """An integral float as Go's shortest formatting writes it: the shortest
    round-trip digits padded with zeros (1.2345678901234568e+20 ->
    123456789012345680000), not the exact binary value."""
    r = repr(f)
    if "e" not in r:
        return str(int(f))
    mant, e_s = r.split("e")
    neg = mant.startswith("-")
    digits = mant.lstrip("-").replace(".", "")
    if digits.endswith("0") and "." in mant and mant.endswith(".0"):
        digits = digits[:-1]
    zeros = int(e_s) - (len(digits) - 1)
    return ("-" if neg else "") + digits + "0" * zeros


def _to_sci(r: str) -> tuple[str, int]:
    neg = r.startswith("-")
    r = r.lstrip("-")
    intpart, _, frac = r.partition(".")
    digits = (intpart + frac).lstrip("0")
    if intpart.strip("0"):
        e = len(intpart.lstrip("0")) - 1
    else:
        e = -(len(frac) - len(frac.lstrip("0")) + 1)
    digits = digits.rstrip("0") or "0"
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return ("-" if neg else "") + mant, e


def _json(v: Any, indent: str, step: str, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(go_float(v))
    elif isinstance(v, str):
        out.append(json_string(v))
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        inner = indent + step
        out.append("{\n")
        keys = sorted(v, key=lambda k: str(k).encode("utf-8"))
        for i, k in enumerate(keys):
            out.append(inner + json_string(str(k)) + ": ")
            _json(v[k], inner, step, out)
            out.append(",\n" if i < len(keys) - 1 else "\n")
        out.append(indent + "}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
            return
        inner = indent + step
        out.append("[\n")
        for i, item in enumerate(v):
            out.append(inner)
            _json(item, inner, step, out)
            out.append(",\n" if i < len(v) - 1 else "\n")
        out.append(indent + "]")
    else:
        raise TypeError(f"cannot encode {type(v).__name__} as JSON")


def to_json(obj: Any, typed: bool = False) -> str:
    """kubectl -o json: json.MarshalIndent with 4 spaces, plus a newline.

    `kubectl get` prints unstructured maps (keys sorted). Client-side
    objects (`create ... --dry-run=client -o json`, `expose --dry-run`) are
    typed Go structs, printed in struct field order: pass typed=True.
    """
    out: list[str] = []
    if typed:
        obj = order_typed(obj)
        _json_ordered(obj, "", "    ", out)
    else:
        _json(obj, "", "    ", out)
    return "".join(out) + "\n"


def _json_ordered(v: Any, indent: str, step: str, out: list[str]) -> None:
    """Like _json, but keeps dict insertion order (already struct-ordered)."""
    if isinstance(v, dict) and v:
        inner = indent + step
        out.append("{\n")
        keys = list(v)
        for i, k in enumerate(keys):
            out.append(inner + json_string(str(k)) + ": ")
            _json_ordered(v[k], inner, step, out)
            out.append(",\n" if i < len(keys) - 1 else "\n")
        out.append(indent + "}")
    elif isinstance(v, (list, tuple)) and v:
        inner = indent + step
        out.append("[\n")
        for i, item in enumerate(v):
            out.append(inner)
            _json_ordered(item, inner, step, out)
            out.append(",\n" if i < len(v) - 1 else "\n")
        out.append(indent + "]")
    else:
        _json(v, indent, step, out)


# Go struct field order of the k8s.io/api types we print client-side:
# type -> [(json field, type of its value or None)]. A list field names its
# element type. Fields not listed keep sorted order after the listed ones.
_OBJECT_META = [("name", None), ("generateName", None), ("namespace", None), ("selfLink", None), ("uid", None),
                ("resourceVersion", None), ("generation", None), ("creationTimestamp", None),
                ("deletionTimestamp", None), ("deletionGracePeriodSeconds", None), ("labels", "map"),
                ("annotations", "map"), ("ownerReferences", "OwnerReference"), ("finalizers", None),
                ("managedFields", None)]
_TYPES: dict[str, list[tuple[str, str | None]]] = {
    "ObjectMeta": _OBJECT_META,
    "OwnerReference": [("apiVersion", None), ("kind", None), ("name", None), ("uid", None), ("controller", None),
                       ("blockOwnerDeletion", None)],
    "Service": [("kind", None), ("apiVersion", None), ("metadata", "ObjectMeta"), ("spec", "ServiceSpec"),
                ("status", "ServiceStatus")],
    "ServiceSpec": [("ports", "ServicePort"), ("selector", "map"), ("clusterIP", None), ("clusterIPs", None),
                    ("type", None), ("externalIPs", None), ("sessionAffinity", None), ("loadBalancerIP", None),
                    ("loadBalancerSourceRanges", None), ("externalName", None), ("externalTrafficPolicy", None),
                    ("healthCheckNodePort", None), ("publishNotReadyAddresses", None),
                    ("sessionAffinityConfig", None), ("ipFamilies", None), ("ipFamilyPolicy", None),
                    ("allocateLoadBalancerNodePorts", None), ("loadBalancerClass", None),
                    ("internalTrafficPolicy", None), ("trafficDistribution", None)],
    "ServicePort": [("name", None), ("protocol", None), ("appProtocol", None), ("port", None), ("targetPort", None),
                    ("nodePort", None)],
    "ServiceStatus": [("loadBalancer", "LoadBalancerStatus"), ("conditions", None)],
    "LoadBalancerStatus": [("ingress", "LoadBalancerIngress")],
    "LoadBalancerIngress": [("ip", None), ("hostname", None), ("ipMode", None), ("ports", None)],
    "Deployment": [("kind", None), ("apiVersion", None), ("metadata", "ObjectMeta"), ("spec", "DeploymentSpec"),
                   ("status", "DeploymentStatus")],
    "DeploymentSpec": [("replicas", None), ("selector", "LabelSelector"), ("template", "PodTemplateSpec"),
                       ("strategy", "DeploymentStrategy"), ("minReadySeconds", None),
                       ("revisionHistoryLimit", None), ("paused", None), ("progressDeadlineSeconds", None)],
    "DeploymentStrategy": [("type", None), ("rollingUpdate", "RollingUpdate")],
    "RollingUpdate": [("maxUnavailable", None), ("maxSurge", None)],
    "DeploymentStatus": [("observedGeneration", None), ("replicas", None), ("updatedReplicas", None),
                         ("readyReplicas", None), ("availableReplicas", None), ("unavailableReplicas", None),
                         ("terminatingReplicas", None), ("conditions", None), ("collisionCount", None)],
    "LabelSelector": [("matchLabels", "map"), ("matchExpressions", "LabelSelectorRequirement")],
    "LabelSelectorRequirement": [("key", None), ("operator", None), ("values", None)],
    "PodTemplateSpec": [("metadata", "ObjectMeta"), ("spec", "PodSpec")],
    "Pod": [("kind", None), ("apiVersion", None), ("metadata", "ObjectMeta"), ("spec", "PodSpec"),
            ("status", "PodStatus")],
    "PodSpec": [("volumes", None), ("initContainers", "Container"), ("containers", "Container"),
                ("ephemeralContainers", None), ("restartPolicy", None), ("terminationGracePeriodSeconds", None),
                ("activeDeadlineSeconds", None), ("dnsPolicy", None), ("nodeSelector", "map"),
                ("serviceAccountName", None), ("serviceAccount", None), ("automountServiceAccountToken", None),
                ("nodeName", None), ("hostNetwork", None), ("hostPID", None), ("hostIPC", None),
                ("shareProcessNamespace", None), ("securityContext", None), ("imagePullSecrets", None),
                ("hostname", None), ("subdomain", None), ("affinity", None), ("schedulerName", None),
                ("tolerations", None), ("hostAliases", None), ("priorityClassName", None), ("priority", None),
                ("dnsConfig", None), ("readinessGates", None), ("runtimeClassName", None),
                ("enableServiceLinks", None), ("preemptionPolicy", None), ("overhead", None),
                ("topologySpreadConstraints", None), ("setHostnameAsFQDN", None), ("os", None),
                ("hostUsers", None), ("schedulingGates", None), ("resourceClaims", None), ("resources", None)],
    "Container": [("name", None), ("image", None), ("command", None), ("args", None), ("workingDir", None),
                  ("ports", "ContainerPort"), ("envFrom", None), ("env", "EnvVar"), ("resources", "Resources"),
                  ("resizePolicy", None), ("restartPolicy", None), ("volumeMounts", "VolumeMount"),
                  ("volumeDevices", None), ("livenessProbe", None), ("readinessProbe", None),
                  ("startupProbe", None), ("lifecycle", None), ("terminationMessagePath", None),
                  ("terminationMessagePolicy", None), ("imagePullPolicy", None), ("securityContext", None),
                  ("stdin", None), ("stdinOnce", None), ("tty", None)],
    "ContainerPort": [("name", None), ("hostPort", None), ("containerPort", None), ("protocol", None),
                      ("hostIP", None)],
    "EnvVar": [("name", None), ("value", None), ("valueFrom", None)],
    "Resources": [("limits", "map"), ("requests", "map"), ("claims", None)],
    "VolumeMount": [("name", None), ("readOnly", None), ("recursiveReadOnly", None), ("mountPath", None),
                    ("subPath", None), ("mountPropagation", None), ("subPathExpr", None)],
    "PodStatus": [("phase", None), ("conditions", None), ("message", None), ("reason", None),
                  ("nominatedNodeName", None), ("hostIP", None), ("hostIPs", None), ("podIP", None),
                  ("podIPs", None), ("startTime", None), ("initContainerStatuses", None),
                  ("containerStatuses", None), ("qosClass", None)],
    "ConfigMap": [("kind", None), ("apiVersion", None), ("metadata", "ObjectMeta"), ("immutable", None),
                  ("data", "map"), ("binaryData", "map")],
    "Namespace": [("kind", None), ("apiVersion", None), ("metadata", "ObjectMeta"), ("spec", None),
                  ("status", None)],
}


def order_typed(obj: Any, typ: str | None = None) -> Any:
    """Reorder a dict's keys as json.Marshal of the typed Go object would."""
    if isinstance(obj, list):
        return [order_typed(x, typ) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if typ is None:
        typ = obj.get("kind") if obj.get("kind") in _TYPES else None
        if typ is None:
            return obj
    if typ == "map":  # Go maps marshal with sorted keys
        return {k: obj[k] for k in sorted(obj, key=lambda k: str(k).encode("utf-8"))}
    fields = _TYPES.get(typ)
    if fields is None:
        return {k: obj[k] for k in sorted(obj)}
    out: dict = {}
    for name, child in fields:
        if name in obj:
            out[name] = order_typed(obj[name], child) if child else obj[name]
    for k in sorted(obj):
        if k not in out:
            out[k] = obj[k]
    return out


def compact_json(obj: Any) -> str:
    """json.Marshal (no spaces, sorted keys, HTML-safe), e.g. for jsonpath output."""
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return go_float(obj)
    if isinstance(obj, str):
        return json_string(obj)
    if isinstance(obj, dict):
        keys = sorted(obj, key=lambda k: str(k).encode("utf-8"))
        return "{" + ",".join(json_string(str(k)) + ":" + compact_json(obj[k]) for k in keys) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(compact_json(x) for x in obj) + "]"
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


# --------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------

_BEST_WIDTH = 80
_BEST_INDENT = 2

_RESOLVE_MAP = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
}
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_FLOAT = re.compile(r"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$")
_TS_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def _go_parse_int(s: str) -> bool:
    """strconv.ParseInt/ParseUint(s, 0, 64) succeeds (range ignored: big ints resolve to int too)."""
    t = s
    if t[:1] in "+-":
        t = t[1:]
    if not t:
        return False
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", t) or re.fullmatch(r"0[bB][01]+", t) or re.fullmatch(r"0[oO][0-7]+", t):
        return True
    if re.fullmatch(r"0[0-7]*", t) or re.fullmatch(r"[1-9][0-9]*", t):
        return True
    return False


def _is_timestamp(s: str) -> bool:
    """go-yaml v2 parseTimestamp: the formats it accepts via time.Parse."""
    m = _TS_DATE.match(s)
    if not m:
        return False
    mon, day = int(m.group(2)), int(m.group(3))
    if not (1 <= mon <= 12 and 1 <= day <= 31):
        return False
    rest = s[m.end():]
    if rest == "":
        return True
    tm = re.fullmatch(r"[Tt ]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?", rest)
    if not tm:
        return False
    if rest[0] == " " and tm.group(5):
        return False
    if rest[0] in "Tt" and not tm.group(5):
        return False
    return int(tm.group(1)) < 24 and int(tm.group(2)) < 60 and int(tm.group(3)) < 60


def _resolves_to_str(s: str) -> bool:
    """True if go-yaml v2 would read the plain scalar `s` back as a string."""
    hint = s[0] if s else "N"
    if hint in "+-0123456789" or hint in "yYnNtTfFoO~" or hint == "." or s == "":  # resolveTable hints
        if s in _RESOLVE_MAP:
            return False
        if hint == ".":
            return not _GO_FLOAT.match(s)
        if hint in "+-0123456789":
            if _is_timestamp(s):
                return False
            plain = s.replace("_", "")
            if _go_parse_int(plain):
                return False
            if _YAML_FLOAT.match(plain):
                return False
            if plain.startswith("-0b") and re.fullmatch(r"-0b[01]+", plain):
                return False
    return True


def _printable(c: int) -> bool:
    return (c == 0x0A or 0x20 <= c <= 0x7E or 0xA0 <= c <= 0xD7FF
            or (0xE000 <= c <= 0xFFFD and c != 0xFEFF))


_BREAKS = "\r\n\x85\u2028\u2029"


class _Analysis:
    __slots__ = ("multiline", "block_plain", "single_ok", "block_ok")


def _analyze(value: str) -> _Analysis:
    a = _Analysis()
    if not value:
        a.multiline = False
        a.block_plain = True
        a.single_ok = True
        a.block_ok = False
        return a
    # only block context is reachable from JSON, so flow indicators are not tracked
    block_ind = False
    if value.startswith("---") or value.startswith("..."):
        block_ind = True
    line_breaks = special = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = previous_space = previous_break = False
    preceded_ws = True
    n = len(value)
    for i, ch in enumerate(value):
        followed_ws = i + 1 >= n or value[i + 1] in " \t"
        if i == 0:
            if ch in "#,[]{}&*!|>'\"%@`":
                block_ind = True
            elif ch in "?:" and followed_ws:
                block_ind = True
            elif ch == "-" and followed_ws:
                block_ind = True
        elif ch == ":" and followed_ws:
            block_ind = True
        elif ch == "#" and preceded_ws:
            block_ind = True
        if not _printable(ord(ch)):
            special = True
        if ch == " ":
            if i == 0:
                leading_space = True
            if i + 1 == n:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif ch in _BREAKS:
            line_breaks = True
            if i == 0:
                leading_break = True
            if i + 1 == n:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_ws = ch in " \t" or ch in _BREAKS
    a.multiline = line_breaks
    a.block_plain = True
    a.single_ok = True
    a.block_ok = True
    if leading_space or leading_break or trailing_space or trailing_break:
        a.block_plain = False
    if trailing_space:
        a.block_ok = False
    if break_space:
        a.block_plain = False
        a.single_ok = False
    if space_break or special:
        a.block_plain = a.single_ok = a.block_ok = False
    if line_breaks:
        a.block_plain = False
    if block_ind:
        a.block_plain = False
    return a


class _Emitter:
    """Writes text while tracking the column, as go-yaml's emitter does."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = 0

    def put(self, s: str) -> None:
        self.out.append(s)
        self.column += len(s)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def _write_break(self, ch: str) -> None:
        if ch == "\n":
            self.put_break()
        else:  # other line breaks are copied as they are
            self.out.append(ch)
            self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        while self.column < indent:
            self.put(" ")
        self.whitespace = True
        self.indention = True

    def write_indicator(self, ind: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(ind)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    # -- scalars ------------------------------------------------------------
    def scalar(self, value: str, simple_key: bool, quoted_if_not_str: bool = True) -> None:
        """Emit a string scalar choosing the style go-yaml would."""
        can_plain = (not quoted_if_not_str) or (_resolves_to_str(value) and not _BASE60.match(value))
        a = _analyze(value)
        if "\n" in value:
            style = "literal"
        elif can_plain:
            style = "plain"
        else:
            style = "double"
        if style == "plain":
            if not a.block_plain:
                style = "single"
            if not value and simple_key:
                style = "single"
        if style == "single" and not a.single_ok:
            style = "double"
        if style == "literal" and (not a.block_ok or simple_key):
            style = "double"
        allow_breaks = not simple_key
        if style == "plain":
            self._plain(value, allow_breaks)
        elif style == "single":
            self._single(value, allow_breaks)
        elif style == "double":
            self._double(value, allow_breaks)
        else:
            self._literal(value)

    def raw(self, text: str) -> None:
        """A plain scalar that needs no analysis (numbers, true, null)."""
        if not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = False
        self.indention = False

    def _plain(self, value: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        i, n = 0, len(value)
        while i < n:
            ch = value[i]
            if ch == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and not (i + 1 < n and value[i + 1] == " "):
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:  # not reachable: multi-line strings are never plain
                self.put_break()
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = False
                spaces = breaks = False
            i += 1
        self.whitespace = False
        self.indention = False

    def _single(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        n = len(value)
        for i, ch in enumerate(value):
            if ch == " ":
                if (allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < n - 1
                        and value[i + 1] != " "):
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if ch == "'":
                    self.put("'")
                self.put(ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    _ESC = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
            0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_",
            0x2028: "L", 0x2029: "P"}

    def _double(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator('"', True, False, False)
        spaces = False
        n = len(value)
        for i, ch in enumerate(value):
            c = ord(ch)
            if not _printable(c) or c == 0xFEFF or ch in _BREAKS or ch in '"\\':
                self.put("\\")
                if c in self._ESC:
                    self.put(self._ESC[c])
                elif c <= 0xFF:
                    self.put(f"x{c:02X}")
                elif c <= 0xFFFF:
                    self.put(f"u{c:04X}")
                else:
                    self.put(f"U{c:08X}")
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def _literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value[:1] == " " or value[:1] in _BREAKS and value:
            self.write_indicator(str(_BEST_INDENT), False, False, False)
        chomp = ""
        if not value or value[-1] not in _BREAKS:
            chomp = "-"
        elif len(value) == 1 or value[-2] in _BREAKS:
            chomp = "+"
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for ch in value:
            if ch in _BREAKS:
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = False
                breaks = False
        # a literal block leaves the emitter at the start of a fresh line
        self.whitespace = True
        self.indention = True


def _yaml_key_less(a: str, b: str) -> bool:
    """go-yaml v2 sorter.go keyList.Less for two string keys."""
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdigit():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdigit():
            an = an * 10 + int(ar[ai])
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdigit():
            bn = bn * 10 + int(br[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def yaml_sorted_keys(d: dict) -> list[str]:
    """Map keys in go-yaml's order.

    SIMPLIFICATION: go-yaml's comparison is not transitive for keys that mix
    leading digit runs and letters ("9", "10", "1a"); Go's unstable sort then
    yields an order we do not reproduce. Kubernetes keys never hit this.
    """

    def cmp(x: str, y: str) -> int:
        if _yaml_key_less(x, y):
            return -1
        if _yaml_key_less(y, x):
            return 1
        return 0
    return sorted((str(k) for k in d), key=functools.cmp_to_key(cmp))


def _yaml_scalar_text(v: Any) -> str | None:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v == int(v) and -(2 ** 63) <= v < 2 ** 64:
            return _integral_float_text(v)  # the JSON round trip reads it back as an int
        return _go_g(v)
    return None


def _go_g(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64): %e when exp < -4 or exp >= 6."""
    r = repr(f)
    if "e" in r:
        mant, e_s = r.split("e")
        e = int(e_s)
        mant = mant[:-2] if mant.endswith(".0") else mant
    else:
        mant, e = _to_sci(r)
    if e < -4 or e >= 6:
        return f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if "e" in r:
        return format(f, "f").rstrip("0").rstrip(".")
    return r[:-2] if r.endswith(".0") else r


def _emit(em: _Emitter, v: Any, *, in_seq: bool = False) -> None:
    if isinstance(v, dict):
        if not v:
            em.write_indicator("{}", True, False, False)
            return
        base = em.indent
        for k in yaml_sorted_keys(v):
            key = _json_roundtrip(k)
            em.indent = base
            em.write_indent()
            if len(key.encode("utf-8")) <= 128 and not _analyze(key).multiline:
                em.scalar(key, simple_key=True)
                em.write_indicator(":", False, False, False)
                _emit_value(em, v[k], base, indentless=True)
            else:  # a complex key: `? key` then `: value` (emit_block_mapping_key)
                em.write_indicator("?", True, False, True)
                em.indent = base + _BEST_INDENT
                em.scalar(key, simple_key=False)
                em.indent = base
                em.write_indent()
                em.write_indicator(":", True, False, True)
                _emit_value(em, v[k], base, indentless=False)
        em.indent = base
    elif isinstance(v, (list, tuple)):
        if not v:
            em.write_indicator("[]", True, False, False)
            return
        base = em.indent
        for item in v:
            em.indent = base
            em.write_indent()
            em.write_indicator("-", True, False, True)
            em.indent = base + _BEST_INDENT
            if isinstance(item, (dict, list, tuple)) and item:
                _emit(em, item, in_seq=True)
            else:
                _emit_scalar(em, item)
        em.indent = base
    else:
        _emit_scalar(em, v)


def _emit_value(em: _Emitter, v: Any, base: int, indentless: bool) -> None:
    if isinstance(v, dict) and v:
        em.indent = base + _BEST_INDENT
        _emit(em, v)
    elif isinstance(v, (list, tuple)) and v:
        # a sequence right after `key:` is not indented (go-yaml's
        # "indentless" sequence in a mapping context)
        em.indent = base if indentless else base + _BEST_INDENT
        _emit(em, v)
    else:
        em.indent = base + _BEST_INDENT
        _emit_scalar(em, v)


def _emit_scalar(em: _Emitter, v: Any) -> None:
    if isinstance(v, dict):
        em.write_indicator("{}", True, False, False)
    elif isinstance(v, (list, tuple)):
        em.write_indicator("[]", True, False, False)
    else:
        text = _yaml_scalar_text(v)
        if text is not None:
            em.raw(text)
        else:
            em.scalar(_json_roundtrip(str(v)), simple_key=False)


_NEL_RUN = re.compile(r"[ \t]*(?:\x85[ \t]*)+")


def _json_roundtrip(s: str) -> str:
    """What a string becomes after sigs.k8s.io/yaml's JSON -> YAML re-parse.

    encoding/json writes U+0085 raw, and go-yaml folds that raw line break
    inside a double-quoted scalar: one break becomes a space, n breaks
    become n-1 newlines.
    SIMPLIFICATION: a BOM inside a string is not re-created byte for byte
    (go-yaml also escapes the character after it).
    """
    if "\x85" not in s:
        return s
    return _NEL_RUN.sub(lambda m: " " if m.group(0).count("\x85") == 1 else "\n" * (m.group(0).count("\x85") - 1), s)


def to_yaml(obj: Any) -> str:
    """kubectl -o yaml for one object (or a List object)."""
    em = _Emitter()
    if isinstance(obj, (dict, list, tuple)) and obj:
        _emit(em, obj)
    else:
        _emit_scalar(em, obj)
    text = "".join(em.out)
    if not text.endswith("\n"):
        text += "\n"
    return text


def to_yaml_stream(objs: list[Any]) -> str:
    """Several objects printed one after another, as kubectl's YAMLPrinter separates them."""
    return "---\n".join(to_yaml(o) for o in objs)


def list_object(items: list[dict]) -> dict:
    """The List kubectl builds for `get` of several objects."""
    return {"apiVersion": "v1", "items": list(items), "kind": "List", "metadata": {"resourceVersion": ""}}
