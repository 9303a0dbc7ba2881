"""The official Apache httpd image (httpd:2.4, Debian bookworm).

`httpd-foreground` runs `httpd -DFOREGROUND`: AH00558 twice (no ServerName,
so it names itself by the Pod IP), the start notices on stderr, then
/usr/local/apache2/htdocs on port 80 with the common log format on stdout.
"""
from __future__ import annotations

import posixpath
from typing import Callable

from .base import ContainerEnv, Request, Response
from .httputil import clf_time, day_name, epoch_date, http_date, month_name, size, utc
from .image import ImageWorkload, server, stopper
from .process import Serve, container_of, in_main

VERSION = "2.4.62"
SERVER = f"Apache/{VERSION} (Unix)"
ROOT = "/usr/local/apache2/htdocs"
INDEX_HTML = "<html><body><h1>It works!</h1></body></html>\n"
#: the famous Last-Modified of httpd's index.html: Mon, 11 Jun 2007 18:53:14 GMT
INDEX_MTIME = 1181587994.0

NOT_FOUND = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
</body></html>
"""


def error_time(env: ContainerEnv) -> str:
    """`Tue Dec 01 09:00:05.000000 2026` (ap_recent_ctime_ex with microseconds)."""
    t = utc(env.now())
    return f"{day_name(t)} {month_name(t.month)} {t.day:02d} {t:%H:%M:%S}.{t.microsecond:06d} {t.year}"


def httpd_foreground(ctx, argv: list[str]) -> int:
    env = container_of(ctx)
    if not in_main(ctx):
        ctx.err("(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n"
                "(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:80\n"
                "no listening sockets available, shutting down\nAH00015: Unable to open logs\n")
        return 1
    ip = env.ip if env else "127.0.0.1"
    ah = (f"AH00558: httpd: Could not reliably determine the server's fully qualified domain name, "
          f"using {ip}. Set the 'ServerName' directive globally to suppress this message\n")
    when = error_time(env) if env else ""
    ctx.err(ah + ah +
            f"[{when}] [mpm_event:notice] [pid 1:tid 1] AH00489: {SERVER} configured -- resuming normal operations\n"
            f"[{when}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'\n")
    raise Serve({"kind": "httpd", "port": 80})


class Httpd(ImageWorkload):
    cmd = ("httpd-foreground",)
    workdir = "/usr/local/apache2"
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh"})
    pull_seconds = 5.0

    def programs(self) -> dict[str, Callable]:
        return {"httpd-foreground": httpd_foreground}

    def image_env(self) -> dict[str, str]:
        return {"HTTPD_PREFIX": "/usr/local/apache2", "HTTPD_VERSION": VERSION,
                "PATH": "/usr/local/apache2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}

    def image_files(self) -> dict[str, tuple[str, float]]:
        return {f"{ROOT}/index.html": (INDEX_HTML, INDEX_MTIME)}


def _log(env: ContainerEnv, request: Request, status: int, sent: int) -> None:
    env.log("stdout", f'{request.client_ip} - - [{clf_time(env.now())}] "{request.request_line}" '
                      f'{status} {sent if sent else "-"}\n')


@server("httpd")
def serve_htdocs(env: ContainerEnv, request: Request, srv: dict) -> Response:
    path = request.path.split("?", 1)[0] or "/"
    local = posixpath.normpath(ROOT + "/" + path.lstrip("/"))
    if env.fs.isdir(local) and env.fs.isfile(posixpath.join(local, "index.html")):
        local = posixpath.join(local, "index.html")
    if not env.fs.isfile(local):
        body = NOT_FOUND
        headers = [("Date", http_date(env.now())), ("Server", SERVER), ("Content-Length", str(size(body))),
                   ("Content-Type", "text/html; charset=iso-8859-1")]
        if request.method == "HEAD":
            body = ""
        _log(env, request, 404, size(body))
        return Response(404, "Not Found", headers, body)
    body = env.fs.read(local)
    node = env.fs.stat(local)
    length = size(body)
    # ETag: size-mtime in microseconds, both hex (FileETag MTime Size)
    etag = f'"{length:x}-{int(node.mtime * 1_000_000):x}"'
    ctype = "text/html" if local.endswith((".html", ".htm")) else "text/plain"
    headers = [("Date", http_date(env.now())), ("Server", SERVER), ("Last-Modified", epoch_date(node.mtime)),
               ("ETag", etag), ("Accept-Ranges", "bytes"), ("Content-Length", str(length)),
               ("Content-Type", ctype)]
    if request.method == "HEAD":
        body = ""
    _log(env, request, 200, size(body))
    return Response(200, "OK", headers, body)


@stopper("httpd")
def stop_httpd(env: ContainerEnv, srv: dict) -> None:
    """SIGWINCH (the image's STOPSIGNAL): graceful stop."""
    env.log("stderr", f"[{error_time(env)}] [mpm_event:notice] [pid 1:tid 1] AH00492: caught SIGWINCH, "
                      f"shutting down gracefully\n")
