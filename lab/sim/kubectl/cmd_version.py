"""`kubectl version`: client, kustomize and server versions (cmd/version/version.go).

The server version is the profile's kubernetesVersion; the client is the
kubectl 1.32.4 release the lab mirrors. `-o yaml` uses sigs.k8s.io/yaml
(sorted keys), `-o json` encoding/json with two-space indent in struct order.
"""
from __future__ import annotations

import json
import re

from ..api.server import ConnectionRefused
from .base import subcommand
from .errors import KubectlError
from .flags import Flag

CLIENT_VERSION = "v1.32.4"
KUSTOMIZE_VERSION = "v5.5.0"
GIT_COMMIT = "59526cd4867447956156ae3a602fcbac10a2c335"
CLIENT_BUILD_DATE = "2025-04-22T16:04:25Z"
SERVER_BUILD_DATE = "2025-04-22T15:56:07Z"
GO_VERSION = "go1.23.6"


def version_info(git_version: str, build_date: str) -> dict[str, str]:
    """version.Info in its struct field order."""
    m = re.match(r"v(\d+)\.(\d+)", git_version)
    major, minor = (m.group(1), m.group(2)) if m else ("", "")
    return {"major": major, "minor": minor, "gitVersion": git_version,
            "gitCommit": GIT_COMMIT if git_version == CLIENT_VERSION else "",
            "gitTreeState": "clean", "buildDate": build_date, "goVersion": GO_VERSION,
            "compiler": "gc", "platform": "linux/amd64"}


def _yaml(data: dict) -> str:
    from .yamlout import to_yaml
    return to_yaml(data)


@subcommand("version", flags=(Flag("client", kind="bool", default=False), Flag("output", "o", default="")))
def run_version(inv, parsed) -> int:
    """kubectl version [--client] [-o yaml|json]."""
    output = parsed.get("output") or ""
    if output not in ("", "yaml", "json"):
        raise KubectlError("--output must be 'yaml' or 'json'")
    result: dict = {"clientVersion": version_info(CLIENT_VERSION, CLIENT_BUILD_DATE),
                    "kustomizeVersion": KUSTOMIZE_VERSION}
    server_error = None
    if not parsed.get("client"):
        api = inv.api
        if not getattr(api, "up", True):
            server_error = ConnectionRefused(api.config.advertise_address, api.config.secure_port)
        else:
            result["serverVersion"] = version_info(inv.world.profile.kubernetes_version, SERVER_BUILD_DATE)
    if output == "yaml":
        inv.out(_yaml(result) + "\n")  # fmt.Fprintln after the marshalled YAML
    elif output == "json":
        inv.out(json.dumps(result, indent=2) + "\n")
    else:
        inv.out(f"Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n")
        if "serverVersion" in result:
            inv.out(f"Server Version: {result['serverVersion']['gitVersion']}\n")
            warning = skew_warning(result["clientVersion"], result["serverVersion"])
            if warning:
                inv.err(warning)
    if server_error is not None:
        raise server_error
    return 0


def skew_warning(client: dict, server: dict) -> str:
    """The warning printed when client and server are more than one minor apart."""
    try:
        cminor, sminor = int(client["minor"]), int(server["minor"])
    except ValueError:
        return ""
    if client["major"] == server["major"] and abs(cminor - sminor) <= 1:
        return ""
    return (f"WARNING: version difference between client ({client['major']}.{cminor}) and server "
            f"({server['major']}.{sminor}) exceeds the supported minor version skew of +/-1\n")
