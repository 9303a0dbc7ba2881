"""`kubectl run NAME --image=IMG`: the Pod (and with --expose the Service) it generates.

Mirrors kubectl 1.32's run.go and the run-pod/v1 generator: label
`run=NAME` unless --labels, container named NAME, `dnsPolicy: ClusterFirst`,
`restartPolicy: Always` by default, args or (with --command) command after
`--`, --env/--port/--image-pull-policy/--privileged; the validation order
and messages of RunOptions.Validate; --expose builds a ClusterIP Service
selecting the Pod and prints it first (with `---` before the Pod in YAML).
"""
from __future__ import annotations

import re
from typing import Any

from ..api import resources
from ..api.errors import StatusError
from .base import DRY_RUN_FLAG, FILENAME_FLAGS, PRINT_FLAGS, Invocation, subcommand
from .cmd_create_generators import go_atoi, require_flags
from .errors import KubectlError
from .flags import Flag, Parsed
from .output import check_format, print_result, split_format

# docker/distribution reference.ReferenceRegexp (anchored).
_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]*)"
_COMPONENT = _ALNUM + r"(?:" + _SEP + _ALNUM + r")*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*(?::[0-9]+)?"
_NAME = r"(?:" + _DOMAIN + r"/)?" + _COMPONENT + r"(?:/" + _COMPONENT + r")*"
_REFERENCE = re.compile(r"^(" + _NAME + r")(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*"
                        r"[:][0-9A-Fa-f]{32,}))?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")

RUN_FLAGS = PRINT_FLAGS + FILENAME_FLAGS + (
    DRY_RUN_FLAG,
    Flag("annotations", kind="array", default=[]),
    Flag("attach", kind="bool", default=False),
    Flag("cascade", default="background", no_opt_default="background"),
    Flag("command", kind="bool", default=False),
    Flag("env", kind="array", default=[]),
    Flag("expose", kind="bool", default=False),
    Flag("field-manager", default="kubectl-run"),
    Flag("force", kind="bool", default=False),
    Flag("grace-period", kind="int", default=-1),
    Flag("image", default=""),
    Flag("image-pull-policy", default=""),
    Flag("labels", "l", default=""),
    Flag("leave-stdin-open", kind="bool", default=False),
    Flag("override-type", default="merge"),
    Flag("overrides", default=""),
    Flag("pod-running-timeout", default="1m0s"),
    Flag("port", default=""),
    Flag("privileged", kind="bool", default=False),
    Flag("quiet", "q", kind="bool", default=False),
    Flag("restart", default=""),
    Flag("rm", kind="bool", default=False),
    Flag("save-config", kind="bool", default=False),
    Flag("stdin", "i", kind="bool", default=False),
    Flag("timeout", default="0s"),
    Flag("tty", "t", kind="bool", default=False),
    Flag("wait", kind="bool", default=False),
)


def parse_labels(spec: str) -> dict[str, str]:
    """generate.ParseLabels: `k=v,k2=v2`, no validation of keys or values."""
    if not spec:
        raise KubectlError("no label spec passed")
    labels: dict[str, str] = {}
    for item in spec.split(","):
        parts = item.split("=")
        if len(parts) != 2:
            raise KubectlError(f"unexpected label spec: {item}")
        if not parts[0]:
            raise KubectlError("unexpected empty label key")
        labels[parts[0]] = parts[1]
    return labels


def parse_envs(values: list[str]) -> list[dict[str, str]]:
    """parseEnvs: NAME=VALUE, NAME a C identifier-ish env var name."""
    envs = []
    for item in values:
        name, eq, value = item.partition("=")
        if not eq or not name or not _ENV_NAME.match(name):
            raise KubectlError(f"invalid env: {item}")
        envs.append({"name": name, "value": value})
    return envs


def parse_annotations(values: list[str]) -> dict[str, str]:
    annotations: dict[str, str] = {}
    for item in values:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise KubectlError(f"invalid annotation spec: {item}")
        annotations[key] = value
    return annotations


def restart_policy(restart: str, interactive: bool) -> str:
    """getRestartPolicy."""
    if not restart:
        return "OnFailure" if interactive else "Always"
    if restart in ("Always", "OnFailure", "Never"):
        return restart
    raise KubectlError(f"invalid restart policy: {restart}")


def build_pod(inv: Invocation, parsed: Parsed, name: str, args: list[str], policy: str) -> dict[str, Any]:
    """The run-pod/v1 generator."""
    labels_flag = parsed.get("labels", "") or ""
    labels = parse_labels(labels_flag) if labels_flag else {"run": name}
    annotations = parse_annotations(parsed.get("annotations") or [])
    stdin = bool(parsed.get("stdin"))
    container: dict[str, Any] = {"name": name, "image": parsed["image"], "resources": {}}
    if stdin:
        container["stdin"] = True
        if not parsed.get("leave-stdin-open"):
            container["stdinOnce"] = True
    if parsed.get("tty"):
        container["tty"] = True
    if parsed.get("privileged"):
        container["securityContext"] = {"privileged": True}
    if args:
        container["command" if parsed.get("command") else "args"] = list(args)
    envs = parse_envs(parsed.get("env") or [])
    if envs:
        container["env"] = envs
    if parsed.get("image-pull-policy"):
        container["imagePullPolicy"] = parsed["image-pull-policy"]
    port_flag = parsed.get("port", "") or ""
    if port_flag:
        container["ports"] = [{"containerPort": go_atoi(port_flag)}]
    meta: dict[str, Any] = {"name": name, "creationTimestamp": None, "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta,
            "spec": {"containers": [container], "restartPolicy": policy, "dnsPolicy": "ClusterFirst"},
            "status": {}}


