"""The official nginx image (nginx:1.27, Debian bookworm).

Its entrypoint `/docker-entrypoint.sh` prints what its configuration
scripts do, then execs `nginx -g 'daemon off;'`, which serves
/usr/share/nginx/html on port 80 and writes the access log (combined format
plus $http_x_forwarded_for) to stdout and notices/errors to stderr.
"""
from __future__ import annotations

import posixpath
from typing import Any, Callable

from .base import ContainerEnv, Request, Response
from .httputil import clf_time, epoch_date, host_only, http_date, nginx_log_time, size
from .image import ImageWorkload, server, stopper
from .process import Serve, container_of, in_main

VERSION = "1.27.3"
SERVER = f"nginx/{VERSION}"
ROOT = "/usr/share/nginx/html"
#: mtime of the files the nginx package installs (the ETag "6745ef54-267")
PACKAGE_MTIME = 1732636500.0
#: SIMPLIFICATION: every node has two CPUs, so nginx starts two workers
WORKERS = (29, 30)

INDEX_HTML = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

FIFTY_X_HTML = """<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
"""

DEFAULT_CONF = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""

ENTRYPOINT_LINES = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)

REASONS = {200: "OK", 301: "Moved Permanently", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed"}


def error_page(status: int, server_header: str = SERVER) -> str:
    """nginx's built-in error page (CRLF line ends, as ngx_http_special_response.c)."""
    title = f"{status} {REASONS[status]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>{server_header}</center>\r\n"
            f"</body>\r\n</html>\r\n")


def kernel(ctx: Any) -> str:
    profile = getattr(ctx.world, "profile", None)
    return getattr(profile, "kernel_version", "") or "5.14.0-503.el9.x86_64"


def entrypoint_program(ctx, argv: list[str]) -> int:
    """/docker-entrypoint.sh: configuration scripts only when it starts nginx."""
    args = argv[1:]
    if args and args[0] in ("nginx", "nginx-debug") and not ctx.env.get("NGINX_ENTRYPOINT_QUIET_LOGS"):
        ctx.out("".join(line + "\n" for line in ENTRYPOINT_LINES))
    if not args:
        return 0
    return ctx.run_argv(args)


def nginx_program(ctx, argv: list[str]) -> int:
    args = argv[1:]
    if "-v" in args:
        ctx.err(f"nginx version: {SERVER}\n")
        return 0
    if "-t" in args:
        ctx.err("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
                "nginx: configuration file /etc/nginx/nginx.conf test is successful\n")
        return 0
    env = container_of(ctx)
    now = nginx_log_time(env.now()) if env else ""
    if not in_main(ctx):
        # The container's nginx already holds port 80.
        line = "bind() to 0.0.0.0:80 failed (98: Address already in use)"
        ctx.err(f"{now} [emerg] 1#1: {line}\nnginx: [emerg] {line}\n")
        return 1
    daemon_off = any(a.replace(" ", "") == "daemonoff;" for a in args)
    notices = [
        'using the "epoll" event method', SERVER, "built by gcc 12.2.0 (Debian 12.2.0-14) ",
        f"OS: Linux {kernel(ctx)}", "getrlimit(RLIMIT_NOFILE): 1048576:1048576",
        "start worker processes"] + [f"start worker process {pid}" for pid in WORKERS]
    ctx.err("".join(f"{now} [notice] 1#1: {n}\n" for n in notices))
    if not daemon_off:
        # Without `daemon off;` the master forks into the background and
        # the container's main process ends at once.
        return 0
    raise Serve({"kind": "nginx", "port": 80})


class Nginx(ImageWorkload):
    entrypoint = ("/docker-entrypoint.sh",)
    cmd = ("nginx", "-g", "daemon off;")
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh", "curl"})
    pull_seconds = 6.0

    def programs(self) -> dict[str, Callable]:
        return {"/docker-entrypoint.sh": entrypoint_program, "nginx": nginx_program}

    def image_env(self) -> dict[str, str]:
        return {"NGINX_VERSION": VERSION, "NJS_VERSION": "0.8.7", "NJS_RELEASE": "1~bookworm",
                "PKG_RELEASE": "1~bookworm"}

    def image_files(self) -> dict[str, tuple[str, float]]:
        return {f"{ROOT}/index.html": (INDEX_HTML, PACKAGE_MTIME),
                f"{ROOT}/50x.html": (FIFTY_X_HTML, PACKAGE_MTIME),
                "/etc/nginx/conf.d/default.conf": (DEFAULT_CONF, PACKAGE_MTIME)}


