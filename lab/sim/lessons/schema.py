"""The JSON Schema of a lesson file (lessons/<slug>/lesson.yaml).

The loader validates every lesson against it with jsonschema and then
checks what a schema cannot say (step ids unique, hosts of the profile,
files present, kinds the lab serves, regular expressions that compile).
lessons/README.md documents the same format in prose for instructors.
"""
from __future__ import annotations

from typing import Any

from ..doctor.findings import CHECK_IDS, STATUSES

LANGS = ("en", "zh-CN")

TEXT: dict[str, Any] = {
    "type": "object",
    "description": "the same text in English and in Simplified Chinese (Markdown)",
    "properties": {"en": {"type": "string", "minLength": 1}, "zh-CN": {"type": "string", "minLength": 1}},
    "required": list(LANGS),
    "additionalProperties": False,
}

STRINGS = {"oneOf": [{"type": "string", "minLength": 1},
                     {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}]}

COMMAND: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object",
         "properties": {"run": {"type": "string", "minLength": 1}, "host": {"type": "string"},
                        "stdin": {"type": "string"}},
         "required": ["run"], "additionalProperties": False},
    ]
}

FIELD_VALUE = {
    "description": "a value to equal, or one test: exists, regex, not, min",
    "oneOf": [
        {"type": ["string", "number", "boolean", "null", "array"]},
        {"type": "object", "minProperties": 1, "maxProperties": 1,
         "properties": {"exists": {"type": "boolean"}, "regex": {"type": "string"}, "not": {},
                        "min": {"type": "number"}},
         "additionalProperties": False},
        {"type": "object", "description": "a mapping the field must contain (subset)",
         "not": {"anyOf": [{"required": ["exists"]}, {"required": ["regex"]}, {"required": ["not"]},
                           {"required": ["min"]}]}},
    ]
}

OBJECT_CHECK = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "namespace": {"type": "string", "minLength": 1},
        "selector": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": FIELD_VALUE},
        "count": {"type": "integer", "minimum": 0},
        "absent": {"type": "boolean"},
    },
    "required": ["kind"],
    "additionalProperties": False,
}

COMMAND_CHECK = {
    "type": "object",
    "properties": {
        "line": STRINGS,
        "regex": STRINGS,
        "host": {"type": "string"},
        "status": {"oneOf": [{"type": "integer"}, {"const": "any"}, {"const": "failed"}]},
    },
    "anyOf": [{"required": ["line"]}, {"required": ["regex"]}],
    "additionalProperties": False,
}

CONNECTION_CHECK = {
    "type": "object",
    "properties": {
        "from": {"type": "string", "minLength": 1},
        "to": {"type": "string", "minLength": 1},
        "service": {"type": "string", "minLength": 1},
        "namespace": {"type": "string", "minLength": 1},
        "port": {"type": ["integer", "string"]},
        "via": {"enum": ["clusterIP", "nodePort", "externalIP", "loadBalancer"]},
        "to_pods": {"type": "string"},
        "result": {"enum": ["connected", "refused", "timeout", "unreachable", "denied"]},
        "distinct_pods": {"type": "integer", "minimum": 1},
        "backend_pods": {"type": "string"},
        "seen": {"type": "string", "minLength": 1},
        "hairpin": {"type": "boolean"},
    },
    "oneOf": [{"required": ["to"]}, {"required": ["service"]}, {"required": ["to_pods"]}],
    "additionalProperties": False,
}

DNS_CHECK = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "namespace": {"type": "string", "minLength": 1},
        "type": {"enum": ["A", "AAAA", "CNAME", "SRV", "PTR"]},
        "records": {"type": "array", "items": {"type": "string"}},
        "pods": {"type": "string"},
        "rcode": {"enum": ["NOERROR", "NXDOMAIN"]},
    },
    "required": ["name"],
    "additionalProperties": False,
}

RULE_CHECK = {
    "type": "object",
    "properties": {
        "node": {"type": "string", "minLength": 1},
        "tool": {"enum": ["iptables-save", "iptables", "ipvsadm", "nft", "ipset"]},
        "args": {"type": "array", "items": {"type": "string"}},
        "regex": {"type": "string", "minLength": 1},
        "absent": {"type": "boolean"},
        "count": {"type": "integer", "minimum": 0},
    },
    "required": ["regex"],
    "additionalProperties": False,
}

