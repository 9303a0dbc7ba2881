"""`curl` as curl 7.61.1 prints (CentOS 8's, the 7.x wording the tutorials show).

Supported: -s -S -v -i -I -o FILE -O -w FORMAT -m/--max-time
--connect-timeout -H -X -d/--data(-raw|-binary) -L -f -A -k. A connection
timeout moves the lab clock by the time curl would wait: its own limit, or
the kernel's 127 s of SYN retries ("(7) ... Connection timed out").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..workloads.base import Request, Response
from . import SYN_TIMEOUT, ConnectError, connect
from .http_client import Url, UrlError, parse_url, resolve

VERSION = "7.61.1"
AGENT = f"curl/{VERSION}"

METER_HEAD = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
              "                                 Dload  Upload   Total   Spent    Left  Speed\n")


@dataclass
class Options:
    silent: bool = False
    show_error: bool = False
    verbose: bool = False
    include: bool = False
    head: bool = False
    output: str | None = None
    remote_name: bool = False
    write_out: str = ""
    max_time: float | None = None
    connect_timeout: float | None = None
    headers: list[str] = field(default_factory=list)
    method: str | None = None
    data: list[str] = field(default_factory=list)
    location: bool = False
    fail: bool = False
    insecure: bool = False
    agent: str = AGENT
    urls: list[str] = field(default_factory=list)


#: what curl 7.61 adds after error 60
CERT_HELP = """More details here: https://curl.haxx.se/docs/sslcerts.html

curl failed to verify the legitimacy of the server and therefore could not
establish a secure connection to it. To learn more about this situation and
how to fix it, please visit the web page mentioned above.
"""


class CurlExit(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


_FLAGS = {"s": "silent", "S": "show_error", "v": "verbose", "i": "include", "I": "head", "L": "location",
          "f": "fail", "O": "remote_name", "k": "insecure"}
_VALUED = {"o": "output", "w": "write_out", "m": "max_time", "H": "headers", "X": "method", "d": "data",
           "A": "agent"}
_LONG_FLAGS = {"silent": "silent", "show-error": "show_error", "verbose": "verbose", "include": "include",
               "head": "head", "location": "location", "fail": "fail", "remote-name": "remote_name",
               "insecure": "insecure", "http1.1": None, "ipv4": None, "no-progress-meter": "silent_meter"}
_LONG_VALUED = {"output": "output", "write-out": "write_out", "max-time": "max_time",
                "connect-timeout": "connect_timeout", "header": "headers", "request": "method",
                "data": "data", "data-raw": "data", "data-binary": "data", "user-agent": "agent",
                "url": "urls"}
_IGNORED_SHORT = {"4", "6", "#"}


def parse_args(args: list[str]) -> Options:
    opts = Options()

    def put(attr: str, value: str) -> None:
        if attr in ("max_time", "connect_timeout"):
            try:
                setattr(opts, attr, float(value))
            except ValueError:
                raise CurlExit(2, f"curl: option: expected a proper numerical parameter")
        elif attr in ("headers", "data", "urls"):
            getattr(opts, attr).append(value)
        else:
            setattr(opts, attr, value)

    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            if name in _LONG_FLAGS:
                attr = _LONG_FLAGS[name]
                if attr == "silent_meter":
                    opts.silent, opts.show_error = True, True
                elif attr:
                    setattr(opts, attr, True)
            elif name in _LONG_VALUED:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise CurlExit(2, f"curl: option --{name}: requires parameter\n"
                                          "curl: try 'curl --help' or 'curl --manual' for more information")
                    value = args[i]
                put(_LONG_VALUED[name], value)
            else:
                raise CurlExit(2, f"curl: option --{name}: is unknown\n"
                                  "curl: try 'curl --help' or 'curl --manual' for more information")
        elif a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in _FLAGS:
                    setattr(opts, _FLAGS[c], True)
                elif c in _VALUED:
                    value = a[j + 1:]
                    if not value:
                        i += 1
                        if i >= len(args):
                            raise CurlExit(2, f"curl: option -{c}: requires parameter\n"
                                              "curl: try 'curl --help' or 'curl --manual' for more information")
                        value = args[i]
                    put(_VALUED[c], value)
                    break
                elif c not in _IGNORED_SHORT:
                    raise CurlExit(2, f"curl: option -{c}: is unknown\n"
                                      "curl: try 'curl --help' or 'curl --manual' for more information")
                j += 1
        else:
            opts.urls.append(a)
        i += 1
    return opts


def source_of(ctx: Any) -> Any:
    """Who connects: the pod of a container session, else the host's name."""
    env = getattr(ctx.host, "env", None)
    if env is not None and getattr(env, "pod", None):
        return env.pod
    return ctx.host.name


