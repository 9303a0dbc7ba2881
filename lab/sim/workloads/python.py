"""The official python images: python:2.7 (2.7.18) and python:3 (3.13).

`python -m SimpleHTTPServer PORT` (2) / `python -m http.server PORT` (3)
serve the files of the working directory with BaseHTTPServer's headers and
log every request on stderr as `client - - [date] "request" code -`.
Python's stdout is block-buffered without a terminal, so the
`Serving HTTP on ...` line reaches the log only with PYTHONUNBUFFERED or -u.
"""
from __future__ import annotations

import html
import posixpath
import urllib.parse
from typing import Callable

from .base import ContainerEnv, Request, Response
from .httputil import epoch_date, http_date, month_name, size, utc
from .image import ImageWorkload, server
from .process import Serve, container_of, in_main

PY2 = "2.7.18"
PY3 = "3.13.1"

EXPLAIN = {404: "Nothing matches the given URI", 501: "Server does not support this operation"}
REASONS = {200: "OK", 301: "Moved Permanently", 404: "Not Found", 501: "Unsupported method"}

PY2_ERROR = """<head>
<title>Error response</title>
</head>
<body>
<h1>Error response</h1>
<p>Error code {code}.
<p>Message: {message}.
<p>Error code explanation: {code} = {explain}.
</body>
"""

PY3_ERROR = """<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: {code}</p>
        <p>Message: {message}.</p>
        <p>Error code explanation: {code} - {explain}.</p>
    </body>
</html>
"""


def python_program(ctx, argv: list[str]) -> int:
    workload = ctx.host.workload
    major = workload.major
    exe = "/usr/local/bin/python" if major == 2 else "/usr/local/bin/python3"
    args = argv[1:]
    unbuffered = bool(ctx.env.get("PYTHONUNBUFFERED"))
    while args and args[0].startswith("-") and args[0] not in ("-m", "-c"):
        flag = args.pop(0)
        if flag in ("-V", "--version"):
            text = f"Python {PY2 if major == 2 else PY3}\n"
            (ctx.err if major == 2 else ctx.out)(text)
            return 0
        if "u" in flag[1:]:
            unbuffered = True
    if not args:
        return 0  # the interactive interpreter reads EOF from an empty stdin
    if args[0] == "-c":
        # SIMPLIFICATION: python code is not run.
        return 0
    if args[0] != "-m" or len(args) < 2:
        ctx.err(f"{exe}: can't open file '{args[0]}': [Errno 2] No such file or directory\n")
        return 2
    module, rest = args[1], args[2:]
    wanted = "SimpleHTTPServer" if major == 2 else "http.server"
    if module != wanted:
        ctx.err(f"{exe}: No module named {module}\n")
        return 1
    port, bind, directory = 8000, "", ctx.cwd
    i = 0
    while i < len(rest):
        a = rest[i]
        if major == 3 and a in ("-b", "--bind") and i + 1 < len(rest):
            bind, i = rest[i + 1], i + 2
            continue
        if major == 3 and a in ("-d", "--directory") and i + 1 < len(rest):
            directory, i = ctx.resolve(rest[i + 1]), i + 2
            continue
        if a.isdigit():
            port = int(a)
        i += 1
    if not in_main(ctx):
        ctx.err("Traceback (most recent call last):\n"
                "socket.error: [Errno 98] Address already in use\n" if major == 2 else
                "OSError: [Errno 98] Address already in use\n")
        return 1
    if major == 2:
        banner = f"Serving HTTP on 0.0.0.0 port {port} ...\n"
        bind = "0.0.0.0"
    elif bind:
        banner = f"Serving HTTP on {bind} port {port} (http://{bind}:{port}/) ...\n"
    else:
        bind = "::"
        banner = f"Serving HTTP on :: port {port} (http://[::]:{port}/) ...\n"
    if unbuffered:
        ctx.out(banner)
    raise Serve({"kind": "python", "port": port, "major": major, "dir": directory, "bind": bind})


