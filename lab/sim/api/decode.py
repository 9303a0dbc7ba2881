"""Client-side reading of manifests, as kubectl 1.32's resource builder does it.

Mirrors k8s.io/cli-runtime/pkg/resource (StreamVisitor, mapper.infoForData,
FlattenListVisitor), k8s.io/apimachinery/pkg/util/yaml (YAMLOrJSONDecoder,
YAMLReader) and sigs.k8s.io/yaml (go-yaml v2 -> JSON), so that a learner's
file gives the objects kubectl would send and fails with kubectl's words:

    error: error parsing pod.yml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context

Errors carry the real line/column too, for editor markers.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lab.sim.api import resources
from lab.sim.api.yamlerrors import (
    ConversionError,
    GoLoader,
    InvalidMapKey,
    go_json_number,
    go_yaml_message,
    to_json_value,
)

STOP_VALIDATE_MESSAGE = "if you choose to ignore these errors, turn validation off with --validate=false"


@dataclass(frozen=True)
class Document:
    """One object read from a file: which document it was and where it starts (1-based line)."""

    obj: dict
    source: str
    index: int
    start_line: int
    item: int | None = None  # position inside a `kind: List`, if it came from one


class DecodeError(Exception):
    """A manifest kubectl refuses before talking to the server.

    `message` is the whole line kubectl prints (`error: ...`); `detail` is the
    same without the `error: ` prefix (what kubectl aggregates when several
    documents fail); `line`/`column` (1-based) point at the culprit.
    `fatal` errors stop reading the stream, others only skip their document.
    """

    def __init__(self, detail: str, source: str, line: int = 0, column: int = 0,
                 index: int | None = None, fatal: bool = True):
        super().__init__(detail)
        self.detail = detail
        self.source = source
        self.line = line
        self.column = column
        self.index = index
        self.fatal = fatal

    @property
    def message(self) -> str:
        return f"error: {self.detail}"

    def __str__(self) -> str:
        return self.message


@dataclass
class ReadResult:
    """Everything kubectl's builder gets out of one file: objects read, then errors in order."""

    documents: list[Document] = field(default_factory=list)
    errors: list[DecodeError] = field(default_factory=list)

    @property
    def objects(self) -> list[dict]:
        return [d.obj for d in self.documents]


@dataclass(frozen=True)
class _Chunk:
    text: str
    start_line: int  # 1-based line of the chunk's first line in the file
    offset: int  # character offset of the chunk in the file


class _StreamError(Exception):
    def __init__(self, detail: str, line: int, column: int):
        super().__init__(detail)
        self.detail, self.line, self.column = detail, line, column


# -- splitting -------------------------------------------------------------

def _yaml_chunks(text: str) -> list[_Chunk]:
    """YAMLReader.Read: split on lines starting with `---` (only a comment may follow it)."""
    chunks: list[_Chunk] = []
    buffer: list[str] = []
    start_line, start_offset, offset = 1, 0, 0
    # LineReader splits on \n only (not on the other separators str.splitlines knows).
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.startswith("---"):
            trimmed = line[3:].strip()
            if trimmed and not trimmed.startswith("#"):
                raise _StreamError(f"invalid Yaml document separator: {trimmed}", number, 1)
            if buffer:
                chunks.append(_Chunk("".join(buffer), start_line, start_offset))
                buffer = []
            start_line, start_offset = number + 1, offset + len(line)
        else:
            if not buffer:
                start_line, start_offset = number, offset
            buffer.append(line)
        offset += len(line)
    if buffer:
        chunks.append(_Chunk("".join(buffer), start_line, start_offset))
    return chunks


def _is_json_stream(text: str) -> bool:
    """GuessJSONStream: JSON only when the first non-space byte is `{`."""
    return text.lstrip(" \t\r\n").startswith("{")


def _load_first_document(text: str) -> Any:
    """yaml.Unmarshal: go-yaml reads the first document of its input and ignores the rest."""
    loader = GoLoader(text)
    try:
        if not loader.check_node():
            return None
        return loader.construct_document(loader.get_node())
    finally:
        loader.dispose()


def _parse_yaml_chunk(chunk: _Chunk) -> Any:
    try:
        value = _load_first_document(chunk.text)
    except ConversionError as exc:
        raise _StreamError(f"error converting YAML to JSON: {exc}", chunk.start_line, 1) from None
    except (yaml.YAMLError, InvalidMapKey) as exc:
        message, line, column = go_yaml_message(exc, chunk.text)
        raise _StreamError(f"error converting YAML to JSON: {message}",
                           chunk.start_line + line, column + 1) from None
    try:
        return to_json_value(value)
    except ConversionError as exc:
        raise _StreamError(f"error converting YAML to JSON: {exc}", chunk.start_line, 1) from None