def _max5(n: float) -> str:
    """curl's max5data: a size or speed in at most 5 characters."""
    n = int(n)
    if n < 100000:
        return f"{n:5d}"
    if n < 10000 * 1024:
        return f"{n // 1024:4d}k"
    if n < 100 * 1024 * 1024:
        return f"{n // (1024 * 1024):2d}.{(n % (1024 * 1024)) * 10 // (1024 * 1024)}M"
    return f"{n // (1024 * 1024):4d}M"


def _meter_line(total: int, received: int, spent: str = "--:--:--") -> str:
    pct = 100 if total and received >= total else 0
    speed = received * 1000  # SIMPLIFICATION: every transfer takes 1 ms
    return (f"\r{pct:3d} {_max5(total)}  {pct:3d} {_max5(received)}    0     0 {_max5(speed)}      0 "
            f"--:--:-- {spent} --:--:-- {_max5(speed)}")


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _write_out(fmt: str, resp: Response | None, remote: str, port: int, size: int,
               connected: bool = True, total: float = 0.001, redirects: int = 0) -> str:
    """-w's text; a transfer that failed prints the zero values curl 7.61 has for it
    (http_code 000, no remote address before a connection was made)."""
    values = {"http_code": f"{resp.status:03d}" if resp else "000", "response_code": f"{resp.status:03d}" if resp else "000",
              "remote_ip": remote, "remote_port": str(port), "size_download": str(size),
              "time_total": f"{total:.6f}", "time_connect": "0.000500" if connected else "0.000000",
              "time_namelookup": "0.000010",
              "time_starttransfer": f"{total:.6f}" if resp else "0.000000",
              "content_type": resp.header("Content-Type") if resp else "",
              "num_redirects": str(redirects), "http_version": (resp.version.split("/")[-1] if resp else "0")}
    out = re.sub(r"%\{([a-z_]+)\}", lambda m: values.get(m.group(1), ""), fmt)
    return out.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def curl(ctx: Any, argv: list[str]) -> int:
    try:
        opts = parse_args(argv[1:])
    except CurlExit as e:
        ctx.err(e.message + "\n")
        return e.code
    if not opts.urls:
        ctx.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    status = 0
    for text in opts.urls:
        status = _one(ctx, opts, text)
    return status


@dataclass
class _Reached:
    """How far a failed transfer got, for -w: the address it connected to, the response it read."""

    remote: str = ""
    port: int = 0
    resp: Response | None = None
    total: float = 0.0005
    redirects: int = 0


def _fail(ctx: Any, opts: Options, code: int, message: str, meter: bool, reached: _Reached | None = None) -> int:
    """curl's end of a failed transfer: -w is still written (before the error line, as curl 7.61 does)."""
    if opts.verbose:
        ctx.err("* Closing connection 0\n")
    if opts.write_out:
        r = reached or _Reached()
        ctx.out(_write_out(opts.write_out, r.resp, r.remote, r.port, 0, connected=bool(r.remote),
                           total=r.total, redirects=r.redirects))
    if not opts.silent or opts.show_error:
        ctx.err(f"curl: ({code}) {message}\n")
    elif meter:
        pass
    return code


