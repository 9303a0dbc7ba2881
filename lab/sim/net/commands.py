"""Network commands of hosts and containers: labtrace, conntrack, nc, and `ip` inside pods.

- `labtrace <command...>`: runs the command, then prints the Trace of every
  connection it made (lab.sim.net.trace.render).
- `conntrack -L|-C|-F [-p PROTO] [-s IP] [-d IP] [--sport N] [--dport N]`:
  the node's conntrack table as conntrack-tools 1.4.7 prints it.
- `nc [-v[v]] [-z] [-w SECS] HOST PORT`: busybox's nc (nc 1.10 compatible):
  `HOST (IP:PORT) open` with -v; a refusal is silent at one -v; other errors
  print `nc: HOST (IP:PORT): <strerror>`.
- `ip addr|route` in a pod's container: the pod's namespace (lab.sim.net.topology);
  on hosts the node command (lab.sim.proxy.nodecmds) answers.

Importing lab.sim.proxy.nodecmds first makes these registrations the ones
that stay for `conntrack` and `ip`.
"""
from __future__ import annotations

from typing import Any

from ..proxy import nodecmds
from ..shell.commands import register
from . import SYN_TIMEOUT, ConnectError, connect, recording
from . import conntrack as ct
from . import topology
from .curl import source_of
from .http_client import resolve
from .trace import render

CT_USAGE = ("Try `conntrack -h' or 'conntrack --help' for more information.\n")


@register("labtrace")
def labtrace(ctx: Any, argv: list[str]) -> int:
    args = argv[1:]
    if not args:
        ctx.err("usage: labtrace <command> [args...]\n")
        return 2
    with recording(ctx.world) as traces:
        status = ctx.shell.run_argv(args, ctx.fds, ctx.stdin_stream, None)
    if traces:
        ctx.out(render(traces))
    else:
        ctx.out("no connections\n")
    return status


def _pod_of(ctx: Any) -> dict[str, Any] | None:
    env = getattr(ctx.host, "env", None)
    return getattr(env, "pod", None) if env is not None else None


@register("conntrack")
def conntrack_cmd(ctx: Any, argv: list[str]) -> int:
    args = argv[1:]
    host = ctx.host
    command = ""
    filters: dict[str, Any] = {}
    i = 0
    flag_map = {"-p": "proto", "--proto": "proto", "-s": "src", "--src": "src", "--orig-src": "src",
                "-d": "dst", "--dst": "dst", "--orig-dst": "dst", "--sport": "sport", "--orig-port-src": "sport",
                "--dport": "dport", "--orig-port-dst": "dport"}
    while i < len(args):
        a = args[i]
        if a in ("-L", "--dump", "-C", "--count", "-F", "--flush"):
            command = {"--dump": "-L", "--count": "-C", "--flush": "-F"}.get(a, a)
        elif a in flag_map:
            if i + 1 >= len(args):
                ctx.err(f"conntrack v1.4.7 (conntrack-tools): option `{a}' requires an argument\n" + CT_USAGE)
                return 2
            key, value = flag_map[a], args[i + 1]
            filters[key] = int(value) if key in ("sport", "dport") and value.isdigit() else value
            i += 1
        elif a in ("-n", "-o", "extended", "-e", "--event-mask"):
            pass
        elif a in ("-h", "--help"):
            ctx.out("Command line interface for the connection tracking system. Version 1.4.7\n")
            return 0
        else:
            ctx.err(f"conntrack v1.4.7 (conntrack-tools): unknown option `{a}'\n" + CT_USAGE)
            return 2
        i += 1
    if (filters.get("sport") is not None or filters.get("dport") is not None) and "proto" not in filters:
        ctx.err("conntrack v1.4.7 (conntrack-tools): missing protocol (-p) for port filters\n" + CT_USAGE)
        return 2
    if not command:
        ctx.err("conntrack v1.4.7 (conntrack-tools): no command specified\n" + CT_USAGE)
        return 2
    node = host.name if getattr(host, "role", "") == "node" else ""
    if command == "-F":
        if node:
            ct.flush(ctx.world, node)
        ctx.err("conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n")
        return 0
    if command == "-C":
        ctx.out(f"{len(ct.entries(ctx.world, node)) if node else 0}\n")
        return 0
    if not node:
        ctx.err("conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n")
        return 0
    out, err = ct.render_list(ctx.world, node, **filters)
    ctx.out(out)
    ctx.err(err)
    return 0