# -- JSON streams (Go's encoding/json Decoder wording) ------------------------

_WS = " \t\r\n"


def _quote_char(c: str) -> str:
    """encoding/json quoteChar."""
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    text = json.dumps(c)[1:-1]
    if c == "\x7f" or (ord(c) < 0x20 and c not in "\n\r\t\b\f"):
        text = f"\\x{ord(c):02x}"
    return f"'{text}'"


class _JSONScanner:
    """Enough of encoding/json's scanner to name the first syntax error as Go does."""

    def __init__(self, text: str, pos: int):
        self.text, self.pos = text, pos

    def fail(self, context: str) -> None:
        if self.pos >= len(self.text):
            raise _StreamError("unexpected EOF", *self.line_col(len(self.text)))
        c = self.text[self.pos]
        # SyntaxError.Offset counts the bytes read, the bad one included.
        offset = len(self.text[:self.pos + 1].encode("utf-8"))
        raise _StreamError(f"json: offset {offset}: invalid character {_quote_char(c)} {context}",
                           *self.line_col(self.pos))

    def line_col(self, pos: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, pos) + 1
        return line, pos - (self.text.rfind("\n", 0, pos) + 1) + 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def value(self) -> None:
        self.skip_ws()
        c = self.peek()
        if c == "{":
            self.pos += 1
            self.skip_ws()
            if self.peek() == "}":
                self.pos += 1
                return
            while True:
                self.skip_ws()
                if self.peek() != '"':
                    self.fail("looking for beginning of object key string")
                self.string()
                self.skip_ws()
                if self.peek() != ":":
                    self.fail("after object key")
                self.pos += 1
                self.value()
                self.skip_ws()
                c = self.peek()
                if c == ",":
                    self.pos += 1
                    continue
                if c == "}":
                    self.pos += 1
                    return
                self.fail("after object key:value pair")
        elif c == "[":
            self.pos += 1
            self.skip_ws()
            if self.peek() == "]":
                self.pos += 1
                return
            while True:
                self.value()
                self.skip_ws()
                c = self.peek()
                if c == ",":
                    self.pos += 1
                    continue
                if c == "]":
                    self.pos += 1
                    return
                self.fail("after array element")
        elif c == '"':
            self.string()
        elif c == "-" or c.isdigit() and c.isascii():
            self.number()
        elif c in ("t", "f", "n"):
            word = {"t": "true", "f": "false", "n": "null"}[c]
            for expected in word:
                if self.peek() != expected:
                    self.fail(f"in literal {word} (expecting {_quote_char(expected)})")
                self.pos += 1
        else:
            self.fail("looking for beginning of value")

    def string(self) -> None:
        self.pos += 1
        while True:
            c = self.peek()
            if c == "":
                self.fail("")
            if c == '"':
                self.pos += 1
                return
            if c == "\\":
                self.pos += 1
                c = self.peek()
                if c == "u":
                    self.pos += 1
                    for _ in range(4):
                        if self.peek() == "" or self.peek() not in "0123456789abcdefABCDEF":
                            self.fail("in \\u hexadecimal character escape")
                        self.pos += 1
                    continue
                if c == "" or c not in '"\\/bfnrt':
                    self.fail("in string escape code")
            elif ord(c) < 0x20:
                self.fail("in string literal")
            self.pos += 1

    def number(self) -> None:
        if self.peek() == "-":
            self.pos += 1
            if not (self.peek().isdigit() and self.peek().isascii()):
                self.fail("in numeric literal")
        if self.peek() == "0":
            self.pos += 1
        else:
            while self.peek().isdigit() and self.peek().isascii():
                self.pos += 1
        if self.peek() == ".":
            self.pos += 1
            if not (self.peek().isdigit() and self.peek().isascii()):
                self.fail("after decimal point in numeric literal")
            while self.peek().isdigit() and self.peek().isascii():
                self.pos += 1
        if self.peek() in ("e", "E") and self.peek():
            self.pos += 1
            if self.peek() in ("+", "-") and self.peek():
                self.pos += 1
            if not (self.peek().isdigit() and self.peek().isascii()):
                self.fail("in exponent of numeric literal")
            while self.peek().isdigit() and self.peek().isascii():
                self.pos += 1


