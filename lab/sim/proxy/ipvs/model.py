"""The IPVS-mode model: virtual servers, real servers, ipsets, the kube-ipvs0
addresses, and the extra iptables matches (`-m set`, `-m physdev`, `-m ipvs`)
IPVS mode writes, each rendered exactly as the real tools print it.

Rendering (pure functions of the data):

* ``render_ipvsadm(services, args)``: ``ipvsadm -Ln``, ``-Ln --stats``,
  ``-Ln --rate``, ``-Ln --exact``, ``-Ln -t|-u|--sctp-service VIP:PORT``,
  ``-S -n`` in ipvsadm v1.31's layout (ipvsadm.c print_title /
  print_service_entry: `"%s %s"` service lines, `"  -> %-28s %-7s %-6d
  %-10u %-10u"` destination lines, so those lines end in padding blanks),
  services and destinations sorted as libipvs sorts them (protocol number,
  then address as a wrapping 32-bit difference, then port).
* ``render_ipset(sets, args, references)``: ``ipset list [NAME]``,
  ``ipset list -n``, ``ipset save [NAME]`` as ipset v7.17 prints them on a
  6.x kernel (revisions: hash:ip 6, hash:ip,port 7, hash:ip,port,ip 6,
  hash:ip,port,net 8, bitmap:port 3; `References` counts the iptables rules
  that use the set, as the kernel does).
* ``kube_ipvs0_block(index, mac, addresses)``: ``ip addr show kube-ipvs0``.

Evaluation lives in evaluate.py: ``IpvsRuleset.ipvs_local_in(packet, ctx)``
schedules a real server for a packet to a local virtual server and
``IpvsRuleset.run_hook(hook, packet, ctx)`` walks the iptables part with the
ipsets; ``VirtualServer``/``RealServer`` counters and the connection table
are plain data (``to_state``/``load_state`` on the ruleset).
"""
from __future__ import annotations

import functools
import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..iptables.model import Match

IPVS_VERSION_LINE = "IP Virtual Server version 1.2.1 (size=4096)"
PROTO_NUM = {"TCP": 6, "UDP": 17, "SCTP": 132}
SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh")

# ---------------------------------------------------------------- IPVS tables


@dataclass
class Stats:
    """ip_vs_stats: totals since creation (what `--stats` prints)."""

    conns: int = 0
    inpkts: int = 0
    outpkts: int = 0
    inbytes: int = 0
    outbytes: int = 0

    def add(self, conns: int = 0, inpkts: int = 0, outpkts: int = 0, inbytes: int = 0, outbytes: int = 0) -> None:
        self.conns += conns
        self.inpkts += inpkts
        self.outpkts += outpkts
        self.inbytes += inbytes
        self.outbytes += outbytes

    def as_list(self) -> list[int]:
        return [self.conns, self.inpkts, self.outpkts, self.inbytes, self.outbytes]


@dataclass
class RealServer:
    """One destination of a virtual server (kube-proxy: weight 1, Masq)."""

    ip: str
    port: int
    weight: int = 1
    forward: str = "Masq"
    active_conns: int = 0
    inactive_conns: int = 0
    persist_conns: int = 0
    stats: Stats = field(default_factory=Stats)

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass
class VirtualServer:
    """One IPVS service. `kind` (cluster | external | loadbalancer | nodeport)
    and `service` (the ServicePortName text) tell the dataplane what it is."""

    protocol: str            # TCP | UDP | SCTP
    ip: str
    port: int
    scheduler: str = "rr"
    persistent: int = 0      # seconds; 0 = no persistence flag
    mh_port: bool = False    # scheduler mh: kube-proxy sets the source-hash (mh-port) flag
    reals: list[RealServer] = field(default_factory=list)
    kind: str = "cluster"
    service: str = ""
    stats: Stats = field(default_factory=Stats)

    @property
    def key(self) -> str:
        """`TCP/10.96.0.1:443`, unique per table."""
        return f"{self.protocol}/{self.ip}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    def real(self, address: str) -> RealServer | None:
        for r in self.reals:
            if r.address == address:
                return r
        return None


def _ip_int(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip)) if ":" not in ip else int(ipaddress.IPv6Address(ip)) >> 96