@register("nc")
def nc(ctx: Any, argv: list[str]) -> int:
    verbose, zero, wait = 0, False, None
    operands: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1 and not operands:
            j = 1
            while j < len(a):
                c = a[j]
                if c == "v":
                    verbose += 1
                elif c == "z":
                    zero = True
                elif c == "n":
                    pass
                elif c == "w":
                    value = a[j + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if not a[j + 1:]:
                        i += 1
                    if not value.isdigit():
                        ctx.err(f"nc: invalid number '{value}'\n")
                        return 1
                    wait = int(value)
                    break
                else:
                    ctx.err(f"nc: invalid option -- '{c}'\n" + _NC_USAGE)
                    return 1
                j += 1
        else:
            operands.append(a)
        i += 1
    if len(operands) != 2:
        ctx.err(_NC_USAGE)
        return 1
    name, port_text = operands
    if not port_text.isdigit():
        ctx.err(f"nc: bad port '{port_text}'\n")
        return 1
    port = int(port_text)
    ip = resolve(ctx.world, source_of(ctx), name)
    if ip is None:
        ctx.err(f"nc: bad address '{name}'\n")
        return 1
    dotted = f"{ip}:{port}"
    conn = connect(ctx.world, source_of(ctx), ip, port)
    if isinstance(conn, ConnectError):
        strerror = conn.strerror
        if conn.timed_out:
            limit = wait if wait else SYN_TIMEOUT
            ctx.world.wait(min(limit, conn.after or SYN_TIMEOUT))
        elif wait is not None and conn.after > wait:
            ctx.world.wait(wait)
            strerror = "Connection timed out"
        elif conn.after:
            ctx.world.wait(conn.after)
        if verbose > 1 or (verbose and conn.kind != "refused"):
            ctx.err(f"nc: {name} ({dotted}): {strerror}\n")
        if verbose > 1:
            ctx.err("sent 0, rcvd 0\n")
        return 1
    if verbose:
        ctx.err(f"{name} ({dotted}) open\n")
    # SIMPLIFICATION: without -z the connection is closed at once too (no data is exchanged).
    del zero
    if verbose > 1:
        ctx.err("sent 0, rcvd 0\n")
    return 0


_NC_USAGE = ("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
             "Usage: nc [OPTIONS] HOST PORT  - connect\n"
             "nc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n")


_HOST_IP = nodecmds.ip_command


def _with_rules(fn: Any) -> Any:
    """A node command that reads the rules: the dataplane's counters and lists are put back first."""
    def run(ctx: Any, argv: list[str]) -> int:
        host = ctx.host
        if getattr(host, "role", "") == "node":
            from .dataplane import ruleset
            ruleset(ctx.world, host.name)
        return fn(ctx, argv)
    run.__doc__ = fn.__doc__
    return run


for _name, _fn in (("iptables-save", nodecmds.iptables_save), ("iptables", nodecmds.iptables),
                   ("nft", nodecmds.nft), ("ipvsadm", nodecmds.ipvsadm), ("ipset", nodecmds.ipset)):
    register(_name)(_with_rules(_fn))


@register("ip")
def ip_command(ctx: Any, argv: list[str]) -> int:
    pod = _pod_of(ctx)
    if pod is None:
        return _HOST_IP(ctx, argv)
    args = [a for a in argv[1:] if a not in ("-4", "-o", "-br", "-c")]
    if not args:
        ctx.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                "Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n")
        return 1
    obj, rest = args[0], args[1:]
    world = ctx.world
    if "address".startswith(obj) or obj == "a":
        if rest and rest[0] in ("show", "list", "sh", "s", "ls"):
            rest = rest[1:]
        if rest and rest[0] == "dev":
            rest = rest[1:]
        text = topology.render_pod_addr(world, pod, rest[0] if rest else None)
        if text is None:
            ctx.err(f"ip: can't find device '{rest[0]}'\n")
            return 1
        ctx.out(text)
        return 0
    if "route".startswith(obj) or obj == "r":
        if rest and rest[0] not in ("show", "list", "ls"):
            ctx.err(f"ip: invalid argument '{rest[0]}' to 'ip route'\n")
            return 1
        ctx.out(topology.render_pod_routes(world, pod))
        return 0
    ctx.err(f"ip: invalid argument '{obj}' to 'ip'\n")
    return 1


__all__ = ["labtrace", "conntrack_cmd", "nc", "ip_command"]
