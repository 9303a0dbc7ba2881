"""`kubectl create configmap NAME --from-literal=k=v --from-file=[key=]path --from-env-file=path`.

Mirrors kubectl 1.32's create_configmap.go: the sources are read in that
order (files, literals, env files), every key must be a valid ConfigMap key
and appear once, a directory adds its regular files by name, and
`--append-hash` suffixes the name with the hash of the content. The host's
files are text, so every value lands in `data` (none in `binaryData`).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from ..api.validation.formats import is_config_map_key
from ..fs import FSError
from .base import Invocation, subcommand
from .cmd_create_generators import CREATE_FLAGS, create_object, name_from_args, new_meta
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format

FLAGS = CREATE_FLAGS + (
    Flag("append-hash", kind="bool", default=False),
    Flag("field-manager", default="kubectl-create"),
    Flag("from-env-file", kind="slice", default=[]),
    Flag("from-file", kind="slice", default=[]),
    Flag("from-literal", kind="array", default=[]),
)


def _add(cm: dict[str, Any], key: str, value: str) -> None:
    """addKeyFromLiteralToConfigMap."""
    problems = is_config_map_key(key)
    if problems:
        raise KubectlError(f"{json.dumps(key)} is not a valid key name for a ConfigMap: {','.join(problems)}")
    data = cm.setdefault("data", {})
    if key in data:
        raise KubectlError(f"cannot add key {json.dumps(key)}, another key by that name already exists in Data "
                           f"for ConfigMap {json.dumps(cm['metadata']['name'])}")
    data[key] = value


def _from_literal(cm: dict[str, Any], source: str) -> None:
    key, sep, value = source.partition("=")
    if not sep or not key:
        raise KubectlError(f"invalid literal source {source}, expected key=value")
    _add(cm, key, value)


def _from_file(inv: Invocation, cm: dict[str, Any], source: str) -> None:
    """handleConfigMapFromFileSources: `path` (key = basename) or `key=path`; a directory adds its files."""
    key, sep, path = source.partition("=")
    if not sep:
        key, path = source.rstrip("/").rsplit("/", 1)[-1], source
    elif not key:
        raise KubectlError(f"key name for file path {path} missing")
    elif not path:
        raise KubectlError(f"file path for key name {key} missing")
    fs, full = inv.ctx.fs, inv.ctx.resolve(path)
    if not fs.exists(full):
        raise KubectlError(f"error reading {path}: no such file or directory")
    if fs.isdir(full):
        if sep:
            raise KubectlError("cannot give a key name for a directory path")
        for name in sorted(fs.listdir(full)):
            item = full.rstrip("/") + "/" + name
            if fs.isfile(item):
                _add(cm, name, fs.read(item))
        return
    try:
        _add(cm, key, fs.read(full))
    except FSError as exc:
        raise KubectlError(f"error reading {path}: {exc}") from None


def _from_env_file(inv: Invocation, cm: dict[str, Any], path: str) -> None:
    """handleConfigMapFromEnvFileSources: KEY=VALUE lines; blank lines and # comments skipped."""
    fs, full = inv.ctx.fs, inv.ctx.resolve(path)
    if not fs.exists(full):
        raise KubectlError(f"error reading {path}: no such file or directory")
    if fs.isdir(full):
        raise KubectlError(f"env config file {path} cannot be a directory")
    for number, line in enumerate(fs.read(full).splitlines(), start=1):
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            value = inv.ctx.env.get(key, "") if hasattr(inv.ctx, "env") else ""
        problems = is_config_map_key(key) if key else ["must not be empty"]
        if problems:
            raise KubectlError(f"{json.dumps(key)} is not a valid key name: {'; '.join(problems)}")
        _add(cm, key, value)


def content_hash(cm: dict[str, Any]) -> str:
    """hash.ConfigMapHash: sha256 of the {kind, name, data[, binaryData]} JSON, encoded to 10 characters."""
    fields: dict[str, Any] = {"kind": "ConfigMap", "name": cm["metadata"]["name"], "data": cm.get("data") or {}}
    if cm.get("binaryData"):
        fields["binaryData"] = cm["binaryData"]
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    # encodeHash: the first ten hex characters, with vowels and lookalikes replaced.
    table = {"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}
    return "".join(table.get(c, c) for c in digest[:10])


@subcommand("create configmap", aliases=("create cm",), flags=FLAGS)
def create_configmap(inv: Invocation, parsed: Parsed) -> int:
    name = name_from_args(inv, parsed)
    inv.dry_run()
    check_format(parsed.get("output", ""))
    files = [s for s in parsed.get("from-file") or [] if s]
    literals = list(parsed.get("from-literal") or [])
    env_files = [s for s in parsed.get("from-env-file") or [] if s]
    if env_files and (files or literals):
        raise KubectlError("from-env-file cannot be combined with from-file or from-literal")
    cm: dict[str, Any] = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": new_meta(inv, name)}
    for source in files:
        _from_file(inv, cm, source)
    for source in literals:
        _from_literal(cm, source)
    for source in env_files:
        _from_env_file(inv, cm, source)
    if cm.get("data"):
        cm["data"] = dict(sorted(cm["data"].items()))  # Go marshals map keys sorted
    if parsed.get("append-hash"):
        cm["metadata"]["name"] = f"{name}-{content_hash(cm)}"
    create_object(inv, cm, None)
    return 0