def _log_access(env: ContainerEnv, request: Request, status: int, sent: int) -> None:
    referer = request.header("Referer") or "-"
    agent = request.header("User-Agent") or "-"
    forwarded = request.header("X-Forwarded-For") or "-"
    env.log("stdout", f'{request.client_ip} - - [{clf_time(env.now())}] "{request.request_line}" '
                      f'{status} {sent} "{referer}" "{agent}" "{forwarded}"\n')


def _next_connection(env: ContainerEnv) -> int:
    env.state["connections"] = int(env.state.get("connections", 0)) + 1
    return env.state["connections"]


def _error(env: ContainerEnv, request: Request, status: int, extra: list | None = None) -> Response:
    body = error_page(status)
    headers = [("Server", SERVER), ("Date", http_date(env.now())), ("Content-Type", "text/html"),
               ("Content-Length", str(size(body)))] + (extra or []) + [("Connection", "keep-alive")]
    if request.method == "HEAD":
        body = ""
    _log_access(env, request, status, size(body))
    return Response(status, REASONS[status], headers, body)


@server("nginx")
def serve_static(env: ContainerEnv, request: Request, srv: dict) -> Response:
    """The default server block: files under /usr/share/nginx/html."""
    conn = _next_connection(env)
    path = request.path.split("?", 1)[0] or "/"
    if request.method not in ("GET", "HEAD"):
        return _error(env, request, 405)
    local = posixpath.normpath(ROOT + "/" + path.lstrip("/"))
    if not local.startswith(ROOT):
        local = ROOT
    fs = env.fs
    if fs.isdir(local):
        if not path.endswith("/"):
            host = host_only(request.header("Host") or request.host)
            location = f"http://{host}{path}/"
            return _error(env, request, 301, [("Location", location)])
        for name in ("index.html", "index.htm"):
            if fs.isfile(posixpath.join(local, name)):
                local = posixpath.join(local, name)
                break
        else:
            env.log("stderr", f'{nginx_log_time(env.now())} [error] {WORKERS[0]}#{WORKERS[0]}: *{conn} '
                              f'directory index of "{local}/" is forbidden, client: {request.client_ip}, '
                              f'server: localhost, request: "{request.request_line}", '
                              f'host: "{request.header("Host")}"\n')
            return _error(env, request, 403)
    if not fs.isfile(local):
        env.log("stderr", f'{nginx_log_time(env.now())} [error] {WORKERS[0]}#{WORKERS[0]}: *{conn} '
                          f'open() "{local}" failed (2: No such file or directory), client: '
                          f'{request.client_ip}, server: localhost, request: "{request.request_line}", '
                          f'host: "{request.header("Host")}"\n')
        return _error(env, request, 404)
    body = fs.read(local)
    node = fs.stat(local)
    length = size(body)
    ctype = "text/html" if local.endswith((".html", ".htm")) else (
        "text/plain" if local.endswith(".txt") else "application/octet-stream")
    headers = [("Server", SERVER), ("Date", http_date(env.now())), ("Content-Type", ctype),
               ("Content-Length", str(length)), ("Last-Modified", epoch_date(node.mtime)),
               ("Connection", "keep-alive"), ("ETag", f'"{int(node.mtime):x}-{length:x}"'),
               ("Accept-Ranges", "bytes")]
    if request.method == "HEAD":
        body = ""
    _log_access(env, request, 200, size(body))
    return Response(200, "OK", headers, body)


@stopper("nginx")
def stop_nginx(env: ContainerEnv, srv: dict) -> None:
    """SIGQUIT (the image's STOPSIGNAL): a graceful shutdown."""
    now = nginx_log_time(env.now())
    lines = ["1#1: signal 3 (SIGQUIT) received, shutting down"]
    for pid in WORKERS:
        lines += [f"{pid}#{pid}: gracefully shutting down", f"{pid}#{pid}: exiting", f"{pid}#{pid}: exit"]
    for pid in WORKERS:
        lines += [f"1#1: signal 17 (SIGCHLD) received from {pid}", f"1#1: worker process {pid} exited with code 0"]
    lines.append("1#1: exit")
    env.log("stderr", "".join(f"{now} [notice] {line}\n" for line in lines))
