"""Host commands that change a machine's life: `poweroff`, `reboot`, `shutdown`, `systemctl`.

A node's kubelet only heartbeats while its host is powered and the
kubelet service runs; these commands flip those switches (through
controllers.node_heartbeat, which also wakes the node lifecycle
controller). Powering a host off or rebooting it ends the learner's
session the way an ssh session ends: the client prints
`Connection to HOST closed by remote host.` and exits 255.

`systemctl status kubelet` prints the block systemd 252 (CentOS Stream 9)
prints for the kubeadm kubelet unit and its 10-kubeadm.conf drop-in.
SIMPLIFICATION: no journal lines, no CPU line, fixed Tasks/Memory
figures; one layout (kubeadm's) for every profile; units other than
kubelet and containerd are not installed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .controllers import node_heartbeat
from .shell.commands import register
from .shell.interp import ExitShell

KUBELET_UNIT = {
    "description": "kubelet: The Kubernetes Node Agent",
    "path": "/usr/lib/systemd/system/kubelet.service",
    "dropin": ("/usr/lib/systemd/system/kubelet.service.d", "10-kubeadm.conf"),
    "docs": "https://kubernetes.io/docs/",
    "exec": "/usr/bin/kubelet",
    "cmdline": ("/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
                "--kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml "
                "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock "
                "--pod-infra-container-image=registry.k8s.io/pause:3.10"),
    "execstart": ("/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS "
                  "$KUBELET_EXTRA_ARGS"),
    "tasks": "14 (limit: 22960)",
    "memory": "48.6M",
}
CONTAINERD_UNIT = {
    "description": "containerd container runtime",
    "path": "/usr/lib/systemd/system/containerd.service",
    "dropin": None,
    "docs": "https://containerd.io",
    "exec": "/usr/bin/containerd",
    "cmdline": "/usr/bin/containerd",
    "execstart": "/usr/bin/containerd",
    "tasks": "92",
    "memory": "61.3M",
}


def _unit_name(arg: str) -> str:
    return arg if "." in arg else arg + ".service"


def _unit(host: Any, name: str) -> dict[str, Any] | None:
    if host.role != "node":
        return None
    return {"kubelet.service": KUBELET_UNIT, "containerd.service": CONTAINERD_UNIT}.get(name)


# -- time formats of systemd ------------------------------------------------------

def format_timestamp(moment: datetime) -> str:
    """`Sat 2026-11-28 08:00:00 UTC` (format_timestamp in UTC)."""
    return moment.strftime("%a %Y-%m-%d %H:%M:%S UTC")


def format_relative(seconds: float) -> str:
    """systemd's format_timestamp_relative: `3 days ago`, `1h 5min ago`, `12s ago`."""
    s = int(seconds)
    year, month, week, day, hour, minute = 31557600, 2629800, 604800, 86400, 3600, 60

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if s >= year:
        return f"{plural(s // year, 'year')} {plural((s % year) // month, 'month')} ago"
    if s >= month:
        return f"{plural(s // month, 'month')} {plural((s % month) // day, 'day')} ago"
    if s >= week:
        return f"{plural(s // week, 'week')} {plural((s % week) // day, 'day')} ago"
    if s >= 2 * day:
        return f"{plural(s // day, 'day')} ago"
    if s >= 25 * hour:
        return f"1 day {(s - day) // hour}h ago"
    if s >= 6 * hour:
        return f"{s // hour}h ago"
    if s >= hour:
        return f"{s // hour}h {(s % hour) // minute}min ago"
    if s >= 5 * minute:
        return f"{s // minute}min ago"
    if s >= minute:
        return f"{s // minute}min {s % minute}s ago"
    if s >= 1:
        return f"{s}s ago"
    return "now"


# -- power ------------------------------------------------------------------------

def _ssh_closed(ctx) -> None:
    ctx.world.settle()
    ip = ctx.host.ip
    ctx.err(f"Connection to {ip} closed by remote host.\nConnection to {ip} closed.\n")
    raise ExitShell(255)


def _power_refused(ctx, what: str) -> int | None:
    """The lab keeps its control plane and its outside client running."""
    host = ctx.host
    if host.role != "node":
        ctx.err(f"{what}: this lab's {host.name} host cannot be turned off\n")
        return 1
    if host.control_plane:
        ctx.err(f"{what}: the control-plane node {host.name} cannot be turned off in this lab\n")
        return 1
    return None


@register("poweroff", "halt")
def cmd_poweroff(ctx, argv: list[str]) -> int:
    refused = _power_refused(ctx, argv[0])
    if refused is not None:
        return refused
    node_heartbeat.power_off(ctx.world, ctx.host.name)
    _ssh_closed(ctx)
    return 255


@register("reboot")
def cmd_reboot(ctx, argv: list[str]) -> int:
    refused = _power_refused(ctx, argv[0])
    if refused is not None:
        return refused
    node_heartbeat.reboot(ctx.world, ctx.host.name)
    _ssh_closed(ctx)
    return 255


@register("shutdown")
def cmd_shutdown(ctx, argv: list[str]) -> int:
    """`shutdown [-h|-P|-r] [now|+0]`; SIMPLIFICATION: a later time shuts down at once too."""
    args = argv[1:]
    restart = any(a in ("-r", "--reboot") for a in args)
    if "-c" in args:
        return 0
    refused = _power_refused(ctx, argv[0])
    if refused is not None:
        return refused
    if restart:
        node_heartbeat.reboot(ctx.world, ctx.host.name)
    else:
        node_heartbeat.power_off(ctx.world, ctx.host.name)
    _ssh_closed(ctx)
    return 255