class Python(ImageWorkload):
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh", "curl", "wget"})
    pull_seconds = 12.0

    @property
    def major(self) -> int:
        return 2 if self.ref.tag.startswith("2") else 3

    def programs(self) -> dict[str, Callable]:
        names = ("python", "python2", "python2.7") if self.major == 2 else ("python", "python3", "python3.13")
        return {n: python_program for n in names}

    def image_env(self) -> dict[str, str]:
        return {"LANG": "C.UTF-8", "PYTHON_VERSION": PY2 if self.major == 2 else PY3}

    @property
    def cmd(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("python2",) if self.major == 2 else ("python3",)


def log_time(env: ContainerEnv) -> str:
    """BaseHTTPRequestHandler.log_date_time_string: `01/Dec/2026 09:00:05`."""
    t = utc(env.now())
    return f"{t.day:02d}/{month_name(t.month)}/{t.year} {t:%H:%M:%S}"


def _client(request: Request, srv: dict) -> str:
    """A dual-stack socket (bound to ::) sees IPv4 clients as ::ffff:a.b.c.d."""
    return f"::ffff:{request.client_ip}" if srv.get("bind") == "::" else request.client_ip


def _log(env: ContainerEnv, request: Request, srv: dict, message: str) -> None:
    env.log("stderr", f"{_client(request, srv)} - - [{log_time(env)}] {message}\n")


def _server_header(srv: dict) -> str:
    return f"SimpleHTTP/0.6 Python/{PY2}" if srv.get("major") == 2 else f"SimpleHTTP/0.6 Python/{PY3}"


def _error(env: ContainerEnv, request: Request, srv: dict, code: int, message: str) -> Response:
    explain = EXPLAIN.get(code, "")
    _log(env, request, srv, f"code {code}, message {message}")
    _log(env, request, srv, f'"{request.request_line}" {code} -')
    if srv.get("major") == 2:
        body = PY2_ERROR.format(code=code, message=message, explain=explain)
        headers = [("Server", _server_header(srv)), ("Date", http_date(env.now())),
                   ("Content-Type", "text/html"), ("Connection", "close")]
        return Response(code, message, headers, body, version="HTTP/1.0")
    body = PY3_ERROR.format(code=code, message=html.escape(message, quote=False), explain=explain)
    headers = [("Server", _server_header(srv)), ("Date", http_date(env.now())), ("Connection", "close"),
               ("Content-Type", "text/html;charset=utf-8"), ("Content-Length", str(size(body)))]
    return Response(code, message, headers, body, version="HTTP/1.0")


def _listing(env: ContainerEnv, srv: dict, local: str, path: str) -> str:
    names = sorted(env.fs.listdir(local), key=str.lower)
    shown = html.escape(urllib.parse.unquote(path), quote=False)
    if srv.get("major") == 2:
        out = ['<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">',
               f"<html>\n<title>Directory listing for {shown}</title>",
               f"<body>\n<h2>Directory listing for {shown}</h2>", "<hr>", "<ul>"]
    else:
        out = ["<!DOCTYPE HTML>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
               f"<title>Directory listing for {shown}</title>", "</head>", "<body>",
               f"<h1>Directory listing for {shown}</h1>", "<hr>", "<ul>"]
    for name in names:
        display = name + ("/" if env.fs.isdir(posixpath.join(local, name)) else "")
        out.append(f'<li><a href="{urllib.parse.quote(display)}">{html.escape(display, quote=False)}</a></li>')
    out += ["</ul>", "<hr>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


@server("python")
def serve_directory(env: ContainerEnv, request: Request, srv: dict) -> Response:
    """SimpleHTTPRequestHandler.send_head: index.html, a listing, or a file."""
    if request.method not in ("GET", "HEAD"):
        return _error(env, request, srv, 501, f"Unsupported method ({request.method!r})")
    root = srv.get("dir") or "/"
    path = urllib.parse.unquote(request.path.split("?", 1)[0].split("#", 1)[0]) or "/"
    local = posixpath.normpath(posixpath.join(root, path.lstrip("/")))
    fs = env.fs
    headers = [("Server", _server_header(srv)), ("Date", http_date(env.now()))]
    if fs.isdir(local):
        if not path.endswith("/"):
            _log(env, request, srv, f'"{request.request_line}" 301 -')
            location = path + "/"
            extra = [("Location", location)]
            if srv.get("major") == 3:
                extra.append(("Content-Length", "0"))
            return Response(301, "Moved Permanently", headers + extra, "", version="HTTP/1.0")
        for name in ("index.html", "index.htm"):
            if fs.isfile(posixpath.join(local, name)):
                local = posixpath.join(local, name)
                break
        else:
            body = _listing(env, srv, local, path)
            ctype = "text/html; charset=utf-8" if srv.get("major") == 3 else "text/html; charset=UTF-8"
            _log(env, request, srv, f'"{request.request_line}" 200 -')
            headers += [("Content-type", ctype), ("Content-Length", str(size(body)))]
            return Response(200, "OK", headers, "" if request.method == "HEAD" else body, version="HTTP/1.0")
    if not fs.isfile(local):
        return _error(env, request, srv, 404, "File not found")
    body = fs.read(local)
    node = fs.stat(local)
    ctype = "text/html" if local.endswith((".html", ".htm")) else (
        "text/plain" if local.endswith((".txt", ".py", ".c", ".h")) else "application/octet-stream")
    headers += [("Content-type", ctype), ("Content-Length", str(size(body))),
                ("Last-Modified", epoch_date(node.mtime))]
    _log(env, request, srv, f'"{request.request_line}" 200 -')
    return Response(200, "OK", headers, "" if request.method == "HEAD" else body, version="HTTP/1.0")
