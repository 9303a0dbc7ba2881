"""The stub resolver in a Pod or on a host: /etc/hosts, then DNS queries that travel as packets.

`query(world, source, server, qname, qtype)` sends one question from a Pod
(or host) to a server: the lab resolver answers directly (upstream.py);
anything else is a UDP (or TCP) datagram to server:53 through `connect()`,
so a query to the kube-dns ClusterIP takes kube-proxy's path to one CoreDNS
Pod. No endpoint (kube-proxy's REJECT) or no answer (a dead node, nothing
listening) is a NoReply.

`getaddrinfo` follows libc: /etc/hosts first, then the search list and the
ndots rule of /etc/resolv.conf (a name with fewer dots than ndots is tried
with each search domain first, then as is; a name ending in a dot only as
is). A server that never answers costs `timeout x attempts` seconds of the
virtual clock (glibc: 5 s x 2) and ends the search, as glibc's res_search
gives up on a timeout.

SIMPLIFICATION: an ICMP port-unreachable from kube-proxy's REJECT ends the
lookup at once (glibc sees ECONNREFUSED); tools print it as they print a
timeout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import runtime as rt
from . import upstream
from .message import NOERROR, Reply, fqdn, reverse_name
from .resolvconf import ResolvConf, node_resolv_conf, parse


@dataclass
class NoReply:
    kind: str            # "timeout" | "refused"
    server: str = ""


@dataclass
class Resolution:
    """What getaddrinfo found: addresses and the canonical name, or why not."""

    name: str
    addresses: list[str] = field(default_factory=list)
    canonical: str = ""
    #: "" (found), "notfound", "timeout"
    error: str = ""
    #: the last reply seen (tools print from it)
    reply: Reply | None = None
    source: str = ""     # "hosts" | "dns" | "literal"


def query(world: Any, source: Any, server: str, qname: str, qtype: str, protocol: str = "UDP") -> Reply | NoReply:
    """One question to one server, as a packet from `source` (pod dict or host name)."""
    from ..net import ConnectError, connect

    if server == upstream.resolver_ip(world):
        reply = upstream.answer(world, qname, qtype)
        reply.protocol = protocol
        return reply
    conn = connect(world, source, server, 53, protocol)
    if isinstance(conn, ConnectError):
        return NoReply("refused" if conn.kind == "refused" else "timeout", server)
    answer = getattr(conn.workload, "dns_query", None)
    if answer is None:
        return NoReply("timeout", server)
    reply = answer(conn.env, world, qname, qtype)
    if conn.trace is not None:
        # What the packet asked and what came back, for the page's packet path.
        conn.trace.dns = {"qname": fqdn(qname), "qtype": qtype,
                          "rcode": None if reply is None else reply.status,
                          "answers": [] if reply is None else
                          [f"{rr.name} {rr.ttl} IN {rr.rtype} {rr.data}" for rr in reply.answer]}
    if reply is None:
        return NoReply("timeout", server)
    reply.server, reply.port, reply.protocol = server, 53, protocol
    return reply


# -- the source's files ---------------------------------------------------------------

def _pod_fs(world: Any, pod: dict[str, Any]) -> Any:
    uid = pod["metadata"].get("uid", "")
    for c in (pod.get("spec") or {}).get("containers") or []:
        fs = rt.container_fs(world, uid, c["name"])
        if fs is not None and fs.isfile("/etc/resolv.conf"):
            return fs
    return None


def files_for(world: Any, source: Any, fs: Any = None) -> tuple[ResolvConf, str | None]:
    """(resolv.conf, /etc/hosts text or None) of a pod or a host (or the given file system)."""
    if fs is None:
        if isinstance(source, dict):
            fs = _pod_fs(world, source)
            if fs is None:
                from .resolvconf import pod_hosts, pod_resolv_conf
                return pod_resolv_conf(world, source), pod_hosts(world, source, (source.get("status") or {}).get("podIP", ""))
        else:
            host = world.hosts.get(source)
            fs = host.fs if host is not None else None
    if fs is None:
        return ResolvConf(nameservers=[upstream.resolver_ip(world)]), None
    if fs.isfile("/etc/resolv.conf"):
        conf = parse(fs.read("/etc/resolv.conf"))
    elif isinstance(source, str) and source in world.hosts:
        conf = node_resolv_conf(world, source)
    else:
        conf = ResolvConf()
    hosts = fs.read("/etc/hosts") if fs.isfile("/etc/hosts") else None
    return conf, hosts


def hosts_lookup(hosts: str | None, name: str) -> tuple[list[str], str]:
    """/etc/hosts: (IPv4 addresses of the first matching lines, the canonical name)."""
    if hosts is None:
        return (["127.0.0.1"], "localhost") if name.lower() == "localhost" else ([], "")
    found: list[str] = []
    canonical = ""
    for line in hosts.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or ":" in words[0]:
            continue
        if name.lower().rstrip(".") in (w.lower() for w in words[1:]):
            if words[0] not in found:
                found.append(words[0])
            canonical = canonical or words[1]
    return found, canonical


def hosts_reverse(hosts: str | None, ip: str) -> str:
    for line in (hosts or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == ip:
            return words[1]
    return ""


def candidates(name: str, conf: ResolvConf) -> list[str]:
    """The names res_search tries, in order."""
    if name.endswith("."):
        return [name]
    dots = name.count(".")
    out = [name + "."] if dots >= conf.ndots else []
    out += [f"{name}.{d}." for d in conf.search]
    if dots < conf.ndots:
        out.append(name + ".")
    return out


def _wait(world: Any, conf: ResolvConf, libc: str) -> None:
    # glibc waits `timeout` per attempt; musl and uClibc share `timeout` between attempts
    seconds = conf.timeout * conf.attempts if libc == "glibc" else conf.timeout
    world.wait(seconds)


def ask(world: Any, source: Any, conf: ResolvConf, qname: str, qtype: str, libc: str = "glibc",
        servers: list[str] | None = None) -> Reply | NoReply:
    """One question to the nameservers in order (the next one on no answer)."""
    last: Reply | NoReply = NoReply("timeout")
    timed_out = False
    for server in servers or conf.nameservers or ["127.0.0.1"]:
        last = query(world, source, server, qname, qtype)
        if isinstance(last, Reply):
            return last
        timed_out = timed_out or last.kind == "timeout"
    if timed_out:
        _wait(world, conf, libc)
        return NoReply("timeout")
    return last


def getaddrinfo(world: Any, source: Any, name: str, conf: ResolvConf, hosts: str | None,
                libc: str = "glibc", qtype: str = "A", servers: list[str] | None = None,
                use_hosts: bool = True) -> Resolution:
    from ..net.addresses import is_ip

    if is_ip(name):
        return Resolution(name, [name], name, source="literal")
    if use_hosts:
        found, canonical = hosts_lookup(hosts, name)
        if found:
            return Resolution(name, found, canonical, source="hosts")
    result = Resolution(name, error="notfound", source="dns")
    for cand in candidates(name, conf):
        reply = ask(world, source, conf, cand, qtype, libc, servers)
        if isinstance(reply, NoReply):
            result.error = "timeout"
            return result
        result.reply = reply
        addrs = [rr for rr in reply.answer if rr.rtype == qtype]
        if reply.rcode == NOERROR and addrs:
            return Resolution(name, [rr.data for rr in addrs], addrs[0].name.rstrip("."), reply=reply, source="dns")
    return result


def gethostbyaddr(world: Any, source: Any, ip: str, conf: ResolvConf, hosts: str | None,
                  libc: str = "glibc", servers: list[str] | None = None) -> tuple[str, Reply | NoReply | None]:
    """(the name of an address or "", the reply): /etc/hosts, then a PTR query."""
    name = hosts_reverse(hosts, ip)
    if name:
        return name, None
    rname = reverse_name(ip)
    if rname is None:
        return "", None
    reply = ask(world, source, conf, rname, "PTR", libc, servers)
    if isinstance(reply, Reply) and reply.rcode == NOERROR:
        for rr in reply.answer:
            if rr.rtype == "PTR":
                return rr.data.rstrip("."), reply
    return "", reply


def resolve_host(world: Any, source: Any, name: str) -> str | None:
    """The first address of a name as a client (curl, wget) resolves it, or None."""
    conf, hosts = files_for(world, source)
    found = getaddrinfo(world, source, name, conf, hosts)
    return found.addresses[0] if found.addresses else None


__all__ = ["query", "ask", "getaddrinfo", "gethostbyaddr", "resolve_host", "files_for", "candidates",
           "NoReply", "Resolution", "hosts_lookup", "fqdn"]
