"""gcr.io/google-samples/kubernetes-bootcamp (v1) and jocatalin/kubernetes-bootcamp:v2.

A node.js server (server.js) on 8080 answering every request with
`Hello Kubernetes bootcamp! | Running on: <HOSTNAME> | v=1`, and logging
each request with its count and the app's uptime.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from .base import ContainerEnv, Request, Response
from .httputil import http_date, utc
from .image import ImageWorkload, server
from .process import Serve, container_of, in_main


def iso(moment: dt.datetime) -> str:
    """JavaScript's Date.toISOString(): `2026-12-01T09:00:05.000Z`."""
    t = utc(moment)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def node_program(ctx, argv: list[str]) -> int:
    args = argv[1:]
    if args in (["-v"], ["--version"]):
        ctx.out("v6.3.1\n")
        return 0
    if not args or args[0] != "server.js":
        name = args[0] if args else ""
        if name:
            ctx.err(f"module.js:442\n    throw err;\n    ^\n\nError: Cannot find module '{ctx.resolve(name)}'\n")
            return 1
        return 0
    if not in_main(ctx):
        ctx.err("events.js:160\n      throw er; // Unhandled 'error' event\n      ^\n\n"
                "Error: listen EADDRINUSE :::8080\n")
        return 1
    env = container_of(ctx)
    host = ctx.env.get("HOSTNAME", "")
    started = iso(env.now()) if env else ""
    if env is not None and not getattr(ctx.world, "dry_run", False):
        env.state["startedAt"] = started
    ctx.out(f"Kubernetes Bootcamp App Started At: {started} | Running On:  {host} \n\n")
    raise Serve({"kind": "bootcamp", "port": 8080, "version": ctx.host.workload.version})


class Bootcamp(ImageWorkload):
    cmd = ("/bin/sh", "-c", "node server.js")
    shell = "bash"
    shell_flavor = "dash"
    tools = frozenset({"bash", "sh", "curl"})
    pull_seconds = 8.0

    @property
    def version(self) -> int:
        return 2 if self.ref.tag.startswith("v2") else 1

    def programs(self) -> dict[str, Callable]:
        return {"node": node_program}

    def image_files(self) -> dict[str, tuple[str, float]]:
        return {"/server.js": (SERVER_JS.replace("v=1", f"v={self.version}"), 1464048000.0)}


SERVER_JS = """var http = require('http');
var requests=0;
var podname= process.env.HOSTNAME;
var startTime;
var host;
var handleRequest = function(request, response) {
  response.setHeader('Content-Type', 'text/plain');
  response.writeHead(200);
  response.write("Hello Kubernetes bootcamp! | Running on: ");
  response.write(host);
  response.end(" | v=1\\n");
  console.log("Running On:" ,host, "| Total Requests:", ++requests,"| App Uptime:", (new Date() - startTime)/1000 , "seconds", "| Log Time:",new Date());
}
var www = http.createServer(handleRequest);
www.listen(8080,function () {
    startTime = new Date();;
    host = process.env.HOSTNAME;
    console.log ("Kubernetes Bootcamp App Started At:",startTime, "| Running On: " ,host, "\\n" );
});
"""


def _uptime(env: ContainerEnv) -> str:
    """(new Date() - startTime)/1000 as JavaScript prints a number."""
    started = env.state.get("startedAt")
    now = utc(env.now())
    if started is None:
        seconds = 0.0
    else:
        seconds = (now - dt.datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds()
    value = round(seconds, 3)
    return str(int(value)) if value == int(value) else repr(value)


@server("bootcamp")
def serve_hello(env: ContainerEnv, request: Request, srv: dict) -> Response:
    host = env.hostname
    env.state["requests"] = int(env.state.get("requests", 0)) + 1
    body = f"Hello Kubernetes bootcamp! | Running on: {host} | v={srv.get('version', 1)}\n"
    env.log("stdout", f"Running On: {host} | Total Requests: {env.state['requests']} | App Uptime: "
                      f"{_uptime(env)} seconds | Log Time: {iso(env.now())}\n")
    headers = [("Content-Type", "text/plain"), ("Date", http_date(env.now())), ("Connection", "keep-alive"),
               ("Transfer-Encoding", "chunked")]
    if request.method == "HEAD":
        body = ""
    return Response(200, "OK", headers, body)
