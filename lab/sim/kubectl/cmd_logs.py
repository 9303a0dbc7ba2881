"""`kubectl logs (POD | TYPE/NAME) [-c CONTAINER] [-p] [--tail N] [--timestamps] [-f]`.

As kubectl 1.32: a Pod with several containers and no -c uses the first one
and says `Defaulted container "a" out of: a, b` on stderr (podcmd), a
Deployment or ReplicaSet resolves to one of its Pods (`Found 2 pods, using
pod/x`), and the apiserver's errors come back as they would from
pods/log (waiting container, no previous container, unknown container).
Logs come from the container runtime's records (lab/sim/runtime.py).
"""
from __future__ import annotations

from typing import Any

from .. import runtime as rt
from ..api import errors as api_errors
from ..api.errors import StatusError
from .base import Invocation, subcommand
from .errors import KubectlError
from .flags import Flag, Parsed

LOGS_FLAGS = (
    Flag("container", "c", default=""),
    Flag("previous", "p", kind="bool", default=False),
    Flag("tail", kind="int", default=-1),
    Flag("timestamps", kind="bool", default=False),
    Flag("follow", "f", kind="bool", default=False),
    Flag("all-containers", kind="bool", default=False),
    Flag("prefix", kind="bool", default=False),
    Flag("selector", "l", default=""),
    Flag("since", default=""),
    Flag("limit-bytes", kind="int", default=0),
    Flag("pod-running-timeout", default="20s"),
    Flag("ignore-errors", kind="bool", default=False),
    Flag("max-log-requests", kind="int", default=5),
    Flag("insecure-skip-tls-verify-backend", kind="bool", default=False),
)

USAGE = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" \
        "POD or TYPE/NAME is a required argument for the logs command"


def _bad_request(message: str) -> StatusError:
    return api_errors.bad_request(message)


def _pod_for(inv: Invocation, arg: str) -> dict[str, Any]:
    """The Pod a `logs` argument names (polymorphichelpers.AttachablePodForObject)."""
    if "/" not in arg:
        return inv.api.get("pods", arg, namespace=inv.namespace)
    type_text, _, name = arg.partition("/")
    res = inv.resolve_type(type_text)
    obj = inv.api.get(res, name, namespace=inv.namespace)
    if res.kind == "Pod":
        return obj
    selector = ((obj.get("spec") or {}).get("selector") or {})
    if res.kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        labels = selector.get("matchLabels") or {}
    else:
        labels = selector
    text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pods = inv.api.list("pods", namespace=inv.namespace, label_selector=text) if text else []
    if not pods:
        raise KubectlError(f"timed out waiting for the condition")
    pods.sort(key=_active_rank)
    if len(pods) > 1:
        inv.err(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n")
    return pods[0]


def _active_rank(pod: dict[str, Any]) -> tuple:
    """controller.ActivePods ordering: assigned, Running, ready, then older first."""
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    phase_rank = {"Pending": 1, "Unknown": 0, "Running": 2}.get(status.get("phase", ""), 0)
    return (0 if (pod.get("spec") or {}).get("nodeName") else 1, -phase_rank, 0 if ready else 1,
            pod["metadata"].get("creationTimestamp", ""), pod["metadata"]["name"])


def _container_name(inv: Invocation, pod: dict[str, Any], wanted: str) -> str:
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    if wanted:
        return wanted
    annotations = pod["metadata"].get("annotations") or {}
    default = annotations.get("kubectl.kubernetes.io/default-container")
    if default and default in names:
        return default
    if len(names) > 1:
        inv.err(f'Defaulted container "{names[0]}" out of: {", ".join(names)}\n')
    return names[0] if names else ""


def container_log_text(world: Any, pod: dict[str, Any], container: str, previous: bool = False,
                       tail: int = -1, timestamps: bool = False) -> str:
    """What the kubelet's containerLogs endpoint returns; raises StatusError like pods/log."""
    meta = pod["metadata"]
    name = meta["name"]
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    if container not in names:
        raise _bad_request(f"container {container} is not valid for pod {name}")
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise _bad_request(f"pod {name} does not have a host assigned")
    host = world.hosts.get(node)
    if host is not None and not host.kubelet_alive:
        raise StatusError(500, "", f'Get "https://{host.ip}:10250/containerLogs/{meta.get("namespace")}/{name}/'
                                   f'{container}": dial tcp {host.ip}:10250: connect: connection refused')
    uid = meta.get("uid", "")
    crec = rt.container_record(world, uid, container)
    if previous:
        if crec is None or not crec.get("previousLogs") and not int(crec.get("restartCount", 0)):
            raise _bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        lines = rt.container_logs(world, uid, container, previous=True)
    else:
        if crec is None or not crec.get("containerID"):
            reason = (crec or {}).get("reason") or "ContainerCreating"
            raise _bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        lines = rt.container_logs(world, uid, container)
    if tail >= 0:
        lines = lines[len(lines) - tail:] if tail else []
    out = []
    for stamp, _stream, text in lines:
        out.append(f"{stamp} {text}" if timestamps else text)
    return "".join(out)


@subcommand("logs", LOGS_FLAGS)
def logs(inv: Invocation, parsed: Parsed) -> int:
    args = parsed.args
    if not args:
        raise inv.usage_error(USAGE)
    if len(args) > 2:
        raise inv.usage_error(USAGE)
    pod = _pod_for(inv, args[0])
    wanted = parsed.get("container") or (args[1] if len(args) == 2 else "")
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    targets = names if parsed.get("all-containers") else [_container_name(inv, pod, wanted)]
    for container in targets:
        text = container_log_text(inv.world, pod, container, bool(parsed.get("previous")),
                                  int(parsed.get("tail", -1)), bool(parsed.get("timestamps")))
        if parsed.get("prefix"):
            prefix = f"[pod/{pod['metadata']['name']}/{container}] "
            text = "".join(prefix + line for line in text.splitlines(keepends=True))
        # SIMPLIFICATION: -f prints what the container has logged so far and returns.
        inv.out(text)
    return 0
