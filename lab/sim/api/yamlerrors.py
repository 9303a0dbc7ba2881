"""go-yaml v2 semantics on top of PyYAML/libyaml.

kubectl reads manifests with sigs.k8s.io/yaml, a thin layer over go-yaml v2
(itself a port of libyaml) that converts YAML to JSON. PyYAML's C loader runs
libyaml, so its error *problems* are the very strings go-yaml prints; what
differs is how go-yaml numbers lines in `yaml: line N: ...` and how it
resolves plain scalars (YAML 1.1 as go-yaml v2 reads it: `y`/`n` are booleans,
`1e3` is a number, no base-60 numbers, timestamps stay strings). This module
holds those two translations.
"""
from __future__ import annotations

import math
import re
import struct
from decimal import Decimal
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

PLAIN_TAG = "tag:go-yaml,plain"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"

_BOOLS = {
    **{w: True for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{w: False for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
}
_NULLS = ("", "~", "null", "Null", "NULL")
_SPECIAL_FLOATS = {
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


def _go_parse_int(text: str, signed: bool = True) -> int | None:
    """strconv.ParseInt(s, 0, 64) / ParseUint: base prefixes 0x 0o 0b and a bare leading 0 (octal)."""
    sign = 1
    body = text
    if body[:1] in "+-":
        if not signed:
            return None
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    base = 10
    low = body[:2].lower()
    if low == "0x":
        base, body = 16, body[2:]
    elif low == "0o":
        base, body = 8, body[2:]
    elif low == "0b":
        base, body = 2, body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or any(c not in _DIGITS[base] for c in body):
        return None
    value = sign * int(body, base)
    if signed and not _INT64_MIN <= value <= _INT64_MAX:
        return None
    if not signed and value > _UINT64_MAX:
        return None
    return value


def resolve_plain(text: str) -> Any:
    """go-yaml v2 resolve() for an untagged plain scalar, as Go would then marshal it to JSON."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    first = text[0]
    if first == ".":
        try:
            return float(text)
        except ValueError:
            return text
    if first in "+-0123456789":
        # A timestamp-looking value is resolved but then handed back as its
        # original string for interface{} targets, so it needs no branch here.
        plain = text.replace("_", "")
        value = _go_parse_int(plain)
        if value is None:
            value = _go_parse_int(plain, signed=False)
        if value is not None:
            return value
        if _YAML_STYLE_FLOAT.match(plain):
            return float(plain)
        if plain.startswith("-0b"):
            value = _go_parse_int("-" + plain[1:])
            if value is not None:
                return value
    return text


class GoResolver(yaml.resolver.BaseResolver):
    """Tags plain scalars for go-yaml resolution; everything else keeps PyYAML's default tags."""

    def resolve(self, kind, value, implicit):  # type: ignore[override]
        if kind is ScalarNode and implicit[0]:
            return MERGE_TAG if value == "<<" else PLAIN_TAG
        return super().resolve(kind, value, implicit)


class GoConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor with go-yaml's scalar resolution and sigs.k8s.io/yaml's key handling."""

    def construct_plain(self, node: ScalarNode) -> Any:
        return resolve_plain(node.value)

    def construct_tagged_str(self, node: ScalarNode) -> Any:
        return node.value

    def construct_unknown(self, tag_suffix: str, node: Any) -> Any:
        # go-yaml keeps the value of an unknown local tag (`!foo bar`) as is.
        if isinstance(node, ScalarNode):
            return node.value
        if isinstance(node, SequenceNode):
            return self.construct_sequence(node, deep=True)
        return self.construct_mapping(node, deep=True)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:  # type: ignore[override]
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise InvalidMapKey(key, key_node.start_mark)
            value = self.construct_object(value_node, deep=deep)
            # Keys become JSON strings right away: go-yaml keeps 1 and true apart
            # (a Python dict would not), and sigs.k8s.io/yaml then prints them.
            mapping[_json_key(key, value)] = value
        return mapping

    def construct_yaml_map(self, node: MappingNode):  # type: ignore[override]
        yield self.construct_mapping(node, deep=True)

    def construct_yaml_seq(self, node: SequenceNode):  # type: ignore[override]
        yield self.construct_sequence(node, deep=True)


GoConstructor.add_constructor(PLAIN_TAG, GoConstructor.construct_plain)
GoConstructor.add_constructor(STR_TAG, GoConstructor.construct_tagged_str)
GoConstructor.add_constructor("tag:yaml.org,2002:map", GoConstructor.construct_yaml_map)
GoConstructor.add_constructor("tag:yaml.org,2002:seq", GoConstructor.construct_yaml_seq)
GoConstructor.add_constructor("tag:yaml.org,2002:timestamp", GoConstructor.construct_tagged_str)
GoConstructor.add_multi_constructor("!", GoConstructor.construct_unknown)

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None
if _CParser is not None:
    class GoLoader(_CParser, GoConstructor, GoResolver):  # type: ignore[misc, valid-type]
        """libyaml's parser (same error problems as go-yaml) with go-yaml's resolution."""

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            GoConstructor.__init__(self)
            GoResolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    # SIMPLIFICATION: the pure-Python parser words some problems differently
    # ("expected <block end>, but found ..."); messages then differ from kubectl's.
    class GoLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                   yaml.composer.Composer, GoConstructor, GoResolver):
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            GoConstructor.__init__(self)
            GoResolver.__init__(self)


class InvalidMapKey(Exception):
    """A sequence or mapping used as a mapping key (go-yaml: `invalid map key: ...`)."""

    def __init__(self, key: Any, mark: Any):
        super().__init__(key)
        self.key = key
        self.mark = mark


class ConversionError(Exception):
    """A YAML value that cannot become JSON (sigs.k8s.io/yaml's conversion errors)."""


def go_repr(value: Any) -> str:
    """Go's %#v for a value decoded by go-yaml into interface{} (enough for error messages)."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return go_format_float(value, 64)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_elem(v) for v in value) + "}"
    if isinstance(value, dict):
        return "map[interface {}]interface {}{" + ", ".join(
            f"{_go_elem(k)}:{_go_elem(v)}" for k, v in value.items()) + "}"
    return str(value)


def _go_elem(value: Any) -> str:
    if value is None:
        return "interface {}(nil)"
    return go_repr(value)


def _decimal_digits(value: float, bits: int) -> tuple[str, int]:
    """Shortest round-trip digits of |value| and the decimal point position (0.DIGITS x 10^dp)."""
    value = abs(value)
    if value == 0:
        return "0", 1
    if bits == 32:
        target = struct.unpack("f", struct.pack("f", value))[0]
        for precision in range(0, 9):
            text = f"{value:.{precision}e}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == target:
                break
    else:
        text = repr(value)
    _, digit_tuple, exponent = Decimal(text).as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return stripped, len(stripped) + int(exponent)


def _format_e(digits: str, dp: int, min_exp_digits: int = 2) -> str:
    exp = dp - 1
    body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{body}e{'-' if exp < 0 else '+'}{abs(exp):0{min_exp_digits}d}"


def _format_f(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def go_format_float(value: float, bits: int = 64) -> str:
    """strconv.FormatFloat(f, 'g', -1, bits)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    digits, dp = _decimal_digits(value, bits)
    sign = "-" if math.copysign(1, value) < 0 else ""
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return sign + _format_e(digits, dp)
    return sign + _format_f(digits, dp)


def go_json_number(value: float) -> str:
    """How Go's encoding/json writes a float64 ('f', or 'e' below 1e-6 and from 1e21 on)."""
    digits, dp = _decimal_digits(value, 64)
    sign = "-" if value < 0 else ""
    if value != 0 and (abs(value) < 1e-6 or abs(value) >= 1e21):
        return sign + _format_e(digits, dp, 1 if dp - 1 < 0 else 2)
    return sign + _format_f(digits, dp)


def json_float(value: float) -> Any:
    """A float as it comes back after Go's json.Marshal and unstructured decoding.

    Go prints an integral float64 below 1e21 without a fraction, and the
    unstructured decoder reads such a number back as an int64.
    """
    if value.is_integer() and abs(value) < 1e21 and _INT64_MIN <= value <= _INT64_MAX:
        return int(value)
    return value


def to_json_value(value: Any) -> Any:
    """sigs.k8s.io/yaml's YAMLToJSON followed by kubectl's unstructured JSON decoding."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[_json_key(key, item)] = to_json_value(item)
        return out
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise ConversionError(f"json: unsupported value: {go_format_float(value)}")
        return json_float(value)
    if isinstance(value, int):
        if value > _INT64_MAX:  # uint64: beyond int64 the JSON number is read back as float64
            return float(value)
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _json_key(key: Any, item: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        text = go_format_float(key, 32)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    # SIMPLIFICATION: Go prints the key's type with %s; only the null key is mirrored.
    raise ConversionError(
        f"unsupported map key of type: %!s(<nil>), key: <nil>, value: {go_repr(item)}")


def go_yaml_line(error: yaml.MarkedYAMLError) -> int:
    """The line go-yaml's parser.fail() puts in `yaml: line N:` (0 means none).

    Scanner errors report the 1-based problem line; parser errors report the
    0-based problem line (one less than the real line); a problem on the
    first line falls back to the context line, as go-yaml does.
    """
    problem = error.problem_mark
    context = error.context_mark
    if problem is not None and problem.line != 0:
        return problem.line + 1 if isinstance(error, yaml.scanner.ScannerError) else problem.line
    if context is not None and context.line != 0:
        return context.line
    return 0


def go_yaml_message(error: Exception, text: str) -> tuple[str, int, int]:
    """go-yaml's error text for a PyYAML/libyaml failure, with the real (line, column), 0-based."""
    if isinstance(error, InvalidMapKey):
        return f"yaml: invalid map key: {go_repr(error.key)}", error.mark.line, error.mark.column
    if isinstance(error, yaml.reader.ReaderError):
        line, column = _offset_to_line_col(text, error.position)
        if "control characters" in str(error.reason):
            return "yaml: control characters are not allowed", line, column
        return "yaml: invalid Unicode character", line, column
    if isinstance(error, yaml.composer.ComposerError) and error.problem and "undefined alias" in error.problem:
        mark = error.problem_mark
        name = _anchor_name(text, mark.index)
        return f"yaml: unknown anchor '{name}' referenced", mark.line, mark.column
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or "unknown problem parsing YAML content"
        line = go_yaml_line(error)
        where = f"line {line}: " if line else ""
        mark = error.problem_mark or error.context_mark
        return f"yaml: {where}{problem}", (mark.line if mark else 0), (mark.column if mark else 0)
    return f"yaml: {error}", 0, 0


def _anchor_name(text: str, index: int) -> str:
    start = index + 1 if text[index:index + 1] == "*" else index
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
        end += 1
    return text[start:end]


def _offset_to_line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return line, column