ERROR_CHECK = {
    "type": "object",
    "properties": {
        "contains": {"type": "string", "minLength": 1},
        "regex": {"type": "string", "minLength": 1},
        "line": {"type": "string", "minLength": 1},
        "host": {"type": "string"},
    },
    "anyOf": [{"required": ["contains"]}, {"required": ["regex"]}],
    "additionalProperties": False,
}

FILE_CHECK = {
    "type": "object",
    "properties": {
        "host": {"type": "string", "minLength": 1},
        "path": {"type": "string", "pattern": "^/"},
        "regex": {"type": "string", "minLength": 1},
        "absent": {"type": "boolean"},
    },
    "required": ["host", "path"],
    "additionalProperties": False,
}

DOCTOR_CHECK = {
    "type": "object",
    "description": "what labdoctor says about a Service now: one finding's status, or healthy",
    "properties": {
        "service": {"type": "string", "minLength": 1},
        "namespace": {"type": "string", "minLength": 1},
        "from": {"type": "string", "minLength": 1},
        "finding": {"enum": list(CHECK_IDS)},
        "status": {"enum": list(STATUSES)},
        "healthy": {"type": "boolean"},
    },
    "required": ["service"],
    "oneOf": [{"required": ["finding"]}, {"required": ["healthy"]}],
    "dependentRequired": {"status": ["finding"]},
    "additionalProperties": False,
}

CHECK_KINDS = {"object": OBJECT_CHECK, "command": COMMAND_CHECK, "connection": CONNECTION_CHECK,
               "dns": DNS_CHECK, "rule": RULE_CHECK, "error": ERROR_CHECK, "file": FILE_CHECK,
               "doctor": DOCTOR_CHECK}

CHECK: dict[str, Any] = {
    "type": "object",
    "description": "exactly one check kind, and an optional label",
    "properties": {"label": TEXT, **CHECK_KINDS},
    "minProperties": 1,
    "maxProperties": 2,
    "oneOf": [{"required": [k]} for k in CHECK_KINDS],
    "additionalProperties": False,
}

FOCUS = {
    "type": "object",
    "description": "a diagram element the explanation points at",
    "properties": {"kind": {"enum": ["pod", "service", "endpoints", "node", "rule", "dns", "connection"]},
                   "name": {"type": "string"}, "namespace": {"type": "string"}, "node": {"type": "string"},
                   "chain": {"type": "string"}},
    "required": ["kind"],
    "additionalProperties": False,
}

STEP = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "title": TEXT,
        "text": TEXT,
        "commands": {"type": "array", "items": COMMAND},
        "hints": {"type": "array", "items": TEXT},
        "explain": TEXT,
        "focus": {"type": "array", "items": FOCUS},
        "checks": {"type": "array", "items": CHECK},
        "solution": {"type": "array", "items": COMMAND},
        "setup": {"type": "array", "items": COMMAND},
    },
    "required": ["id", "title", "text"],
    "additionalProperties": False,
}

FILE = {
    "type": "object",
    "properties": {"host": {"type": "string", "minLength": 1}, "path": {"type": "string", "pattern": "^/"},
                   "source": {"type": "string", "minLength": 1}},
    "required": ["host", "path", "source"],
    "additionalProperties": False,
}

LESSON: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "order": {"type": "integer", "minimum": 1},
        "title": TEXT,
        "summary": TEXT,
        "level": {"enum": ["beginner", "intermediate", "advanced"]},
        "profile": {"type": "string", "minLength": 1},
        "minutes": {"type": "integer", "minimum": 1},
        "source": {"type": "string"},
        "host": {"type": "string", "minLength": 1},
        "files": {"type": "array", "items": FILE},
        "setup": {"type": "array", "items": COMMAND},
        "steps": {"type": "array", "items": STEP, "minItems": 1},
    },
    "required": ["slug", "title", "summary", "level", "profile", "minutes", "steps"],
    "additionalProperties": False,
}

__all__ = ["LESSON", "STEP", "CHECK", "CHECK_KINDS", "TEXT", "LANGS"]