def _one(ctx: Any, opts: Options, text: str) -> int:
    world = ctx.world
    meter = not opts.silent and (opts.output is not None or opts.remote_name or not ctx.stdout_is_tty)
    v = opts.verbose
    try:
        url = parse_url(text)
    except UrlError as e:
        return _fail(ctx, opts, 1 if "Protocol" in str(e) else 3, str(e), meter)
    for redirects in range(10):
        if meter:
            ctx.err(METER_HEAD)
        if v and url.rebuilt:
            ctx.err(f"* Rebuilt URL to: {url.text}/\n")
        ip = resolve(world, source_of(ctx), url.host)
        if ip is None:
            if meter:
                ctx.err(_meter_line(0, 0))
            if v:
                ctx.err(f"* Could not resolve host: {url.host}\n")
            return _fail(ctx, opts, 6, f"Could not resolve host: {url.host}", meter, _Reached(redirects=redirects))
        if v:
            ctx.err(f"*   Trying {ip}...\n* TCP_NODELAY set\n")
        if getattr(world, "dry_run", False):
            return 7
        conn = connect(world, source_of(ctx), ip, url.port)
        if isinstance(conn, ConnectError):
            return _connect_failed(ctx, opts, url, ip, conn, meter, redirects)
        if v:
            ctx.err(f"* Connected to {url.host} ({ip}) port {url.port} (#0)\n")
        reached = _Reached(ip, url.port, redirects=redirects)
        if url.scheme == "https":
            tls = getattr(conn.workload, "tls_ports", None)
            if tls is None or conn.port not in tls(conn.env):
                if meter:
                    ctx.err(_meter_line(0, 0))
                return _fail(ctx, opts, 35, "error:1408F10B:SSL routines:ssl3_get_record:wrong version number",
                             meter, reached)
            if not opts.insecure:
                # The server's certificate is signed by the cluster's CA, which the client does not trust.
                if meter:
                    ctx.err(_meter_line(0, 0))
                code = _fail(ctx, opts, 60, "SSL certificate problem: unable to get local issuer certificate",
                             meter, reached)
                if not opts.silent or opts.show_error:
                    ctx.err(CERT_HELP)
                return code
        request = _request(opts, url)
        if v:
            ctx.err(f"> {request.request_line}\r\n" + "".join(f"> {k}: {val}\r\n" for k, val in request.headers)
                    + ">\x20\r\n")
        resp = conn.request(request)
        if resp is None:
            if meter:
                ctx.err(_meter_line(0, 0))
            if v:
                ctx.err("* Empty reply from server\n* Connection #0 to host "
                        f"{url.host} left intact\n")
            return _fail(ctx, opts, 52, "Empty reply from server", meter, reached)
        head = f"{resp.version} {resp.status} {resp.reason}\r\n" + "".join(
            f"{k}: {val}\r\n" for k, val in resp.headers) + "\r\n"
        closes = resp.version == "HTTP/1.0" or resp.header("Connection").lower() == "close"
        if v:
            if resp.version == "HTTP/1.0":
                ctx.err("* HTTP 1.0, assume close after body\n")
            ctx.err("".join(f"< {line}\r\n" for line in head.split("\r\n")[:-2]) + "<\x20\r\n")
        if opts.fail and resp.status >= 400:
            if meter:
                ctx.err(_meter_line(0, 0))
            reached.resp = resp
            return _fail(ctx, opts, 22, f"The requested URL returned error: {resp.status} {resp.reason}", meter,
                         reached)
        location = resp.header("Location")
        if opts.location and location and 300 <= resp.status < 400:
            if meter:
                ctx.err(_meter_line(len(resp.body), len(resp.body)) + "\n")
            if v:
                ctx.err(f"* Connection #0 to host {url.host} left intact\n* Issue another request to this URL: "
                        f"'{_absolute(url, location)}'\n")
            try:
                url = parse_url(_absolute(url, location))
            except UrlError as e:
                return _fail(ctx, opts, 3, str(e), meter, _Reached(redirects=redirects + 1))
            continue
        body = "" if opts.head else resp.body
        payload = (head if (opts.include or opts.head) else "") + body
        if v and body and (opts.output is not None or not ctx.stdout_is_tty):
            ctx.err(f"{{ [{len(body.encode())} bytes data]\n")
        target = opts.output
        if opts.remote_name:
            target = url.path.rsplit("/", 1)[-1] or ""
            if not target:
                ctx.err("curl: Remote file name has no length!\n")
                return 23
        if target == "/dev/null":
            pass
        elif target is not None and target != "-":
            try:
                ctx.fs.write(target, payload, ctx.cwd)
            except Exception:
                reached.resp = resp
                return _fail(ctx, opts, 23, f"Failed writing body (0 != {len(payload)})", meter, reached)
        else:
            ctx.out(payload)
        if meter:
            size = len(body.encode())
            ctx.err(_meter_line(size, size) + "\n")
        if v:
            if closes:
                ctx.err("* Closing connection 0\n")
            else:
                ctx.err(f"* Connection #0 to host {url.host} left intact\n")
        if opts.write_out:
            ctx.out(_write_out(opts.write_out, resp, ip, url.port, len(body.encode()), redirects=redirects))
        return 0
    return _fail(ctx, opts, 47, "Maximum (50) redirects followed", meter, _Reached(ip, url.port, redirects=10))


