"""Names and shapes shared by the runner's host and the consumers.

Channel-layer groups per lab:
- `lab.<id>.runner`: the hosting process's runner listens here; terminals
  and live sockets send their requests (`runner.*` messages) to it;
- `lab.<id>.live`: every live socket of the lab; the runner publishes
  watch events, clock ticks, traces and finished commands (`live.*`).
Replies to one consumer go to its own channel.
"""
from __future__ import annotations

#: node actions of the page, and how each is done
NODE_ACTIONS = ("stop", "start", "cordon", "uncordon", "drain")


def runner_group(lab_id: int) -> str:
    return f"lab.{lab_id}.runner"


def live_group(lab_id: int) -> str:
    return f"lab.{lab_id}.live"


def node_action_line(node: str, action: str) -> tuple[str | None, str]:
    """(host, command line) doing a node action as a person at a terminal
    would: kubectl on the control plane for cordon, uncordon and drain
    (drain with --ignore-daemonsets, as every node runs kube-proxy's
    DaemonSet Pod). "stop" and "start" are the machine's power button, not
    a command: ("", "")."""
    if action in ("stop", "start"):
        return "", ""
    if action == "drain":
        return None, f"kubectl drain {node} --ignore-daemonsets"
    if action in ("cordon", "uncordon"):
        return None, f"kubectl {action} {node}"
    raise ValueError(f"unknown node action {action!r}; use one of {', '.join(NODE_ACTIONS)}")


def coalesce(items: list[tuple[str | None, dict]]) -> list[tuple[str | None, dict]]:
    """Join a command's consecutive output chunks of one stream into one
    message (a loop writing many small pieces sends few messages); the
    order of everything else is kept."""
    out: list[tuple[str | None, dict]] = []
    for target, message in items:
        if out and message.get("type") == "runner.output":
            last_target, last = out[-1]
            if (last_target == target and last.get("type") == "runner.output"
                    and last["id"] == message["id"] and last["stream"] == message["stream"]):
                out[-1] = (target, {**last, "text": last["text"] + message["text"]})
                continue
        out.append((target, message))
    return out
