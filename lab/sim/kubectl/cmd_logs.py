"""`kubectl logs (POD | TYPE/NAME) [-c CONTAINER] [-p] [--tail N] [--timestamps] [-f]`, or `-l SELECTOR`.

As kubectl 1.32: a Pod with several containers and no -c uses the first one
and says `Defaulted container "a" out of: a, b` on stderr (podcmd), a
Deployment or ReplicaSet resolves to one of its Pods (`Found 2 pods, using
pod/x`; `--all-pods` takes every one, with prefixes), and the apiserver's
errors come back as they would from pods/log (waiting container, no
previous container, unknown container). `-l` prints the logs of every
matching Pod, the last 10 lines of each unless --tail says otherwise;
following more than --max-log-requests (5) streams is refused. Logs come
from the container runtime's records (lab/sim/runtime.py).

SIMPLIFICATION: kubectl keeps its log requests in a Go map, so with several
Pods or containers the order changes from run to run; here it is the
list's order (Pods by name, containers as the spec lists them).
"""
from __future__ import annotations

from typing import Any

from .. import runtime as rt
from ..api import errors as api_errors
from ..api.errors import StatusError
from .base import Invocation, subcommand
from .cmd_get import selector_error
from .errors import KubectlError
from .flags import Flag, Parsed

LOGS_FLAGS = (
    Flag("container", "c", default=""),
    Flag("previous", "p", kind="bool", default=False),
    Flag("tail", kind="int", default=-1),
    Flag("timestamps", kind="bool", default=False),
    Flag("follow", "f", kind="bool", default=False),
    Flag("all-containers", kind="bool", default=False),
    Flag("all-pods", kind="bool", default=False),
    Flag("prefix", kind="bool", default=False),
    Flag("selector", "l", default=""),
    Flag("since", default=""),
    Flag("since-time", default=""),
    Flag("limit-bytes", kind="int", default=0),
    Flag("pod-running-timeout", default="20s"),
    Flag("ignore-errors", kind="bool", default=False),
    Flag("max-log-requests", kind="int", default=5),
    Flag("insecure-skip-tls-verify-backend", kind="bool", default=False),
)

USAGE = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" \
        "POD or TYPE/NAME is a required argument for the logs command"

#: the --tail a selector implies when none is given (logs.go selectorTail)
SELECTOR_TAIL = 10


def _bad_request(message: str) -> StatusError:
    return api_errors.bad_request(message)


def _not_found(inv: Invocation, exc: StatusError) -> KubectlError:
    """logs.go wraps the builder's NotFound (kubectl 1.29+): the namespace is named, and the
    error is no longer an API status, so it is printed as `error: error from server ...`."""
    return KubectlError(f"error from server (NotFound): {exc.message} in namespace \"{inv.namespace}\"")


def _get(inv: Invocation, res: Any, name: str) -> dict[str, Any]:
    try:
        return inv.api.get(res, name, namespace=inv.namespace)
    except StatusError as exc:
        if exc.reason == "NotFound":
            raise _not_found(inv, exc) from None
        raise


def _object_for(inv: Invocation, arg: str) -> tuple[Any, dict[str, Any]]:
    """What the builder fetches for a `logs` argument: (resource, object)."""
    if "/" not in arg:
        return inv.resolve_type("pods"), _get(inv, "pods", arg)
    type_text, _, name = arg.partition("/")
    res = inv.resolve_type(type_text)
    return res, _get(inv, res, name)