def _absolute(url: Url, location: str) -> str:
    if "://" in location:
        return location
    return f"{url.scheme}://{url.host_header}{location if location.startswith('/') else '/' + location}"


def _request(opts: Options, url: Url) -> Request:
    method = opts.method or ("HEAD" if opts.head else ("POST" if opts.data else "GET"))
    headers: list[tuple[str, str]] = [("Host", url.host_header), ("User-Agent", opts.agent), ("Accept", "*/*")]
    body = "&".join(opts.data)
    if opts.data:
        headers += [("Content-Length", str(len(body.encode()))),
                    ("Content-Type", "application/x-www-form-urlencoded")]
    for h in opts.headers:
        name, sep, value = h.partition(":")
        if not sep:
            continue
        value = value.strip()
        existing = [i for i, (k, _) in enumerate(headers) if k.lower() == name.lower()]
        if existing:
            if value:
                headers[existing[0]] = (name, value)
            else:
                headers.pop(existing[0])
        elif value:
            headers.append((name, value))
    return Request(client_ip="", client_port=0, port=url.port, method=method, path=url.path,
                   headers=headers, body=body, host=url.host_header)


def _connect_failed(ctx: Any, opts: Options, url: Url, ip: str, err: ConnectError, meter: bool,
                    redirects: int = 0) -> int:
    world = ctx.world
    if err.timed_out:
        limits = [t for t in (opts.connect_timeout, opts.max_time) if t is not None and t > 0]
        limit = min(limits) if limits else None
        if limit is not None and limit < SYN_TIMEOUT:
            world.wait(limit)
            ms = int(limit * 1000) + 1
            if meter:
                ctx.err(_meter_line(0, 0, _hms(limit)))
            if opts.verbose:
                ctx.err(f"* Connection timed out after {ms} milliseconds\n")
            return _fail(ctx, opts, 28, f"Connection timed out after {ms} milliseconds", meter,
                         _Reached(total=ms / 1000, redirects=redirects))
        world.wait(err.after)
    elif err.after:
        world.wait(err.after)
    if meter:
        ctx.err(_meter_line(0, 0, _hms(err.after) if err.after >= 1 else "--:--:--"))
    if opts.verbose:
        ctx.err(f"* connect to {ip} port {url.port} failed: {err.strerror}\n"
                f"* Failed to connect to {url.host} port {url.port}: {err.strerror}\n")
    return _fail(ctx, opts, 7, f"Failed to connect to {url.host} port {url.port}: {err.strerror}", meter,
                 _Reached(total=max(err.after, 0.0005), redirects=redirects))