def _json_int(text: str) -> Any:
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else float(text)


def _json_values(text: str) -> list[tuple[str, int]]:
    """Successive JSON values of a stream, as (raw text, 1-based start line)."""
    values = []
    scanner = _JSONScanner(text, 0)
    while True:
        scanner.skip_ws()
        if scanner.pos >= len(text):
            return values
        start = scanner.pos
        scanner.value()
        values.append((text[start:scanner.pos], scanner.line_col(start)[0]))


# -- per-document checks (validation, decoding, REST mapping) ---------------

def _go_json(value: Any) -> str:
    """The compact JSON sigs.k8s.io/yaml hands on (sorted keys, Go's escapes)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_go_json(k)}:{_go_json(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_json(v) for v in value) + "]"
    if isinstance(value, float):
        return go_json_number(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return json.dumps(value)


def object_kind_errors(obj: Any) -> list[str]:
    """kubectl validation's getObjectKind: what must hold before any schema is looked at."""
    if not isinstance(obj, dict):
        return ["invalid object to validate"]
    errors = []
    api_version = obj.get("apiVersion")
    if api_version is None:
        errors.append("apiVersion not set")
    elif not isinstance(api_version, str):
        errors.append("apiVersion isn't string type")
    elif api_version.count("/") > 1:
        errors.append(f"unexpected GroupVersion string: {api_version}")
    kind = obj.get("kind")
    if kind is None:
        errors.append("kind not set")
    elif not isinstance(kind, str):
        errors.append("kind isn't string type")
    return errors


def _aggregate(messages: list[str]) -> str:
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


_GO_TYPE_NAMES = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def _metadata_string(obj: dict, key: str) -> str:
    metadata = obj.get("metadata")
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else ""


def mapping_error(obj: dict, source: str | None) -> str | None:
    """The RESTMapper's verdict on an object's apiVersion/kind, in kubectl's words, or None if served."""
    api_version = obj.get("apiVersion") or ""
    kind = obj["kind"]
    if api_version:
        found = resources.by_kind(api_version, kind)
    else:
        # No version: the mapper falls back to the group's preferred version.
        found = resources.by_kind("v1", kind)
    if found is not None:
        return None
    name, namespace = _metadata_string(obj, "name"), _metadata_string(obj, "namespace")
    where = f" from {json.dumps(source)}" if source is not None else ""
    return (f"resource mapping not found for name: {json.dumps(name)} namespace: {json.dumps(namespace)}{where}: "
            f"no matches for kind {json.dumps(kind)} in version {json.dumps(api_version)}\n"
            f"ensure CRDs are installed first")


def _decode_error(obj: Any, raw: str, source: str) -> str | None:
    """mapper.infoForData's decoding step (UnstructuredJSONScheme)."""
    if not isinstance(obj, dict):
        kind = "object" if obj is None else _GO_TYPE_NAMES.get(type(obj), "value")
        return f"unable to decode {json.dumps(source)}: json: cannot unmarshal {kind} into Go value of type unstructured.detector"
    if not isinstance(obj.get("kind"), str) or not obj.get("kind"):
        return f"unable to decode {json.dumps(source)}: Object 'Kind' is missing in '{raw}'"
    return None


def _is_list(obj: dict) -> bool:
    return isinstance(obj.get("kind"), str) and obj["kind"].endswith("List") and isinstance(obj.get("items"), list)


def _visit(result: ReadResult, obj: Any, raw: str, source: str, index: int, start_line: int,
           validate: bool) -> bool:
    """One document through StreamVisitor + infoForData + FlattenListVisitor; False stops the stream."""
    if validate:
        problems = object_kind_errors(obj)
        if problems:
            result.errors.append(DecodeError(
                f"error validating {json.dumps(source)}: error validating data: {_aggregate(problems)}; "
                f"{STOP_VALIDATE_MESSAGE}", source, start_line, 1, index))
            return False
    problem = _decode_error(obj, raw, source)
    if problem:
        result.errors.append(DecodeError(problem, source, start_line, 1, index, fatal=False))
        return True
    if _is_list(obj):
        # SIMPLIFICATION: kubectl validates a List client-side against the OpenAPI
        # schema; here its items are only checked by the server, one by one.
        for position, item in enumerate(obj["items"]):
            if not isinstance(item, dict) or not isinstance(item.get("kind"), str) or not item["kind"]:
                result.errors.append(DecodeError(
                    "unable to get type info from the object \"*unstructured.Unstructured\": "
                    "Object 'Kind' is missing in 'unstructured object has no kind'",
                    source, start_line, 1, index, fatal=False))
                continue
            problem = mapping_error(item, None)
            if problem:
                result.errors.append(DecodeError(problem, source, start_line, 1, index, fatal=False))
                continue
            result.documents.append(Document(item, source, index, start_line, position))
        return True
    problem = mapping_error(obj, source)
    if problem:
        result.errors.append(DecodeError(problem, source, start_line, 1, index, fatal=False))
        return True
    result.documents.append(Document(obj, source, index, start_line))
    return True


