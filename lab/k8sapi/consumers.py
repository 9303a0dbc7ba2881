"""The exec stream: a websocket on /k8s/<lab id>/api/v1/namespaces/<ns>/pods/<name>/exec.

kubectl 1.32 (and the Python client's `stream`) speak the channel protocol
over a websocket: subprotocol v5.channel.k8s.io (v4 also served), binary
frames whose first byte is the stream (0 stdin, 1 stdout, 2 stderr, 3 the
Status, 255 "close stream" in v5). The command runs once its input is
complete: at once without `stdin=true`, else when the client closes stdin
(v5) or sends nothing more for a moment. SIMPLIFICATION: the lab runs the
command to the end and then sends its output, so an interactive shell
(`kubectl exec -ti ... -- sh`) is not served: it would only see an empty
input.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from lab.sim.api.errors import StatusError

from . import paths
from .podexec import check, run
from .transaction import in_lab

SUBPROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, CLOSE = 0, 1, 2, 3, 255
#: how long to wait for more stdin from a v4 client, which cannot say it is done
STDIN_QUIET_SECONDS = 1.0


def _lab_for(lab_id: int, headers: dict[bytes, bytes]):
    from .models import LabApiAccess

    scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    access = LabApiAccess.objects.select_related("lab").filter(lab_id=lab_id, token=token.strip()).first()
    return access.lab if access is not None else None


class ExecConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        route = self.scope["url_route"]["kwargs"]
        headers = dict(self.scope.get("headers", []))
        self.lab = await sync_to_async(_lab_for)(int(route["lab_id"]), headers)
        offered = [p.strip() for p in headers.get(b"sec-websocket-protocol", b"").decode().split(",")]
        self.protocol = next((p for p in SUBPROTOCOLS if p in offered), None)
        try:
            rpath = paths.parse(route["path"])
        except paths.UnknownPath:
            rpath = None
        if self.lab is None or self.protocol is None or rpath is None or rpath.subresource != "exec" \
                or rpath.resource.kind != "Pod":
            await self.close()
            return
        self.rpath = rpath
        self.query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            await sync_to_async(in_lab)(self.lab, lambda world: check(world, rpath.namespace or "default",
                                                                      rpath.name, self.query), write=False)
        except StatusError:
            # Refused before the upgrade: kubectl falls back to an HTTP request, which gets the
            # Status (handlers.py), as kube-apiserver answers a bad exec before upgrading.
            await self.close()
            return
        self.wants_stdin = (self.query.get("stdin") or ["false"])[0].lower() in ("true", "1")
        self.stdin: list[bytes] = []
        self.started = False
        await self.accept(subprotocol=self.protocol)
        if self.wants_stdin:
            self.quiet = asyncio.get_running_loop().call_later(STDIN_QUIET_SECONDS, self._stdin_done) \
                if self.protocol.startswith("v4") else None
        else:
            await self._run()

    def _stdin_done(self) -> None:
        asyncio.ensure_future(self._run())

    async def receive(self, text_data=None, bytes_data=None) -> None:
        data = bytes_data if bytes_data is not None else (text_data or "").encode()
        if not data or self.started:
            return
        channel, payload = data[0], data[1:]
        if channel == STDIN:
            self.stdin.append(payload)
            if getattr(self, "quiet", None) is not None:
                self.quiet.cancel()
                self.quiet = asyncio.get_running_loop().call_later(STDIN_QUIET_SECONDS, self._stdin_done)
        elif channel == CLOSE and payload[:1] == bytes([STDIN]):
            await self._run()

    async def _run(self) -> None:
        if self.started:
            return
        self.started = True
        stdin = b"".join(self.stdin).decode(errors="replace")

        def execute(world):
            return run(world, self.rpath.namespace or "default", self.rpath.name, self.query, stdin)

        try:
            outcome, _ = await sync_to_async(in_lab)(self.lab, execute, write=True)
        except StatusError as exc:
            status = exc.to_status()
            await self.send(bytes_data=bytes([ERROR]) + json.dumps(status).encode())
            await self.close()
            return
        if outcome.stdout:
            await self.send(bytes_data=bytes([STDOUT]) + outcome.stdout.encode())
        if outcome.stderr:
            await self.send(bytes_data=bytes([STDERR]) + outcome.stderr.encode())
        await self.send(bytes_data=bytes([ERROR]) + json.dumps(outcome.status).encode())
        await self.close()