def _pods_of(inv: Invocation, res: Any, obj: dict[str, Any], all_pods: bool = False) -> list[dict[str, Any]]:
    """The Pods an object stands for (polymorphichelpers.AttachablePodForObject: one;
    AllPodLogsForObject with --all-pods: every Pod the object selects)."""
    if res.kind == "Pod":
        return [obj]
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
    if all_pods:
        return pods
    if len(pods) > 1:
        inv.err(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n")
    return pods[:1]


def _selected_pods(inv: Invocation, selector: str) -> list[dict[str, Any]]:
    """`-l`: the builder's list of Pods in the namespace (an empty list says so on stderr)."""
    res = inv.resolve_type("pods")
    try:
        pods = inv.api.list("pods", namespace=inv.namespace, label_selector=selector)
    except StatusError as exc:
        raise selector_error(res, exc, selector, "") from None
    if not pods:
        inv.err(f"No resources found in {inv.namespace} namespace.\n")
    return pods


def _active_rank(pod: dict[str, Any]) -> tuple:
    """controller.ActivePods ordering: assigned, Running, ready, then older first."""
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    phase_rank = {"Pending": 1, "Unknown": 0, "Running": 2}.get(status.get("phase", ""), 0)
    return (0 if (pod.get("spec") or {}).get("nodeName") else 1, -phase_rank, 0 if ready else 1,
            pod["metadata"].get("creationTimestamp", ""), pod["metadata"]["name"])


def _names(pod: dict[str, Any], key: str) -> list[str]:
    return [c.get("name", "") for c in (pod.get("spec") or {}).get(key) or []]


def all_container_names(pod: dict[str, Any]) -> str:
    """podcmd.AllContainerNames: containers, then ephemeral and init containers, marked."""
    return ", ".join(_names(pod, "containers") + [f"{n} (ephem)" for n in _names(pod, "ephemeralContainers")]
                     + [f"{n} (init)" for n in _names(pod, "initContainers")])


def _container_name(inv: Invocation, pod: dict[str, Any], wanted: str) -> str:
    """logsForObject's choice for one Pod: -c, the default-container annotation, else the first."""
    name = pod["metadata"]["name"]
    if not wanted:
        annotations = pod["metadata"].get("annotations") or {}
        default = annotations.get("kubectl.kubernetes.io/default-container")
        if default and default in _names(pod, "containers") + _names(pod, "initContainers") \
                + _names(pod, "ephemeralContainers"):
            wanted = default
        elif default:
            inv.err(f'Default container name "{default}" not found in pod {name}\n')
    if not wanted:
        names = _names(pod, "containers")
        wanted = names[0] if names else ""
        if len(names) > 1 or _names(pod, "initContainers") or _names(pod, "ephemeralContainers"):
            inv.err(f'Defaulted container "{wanted}" out of: {all_container_names(pod)}\n')
    if wanted not in _names(pod, "containers") + _names(pod, "initContainers") + _names(pod, "ephemeralContainers"):
        raise KubectlError(f"container {wanted} is not valid for pod {name}")
    return wanted


def container_log_text(world: Any, pod: dict[str, Any], container: str, previous: bool = False,
                       tail: int = -1, timestamps: bool = False) -> str:
    """What the kubelet's containerLogs endpoint returns; raises StatusError like pods/log."""
    meta = pod["metadata"]
    name = meta["name"]
    names = _names(pod, "containers") + _names(pod, "initContainers") + _names(pod, "ephemeralContainers")
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
    selector = parsed.get("selector") or ""
    if not args and not selector or len(args) > 2:
        raise inv.usage_error(USAGE)
    if len(args) == 1 and selector:
        raise inv.usage_error("only a selector (-l) or a POD name is allowed")
    # Complete: the builder fetches the object (or the list); then Validate; then RunLogs
    found = None if selector else _object_for(inv, args[0])
    selected = _selected_pods(inv, selector) if selector else []
    wanted = parsed.get("container") or (args[1] if len(args) == 2 else "")
    if parsed.get("all-containers") and wanted:
        raise KubectlError(f"--all-containers=true should not be specified with container name {wanted}")
    if parsed.changed("container") and len(args) == 2:
        raise KubectlError("only one of -c or an inline [CONTAINER] arg is allowed")
    tail = int(parsed.get("tail", -1))
    if tail < -1:
        raise KubectlError("--tail must be greater than or equal to -1")
    if selector and tail == -1 and not parsed.changed("tail"):
        tail = SELECTOR_TAIL
    all_pods = bool(parsed.get("all-pods"))
    pods = selected if found is None else _pods_of(inv, *found, all_pods)
    requests = [(pod, container) for pod in pods for container in _containers(inv, pod, wanted, parsed)]
    limit = int(parsed.get("max-log-requests", 5))
    if parsed.get("follow") and len(requests) > 1 and len(requests) > limit:
        raise KubectlError(f"you are attempting to follow {len(requests)} log streams, but maximum allowed "
                           f"concurrency is {limit}, use --max-log-requests to increase the limit")
    prefixed = bool(parsed.get("prefix")) or all_pods
    for pod, container in requests:
        try:
            text = container_log_text(inv.world, pod, container, bool(parsed.get("previous")), tail,
                                      bool(parsed.get("timestamps")))
        except StatusError as exc:
            if not parsed.get("ignore-errors"):
                raise
            inv.out(f"error: {exc.message}\n")
            continue
        if prefixed:
            prefix = f"[pod/{pod['metadata']['name']}/{container}] "
            text = "".join(prefix + line for line in text.splitlines(keepends=True))
        # SIMPLIFICATION: -f prints what the containers have logged so far and returns.
        inv.out(text)
    return 0


def _containers(inv: Invocation, pod: dict[str, Any], wanted: str, parsed: Parsed) -> list[str]:
    """The containers one Pod's requests are for: all of them (init containers first) or one."""
    if parsed.get("all-containers"):
        return _names(pod, "initContainers") + _names(pod, "containers") + _names(pod, "ephemeralContainers")
    return [_container_name(inv, pod, wanted)]
