"""What HTTP clients share: URLs, name resolution, and one request/response
exchange over a `connect()`ed connection."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..workloads.base import Request, Response
from . import Connection, ConnectError, connect
from .addresses import is_ip


@dataclass
class Url:
    scheme: str
    host: str
    port: int
    path: str
    #: the URL had no path (curl 7.61 says "Rebuilt URL to: ...")
    rebuilt: bool = False
    text: str = ""

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


class UrlError(ValueError):
    pass


def parse_url(text: str) -> Url:
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "http", text
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlError(f'Protocol "{scheme}" not supported or disabled in libcurl')
    hostport, slash, path = rest.partition("/")
    path = "/" + path if slash else "/"
    rebuilt = not slash
    if "?" in hostport:
        hostport, _, query = hostport.partition("?")
        path = "/?" + query
    host, port = hostport, 443 if scheme == "https" else 80
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        if tail.startswith(":") and tail[1:].isdigit():
            port = int(tail[1:])
    elif ":" in hostport:
        host, _, p = hostport.rpartition(":")
        if not p.isdigit():
            raise UrlError("Port number ended with '" + (p[:1] or "") + "'")
        port = int(p)
    if not host:
        raise UrlError("No host part in the URL")
    return Url(scheme, host, port, path, rebuilt, text)


def resolve(world: Any, source: Any, name: str) -> str | None:
    """An IP for a host name as the client's libc finds it: IP literals, then
    /etc/hosts and the DNS servers of its /etc/resolv.conf (lab.sim.dns.resolver)."""
    if is_ip(name):
        return name
    from ..dns.resolver import resolve_host

    return resolve_host(world, source, name)


def exchange(conn: Connection, request: Request) -> Response | None:
    return conn.request(request)


__all__ = ["Url", "UrlError", "parse_url", "resolve", "exchange", "connect", "ConnectError", "Connection"]
