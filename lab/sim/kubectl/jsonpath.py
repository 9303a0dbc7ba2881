"""`-o jsonpath=...`: a port of k8s.io/client-go/util/jsonpath.

Mirrors the parser (text outside `{}`, fields, `[*]`, slices, unions,
`[?()]` filters, `..`, quoted strings, `range`/`end`) and the evaluator as
kubectl drives it: missing keys are allowed unless
`--allow-missing-template-keys=false`, several results of one action are
joined by a space, maps and lists are printed as compact JSON, scalars as Go's
fmt.Print does.  The error texts are kubectl's (`error executing jsonpath
...`), including the Go `%#v` dump of the object.

SIMPLIFICATION: Go walks maps in random order for `*` and `..`; we walk
keys sorted, so those results are deterministic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .yamlout import compact_json, to_json


class JSONPathError(Exception):
    """An error from parsing or executing a template (text as client-go words it)."""


# --------------------------------------------------------------------------
# nodes
# --------------------------------------------------------------------------

@dataclass
class ListNode:
    nodes: list = field(default_factory=list)


@dataclass
class TextNode:
    text: str


@dataclass
class FieldNode:
    value: str


@dataclass
class Param:
    value: int = 0
    known: bool = False
    derived: bool = False


@dataclass
class ArrayNode:
    params: list[Param]


@dataclass
class FilterNode:
    left: ListNode
    right: ListNode
    operator: str


@dataclass
class IntNode:
    value: int


@dataclass
class FloatNode:
    value: float


@dataclass
class BoolNode:
    value: bool


@dataclass
class WildcardNode:
    pass


@dataclass
class RecursiveNode:
    pass


@dataclass
class UnionNode:
    nodes: list[ListNode]


@dataclass
class IdentifierNode:
    name: str


# --------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------

_EOF = ""
_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.S)


def _is_terminator(r: str) -> bool:
    return r == _EOF or r in " \t\r\n.,[]$@{}"


def _is_alnum(r: str) -> bool:
    return r == "_" or r.isalpha() or r.isdigit()


class _Parser:
    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.root = ListNode()
        self._width = 0

    def next(self) -> str:
        if self.pos >= len(self.input):
            self._width = 0
            return _EOF
        r = self.input[self.pos]
        self._width = 1
        self.pos += 1
        return r

    def peek(self) -> str:
        r = self.next()
        self.backup()
        return r

    def backup(self) -> None:
        self.pos -= self._width

    def consume(self) -> str:
        v = self.input[self.start:self.pos]
        self.start = self.pos
        return v

    def parse(self) -> ListNode:
        self.parse_text(self.root)
        return self.root

    def parse_text(self, cur: ListNode) -> None:
        while True:
            if self.input.startswith("{", self.pos):
                if self.pos > self.start:
                    cur.nodes.append(TextNode(self.consume()))
                self.parse_left_delim(cur)
                return
            if self.next() == _EOF:
                break
        if self.pos > self.start:
            cur.nodes.append(TextNode(self.consume()))

    def parse_left_delim(self, cur: ListNode) -> None:
        self.pos += 1
        self.consume()
        node = ListNode()
        cur.nodes.append(node)
        self.parse_inside(node)

    def parse_inside(self, cur: ListNode) -> None:
        while True:
            rest = self.input[self.pos:]
            if rest.startswith("}"):
                self.pos += 1
                self.consume()
                self.parse_text(self.root)
                return
            if rest.startswith("[?("):
                self.parse_filter(cur)
                continue
            if rest.startswith(".."):
                self.parse_recursive(cur)
                continue
            r = self.next()
            if r == _EOF or r in "\r\n":
                raise JSONPathError("unclosed action")
            if r == " ":
                self.consume()
            elif r in "@$":
                self.consume()
            elif r == "[":
                self.parse_array(cur)
            elif r in "\"'":
                self.parse_quote(cur, r)
            elif r == ".":
                self.parse_field(cur)
            elif r in "+-" or r.isdigit():
                self.backup()
                self.parse_number(cur)
            elif _is_alnum(r):
                self.backup()
                self.parse_identifier(cur)
            else:
                raise JSONPathError(f"unrecognized character in action: U+{ord(r):04X} {_go_quote_rune(r)}")

    def parse_identifier(self, cur: ListNode) -> None:
        while True:
            r = self.next()
            if _is_terminator(r):
                self.backup()
                break
        value = self.consume()
        if value in ("true", "false"):
            cur.nodes.append(BoolNode(value == "true"))
        else:
            cur.nodes.append(IdentifierNode(value))

    def parse_recursive(self, cur: ListNode) -> None:
        if cur.nodes and isinstance(cur.nodes[-1], RecursiveNode):
            raise JSONPathError("invalid multiple recursive descent")
        self.pos += 2
        self.consume()
        cur.nodes.append(RecursiveNode())
        if _is_alnum(self.peek()):
            self.parse_field(cur)

    def parse_number(self, cur: ListNode) -> None:
        if self.peek() in "+-":
            self.next()
        while True:
            r = self.next()
            if r != "." and not r.isdigit():
                self.backup()
                break
        value = self.consume()
        if re.fullmatch(r"[+-]?\d+", value):
            cur.nodes.append(IntNode(int(value)))
            return
        try:
            cur.nodes.append(FloatNode(float(value)))
        except ValueError:
            raise JSONPathError(f"cannot parse number {value}") from None

    def parse_array(self, cur: ListNode) -> None:
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathError("unterminated array")
            if r == "]":
                break
        text = self.consume()[1:-1]
        if text == "*":
            text = ":"
        strs = text.split(",")
        if len(strs) > 1:
            union = [_parse_action(f"[{s.strip(' ')}]") for s in strs]
            cur.nodes.append(UnionNode(union))
            return
        m = _DICT_KEY.match(text)
        if m:
            for n in _parse_action(f".{m.group(1)}").nodes:
                cur.nodes.append(n)
            return
        m = _SLICE.match(text)
        if not m:
            raise JSONPathError(f"invalid array index {text}")
        groups = [m.group(1) or "", m.group(2) or "", m.group(3) or ""]
        params = [Param(), Param(), Param()]
        for i in range(3):
            v = groups[i]
            if v != "":
                if i > 0:
                    v = v[1:]
                if i > 0 and v == "":
                    params[i].known = False
                else:
                    params[i].known = True
                    try:
                        params[i].value = int(v)
                    except ValueError:
                        raise JSONPathError(f"array index {v} is not a number") from None
            elif i == 1:
                params[i] = Param(params[0].value + 1, True, True)
        cur.nodes.append(ArrayNode(params))

    def parse_filter(self, cur: ListNode) -> None:
        self.pos += 3
        self.consume()
        begin = end = False
        pair = ""
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathError("unterminated filter")
            if r in "\"'":
                if not begin:
                    begin, pair = True, r
                    continue
                if self.input[self.pos - 2] != "\\" and r == pair:
                    end = True
            elif r == ")":
                if begin == end:
                    break
        if self.next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self.consume()[:-2]
        m = _FILTER.match(text)
        if not m:
            cur.nodes.append(FilterNode(_parse_action(text), ListNode(), "exists"))
        else:
            cur.nodes.append(FilterNode(_parse_action(m.group(1)), _parse_action(m.group(3)), m.group(2)))

    def parse_quote(self, cur: ListNode, end: str) -> None:
        while True:
            r = self.next()
            if r == _EOF or r == "\n":
                raise JSONPathError("unterminated quoted string")
            if r == end and self.input[self.pos - 2] != "\\":
                break
        value = self.consume()
        cur.nodes.append(TextNode(_unquote_extend(value)))

    def parse_field(self, cur: ListNode) -> None:
        self.consume()
        while True:
            r = self.next()
            if r == "\\":
                self.next()
                continue
            if _is_terminator(r):
                self.backup()
                break
        value = self.consume()
        if value == "*":
            cur.nodes.append(WildcardNode())
        else:
            cur.nodes.append(FieldNode(value.replace("\\", "")))


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"'}


def _unquote_extend(s: str) -> str:
    """strconv.Unquote, also accepting single-quoted strings of any length."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'":
        raise JSONPathError(f"unquote string {s} error invalid syntax")
    body = s[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n in _ESCAPES:
                out.append(_ESCAPES[n])
                i += 2
                continue
            if n in "xuU":
                size = {"x": 2, "u": 4, "U": 8}[n]
                out.append(chr(int(body[i + 2:i + 2 + size], 16)))
                i += 2 + size
                continue
            if n.isdigit():
                out.append(chr(int(body[i + 1:i + 4], 8)))
                i += 4
                continue
            raise JSONPathError(f"unquote string {s} error invalid syntax")
        out.append(c)
        i += 1
    return "".join(out)


def _parse_action(text: str) -> ListNode:
    root = _Parser("{" + text + "}").parse()
    return root.nodes[0]


def parse(template: str) -> ListNode:
    """Parse a template; raises JSONPathError with client-go's message."""
    return _Parser(template).parse()


# --------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------

_MISSING = object()


class JSONPath:
    """One parsed template (jsonpath.New(...).Parse(...))."""

    def __init__(self, template: str, allow_missing_keys: bool = True) -> None:
        self.template = template
        self.root = parse(template)
        self.allow_missing_keys = allow_missing_keys
        self.output_json = False
        self._stack: list = []
        self._begin = self._end = self._in = 0
        self._last_end: Any = None

    # -- driver -------------------------------------------------------------
    def execute(self, data: Any) -> str:
        self._stack, self._begin, self._end, self._in, self._last_end = [], 0, 0, 0, None
        out: list[str] = []
        for results in self.find_results(data, self.root.nodes, 0):
            out.append(self._print_results(results))
        return "".join(out)

    def find_results(self, data: Any, nodes: list, start: int = 0) -> list[list]:
        """FindResults over nodes[start:]; indices stay absolute so the
        `end` that closes a range can be found again (client-go compares
        node pointers into the same slice)."""
        full: list[list] = []
        cur = [data]
        i = start
        while i < len(nodes):
            results = self._walk(cur, nodes[i])
            if self._end > 0 and self._end <= self._in:
                self._end -= 1
                self._last_end = i
                break
            if self._begin > 0:
                self._begin -= 1
                self._in += 1
                if results:
                    for value in results:
                        full.extend(self.find_results(value, nodes, i + 1))
                else:
                    self.find_results(None, nodes, i + 1)
                self._in -= 1
                for k in range(i + 1, len(nodes)):
                    if k == self._last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def _walk(self, values: list, node: Any) -> list:
        if isinstance(node, ListNode):
            cur = values
            for n in node.nodes:
                cur = self._walk(cur, n)
            return cur
        if isinstance(node, TextNode):
            return [node.text]
        if isinstance(node, FieldNode):
            return self._field(values, node)
        if isinstance(node, ArrayNode):
            return self._array(values, node)
        if isinstance(node, FilterNode):
            return self._filter(values, node)
        if isinstance(node, (IntNode, FloatNode, BoolNode)):
            return [node.value for _ in values]
        if isinstance(node, WildcardNode):
            return self._wildcard(values)
        if isinstance(node, RecursiveNode):
            return self._recursive(values)
        if isinstance(node, UnionNode):
            out = []
            for ln in node.nodes:
                out.extend(self._walk(values, ln))
            return out
        if isinstance(node, IdentifierNode):
            return self._identifier(values, node)
        raise JSONPathError(f"unexpected Node {node}")

    def _identifier(self, values: list, node: IdentifierNode) -> list:
        if node.name == "range":
            self._stack.append(values)
            self._begin += 1
            return values
        if node.name == "end":
            if self._end < self._in:
                self._end += 1
                return []
            if self._stack:
                self._stack.pop()
                return []
            raise JSONPathError("not in range, nothing to end")
        raise JSONPathError(f"unrecognized identifier {node.name}")

    def _field(self, values: list, node: FieldNode) -> list:
        results = []
        if not values:
            return results
        for v in values:
            if v is None:
                continue
            if isinstance(v, dict) and node.value in v:
                results.append(v[node.value])
        if not results and not self.allow_missing_keys:
            raise JSONPathError(f"{node.value} is not found")
        return results

    def _array(self, values: list, node: ArrayNode) -> list:
        result: list = []
        for v in values:
            if v is None:
                continue
            if not isinstance(v, list):
                raise JSONPathError(f"{_go_type(v)} is not array or slice")
            p = node.params  # mutated in place, as client-go does
            n = len(v)
            if not p[0].known:
                p[0].value = 0
            if p[0].value < 0:
                p[0].value += n
            if not p[1].known:
                p[1].value = n
            if p[1].value < 0 or (p[1].value == 0 and p[1].derived):
                p[1].value += n
            if p[1].value != p[0].value:
                if p[0].value >= n or p[0].value < 0:
                    raise JSONPathError(f"array index out of bounds: index {p[0].value}, length {n}")
                if p[1].value > n or p[1].value < 0:
                    raise JSONPathError(f"array index out of bounds: index {p[1].value - 1}, length {n}")
                if p[0].value > p[1].value:
                    raise JSONPathError(f"starting index {p[0].value} is greater than ending index {p[1].value}")
            else:
                return result
            sl = v[p[0].value:p[1].value]
            step = 1
            if p[2].known:
                if p[2].value <= 0:
                    raise JSONPathError("step must be > 0")
                step = p[2].value
            result.extend(sl[::step])
        return result

    def _wildcard(self, values: list) -> list:
        out: list = []
        for v in values:
            if v is None:
                continue
            if isinstance(v, dict):
                out.extend(v[k] for k in sorted(v))
            elif isinstance(v, list):
                out.extend(v)
            elif isinstance(v, str):
                out.extend(v.encode("utf-8"))
        return out

    def _recursive(self, values: list) -> list:
        result: list = []
        for v in values:
            if v is None:
                continue
            children: list = []
            if isinstance(v, dict):
                children = [v[k] for k in sorted(v)]
            elif isinstance(v, list):
                children = list(v)
            elif isinstance(v, str):
                children = list(v.encode("utf-8"))
            if children:
                result.append(v)
                result.extend(self._recursive(children))
        return result

    def _filter(self, values: list, node: FilterNode) -> list:
        results: list = []
        for v in values:
            if not isinstance(v, list):
                raise JSONPathError(f"{_go_print(v)} is not array or slice and cannot be filtered")
            for item in v:
                try:
                    lefts = self._walk([item], node.left)
                    err = None
                except JSONPathError as e:
                    lefts, err = [], e
                if node.operator == "exists":
                    if lefts:
                        results.append(item)
                    continue
                if err:
                    raise err
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise JSONPathError("can only compare one element at a time")
                rights = self._walk([item], node.right)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time")
                if _compare(node.operator, lefts[0], rights[0]):
                    results.append(item)
        return results

    # -- printing -----------------------------------------------------------
    def _print_results(self, results: list) -> str:
        if self.output_json:
            text = to_json(list(results)) if results else "[]\n"
            return text
        parts = []
        for r in results:
            if isinstance(r, (dict, list)):
                parts.append(compact_json(r))
            else:
                parts.append(_go_print(r))
        return " ".join(parts)


def basic_kind(v: Any) -> str:
    """The Go basic kind of a decoded JSON value, for comparisons (jsonpath filters, template eq/lt)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _compare(op: str, left: Any, right: Any) -> bool:
    """text/template's eq/ne/lt/... as jsonpath's copy of them compares."""
    lk, rk = basic_kind(left), basic_kind(right)
    if op in ("==", "!="):
        if lk == "other" or rk == "other":
            if left is None or right is None or isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
                raise JSONPathError("invalid type for comparison")
        if lk != rk:
            raise JSONPathError("incompatible types for comparison")
        return (left == right) if op == "==" else (left != right)
    if op not in ("<", ">", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}")
    if lk in ("bool", "other") or rk in ("bool", "other"):
        raise JSONPathError("invalid type for comparison")
    if lk != rk:
        raise JSONPathError("incompatible types for comparison")
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


# --------------------------------------------------------------------------
# Go formatting helpers
# --------------------------------------------------------------------------

def go_v_float(f: float) -> str:
    """fmt's %v for a float64: strconv 'g' with the shortest digits, which
    switches to %e when the exponent is < -4 or >= 6 (1e+06, 1.5e-05)."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    from .yamlout import _go_g
    return _go_g(f)


def _go_print(v: Any) -> str:
    """fmt.Fprint of a scalar (jsonpath's evalToText)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        return go_v_float(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_print(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go_print(x) for x in v) + "]"
    return str(v)


def _go_type(v: Any) -> str:
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    return "interface {}"


def go_quote(s: str) -> str:
    """strconv.Quote."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[ch])
        elif c < 0x20 or c == 0x7F:
            out.append(f"\\x{c:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif c < 0x10000:
            out.append(f"\\u{c:04x}")
        else:
            out.append(f"\\U{c:08x}")
    out.append('"')
    return "".join(out)


def _go_quote_rune(r: str) -> str:
    return "'" + go_quote(r)[1:-1].replace("\\\"", '"').replace("'", "\\'") + "'"


def go_sharp_v(v: Any, top: bool = True) -> str:
    """fmt's %#v of an unstructured value held in an interface{}."""
    if v is None:
        return "interface {}(nil)"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_v_float(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, dict):
        return "map[string]interface {}{" + ", ".join(f"{go_quote(k)}:{go_sharp_v(v[k], False)}" for k in sorted(v)) + "}"
    if isinstance(v, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(x, False) for x in v) + "}"
    return str(v)


# --------------------------------------------------------------------------
# kubectl's printer
# --------------------------------------------------------------------------

def print_jsonpath(template: str, data: Any, *, allow_missing_keys: bool = True, as_json: bool = False) -> str:
    """kubectl's JSONPathPrinter.PrintObj; raises JSONPathError with the full
    kubectl message (to be printed as `error: <message>` on stderr).

    `data` is the object for a single get, or the List dict
    (yamlout.list_object) when several objects are printed.
    """
    try:
        jp = JSONPath(template, allow_missing_keys)
    except JSONPathError as e:
        raise JSONPathError(f"error parsing jsonpath {template}, {e}\n") from None
    jp.output_json = as_json
    try:
        return jp.execute(data)
    except JSONPathError as e:
        buf = (f"Error executing template: {e}. Printing more information for debugging the template:\n"
               f"\ttemplate was:\n\t\t{template}\n"
               f"\tobject given to jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n")
        raise JSONPathError(f"error executing jsonpath {go_quote(template)}: {buf}\n") from None