def read_documents(text: str, source: str, validate: bool = True) -> ReadResult:
    """Read a file the way `kubectl create/apply -f` does, keeping going where kubectl does.

    Objects before a syntax error are kept (kubectl applies them); an unknown
    kind only drops its own document. `validate=False` mirrors `--validate=false`.
    """
    result = ReadResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    index = 0
    try:
        if _is_json_stream(text):
            for raw, start_line in _json_values(text):
                obj = _load_json(raw)
                if obj is None:
                    continue
                if not _visit(result, obj, raw, source, index, start_line, validate):
                    return result
                index += 1
            return result
        for chunk in _yaml_chunks(text):
            obj = _parse_yaml_chunk(chunk)
            if obj is None:
                continue
            if not _visit(result, obj, _go_json(obj), source, index, chunk.start_line, validate):
                return result
            index += 1
    except _StreamError as exc:
        result.errors.append(DecodeError(f"error parsing {source}: {exc.detail}", source, exc.line, exc.column, index))
    return result


def _load_json(raw: str) -> Any:
    """Unstructured JSON decoding: int64 where the literal is an integer that fits, else float64."""
    return json.loads(raw, parse_int=_json_int)


def split_documents(text: str, source: str, validate: bool = True) -> list[dict]:
    """The objects of a manifest file; raises the first DecodeError kubectl would print."""
    result = read_documents(text, source, validate)
    if result.errors:
        raise result.errors[0]
    return result.objects


# -- locating a field path in the text --------------------------------------

_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]*)\]")


def parse_field_path(path: str) -> list[str | int]:
    """`spec.ports[0].nodePort` -> ['spec', 'ports', 0, 'nodePort']; `[key]` stays a string."""
    tokens: list[str | int] = []
    for name, bracket in _PATH_TOKEN.findall(path):
        if name:
            tokens.append(name)
        elif bracket.isdigit():
            tokens.append(int(bracket))
        else:
            tokens.append(bracket)
    return tokens


def locate(text: str, field_path: str, index: int = 0) -> tuple[int, int] | None:
    """1-based (line, column) of `field_path` in document `index` of a YAML or JSON text.

    Points at the key of a mapping entry or at a sequence item; when the path
    goes deeper than the text, the deepest part that exists is returned. None
    if the document cannot be read.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if _is_json_stream(text):
        try:
            values = _json_values(text)
        except _StreamError:
            return None
        chunks = [_Chunk(raw, line, 0) for raw, line in values if raw.strip() != "null"]
    else:
        try:
            chunks = [c for c in _yaml_chunks(text) if _chunk_has_content(c)]
        except _StreamError:
            return None
    if index >= len(chunks):
        return None
    chunk = chunks[index]
    loader = GoLoader(chunk.text)
    try:
        node = loader.get_node() if loader.check_node() else None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    mark = node.start_mark
    prefix_column = _first_line_column_offset(text, chunk) if _is_json_stream(text) else 0
    for token in parse_field_path(field_path):
        found = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(token):
                    found = (key_node.start_mark, value_node)
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            item = node.value[token]
            found = (item.start_mark, item)
        if found is None:
            break
        mark, node = found
    column = mark.column + 1 + (prefix_column if mark.line == 0 else 0)
    return chunk.start_line + mark.line, column


def _chunk_has_content(chunk: _Chunk) -> bool:
    try:
        return _parse_yaml_chunk(chunk) is not None
    except _StreamError:
        return True


def _first_line_column_offset(text: str, chunk: _Chunk) -> int:
    # JSON values may start mid-line; marks inside the value are relative to its start.
    lines = text.split("\n")
    line = lines[chunk.start_line - 1] if chunk.start_line - 1 < len(lines) else ""
    first = chunk.text.split("\n")[0]
    pos = line.find(first)
    return max(pos, 0)