def _wrap32(n: int) -> int:
    """A C `int r = u32 - u32`: the difference wrapped to a signed 32-bit value."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def _cmp_services(a: VirtualServer, b: VirtualServer) -> int:
    """libipvs ipvs_cmp_services."""
    r = PROTO_NUM.get(a.protocol, 0) - PROTO_NUM.get(b.protocol, 0)
    if r:
        return r
    r = _wrap32(_ip_int(a.ip) - _ip_int(b.ip))
    if r:
        return r
    return a.port - b.port


def _cmp_dests(a: RealServer, b: RealServer) -> int:
    """libipvs ipvs_cmp_dests."""
    r = _wrap32(_ip_int(a.ip) - _ip_int(b.ip))
    if r:
        return r
    return a.port - b.port


def sorted_services(services: Iterable[VirtualServer]) -> list[VirtualServer]:
    # SIMPLIFICATION: libipvs sorts with qsort and a comparator that is not a
    # total order for addresses more than 2^31 apart; Python's stable merge
    # sort with the same comparator gives the order a glibc merge sort gives.
    return sorted(services, key=functools.cmp_to_key(_cmp_services))


def sorted_dests(reals: Iterable[RealServer]) -> list[RealServer]:
    return sorted(reals, key=functools.cmp_to_key(_cmp_dests))


# ---------------------------------------------------------------- ipvsadm

def _largenum(n: int, exact: bool) -> str:
    """ipvsadm print_largenum."""
    if exact:
        text = str(n)
        return text.rjust(9 if len(text) <= 8 else len(text) + 1)
    if n < 100_000_000:
        return f"{n:9d}"
    if n < 1_000_000_000:
        return f"{n // 1000:8d}K"
    if n < 1_000_000_000_000:
        return f"{n // 1_000_000:8d}M"
    if n < 1_000_000_000_000_000:
        return f"{n // 1_000_000_000:8d}G"
    return f"{n // 1_000_000_000_000:8d}T"


def _svc_name(vs: VirtualServer) -> str:
    addr = f"[{vs.ip}]:{vs.port}" if ":" in vs.ip else vs.address
    name = f"{vs.protocol}  {addr}"
    return name if ":" in vs.ip else name[:33]


def _dest_name(r: RealServer) -> str:
    return f"[{r.ip}]:{r.port}" if ":" in r.ip else r.address


def _service_lines(vs: VirtualServer, fmt: str, exact: bool) -> list[str]:
    name = _svc_name(vs)
    if fmt == "stats":
        s = vs.stats
        head = f"{name:<33s}" + "".join(_largenum(v, exact) for v in s.as_list())
    elif fmt == "rate":
        # SIMPLIFICATION: the kernel's 2-second rate estimator is not modelled; rates read 0.
        head = f"{name:<33s}" + "".join(_largenum(0, exact) for _ in range(5))
    else:
        head = f"{name} {vs.scheduler}"
        if vs.mh_port:
            head += " (mh-port)"
        if vs.persistent:
            head += f" persistent {vs.persistent}"
    out = [head]
    for r in sorted_dests(vs.reals):
        d = _dest_name(r)
        if fmt == "stats":
            out.append(f"  -> {d:<28s}" + "".join(_largenum(v, exact) for v in r.stats.as_list()))
        elif fmt == "rate":
            out.append(f"  -> {d:<28s} {0:8d} {0:8d} {0:8d}" + _largenum(0, exact) + _largenum(0, exact))
        else:
            out.append(f"  -> {d:<28s} {r.forward:<7s} {r.weight:<6d} {r.active_conns:<10d} {r.inactive_conns:<10d}")
    return out


def _title(fmt: str) -> list[str]:
    if fmt == "stats":
        return [f"{'Prot LocalAddress:Port':<33s} {'Conns':>8s} {'InPkts':>8s} {'OutPkts':>8s} "
                f"{'InBytes':>8s} {'OutBytes':>8s}", "  -> RemoteAddress:Port"]
    if fmt == "rate":
        return [f"{'Prot LocalAddress:Port':<33s} {'CPS':>8s} {'InPPS':>8s} {'OutPPS':>8s} "
                f"{'InBPS':>8s} {'OutBPS':>8s}", "  -> RemoteAddress:Port"]
    return ["Prot LocalAddress:Port Scheduler Flags",
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]


def _save_lines(vs: VirtualServer) -> list[str]:
    flag = {"TCP": "-t", "UDP": "-u", "SCTP": "--sctp-service"}[vs.protocol]
    addr = f"[{vs.ip}]:{vs.port}" if ":" in vs.ip else vs.address
    line = f"-A {flag} {addr} -s {vs.scheduler}"
    if vs.mh_port:
        line += " -b mh-port"
    if vs.persistent:
        line += f" -p {vs.persistent}"
    out = [line]
    for r in sorted_dests(vs.reals):
        out.append(f"-a {flag} {addr} -r {_dest_name(r)} -m -w {r.weight}")
    return out


IPVSADM_TRY = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"


def render_ipvsadm(services: Iterable[VirtualServer], args: list[str]) -> tuple[str, str, int]:
    """(stdout, stderr, status) of `ipvsadm ARGS` reading `services`."""
    fmt, exact, save, want = "", False, False, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-t", "--tcp-service", "-u", "--udp-service", "--sctp-service"):
            if i + 1 >= len(args):
                return "", f"ipvsadm: option '{a}' requires an argument\n{IPVSADM_TRY}", 2
            proto = {"-t": "TCP", "--tcp-service": "TCP", "-u": "UDP", "--udp-service": "UDP"}.get(a, "SCTP")
            want = f"{proto}/{args[i + 1].replace('[', '').replace(']', '')}"
            i += 2
            continue
        if a == "--stats":
            fmt = "stats"
        elif a == "--rate":
            fmt = "rate"
        elif a == "--exact":
            exact = True
        elif a in ("-S", "--save"):
            save = True
        elif a in ("-n", "--numeric", "-L", "-l", "--list"):
            pass
        elif a.startswith("-") and not a.startswith("--") and set(a[1:]) <= set("Lln"):
            pass
        elif a.startswith("-") and not a.startswith("--") and set(a[1:]) <= set("Sn"):
            save = True
        else:
            return "", f"ipvsadm: invalid option -- '{a.lstrip('-')[:1]}'\n{IPVSADM_TRY}" \
                if not a.startswith("--") else f"ipvsadm: unrecognized option '{a}'\n{IPVSADM_TRY}", 2
        i += 1
    # SIMPLIFICATION: without -n ipvsadm resolves names; lab nodes have no
    # reverse DNS for these addresses, so the numeric form is printed either way.
    svcs = sorted_services(services)
    if want is not None:
        svcs = [vs for vs in svcs if vs.key == want]
        if not svcs:
            return "", "No such service\n", 1
    if save:
        return "".join(l + "\n" for vs in svcs for l in _save_lines(vs)), "", 0
    lines = ([] if want is not None and fmt else []) + [IPVS_VERSION_LINE] + _title(fmt)
    for vs in svcs:
        lines.extend(_service_lines(vs, fmt, exact))
    return "\n".join(lines) + "\n", "", 0


# ---------------------------------------------------------------- ipsets

# (name, type, comment) in ipsetInfo order (pkg/proxy/ipvs/proxier.go, ipset.go).
IPSET_INFO: tuple[tuple[str, str, str], ...] = (
    ("KUBE-LOOP-BACK", "hash:ip,port,ip", "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
    ("KUBE-CLUSTER-IP", "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose"),
    ("KUBE-EXTERNAL-IP", "hash:ip,port", "Kubernetes service external ip + port for masquerade and filter purpose"),
    ("KUBE-EXTERNAL-IP-LOCAL", "hash:ip,port", "Kubernetes service external ip + port with externalTrafficPolicy=local"),
    ("KUBE-LOAD-BALANCER", "hash:ip,port", "Kubernetes service lb portal"),
    ("KUBE-LOAD-BALANCER-FW", "hash:ip,port",
     "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
    ("KUBE-LOAD-BALANCER-LOCAL", "hash:ip,port",
     "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
    ("KUBE-LOAD-BALANCER-SOURCE-IP", "hash:ip,port,ip",
     "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
    ("KUBE-LOAD-BALANCER-SOURCE-CIDR", "hash:ip,port,net",
     "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
    ("KUBE-NODE-PORT-TCP", "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose"),
    ("KUBE-NODE-PORT-LOCAL-TCP", "bitmap:port", "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
    ("KUBE-NODE-PORT-UDP", "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose"),
    ("KUBE-NODE-PORT-LOCAL-UDP", "bitmap:port", "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
    ("KUBE-NODE-PORT-SCTP-HASH", "hash:ip,port",
     "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
    ("KUBE-NODE-PORT-LOCAL-SCTP-HASH", "hash:ip,port",
     "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"),
    ("KUBE-HEALTH-CHECK-NODE-PORT", "bitmap:port", "Kubernetes health check node port"),
    ("KUBE-IPVS-IPS", "hash:ip", "Addresses on the ipvs interface"),
)

# Kernel set-type revisions (Linux 6.x) and the `Size in memory` a set takes:
# a fixed header plus a per-entry cost (measured with ipset v7.17).
REVISION = {"hash:ip": 6, "hash:ip,port": 7, "hash:ip,port,ip": 6, "hash:ip,port,net": 8, "bitmap:port": 3}
MEMSIZE = {"hash:ip": (216, 40), "hash:ip,port": (216, 48), "hash:ip,port,ip": (208, 56),
           "hash:ip,port,net": (464, 56), "bitmap:port": (8264, 0)}


def _entry_sort_key(entry: str) -> tuple:
    parts = entry.split(",")
    key: list[Any] = []
    for p in parts:
        if ":" in p and not p.replace(":", "").isdigit() and p.split(":")[0] in ("tcp", "udp", "sctp"):
            proto, _, port = p.partition(":")
            key.append((1, proto, int(port)))
        elif p.isdigit():
            key.append((0, "", int(p)))
        else:
            net = ipaddress.ip_network(p, strict=False)
            key.append((2, int(net.network_address), net.prefixlen))
    return tuple(key)


@dataclass
class IpSet:
    """One kernel ipset as kube-proxy creates it (family inet, hashsize 1024,
    maxelem 65536; bitmap:port range 0-65535)."""

    name: str
    type: str
    comment: str = ""
    entries: set[str] = field(default_factory=set)
    initval: int = 0

    def header(self) -> str:
        if self.type == "bitmap:port":
            return "range 0-65535"
        return f"family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x{self.initval:08x}"

    def size_in_memory(self) -> int:
        # SIMPLIFICATION: the kernel's hash buckets grow in steps that depend
        # on the random initval; the size here is the linear part only.
        base, per = MEMSIZE[self.type]
        return base + per * len(self.entries)

    def members(self) -> list[str]:
        # SIMPLIFICATION: hash sets list members in hash-bucket order (random
        # per boot); we list them sorted. bitmap:port lists in port order, as real.
        return sorted(self.entries, key=_entry_sort_key)

    def listing(self, references: int) -> str:
        lines = [f"Name: {self.name}", f"Type: {self.type}", f"Revision: {REVISION[self.type]}",
                 f"Header: {self.header()}", f"Size in memory: {self.size_in_memory()}",
                 f"References: {references}", f"Number of entries: {len(self.entries)}", "Members:"]
        lines.extend(self.members())
        return "\n".join(lines) + "\n"

    def save(self) -> str:
        out = f"create {self.name} {self.type} {self.header()}\n"
        return out + "".join(f"add {self.name} {e}\n" for e in self.members())

    # -- membership, as xt_set tests it with the match's direction flags
    def contains(self, pkt: Any, flags: str) -> bool:
        dirs = flags.split(",")
        proto = getattr(pkt, "proto", "tcp")

        def addr(d: str) -> str:
            return pkt.src if d == "src" else pkt.dst

        def port(d: str) -> int:
            return pkt.sport if d == "src" else pkt.dport

        t = self.type
        if t == "bitmap:port":
            return str(port(dirs[0])) in self.entries
        if t == "hash:ip":
            return addr(dirs[0]) in self.entries
        if len(dirs) < 2:
            return False
        base = f"{addr(dirs[0])},{proto}:{port(dirs[1])}"
        if t == "hash:ip,port":
            return base in self.entries
        if len(dirs) < 3:
            return False
        if t == "hash:ip,port,ip":
            return f"{base},{addr(dirs[2])}" in self.entries
        if t == "hash:ip,port,net":
            third = ipaddress.ip_address(addr(dirs[2]))
            prefix = base + ","
            for e in self.entries:
                if e.startswith(prefix) and third in ipaddress.ip_network(e[len(prefix):], strict=False):
                    return True
        return False


def initval_for(node: str, name: str) -> int:
    """A stable stand-in for the random initval the kernel picks per set."""
    return int.from_bytes(hashlib.sha256(f"{node}/{name}".encode()).digest()[:4], "big")


IPSET_TRY = "Try `ipset help' for more information.\n"


def render_ipset(sets: dict[str, IpSet], args: list[str], references: dict[str, int]) -> tuple[str, str, int]:
    """(stdout, stderr, status) of `ipset ARGS` (list / save)."""
    if not args:
        return "", "ipset v7.17: No command specified: unknown argument -file\n" + IPSET_TRY, 1
    cmd, rest = args[0], args[1:]
    names_only = "-n" in rest or "-name" in rest
    rest = [a for a in rest if not a.startswith("-")]
    if cmd in ("list", "-L", "-l", "-list", "--list", "save", "-S", "-save", "--save"):
        if rest:
            s = sets.get(rest[0])
            if s is None:
                return "", f"ipset v7.17: The set with the given name does not exist\n{IPSET_TRY}", 1
            chosen = [s]
        else:
            chosen = list(sets.values())
        if cmd in ("save", "-S", "-save", "--save"):
            return "".join(s.save() for s in chosen), "", 0
        if names_only:
            return "".join(s.name + "\n" for s in chosen), "", 0
        return "\n".join(s.listing(references.get(s.name, 0)) for s in chosen), "", 0
    if cmd in ("version", "-v", "-V", "--version"):
        return "ipset v7.17, protocol version: 7\n", "", 0
    return "", f"ipset v7.17: The set with the given name does not exist\n{IPSET_TRY}" if cmd in (
        "test",) else f"ipset v7.17: Kernel error received: Operation not permitted\n", 1


# ---------------------------------------------------------------- kube-ipvs0

def kube_ipvs0_block(index: int, mac: str, addresses: Iterable[str]) -> str:
    """`ip addr show kube-ipvs0`: the dummy device kube-proxy creates and never
    sets up (qdisc noop, state DOWN), one /32 per bound address.

    kube-proxy v1.32 binds with vishvananda/netlink v1.3, which sets no
    broadcast address on a /32, so no `brd` is printed (older releases,
    whose netlink computed one, showed `brd <same ip>`)."""
    out = (f"{index}: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n"
           f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n")
    for a in addresses:
        plen = 128 if ":" in a else 32
        family = "inet6" if ":" in a else "inet"
        out += f"    {family} {a}/{plen} scope global kube-ipvs0\n       valid_lft forever preferred_lft forever\n"
    return out


# ---------------------------------------------------------------- extra iptables matches

@dataclass(frozen=True, slots=True)
class SetMatch(Match):
    """`-m set [!] --match-set NAME FLAGS` (xt_set)."""

    @staticmethod
    def of(name: str, flags: str, inv: bool = False) -> "SetMatch":
        return SetMatch("set", (("name", name), ("flags", flags), ("inv", inv)))

    def save(self) -> str:
        return f"-m set{' !' if self.get('inv') else ''} --match-set {self.get('name')} {self.get('flags')}"

    def listing(self, numeric: bool) -> str:
        return f" {'! ' if self.get('inv') else ''}match-set {self.get('name')} {self.get('flags')}"


@dataclass(frozen=True, slots=True)
class PhysdevMatch(Match):
    """`-m physdev [!] --physdev-is-in` (xt_physdev)."""

    @staticmethod
    def is_in(inv: bool = False) -> "PhysdevMatch":
        return PhysdevMatch("physdev", (("is_in", True), ("inv", inv)))

    def save(self) -> str:
        return f"-m physdev{' !' if self.get('inv') else ''} --physdev-is-in"

    def listing(self, numeric: bool) -> str:
        return f" PHYSDEV match {'! ' if self.get('inv') else ''}--physdev-is-in"


@dataclass(frozen=True, slots=True)
class IpvsMatch(Match):
    """`-m ipvs --vaddr A --vproto P --vport N` (xt_ipvs); saved as libxt_ipvs
    dumps it: protocol number, address with its mask, in proto/addr/port order."""

    @staticmethod
    def of(vaddr: str, vproto: str, vport: int) -> "IpvsMatch":
        return IpvsMatch("ipvs", (("vaddr", vaddr), ("vproto", vproto), ("vport", vport)))

    def save(self) -> str:
        num = PROTO_NUM.get(self.get("vproto").upper(), 0)
        return f"-m ipvs --vproto {num} --vaddr {self.get('vaddr')}/32 --vport {self.get('vport')}"

    def listing(self, numeric: bool) -> str:
        num = PROTO_NUM.get(self.get("vproto").upper(), 0)
        return f" vproto {num} vaddr {self.get('vaddr')}/32 vport {self.get('vport')}"
