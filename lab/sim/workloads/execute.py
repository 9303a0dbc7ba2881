"""Running a command in a running container (`kubectl exec`, exec probes).

The command is looked up on the image's PATH, not run through a shell, as
the container runtime execs it; a missing executable is the runtime's
error, not a shell's "not found".
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ..shell.context import BufferSink, Input, Sink
from . import workload_for
from .containers import container_env, save
from .process import container_session


@dataclass
class ExecResult:
    status: int
    #: the runtime could not start the command (no such executable)
    not_found: bool = False


def exec_argv(world: Any, pod: dict[str, Any], container: str, argv: list[str], out: Sink, err: Sink,
              stdin: str = "", tty: bool = False) -> ExecResult:
    """Run argv in the container with the given streams."""
    from ..limits import CommandLimitReached, OutputBudget, default_limits
    from ..shell.interp import AbortLine, ExitShell, Interrupted, Shell

    spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
    workload = workload_for(spec)
    env = container_env(world, pod, container)
    if env is None:
        return ExecResult(126, not_found=True)
    flavor = "bash" if posixpath.basename(argv[0]) == "bash" else getattr(workload, "shell_flavor", "bash")
    if not hasattr(workload, "programs"):
        return ExecResult(126, not_found=True)
    session = container_session(world, env, workload, flavor)
    if argv[0] not in session.commands:
        return ExecResult(126, not_found=True)
    inp = Input(stdin, is_tty=tty)
    limits = getattr(world, "limits", None) or default_limits()
    session.output_budget = OutputBudget(limits.max_output_bytes)
    shell = Shell(session, session.state, {1: out, 2: err}, inp)
    try:
        status = shell.run_argv(argv, {1: out, 2: err}, inp, None)
    except (ExitShell, AbortLine) as e:
        status = e.status
    except Interrupted as e:
        err.write(e.message)
        status = 130
    except CommandLimitReached:
        save(world, env)  # what the command did so far stays; the caller's whole line stops
        raise
    save(world, env)
    return ExecResult(int(status or 0) & 0xFF)


def exec_in_container(world: Any, pod: dict[str, Any], container: str, argv: list[str]) -> tuple[int, str]:
    """For exec probes: (exit code, combined output)."""
    buf = BufferSink()
    result = exec_argv(world, pod, container, argv, buf, buf)
    if result.not_found:
        return 126, (f'OCI runtime exec failed: exec failed: unable to start container process: exec: '
                     f'"{argv[0] if argv else ""}": executable file not found in $PATH: unknown')
    return result.status, buf.getvalue()
