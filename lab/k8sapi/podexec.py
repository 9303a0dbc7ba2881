"""pods/<name>/exec: run a command in a container of the lab, as the kubelet's exec does.

Gives what the exec stream carries: the stdout and stderr text, then the
Status on the error channel (`Success`, or `NonZeroExitCode` with the exit
code as its cause, which kubectl prints as `command terminated with exit
code N`). Failures before the command runs are StatusErrors with the
apiserver's and containerd's words, as the built-in `kubectl exec` reports
them (lab/sim/kubectl/cmd_exec.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lab.sim.api import errors
from lab.sim.api.errors import StatusError
from lab.sim.shell.context import Sink


@dataclass
class ExecOutcome:
    stdout: str = ""
    stderr: str = ""
    status: dict[str, Any] = field(default_factory=dict)


class _Buffer(Sink):
    def __init__(self, tty: bool = False):
        self.parts: list[str] = []
        self.is_tty = tty

    def write(self, text: str) -> None:
        if text:
            self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_status(command: list[str], code: int) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{' '.join(command)}], exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def check(world: Any, namespace: str, pod_name: str, query: dict[str, list[str]]) -> tuple[dict[str, Any], str]:
    """(the Pod, the container) an exec request may run in, or the apiserver's StatusError."""
    from lab.sim.workloads.containers import is_running

    pod = world.api.get("pods", pod_name, namespace=namespace)
    phase = (pod.get("status") or {}).get("phase", "")
    if phase in ("Succeeded", "Failed"):
        raise errors.bad_request(f"cannot exec into a container in a completed pod; current phase is {phase}")
    containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
    name = (query.get("container") or [""])[0]
    if not name:
        if len(containers) != 1:
            raise errors.bad_request(f"a container name must be specified for pod {pod_name}, "
                                     f"choose one of: [{' '.join(containers)}]")
        name = containers[0]
    if name not in containers:
        raise errors.bad_request(f"container {name} is not valid for pod {pod_name}")
    if not (pod.get("spec") or {}).get("nodeName"):
        raise errors.bad_request(f"pod {pod_name} does not have a host assigned")
    if not is_running(world, pod, name):
        raise StatusError(400, "BadRequest", f'container not found ("{name}")')
    return pod, name


def run(world: Any, namespace: str, pod_name: str, query: dict[str, list[str]], stdin: str = "") -> ExecOutcome:
    """Run the request's command (`command=` repeated, `container=`, `tty=`) in the Pod."""
    from lab.sim.workloads.execute import exec_argv

    pod, name = check(world, namespace, pod_name, query)
    command = query.get("command") or []
    if not command:
        raise errors.bad_request("you must specify at least one command for the container")
    tty = (query.get("tty") or ["false"])[0].lower() in ("true", "1")
    out, err = _Buffer(tty), _Buffer(tty)
    result = exec_argv(world, pod, name, list(command), out, out if tty else err, stdin=stdin, tty=tty)
    if result.not_found:
        exec_id = f"{world.random('kubectl').getrandbits(256):064x}"
        raise errors.internal_error(
            "error executing command in container: failed to exec in container: "
            f'failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: unable to start '
            f'container process: exec: "{command[0]}": executable file not found in $PATH: unknown')
    status = success() if result.status == 0 else exit_status(command, result.status)
    return ExecOutcome(out.text, err.text, status)
