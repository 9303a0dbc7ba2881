"""The DNS tools learners type: nslookup (busybox 1.28, busybox 1.29+, bind),
dig, host and getent hosts, all resolving through lab.sim.dns.resolver.

Where a tool exists is the image's business (its workload's tool list):
busybox has its own nslookup, the jessie-dnsutils image has bind's dig,
nslookup and host, Debian images have getent. Every lookup is a query packet
to the servers of the caller's /etc/resolv.conf.

SIMPLIFICATION: dig's `Query time` is always 1 msec and the message ID comes
from the "dns" random stream.
"""
from __future__ import annotations

from typing import Any

from ..net.addresses import is_ip
from ..shell.commands import register
from .message import NOERROR, RCODES, RR, Reply, fqdn, reverse_name, wire_size
from .resolver import NoReply, ask, candidates, files_for, getaddrinfo, gethostbyaddr

DIG_VERSION = "9.9.5-9+deb8u19-Debian"
NO_SERVERS = ";; connection timed out; no servers could be reached\n"


def _source(ctx: Any) -> Any:
    env = getattr(ctx.host, "env", None)
    if env is not None and getattr(env, "pod", None):
        return env.pod
    return ctx.host.name


def _files(ctx: Any):
    return files_for(ctx.world, _source(ctx), getattr(ctx, "fs", None))


def _bare(name: str) -> str:
    return name[:-1] if name.endswith(".") and name != "." else name


# -- busybox ---------------------------------------------------------------------------

def busybox_nslookup(ctx: Any, argv: list[str]) -> int:
    """busybox nslookup: the libc-based applet up to 1.28, the LEDE one from 1.29."""
    workload = getattr(ctx.host, "workload", None)
    version = getattr(workload, "version", (1, 28))
    if version < (1, 29):
        return _busybox_old(ctx, argv, version)
    return _busybox_new(ctx, argv, version)


def _busybox_old(ctx: Any, argv: list[str], version: tuple[int, int]) -> int:
    if len(argv) < 2 or argv[1].startswith("-") or len(argv) > 3:
        ctx.err(f"BusyBox v{version[0]}.{version[1]}.3 (2018-04-03 20:43:32 UTC) multi-call binary.\n\n"
                "Usage: nslookup [HOST] [SERVER]\n\nQuery the nameserver for the IP address of the given HOST\n"
                "optionally using a specified DNS server\n")
        return 1
    world, source = ctx.world, _source(ctx)
    conf, hosts = _files(ctx)
    server = argv[2] if len(argv) > 2 else (conf.nameservers[0] if conf.nameservers else "127.0.0.1")
    servers = [server]
    name, _ = gethostbyaddr(world, source, server, conf, hosts, "uclibc", servers)
    ctx.out(f"{'Server:':<10} {server}\nAddress 1: {server}{' ' + name if name else ''}\n\n")
    found = getaddrinfo(world, source, argv[1], conf, hosts, "uclibc", servers=servers)
    if not found.addresses:
        ctx.err(f"nslookup: can't resolve '{argv[1]}'\n")
        return 1
    ctx.out(f"{'Name:':<10} {argv[1]}\n")
    for i, ip in enumerate(found.addresses, 1):
        rev, _ = gethostbyaddr(world, source, ip, conf, hosts, "uclibc", servers)
        ctx.out(f"Address {i}: {ip}{' ' + rev if rev else ''}\n")
    return 0


_QTYPES = ("SOA", "NS", "A", "AAAA", "CNAME", "MX", "TXT", "PTR", "ANY")


