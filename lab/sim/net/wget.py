"""`wget`: busybox's applet in busybox containers, GNU Wget 1.21 elsewhere.

busybox (1.28 ... 1.37): `Connecting to HOST (IP:PORT)`, the progress bar,
and from 1.30 on the `saving to '...'` / `'...' saved` lines; -O FILE
(`-O -` for stdout), -q, -T SEC. GNU wget: the `--date--  URL` transcript.
"""
from __future__ import annotations

from typing import Any

from ..workloads.base import Request
from ..workloads.httputil import utc
from . import SYN_TIMEOUT, ConnectError, connect
from .curl import source_of
from .http_client import UrlError, parse_url, resolve


def _busybox_version(ctx: Any) -> tuple[int, int] | None:
    workload = getattr(ctx.host, "workload", None)
    version = getattr(workload, "version", None)
    if type(workload).__name__ == "Busybox" and isinstance(version, tuple):
        return version
    return None


def wget(ctx: Any, argv: list[str]) -> int:
    version = _busybox_version(ctx)
    if version is not None:
        return busybox_wget(ctx, argv, version)
    return gnu_wget(ctx, argv)


def _parse(ctx: Any, args: list[str], prog: str) -> tuple[dict[str, Any], list[str]] | None:
    """getopt-style options, so `-qO-` and `-q -O -` are the same (as in busybox and GNU wget)."""
    from ..shell.commands import UsageError, parse_opts

    opts: dict[str, Any] = {"quiet": False, "output": None, "timeout": None}
    try:
        parsed, urls = parse_opts(ctx, args, "qO:T:csP:U:Y:", {
            "quiet": "q", "output-document=": "O", "timeout=": "T", "continue": "c", "spider": "s",
            "directory-prefix=": "P", "user-agent=": "U", "proxy=": "Y"})
    except UsageError:
        return None
    for key, value in parsed:
        if key == "q":
            opts["quiet"] = True
        elif key == "O":
            opts["output"] = value
        elif key == "T":
            opts["timeout"] = value
        # SIMPLIFICATION: -c, -s, -P, -U and -Y are accepted and change nothing.
    if opts["timeout"] is not None:
        try:
            opts["timeout"] = float(opts["timeout"])
        except ValueError:
            ctx.err(f"{prog}: invalid number '{opts['timeout']}'\n")
            return None
    return opts, urls


def _fetch(ctx: Any, url_text: str) -> tuple[Any, Any, Any]:
    """(url, ip, response | ConnectError | None) — None ip: bad address."""
    url = parse_url(url_text)
    ip = resolve(ctx.world, source_of(ctx), url.host)
    if ip is None:
        return url, None, None
    conn = connect(ctx.world, source_of(ctx), ip, url.port)
    if isinstance(conn, ConnectError):
        return url, ip, conn
    request = Request(client_ip="", client_port=0, port=url.port, path=url.path,
                      headers=[("Host", url.host_header), ("User-Agent", "Wget"), ("Connection", "close")],
                      host=url.host_header)
    return url, ip, conn.request(request)


def busybox_wget(ctx: Any, argv: list[str], version: tuple[int, int]) -> int:
    parsed = _parse(ctx, argv[1:], "wget")
    if parsed is None:
        return 1
    opts, urls = parsed
    if not urls:
        ctx.err("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\n"
                "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
                "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
                "\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n")
        return 1
    new = version >= (1, 30)
    for text in urls:
        try:
            url, ip, result = _fetch(ctx, text)
        except UrlError:
            ctx.err(f"wget: bad address '{text}'\n")
            return 1
        if ip is None:
            ctx.err(f"wget: bad address '{url.host}'\n")
            return 1
        if not opts["quiet"]:
            ctx.err(f"Connecting to {url.host} ({ip}:{url.port})\n")
        if isinstance(result, ConnectError):
            timeout = opts["timeout"]
            if result.timed_out and timeout is not None and timeout < SYN_TIMEOUT:
                ctx.world.wait(timeout)
                ctx.err("wget: download timed out\n")
                return 1
            ctx.world.wait(result.after)
            ctx.err(f"wget: can't connect to remote host ({ip}): {result.strerror}\n")
            return 1
        if result is None:
            ctx.err("wget: error getting response: Connection reset by peer\n")
            return 1
        if result.status >= 400 or result.status < 200:
            ctx.err(f"wget: server returned error: {result.version} {result.status} {result.reason}\n")
            return 1
        output = opts["output"]
        name = output or (url.path.split("?", 1)[0].rsplit("/", 1)[-1] or "index.html")
        to_stdout = output == "-"
        if not to_stdout and ctx.fs.exists(name, ctx.cwd) and output is None:
            ctx.err(f"wget: can't open '{name}': File exists\n")
            return 1
        if not opts["quiet"] and new:
            ctx.err("writing to stdout\n" if to_stdout else f"saving to '{name}'\n")
        if to_stdout:
            ctx.out(result.body)
        else:
            ctx.fs.write(name, result.body, ctx.cwd)
        if not opts["quiet"]:
            size = len(result.body.encode())
            bar = 32 if new else 31
            shown = "-" if to_stdout else name
            ctx.err(f"{shown:<20.20}{100:4d}% |{'*' * bar}|{size:6d}  0:00:00 ETA\n")
            if new:
                ctx.err("written to stdout\n" if to_stdout else f"'{name}' saved\n")
    return 0