def build_service(parsed: Parsed, name: str) -> dict[str, Any]:
    """The Service --expose asks the expose generator for (selector = the Pod's labels)."""
    labels_flag = parsed.get("labels", "") or ""
    selector = parse_labels(labels_flag) if labels_flag else {"run": name}
    ports = []
    for text in (parsed.get("port") or "").split(","):
        port = go_atoi(text)
        ports.append({"protocol": "TCP", "port": port, "targetPort": port})
    if len(ports) > 1:
        for i, port in enumerate(ports, 1):
            port["name"] = f"port-{i}"
    meta: dict[str, Any] = {"name": name, "creationTimestamp": None}
    if labels_flag:
        meta["labels"] = parse_labels(labels_flag)
    return {"kind": "Service", "apiVersion": "v1", "metadata": meta,
            "spec": {"ports": ports, "selector": selector}, "status": {"loadBalancer": {}}}


def _create(inv: Invocation, obj: dict[str, Any], strategy: str) -> dict[str, Any]:
    if strategy == "client":
        if inv.namespace_explicit:
            obj["metadata"]["namespace"] = inv.namespace
        return obj
    return inv.api.create(obj, namespace=inv.namespace, dry_run=(strategy == "server"))


@subcommand("run", flags=RUN_FLAGS)
def run(inv: Invocation, parsed: Parsed) -> int:
    require_flags(parsed, "image")
    strategy = inv.dry_run()
    fmt = parsed.get("output", "") or ""
    check_format(fmt)
    args = parsed.args
    interactive = bool(parsed.get("stdin"))
    attach = bool(parsed.get("attach")) if parsed.changed("attach") else interactive
    if not args:
        raise inv.usage_error("NAME is required for run")
    image = parsed.get("image") or ""
    if not image:
        raise KubectlError("--image is required")
    if not _REFERENCE.match(image):
        raise KubectlError(f'Invalid image name "{image}": invalid reference format')
    if parsed.get("tty") and not interactive:
        raise inv.usage_error("-i/--stdin is required for containers with -t/--tty=true")
    if parsed.get("expose") and not parsed.get("port"):
        raise inv.usage_error("--port must be set when exposing a service")
    try:
        policy = restart_policy(parsed.get("restart") or "", interactive)
    except KubectlError as exc:
        raise inv.usage_error(exc.message) from None
    if not attach and parsed.get("rm"):
        raise inv.usage_error("--rm should only be used for attached containers")
    if attach and strategy != "none":
        raise inv.usage_error("--dry-run=[server|client] can't be used with attached containers options "
                              "(--attach, --stdin, or --tty)")
    if parsed.get("image-pull-policy") not in ("", None, "Always", "IfNotPresent", "Never"):
        raise inv.usage_error(f"invalid image pull policy: {parsed['image-pull-policy']}")

    name = args[0]
    pod = _create(inv, build_pod(inv, parsed, name, args[1:], policy), strategy)
    errors: list[Exception] = []
    if parsed.get("expose"):
        try:
            svc = _create(inv, build_service(parsed, name), strategy)
        except (StatusError, KubectlError) as exc:
            errors.append(exc)
        else:
            print_result(inv, svc, resources.resolve("services"), "created", strategy, typed=(strategy == "client"))
            if split_format(fmt)[0] == "yaml":
                inv.out("---\n")
    if attach:
        return _attach(inv, parsed, pod)
    if fmt and split_format(fmt)[0] == "yaml" and parsed.get("expose") and not errors:
        inv.out("---\n")  # the YAML printer separates the second object it prints
    print_result(inv, pod, resources.resolve("pods"), "created", strategy, typed=(strategy == "client"))
    if errors:
        raise errors[0]
    return 0


def _attach(inv: Invocation, parsed: Parsed, pod: dict[str, Any]) -> int:
    """SIMPLIFICATION: attaching to the container (-i, -t, --attach) is not simulated yet.

    The Pod is created as kubectl would; with --rm it is deleted again and
    kubectl's `pod "NAME" deleted` line is printed.
    """
    name = pod["metadata"]["name"]
    if hasattr(inv.world, "settle"):
        inv.world.settle()
    inv.err(f"error: unable to attach to pod/{name}: interactive sessions are not available in this lab yet\n")
    if parsed.get("rm"):
        inv.api.delete("pods", name, namespace=inv.namespace)
        inv.out(f'pod "{name}" deleted\n')
    return 1