def _busybox_new(ctx: Any, argv: list[str], version: tuple[int, int]) -> int:
    args = argv[1:]
    types: list[str] = []
    while args and args[0].startswith("-"):
        opt, _, val = args.pop(0)[1:].partition("=")
        if opt in ("type", "querytype", "q", "query"):
            if val.upper() not in _QTYPES:
                ctx.err(f'nslookup: invalid query type "{val}"\n')
                return 1
            types.append(val.upper())
    if not args or len(args) > 2:
        ctx.err(f"BusyBox v{version[0]}.{version[1]}.0 multi-call binary.\n\n"
                "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n\n"
                "QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,any\n")
        return 1
    world, source = ctx.world, _source(ctx)
    conf, _ = _files(ctx)
    name = args[0]
    servers = [args[1]] if len(args) > 1 else (conf.nameservers or ["127.0.0.1"])
    queries: list[tuple[str, str]] = []
    ptr = reverse_name(name)
    if not types:
        if ptr:
            queries = [(_bare(ptr), "PTR")]
        else:
            types = ["A", "AAAA"]
    if not queries:
        names = [name]
        if version >= (1, 30) and "." not in name and conf.search:
            names = [f"{name}.{d}" for d in conf.search]
        queries = [(n, t) for t in types for n in names]
    for server in servers:
        replies = []
        for qname, qtype in queries:
            reply = ask(world, source, conf, qname, qtype, "musl", [server])
            if isinstance(reply, NoReply):
                replies = []
                break
            replies.append(reply)
        if not replies:
            continue
        ctx.out(f"Server:\t\t{server}\nAddress:\t{server}:53\n\n")
        for (qname, _), reply in zip(queries, replies):
            if reply.rcode != NOERROR:
                ctx.out(f"** server can't find {qname}: {reply.status}\n")
            else:
                if not reply.aa:
                    ctx.out("Non-authoritative answer:\n")
                for rr in reply.answer:
                    ctx.out(_bb_record(rr))
            ctx.out("\n")
        return 0
    ctx.out(";; connection timed out; no servers could be reached\n\n")
    return 1


def _bb_record(rr: RR) -> str:
    name = _bare(rr.name)
    if rr.rtype in ("A", "AAAA"):
        return f"Name:\t{name}\nAddress: {rr.data}\n"
    if rr.rtype == "CNAME":
        return f"{name}\tcanonical name = {_bare(rr.data)}\n"
    if rr.rtype == "PTR":
        return f"{name}\tname = {_bare(rr.data)}\n"
    if rr.rtype == "NS":
        return f"{name}\tnameserver = {_bare(rr.data)}\n"
    return ""


# -- bind's nslookup ----------------------------------------------------------------------

