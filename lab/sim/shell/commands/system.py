"""Host and clock commands: hostname, sleep (advances the world's virtual
clock, never really sleeps), date, env, clear, uname, whoami, id."""
from __future__ import annotations

import datetime as dt
import re

from . import register

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def world_now(ctx) -> dt.datetime:
    clock = getattr(ctx.world, "clock", None)
    now = getattr(clock, "now", None)
    if isinstance(now, dt.datetime):
        return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
    return EPOCH


@register("hostname")
def cmd_hostname(ctx, argv):
    args = argv[1:]
    host = ctx.host
    name = getattr(host, "name", None) or ctx.session.host_name
    if not args:
        ctx.out(name + "\n")
        return 0
    a = args[0]
    ip = getattr(host, "ip", "") or ""
    if a in ("-I", "--all-ip-addresses"):
        ctx.out(f"{ip} \n")
    elif a in ("-i", "--ip-address"):
        ctx.out(f"{ip}\n")
    elif a in ("-s", "--short"):
        ctx.out(name.split(".")[0] + "\n")
    elif a in ("-f", "--fqdn", "--long"):
        ctx.out(name + "\n")
    elif a.startswith("-"):
        ctx.err(f"hostname: invalid option -- '{a.lstrip('-')[:1]}'\n")
        return 1
    else:
        # SIMPLIFICATION: the simulated host name cannot be changed.
        ctx.err("hostname: the host name cannot be changed in this lab\n")
        return 1
    return 0


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@register("sleep")
def cmd_sleep(ctx, argv):
    args = argv[1:]
    if not args:
        ctx.usage_error("missing operand")
        return 1
    total = 0.0
    for a in args:
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)", a)
        if not m:
            ctx.usage_error(f"invalid time interval \u2018{a}\u2019")
            return 1
        total += float(m.group(1)) * _UNITS[m.group(2)]
    if ctx.interrupted():
        return 130
    wait = getattr(ctx.world, "wait", None) or getattr(ctx.world, "advance", None)
    if callable(wait) and wait(total):
        return 130  # Ctrl-C while sleeping
    return 0


def _strftime(t: dt.datetime, fmt: str) -> str:
    """strftime with GNU date's %s, %N, %e and %-d style padding flags."""
    def rep(m: re.Match) -> str:
        flag, c = m.group(1), m.group(2)
        if c == "%":
            return "%"
        if c == "s":
            v = str(int((t - EPOCH).total_seconds()))
        elif c == "N":
            v = f"{t.microsecond * 1000:09d}"
        elif c == "e":
            v = f"{t.day:2d}"
        elif c == "Z":
            v = "UTC"
        elif c == "z":
            v = "+0000"
        elif c == "P":
            v = t.strftime("%p").lower()
        else:
            v = t.strftime("%" + c)
        if flag == "-":
            v = v.lstrip("0 ") or "0"
        return v
    return re.sub(r"%([-_0^#]?)([a-zA-Z%])", rep, fmt)


@register("date")
def cmd_date(ctx, argv):
    t = world_now(ctx)
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    for a in argv[1:]:
        if a.startswith("+"):
            fmt = a[1:]
        elif a in ("-u", "--utc", "-R", "--rfc-2822"):
            if a in ("-R", "--rfc-2822"):
                fmt = "%a, %d %b %Y %H:%M:%S %z"
        elif a.startswith("-I") or a.startswith("--iso-8601"):
            spec = a.split("=", 1)[1] if "=" in a else a[2:]
            fmt = "%Y-%m-%dT%H:%M:%S%:z" if spec.startswith("s") else "%Y-%m-%d"
            fmt = fmt.replace("%:z", "+00:00")
        else:
            ctx.err(f"date: invalid date '{a}'\n")
            return 1
    ctx.out(_strftime(t, fmt) + "\n")
    return 0


@register("env", "printenv")
def cmd_env(ctx, argv):
    args = argv[1:]
    extra = {}
    if ctx.name == "printenv":
        for a in args:
            if a in ctx.env:
                ctx.out(ctx.env[a] + "\n")
            else:
                return 1
        if args:
            return 0
    while args and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", args[0]):
        k, _, v = args.pop(0).partition("=")
        extra[k] = v
    if args:
        return ctx.shell.run_argv(args, ctx.fds, ctx.stdin_stream, extra)
    env = dict(ctx.env)
    env.update(extra)
    ctx.out("".join(f"{k}={v}\n" for k, v in env.items()))
    return 0


@register("clear")
def cmd_clear(ctx, argv):
    ctx.out("\x1b[H\x1b[2J\x1b[3J")
    return 0


@register("whoami")
def cmd_whoami(ctx, argv):
    ctx.out("root\n")
    return 0


@register("id")
def cmd_id(ctx, argv):
    ctx.out("uid=0(root) gid=0(root) groups=0(root)\n")
    return 0


@register("uname")
def cmd_uname(ctx, argv):
    # SIMPLIFICATION: one kernel for every host.
    host = getattr(ctx.host, "name", ctx.session.host_name)
    parts = {"s": "Linux", "n": host, "r": "5.14.0-427.13.1.el9_4.x86_64",
             "m": "x86_64", "o": "GNU/Linux"}
    flags = "".join(a.lstrip("-") for a in argv[1:]) or "s"
    if "a" in flags:
        ctx.out(f"Linux {host} {parts['r']} #1 SMP PREEMPT_DYNAMIC x86_64 x86_64 x86_64 GNU/Linux\n")
        return 0
    ctx.out(" ".join(parts[c] for c in "snrmo" if c in flags) + "\n")
    return 0