def gnu_wget(ctx: Any, argv: list[str]) -> int:
    parsed = _parse(ctx, argv[1:], "wget")
    if parsed is None:
        return 1
    opts, urls = parsed
    if not urls:
        ctx.err("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\n"
                "Try `wget --help' for more options.\n")
        return 1
    status = 0
    for text in urls:
        now = utc(ctx.world.clock.now)
        stamp = f"{now:%Y-%m-%d %H:%M:%S}"
        full = text if "://" in text else f"http://{text}"
        try:
            url = parse_url(full)
        except UrlError:
            ctx.err(f"{full}: Invalid URL.\n")
            status = 1
            continue
        if url.rebuilt:
            full += "/"
        quiet = opts["quiet"]
        say = (lambda s: None) if quiet else ctx.err
        say(f"--{stamp}--  {full}\n")
        url, ip, result = _fetch(ctx, full)
        if ip is None:
            say(f"Resolving {url.host} ({url.host})... failed: Name or service not known.\n")
            ctx.err(f"wget: unable to resolve host address ‘{url.host}’\n") if not quiet else None
            status = 4
            continue
        say(f"Connecting to {url.host_header.split(':')[0]} ({ip}):{url.port}... " if url.host != ip
            else f"Connecting to {ip}:{url.port}... ")
        if isinstance(result, ConnectError):
            timeout = opts["timeout"]
            wait = timeout if result.timed_out and timeout is not None and timeout < SYN_TIMEOUT else result.after
            ctx.world.wait(wait)
            reason = "Connection timed out" if result.timed_out else result.strerror
            say(f"failed: {reason}.\n")
            status = 4
            continue
        say("connected.\n")
        if result is None:
            say("HTTP request sent, awaiting response... No data received.\n")
            status = 4
            continue
        say(f"HTTP request sent, awaiting response... {result.status} {result.reason}\n")
        if result.status >= 400:
            stamp2 = f"{utc(ctx.world.clock.now):%Y-%m-%d %H:%M:%S}"
            say(f"{stamp2} ERROR {result.status}: {result.reason}.\n\n")
            status = 8
            continue
        size = len(result.body.encode())
        ctype = result.header("Content-Type").split(";")[0]
        length = result.header("Content-Length")
        say(f"Length: {length} [{ctype}]\n" if length else f"Length: unspecified [{ctype}]\n")
        output = opts["output"]
        name = output or (url.path.rsplit("/", 1)[-1] or "index.html")
        if output is None:
            base, n = name, 1
            while ctx.fs.exists(name, ctx.cwd):
                name = f"{base}.{n}"
                n += 1
        if output == "-":
            ctx.out(result.body)
            shown = "-"
        else:
            ctx.fs.write(name, result.body, ctx.cwd)
            shown = name
            say(f"Saving to: ‘{name}’\n\n")
        say(f"{shown:<19.19} 100%[===================>] {size:>7,}  --.-KB/s    in 0s      \n\n")
        if output != "-":
            say(f"{stamp} ({size / 1024 / 0.00001 / 1024:.1f} MB/s) - ‘{name}’ saved [{size}/{length or size}]\n\n")
    return status