@register("nslookup")
def bind_nslookup(ctx: Any, argv: list[str]) -> int:
    """nslookup of bind 9.9 (the dnsutils image): A lookups through the search list, PTR for addresses."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    qtype = "A"
    for a in argv[1:]:
        if a.startswith("-type=") or a.startswith("-query=") or a.startswith("-q="):
            qtype = a.split("=", 1)[1].upper()
    if not args:
        ctx.err("nslookup: interactive mode is not available in the lab\n")
        return 1
    world, source = ctx.world, _source(ctx)
    conf, _ = _files(ctx)
    name = args[0]
    servers = [args[1]] if len(args) > 1 else None
    server = servers[0] if servers else (conf.nameservers[0] if conf.nameservers else "127.0.0.1")
    if is_ip(name):
        names, qtype = [reverse_name(name)], "PTR"
    else:
        names = candidates(name, conf)
    last: Reply | None = None
    for cand in names:
        reply = ask(world, source, conf, cand, qtype, "glibc", servers)
        if isinstance(reply, NoReply):
            ctx.out(NO_SERVERS)
            return 1
        last = reply
        if reply.rcode == NOERROR and reply.answer:
            break
    head = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
    if last is None or last.rcode != NOERROR or not last.answer:
        status = last.status if last is not None and last.rcode != NOERROR else "NXDOMAIN"
        if last is not None and last.rcode == NOERROR:
            ctx.out(head + f"*** Can't find {name}: No answer\n\n")
            return 0
        ctx.out(head + f"** server can't find {_bare(reverse_name(name) or '') if is_ip(name) else name}: {status}\n\n")
        return 1
    out = head + ("" if last.aa else "Non-authoritative answer:\n")
    for rr in last.answer:
        if rr.rtype in ("A", "AAAA"):
            out += f"Name:\t{_bare(rr.name)}\nAddress: {rr.data}\n"
        elif rr.rtype == "CNAME":
            out += f"{_bare(rr.name)}\tcanonical name = {rr.data}\n"
        elif rr.rtype == "PTR":
            out += f"{_bare(rr.name)}\tname = {rr.data}\n"
        elif rr.rtype == "SRV":
            out += f"{_bare(rr.name)}\tservice = {rr.data}\n"
    if last.answer and all(rr.rtype == "CNAME" for rr in last.answer) and qtype == "A":
        target = last.answer[-1].data
        follow = ask(world, source, conf, target, "A", "glibc", servers)
        if isinstance(follow, Reply) and follow.rcode != NOERROR:
            out += f"** server can't find {_bare(target)}: {follow.status}\n"
    ctx.out(out + "\n")
    return 0


# -- dig ------------------------------------------------------------------------------------

def _column(fields: list[str], targets: list[int]) -> str:
    """bind's master-file style: pad with tabs to the next column, or one space."""
    out, col = "", 0
    for text, target in zip(fields, targets):
        out += text
        col += len(text)
        if col >= target:
            out += " "
            col += 1
        else:
            while col < target:
                out += "\t"
                col = (col // 8 + 1) * 8
    return out


def dig_rr(rr: RR) -> str:
    return _column([rr.name, str(rr.ttl), "IN", rr.rtype], [24, 32, 40, 48]) + rr.data


def dig_question(qname: str, qtype: str) -> str:
    return _column([";" + qname, "IN"], [32, 40]) + qtype


@register("dig")
def dig(ctx: Any, argv: list[str]) -> int:
    world, source = ctx.world, _source(ctx)
    conf, _ = _files(ctx)
    server = None
    qtype = None
    name = None
    short = search = noall = answer_only = tcp = False
    shown: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        shown.append(a)
        if a.startswith("@"):
            server = a[1:]
        elif a == "-x" and i + 1 < len(args):
            i += 1
            shown.append(args[i])
            name, qtype = _bare(reverse_name(args[i]) or args[i]), "PTR"
        elif a == "-t" and i + 1 < len(args):
            i += 1
            shown.append(args[i])
            qtype = args[i].upper()
        elif a.startswith("+"):
            opt = a[1:].lower()
            short = short or opt == "short"
            search = (search or opt == "search") and opt != "nosearch"
            noall = noall or opt == "noall"
            answer_only = answer_only or opt == "answer"
            tcp = tcp or opt in ("tcp", "vc")
        elif a.upper() in ("A", "AAAA", "SRV", "PTR", "CNAME", "NS", "SOA", "MX", "TXT", "ANY") and name is not None:
            qtype = a.upper()
        elif a.upper() == "IN":
            pass
        elif name is None:
            name = a
        i += 1
    if name is None:
        name, qtype = ".", qtype or "NS"
    qtype = qtype or "A"
    servers = [server] if server else None
    the_server = server or (conf.nameservers[0] if conf.nameservers else "127.0.0.1")
    names = candidates(name, conf) if search else [fqdn(name)]
    reply: Reply | NoReply | None = None
    for cand in names:
        reply = ask(world, source, conf, cand, qtype, "dig", servers)
        if isinstance(reply, NoReply) or reply.rcode == NOERROR:
            break
    head = "" if short else f"\n; <<>> DiG {DIG_VERSION} <<>> {' '.join(shown)}\n;; global options: +cmd\n"
    if noall:
        head = ""
    if isinstance(reply, NoReply) or reply is None:
        if isinstance(reply, NoReply) and reply.kind == "timeout":
            world.wait(5.0)   # dig: +time=5 +tries=3, the resolver's wait covered 10 s
        ctx.out(head + NO_SERVERS)
        return 9
    if short:
        ctx.out("".join(rr.data + "\n" for rr in reply.answer))
        return 0
    if noall:
        if answer_only:
            ctx.out("".join(dig_rr(rr) + "\n" for rr in reply.answer))
        return 0
    qid = world.random("dns").randrange(65536)
    flags = "qr" + (" aa" if reply.aa else "") + " rd" + (" ra" if reply.ra else "")
    out = head + ";; Got answer:\n"
    out += f";; ->>HEADER<<- opcode: QUERY, status: {reply.status}, id: {qid}\n"
    out += (f";; flags: {flags}; QUERY: 1, ANSWER: {len(reply.answer)}, AUTHORITY: {len(reply.authority)}, "
            f"ADDITIONAL: {len(reply.additional) + 1}\n")
    if not reply.ra:
        out += ";; WARNING: recursion requested but not available\n"
    out += "\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 4096\n"
    out += ";; QUESTION SECTION:\n" + dig_question(reply.qname, qtype) + "\n"
    for title, rrs in (("ANSWER", reply.answer), ("AUTHORITY", reply.authority), ("ADDITIONAL", reply.additional)):
        if rrs:
            out += f"\n;; {title} SECTION:\n" + "".join(dig_rr(rr) + "\n" for rr in rrs)
    when = world.clock.now.strftime("%a %b %d %H:%M:%S UTC %Y")
    out += (f"\n;; Query time: 1 msec\n;; SERVER: {the_server}#53({the_server})\n;; WHEN: {when}\n"
            f";; MSG SIZE  rcvd: {wire_size(reply)}\n\n")
    ctx.out(out)
    return 0


# -- host -----------------------------------------------------------------------------------

def _host_line(rr: RR) -> str:
    name = _bare(rr.name)
    if rr.rtype == "A":
        return f"{name} has address {rr.data}\n"
    if rr.rtype == "AAAA":
        return f"{name} has IPv6 address {rr.data}\n"
    if rr.rtype == "CNAME":
        return f"{name} is an alias for {rr.data}\n"
    if rr.rtype == "PTR":
        return f"{name} domain name pointer {rr.data}\n"
    if rr.rtype == "SRV":
        return f"{name} has SRV record {rr.data}\n"
    if rr.rtype == "MX":
        return f"{name} mail is handled by {rr.data}\n"
    return f"{name} has {rr.rtype} record {rr.data}\n"


@register("host")
def host(ctx: Any, argv: list[str]) -> int:
    world, source = ctx.world, _source(ctx)
    conf, _ = _files(ctx)
    args = argv[1:]
    types: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "-t" and i + 1 < len(args):
            types = [args[i + 1].upper()]
            i += 2
            continue
        if not args[i].startswith("-"):
            rest.append(args[i])
        i += 1
    if not rest:
        ctx.err("Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n"
                "            [-R number] [-m flag] hostname [server]\n")
        return 1
    name = rest[0]
    servers = [rest[1]] if len(rest) > 1 else None
    out = ""
    if servers:
        out += f"Using domain server:\nName: {servers[0]}\nAddress: {servers[0]}#53\nAliases: \n\n"
    explicit = bool(types)
    if is_ip(name):
        names, types = [reverse_name(name)], ["PTR"]
    else:
        names = candidates(name, conf)
        types = types or ["A", "AAAA", "MX"]
    for qtype in types:
        reply = None
        for cand in names:
            reply = ask(world, source, conf, cand, qtype, "glibc", servers)
            if isinstance(reply, NoReply) or reply.rcode == NOERROR:
                break
        if isinstance(reply, NoReply):
            ctx.out(out + NO_SERVERS)
            return 1
        if reply.rcode != NOERROR:
            ctx.out(out + f"Host {_bare(reverse_name(name)) if is_ip(name) else name} not found: "
                    f"{reply.rcode}({reply.status})\n")
            return 1
        if not reply.answer and explicit:
            out += f"{_bare(reply.qname)} has no {qtype} record\n"
        for rr in reply.answer:
            if rr.rtype == "CNAME" and qtype != "CNAME" and types.index(qtype) > 0:
                continue
            out += _host_line(rr)
    ctx.out(out)
    return 0


# -- getent ---------------------------------------------------------------------------------

@register("getent")
def getent(ctx: Any, argv: list[str]) -> int:
    if len(argv) < 2:
        ctx.err("Usage: getent [OPTION...] database [key ...]\n")
        return 1
    if argv[1] not in ("hosts", "ahosts", "ahostsv4"):
        ctx.err(f"Unknown database: {argv[1]}\nTry `getent --help' or `getent --usage' for more information.\n")
        return 1
    world, source = ctx.world, _source(ctx)
    conf, hosts = _files(ctx)
    if len(argv) == 2:
        for line in (hosts or "").splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 2:
                ctx.out(f"{words[0]:<15} {' '.join(words[1:])}\n")
        return 0
    status = 0
    for key in argv[2:]:
        if is_ip(key):
            name, _ = gethostbyaddr(world, source, key, conf, hosts)
            if not name:
                status = 2
                continue
            ctx.out(f"{key:<15} {name}\n")
            continue
        found = getaddrinfo(world, source, key, conf, hosts, qtype="AAAA")
        if not found.addresses and found.error != "timeout" or found.source == "hosts":
            found = getaddrinfo(world, source, key, conf, hosts)
        if not found.addresses:
            status = 2
            continue
        aliases = ""
        if found.source == "hosts":
            for line in (hosts or "").splitlines():
                words = line.split("#", 1)[0].split()
                if len(words) >= 2 and key.lower() in (w.lower() for w in words[1:]):
                    aliases = "".join(f" {w}" for w in words[2:])
                    break
        for ip in found.addresses:
            ctx.out(f"{ip:<15} {found.canonical}{aliases}\n")
    return status


__all__ = ["busybox_nslookup", "bind_nslookup", "dig", "host", "getent", "dig_rr", "dig_question"]
