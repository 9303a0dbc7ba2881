"""Limits per lab: how much one learner's cluster may hold and how much
one command may do, so a runaway loop ends with a clear message and the
server keeps serving everyone else.

The apiserver enforces the object limits (lab.sim.api.server), the shell
the per-command ones (lab.sim.shell): loop iterations and virtual
seconds. The Django layer sets the process-wide defaults from
settings.LAB_LIMITS (`set_default_limits`); a World can be given its own.

Where a real refusal of the same kind exists its words are reused:
ResourceQuota's `exceeded quota` Forbidden for objects and Pods, the
apiserver's `Request entity too large: limit is N` for request bodies,
the kernel's "No space left on device" for a host's full disk. The
replica limit reads like the apiserver's range errors. The loop, time
and output limits are the lab's own (bash has none) and say so.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping

#: the name the quota-style refusals give the lab's limits
QUOTA_NAME = "lab-limits"


@dataclass(frozen=True)
class LabLimits:
    """One lab's limits; every field is also a LAB_LIMIT_<NAME> setting."""

    #: API objects in the lab (Events not counted: the apiserver's TTL removes them)
    max_objects: int = 1000
    #: Pods in the lab, whoever creates them (kubectl run, ReplicaSets, DaemonSets)
    max_pods: int = 100
    #: spec.replicas of one Deployment, ReplicaSet, StatefulSet or ReplicationController
    max_replicas: int = 50
    #: bytes of one request body (the real apiserver's limit is 3145728)
    max_request_bytes: int = 3 * 1024 * 1024
    #: loop iterations (while, until, for) one command line may run
    max_loop_iterations: int = 1000
    #: virtual seconds one command line may move the lab's clock (sleep, waits, timeouts)
    max_virtual_seconds: float = 3600.0
    #: characters one command line may write (terminal, pipes, $(...), redirections),
    #: which is also the longest value a shell variable may hold
    max_output_bytes: int = 8 * 1024 * 1024
    #: characters of file content on one host
    max_disk_bytes: int = 32 * 1024 * 1024

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "LabLimits":
        """LabLimits from {"max_pods": 50, ...}; unknown names are an error,
        values are converted to each field's type."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown lab limits {unknown}; known: {sorted(known)}")
        converted = {}
        for name, value in values.items():
            kind = float if known[name].type in ("float", float) else int
            converted[name] = kind(value)
            if converted[name] <= 0:
                raise ValueError(f"lab limit {name} must be positive, not {value!r}")
        return replace(cls(), **converted)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: for benchmarks and tools that build clusters far bigger than a learner's
UNLIMITED = LabLimits(max_objects=10**12, max_pods=10**12, max_replicas=10**12, max_request_bytes=10**12,
                      max_loop_iterations=10**12, max_virtual_seconds=float("inf"), max_output_bytes=10**12,
                      max_disk_bytes=10**12)

_default = LabLimits()


def default_limits() -> LabLimits:
    """The limits a World gets when it is given none."""
    return _default


def set_default_limits(limits: LabLimits) -> None:
    """Set the process-wide default (the Django layer does, from settings)."""
    global _default
    _default = limits


class CommandLimitReached(BaseException):
    """A command line reached one of the lab's limits per command; the
    shell stops the whole line and prints `message`.

    A BaseException, like KeyboardInterrupt, so no command's own
    `except Exception` can swallow it and carry on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OutputBudget:
    """What one command line may still write; spend() raises
    CommandLimitReached once, when the line goes over (what is written
    after that, while the line stops, is free)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit
        self.exhausted = False

    def spend(self, size: int) -> None:
        if self.exhausted:
            return
        self.left -= size
        if self.left < 0:
            self.exhausted = True
            raise CommandLimitReached(output_limit_message(self.limit))


def output_limit_message(limit: int) -> str:
    return f"bash: command stopped: this lab allows {limit} bytes of output per command\n"


def value_limit_message(name: str, limit: int) -> str:
    return f"bash: {name}: command stopped: this lab allows values of at most {limit} bytes\n"


def loop_limit_message(limit: int, prog: str = "bash") -> str:
    """`prog` is whose loop it was: the shell's, or a command's own (awk, sed's branches)."""
    return f"{prog}: loop stopped: this lab allows {limit} loop iterations per command\n"


def time_limit_message(limit: float) -> str:
    return f"bash: command stopped: this lab allows {limit:g} virtual seconds per command\n"
