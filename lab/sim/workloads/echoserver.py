"""registry.k8s.io/echoserver:1.10 (also k8s.gcr.io/echoserver): nginx +
lua on 8080 answering with what it saw of the request: the client address,
method, path, and every header, in its own plain-text format."""
from __future__ import annotations

from typing import Callable

from .base import ContainerEnv, Request, Response
from .httputil import clf_time, host_only, http_date, size
from .image import ImageWorkload, server
from .process import Serve, in_main


def run_sh(ctx, argv: list[str]) -> int:
    """/usr/local/bin/run.sh: starts nginx in the foreground."""
    if not in_main(ctx):
        ctx.err('nginx: [emerg] bind() to 0.0.0.0:8080 failed (98: Address already in use)\n')
        return 1
    # SIMPLIFICATION: the image's start-up (a self-signed certificate, port
    # 8443) is left out; only plain HTTP on 8080 is served.
    raise Serve({"kind": "echoserver", "port": 8080})


class EchoServer(ImageWorkload):
    cmd = ("/usr/local/bin/run.sh",)
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh"})
    pull_seconds = 4.0

    def programs(self) -> dict[str, Callable]:
        return {"/usr/local/bin/run.sh": run_sh, "run.sh": run_sh}


def render(env: ContainerEnv, request: Request) -> str:
    host_header = request.header("Host") or request.host
    path, _, query = request.path.partition("?")
    headers = sorted((k.lower(), v) for k, v in request.headers)
    body = request.body
    lines = ["", "", f"Hostname: {env.hostname}", "", "Pod Information:",
             "\t-no pod information available-", "", "Server values:",
             "\tserver_version=nginx: 1.13.3 - lua: 10008", "", "Request Information:",
             f"\tclient_address={request.client_ip}", f"\tmethod={request.method}",
             f"\treal path={path}", f"\tquery={query}", f"\trequest_version={request.version.split('/')[-1]}",
             "\trequest_scheme=http", f"\trequest_uri=http://{host_only(host_header)}:8080{request.path}", "",
             "Request Headers:"]
    lines += [f"\t{k}={v}" for k, v in headers]
    lines += ["", "Request Body:", f"\t{body}" if body else "\t-no body in request-", "", ""]
    return "\n".join(lines)


@server("echoserver")
def serve_echo(env: ContainerEnv, request: Request, srv: dict) -> Response:
    body = render(env, request)
    headers = [("Date", http_date(env.now())), ("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"),
               ("Connection", "keep-alive"), ("Server", "echoserver")]
    agent = request.header("User-Agent") or "-"
    env.log("stdout", f'{request.client_ip} - - [{clf_time(env.now())}] "{request.request_line}" 200 '
                      f'{size(body)} "-" "{agent}"\n')
    if request.method == "HEAD":
        body = ""
    return Response(200, "OK", headers, body)
