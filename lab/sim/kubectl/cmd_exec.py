"""`kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]`.

Mirrors kubectl 1.32's exec.go: the command after `--` (or, deprecated,
everything after the pod name, with kubectl's deprecation line), the
completed-pod check, the default container (annotation
kubectl.kubernetes.io/default-container, else the first, with a
"Defaulted container" note when there are several), then the apiserver's
and the container runtime's (containerd's) errors. With -t and a terminal
stdin, stdout and stderr share the terminal and lines end in CRLF.
A non-zero exit prints `command terminated with exit code N`.
"""
from __future__ import annotations

from typing import Any

from ..api.errors import StatusError
from ..shell.context import Sink
from ..workloads.containers import is_running
from .base import Invocation, subcommand
from .errors import KubectlError
from .flags import Flag, Parsed

#: kubectl 1.31 removed the old form `exec POD COMMAND` (it had warned since 1.x)
NOT_SUPPORTED = "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead"
SHELLS = {"sh", "bash", "ash", "/bin/sh", "/bin/bash", "/bin/ash"}


class _Out(Sink):
    """The client's end of the exec stream (CRLF on a raw terminal)."""

    def __init__(self, write: Any, crlf: bool):
        self._write = write
        self.crlf = crlf
        self.is_tty = crlf

    def write(self, text: str) -> None:
        if text:
            self._write(text.replace("\r\n", "\n").replace("\n", "\r\n") if self.crlf else text)


def _bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def _pod(inv: Invocation, name: str) -> dict[str, Any]:
    kind, slash, rest = name.partition("/")
    if not slash:
        return inv.api.get("pods", name, namespace=inv.namespace)
    res = inv.resolve_type(kind)
    if res.kind == "Pod":
        return inv.api.get("pods", rest, namespace=inv.namespace)
    obj = inv.api.get(res, rest, namespace=inv.namespace)
    selector = (obj.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
    text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(v, str))
    pods = inv.api.list("pods", namespace=inv.namespace, label_selector=text)
    if not pods:
        raise KubectlError(f"no pods found for {res.singular} {rest}" if hasattr(res, "singular")
                           else f"no pods found for {rest}")
    running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
    return (running or pods)[0]


def _attach(inv: Invocation, pod: dict[str, Any], container: str, command: list[str]) -> bool:
    """An interactive shell on a terminal that can hold one (TerminalSession):
    ask it to attach to the container, where the next lines will run. False
    when the terminal cannot, or the image has no such shell (the runtime's
    error follows)."""
    session = inv.ctx.session
    if not getattr(session, "can_attach", False):
        return False
    from ..shell.terminal import exec_shell_for

    request = {"namespace": pod["metadata"]["namespace"], "pod": pod["metadata"]["name"],
               "container": container, "command": list(command)}
    opened = exec_shell_for(inv.world, request).open(inv.world)
    if opened is None or command[0] not in opened[0].commands:
        return False
    session.attach_request = request
    return True


@subcommand("exec", flags=(
    Flag("container", "c", default=""),
    Flag("filename", "f", kind="slice", default=[]),
    Flag("pod-running-timeout", default="1m0s"),
    Flag("quiet", "q", kind="bool", default=False),
    Flag("stdin", "i", kind="bool", default=False),
    Flag("tty", "t", kind="bool", default=False),
))
def run_exec(inv: Invocation, parsed: Parsed) -> int:
    args, at_dash = parsed.args, parsed.args_at_dash
    quiet = bool(parsed.get("quiet"))
    resource = args[0] if args and at_dash != 0 else ""
    if at_dash > -1:
        command = args[at_dash:]
    elif len(args) > 1:
        raise inv.usage_error(NOT_SUPPORTED)
    else:
        command = []
    if not resource:
        raise KubectlError("pod, type/name or --filename must be specified")
    if not command:
        raise KubectlError("you must specify at least one command for the container")
    pod = _pod(inv, resource)
    phase = (pod.get("status") or {}).get("phase", "")
    if phase in ("Succeeded", "Failed"):
        raise KubectlError(f"cannot exec into a container in a completed pod; current phase is {phase}")
    containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
    name = parsed.get("container") or ""
    if not name:
        default = ((pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container"))
        name = default if default in containers else containers[0]
        if len(containers) > 1 and not quiet and default not in containers:
            inv.err(f'Defaulted container "{name}" out of: {", ".join(containers)}\n')
    stdin_flag = bool(parsed.get("stdin"))
    tty = bool(parsed.get("tty")) and stdin_flag
    if tty and not inv.ctx.stdin_is_tty:
        tty = False
        if not quiet:
            inv.err("Unable to use a TTY - input is not a terminal or the right kind of file\n")
    pod_name = pod["metadata"]["name"]
    if name not in containers:
        raise _bad_request(f"container {name} is not valid for pod {pod_name}")
    if not (pod.get("spec") or {}).get("nodeName"):
        raise _bad_request(f"pod {pod_name} does not have a host assigned")
    world = inv.world
    if not is_running(world, pod, name):
        raise KubectlError(f'unable to upgrade connection: container not found ("{name}")')
    from ..workloads.execute import exec_argv

    out = _Out(inv.out, tty)
    err = out if tty else _Out(inv.err, False)
    if stdin_flag and tty and len(command) == 1 and command[0] in SHELLS and _attach(inv, pod, name, command):
        return 0
    stdin = inv.ctx.stdin if stdin_flag and not inv.ctx.stdin_is_tty else ""
    result = exec_argv(world, pod, name, command, out, err, stdin=stdin, tty=tty)
    if result.not_found:
        exec_id = f"{world.random('kubectl').getrandbits(256):064x}"
        raise KubectlError(
            "Internal error occurred: error executing command in container: failed to exec in container: "
            f'failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: unable to start '
            f'container process: exec: "{command[0]}": executable file not found in $PATH: unknown')
    if result.status != 0:
        inv.err(f"command terminated with exit code {result.status}\n")
        return result.status
    return 0