# -- systemctl --------------------------------------------------------------------

def _kubelet_state(ctx) -> tuple[bool, float]:
    """(running, lab time since when it runs or stopped)."""
    rec = node_heartbeat.node_record(ctx.world, ctx.host.name)
    return ctx.host.kubelet_running, float(rec.get("since", 0.0))


def _main_pid(ctx, name: str) -> int:
    rec = node_heartbeat.node_record(ctx.world, ctx.host.name)
    base = 1043 if name == "kubelet.service" else 876
    return base + 17 * int(rec.get("boots", 0)) + (int(rec.get("since", 0.0)) % 7919 if name == "kubelet.service" else 0)


def _status_block(ctx, name: str, unit: dict[str, Any]) -> tuple[str, int]:
    world = ctx.world
    if name == "kubelet.service":
        running, since = _kubelet_state(ctx)
    else:
        running, since = True, 0.0
    moment = world.clock.moment(since)
    ago = format_relative((world.clock.now - moment).total_seconds())
    pid = _main_pid(ctx, name)
    dot = "●" if running else "○"
    lines = [f"{dot} {name} - {unit['description']}",
             f"     Loaded: loaded ({unit['path']}; enabled; preset: disabled)"]
    if unit["dropin"]:
        lines += [f"    Drop-In: {unit['dropin'][0]}", f"             └─{unit['dropin'][1]}"]
    if running:
        lines += [f"     Active: active (running) since {format_timestamp(moment)}; {ago}",
                  f"       Docs: {unit['docs']}",
                  f"   Main PID: {pid} ({unit['exec'].rsplit('/', 1)[-1]})",
                  f"      Tasks: {unit['tasks']}",
                  f"     Memory: {unit['memory']}",
                  f"     CGroup: /system.slice/{name}",
                  f"             └─{pid} {unit['cmdline']}"]
        return "\n".join(lines) + "\n", 0
    lines += [f"     Active: inactive (dead) since {format_timestamp(moment)}; {ago}",
              f"       Docs: {unit['docs']}"]
    if node_heartbeat.node_record(world, ctx.host.name).get("stoppedPid"):
        old = node_heartbeat.node_record(world, ctx.host.name)["stoppedPid"]
        lines += [f"    Process: {old} ExecStart={unit['execstart']} (code=exited, status=0/SUCCESS)",
                  f"   Main PID: {old} (code=exited, status=0/SUCCESS)"]
    return "\n".join(lines) + "\n", 3


@register("systemctl")
def cmd_systemctl(ctx, argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        ctx.err("Too few arguments.\n")
        return 1
    verb, units = args[0], [_unit_name(a) for a in args[1:]]
    if verb in ("start", "stop", "restart", "status", "is-active", "enable", "disable", "is-enabled") and not units:
        ctx.err("Too few arguments.\n")
        return 1
    if verb not in ("start", "stop", "restart", "status", "is-active", "enable", "disable", "is-enabled",
                    "daemon-reload"):
        ctx.err(f'Unknown command verb {verb}.\n')
        return 1
    if verb == "daemon-reload":
        return 0
    status = 0
    for name in units:
        unit = _unit(ctx.host, name)
        if verb == "status":
            if unit is None:
                ctx.err(f"Unit {name} could not be found.\n")
                status = 4
                continue
            text, code = _status_block(ctx, name, unit)
            ctx.out(text)
            status = max(status, code)
            continue
        if verb == "is-active":
            active = unit is not None and (name != "kubelet.service" or ctx.host.kubelet_running)
            ctx.out("active\n" if active else "inactive\n")
            status = status if active else 3
            continue
        if verb == "is-enabled":
            if unit is None:
                ctx.err(f"Failed to get unit file state for {name}: No such file or directory\n")
                status = 1
                continue
            ctx.out("enabled\n")
            continue
        if unit is None:
            action = {"start": "start", "stop": "stop", "restart": "restart",
                      "enable": "enable", "disable": "disable"}[verb]
            if verb in ("enable", "disable"):
                ctx.err(f"Failed to {action} unit: Unit file {name} does not exist.\n")
                status = 1
            else:
                ctx.err(f"Failed to {action} {name}: Unit {name} not found.\n")
                status = 5
            continue
        if name != "kubelet.service" or verb in ("enable", "disable"):
            continue
        _kubelet_action(ctx, verb)
        ctx.world.settle()
    return status


def _kubelet_action(ctx, verb: str) -> None:
    world, name = ctx.world, ctx.host.name
    rec = node_heartbeat.node_record(world, name)
    running = ctx.host.kubelet_running
    if verb == "stop" and running:
        rec["stoppedPid"] = _main_pid(ctx, "kubelet.service")
        node_heartbeat.set_kubelet(world, name, False)
    elif verb == "start" and not running:
        node_heartbeat.set_kubelet(world, name, True)
    elif verb == "restart":
        rec["stoppedPid"] = _main_pid(ctx, "kubelet.service")
        node_heartbeat.set_kubelet(world, name, True, restart=True)
