"""What CoreDNS's kubernetes plugin answers (the Kubernetes DNS specification).

`lookup(world, cfg, qname, qtype)` reads Services, EndpointSlices and Pods
from the store as CoreDNS's informers see them and answers one question:

- `<svc>.<ns>.svc.<zone>`: A (AAAA) -> the ClusterIP; for a headless
  Service one record per ready endpoint (NXDOMAIN when there is none);
  ExternalName -> CNAME to the externalName;
- `<endpoint>.<svc>.<ns>.svc.<zone>`: the endpoint's hostname
  (pod spec.hostname with subdomain = the Service), else its dashed IP;
- `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for each named port
  (per endpoint for headless Services, weight 100/N);
- `a-b-c-d.<ns>.pod.<zone>` when `pods insecure|verified`;
- PTR under in-addr.arpa for ClusterIPs and endpoint IPs; others fall
  through to `forward` (the upstream resolver);
- names outside the zones: forwarded upstream (lab.sim.dns.upstream).

Only ready endpoints get records; the EndpointSlice controller marks every
endpoint ready for publishNotReadyAddresses Services. Answers are
authoritative (aa) with the Corefile's `ttl`; NXDOMAIN and NODATA carry the
zone's SOA. `loadbalance` shuffles A/AAAA records (the "dns" random stream).
"""
from __future__ import annotations

import ipaddress
from typing import Any

from .corefile import Corefile
from .message import NOERROR, NXDOMAIN, RR, Reply, fqdn, ip_of_reverse

SLICES = "endpointslices.discovery.k8s.io"


def _svc_fqdn(svc: dict[str, Any], zone: str) -> str:
    return f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc.{zone}."


def dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


def endpoints(world: Any, svc: dict[str, Any], endpoint_pod_names: bool = False) -> list[tuple[str, str]]:
    """(hostname label, IP) of the Service's ready endpoints, in slice order."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    # the store's label index (sorted by name): a PTR query asks this of every Service
    for s in world.store.with_labels(SLICES, ns, {"kubernetes.io/service-name": name}):
        for ep in s.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready") is False:
                continue
            for ip in ep.get("addresses") or []:
                if ip in seen:
                    continue
                seen.add(ip)
                host = ep.get("hostname") or ""
                if not host and endpoint_pod_names:
                    ref = ep.get("targetRef") or {}
                    host = ref.get("name", "") if ref.get("kind") == "Pod" else ""
                out.append((host or dashed(ip), ip))
    return out


def _is_headless(svc: dict[str, Any]) -> bool:
    return (svc.get("spec") or {}).get("clusterIP") == "None"


def _cluster_ips(svc: dict[str, Any]) -> list[str]:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [ip for ip in ips if ip and ip != "None"]


def soa(zone: str, ttl: int, serial: int) -> RR:
    return RR(f"{zone}.", ttl, "SOA", f"ns.dns.{zone}. hostmaster.{zone}. {serial} 7200 1800 86400 {ttl}")


class Lookup:
    """One question to the kubernetes plugin."""

    def __init__(self, world: Any, cfg: Corefile, serial: int = 0):
        self.world = world
        self.cfg = cfg
        self.k = cfg.kubernetes
        self.serial = serial

    # -- helpers -------------------------------------------------------------------
    def _reply(self, qname: str, qtype: str, rcode: int = NOERROR) -> Reply:
        return Reply(qname=qname, qtype=qtype, rcode=rcode, aa=True)

    def _empty(self, reply: Reply, zone: str, rcode: int) -> Reply:
        reply.rcode = rcode
        reply.answer = []
        reply.authority = [soa(zone, self.k.ttl, self.serial)]
        return reply

    def _rrs(self, name: str, qtype: str, ips: list[str]) -> list[RR]:
        want = 4 if qtype == "A" else 6
        return [RR(name, self.k.ttl, qtype, ip) for ip in ips if ipaddress.ip_address(ip).version == want]

    def _service(self, ns: str, name: str) -> dict[str, Any] | None:
        for svc in self.world.store.iter("services", ns):
            if svc["metadata"]["name"].lower() == name:
                return svc
        return None

    def _namespace_exists(self, ns: str) -> bool:
        return any(n["metadata"]["name"] == ns for n in self.world.store.iter("namespaces"))

    # -- the question -----------------------------------------------------------------
    def answer(self, qname: str, qtype: str) -> Reply | None:
        """The plugin's Reply, or None when the name is not its (forward it)."""
        name = fqdn(qname).lower()
        if self.k is None:
            return None
        for zone in sorted(self.k.zones, key=len, reverse=True):
            if name == zone + "." or name.endswith("." + zone + "."):
                break
        else:
            return None
        reply = self._reply(fqdn(qname), qtype)
        rel = name[: -len(zone) - 1].rstrip(".")
        labels = rel.split(".") if rel else []
        if zone.endswith("arpa"):
            return self._ptr(reply, name, qtype, zone)
        if not labels:
            if qtype == "SOA":
                reply.answer = [soa(zone, self.k.ttl, self.serial)]
                return reply
            if qtype == "NS":
                reply.answer = [RR(f"{zone}.", self.k.ttl, "NS", f"ns.dns.{zone}.")]
                return reply
            return self._empty(reply, zone, NOERROR)
        kind = labels[-1]
        if kind == "svc":
            return self._svc(reply, labels[:-1], qtype, zone)
        if kind == "pod" and len(labels) == 3:  # <ip>.<ns>.pod
            return self._pod(reply, labels[0], labels[1], qtype, zone)
        if kind in ("pod",) and len(labels) == 2:
            return self._empty(reply, zone, NOERROR if self._namespace_exists(labels[0]) else NXDOMAIN)
        if kind in ("svc", "pod") and len(labels) == 1:
            return self._empty(reply, zone, NOERROR)
        return self._empty(reply, zone, NXDOMAIN)

    def _svc(self, reply: Reply, labels: list[str], qtype: str, zone: str) -> Reply:
        if not labels:
            return self._empty(reply, zone, NOERROR)
        if len(labels) == 1:
            return self._empty(reply, zone, NOERROR if self._namespace_exists(labels[0]) else NXDOMAIN)
        ns, name = labels[-1], labels[-2]
        svc = self._service(ns, name)
        if svc is None:
            return self._empty(reply, zone, NXDOMAIN)
        target = _svc_fqdn(svc, zone)
        spec = svc.get("spec") or {}
        rest = labels[:-2]
        if spec.get("type") == "ExternalName":
            if rest:
                return self._empty(reply, zone, NXDOMAIN)
            reply.answer = [RR(reply.qname, self.k.ttl, "CNAME", fqdn(spec.get("externalName", "")))]
            return reply
        if not rest:
            if qtype in ("A", "AAAA"):
                if _is_headless(svc):
                    eps = endpoints(self.world, svc, self.k.endpoint_pod_names)
                    if not eps:
                        return self._empty(reply, zone, NXDOMAIN)
                    reply.answer = self._rrs(reply.qname, qtype, [ip for _, ip in eps])
                else:
                    reply.answer = self._rrs(reply.qname, qtype, _cluster_ips(svc))
                if not reply.answer:
                    return self._empty(reply, zone, NOERROR)
                return reply
            if qtype == "SRV":
                return self._srv(reply, svc, spec.get("ports") or [], zone, target)
            return self._empty(reply, zone, NOERROR)
        if len(rest) == 1:
            for host, ip in endpoints(self.world, svc, self.k.endpoint_pod_names):
                if host.lower() == rest[0]:
                    if qtype in ("A", "AAAA"):
                        reply.answer = self._rrs(reply.qname, qtype, [ip])
                    if not reply.answer:
                        return self._empty(reply, zone, NOERROR)
                    return reply
            return self._empty(reply, zone, NXDOMAIN)
        if len(rest) == 2 and rest[0].startswith("_") and rest[1].startswith("_"):
            pname, proto = rest[0][1:], rest[1][1:]
            ports = [p for p in spec.get("ports") or [] if (p.get("name") or "").lower() == pname
                     and (p.get("protocol") or "TCP").lower() == proto]
            if not ports:
                return self._empty(reply, zone, NXDOMAIN)
            if qtype != "SRV":
                return self._empty(reply, zone, NOERROR)
            return self._srv(reply, svc, ports, zone, target)
        return self._empty(reply, zone, NXDOMAIN)

    def _srv(self, reply: Reply, svc: dict[str, Any], ports: list[dict[str, Any]], zone: str,
             target: str) -> Reply:
        ttl = self.k.ttl
        if _is_headless(svc):
            eps = endpoints(self.world, svc, self.k.endpoint_pod_names)
            if not eps:
                return self._empty(reply, zone, NXDOMAIN)
            pairs = [(f"{host}.{target}", ip, p) for host, ip in eps for p in ports]
        else:
            ips = _cluster_ips(svc)
            pairs = [(target, ips[0] if ips else "", p) for p in ports]
        weight = max(1, 100 // len(pairs)) if pairs else 100
        added: set[str] = set()
        for host, ip, p in pairs:
            port = p.get("port") if not _is_headless(svc) else _endpoint_port(self.world, svc, p)
            reply.answer.append(RR(reply.qname, ttl, "SRV", f"0 {weight} {port} {host}"))
            if ip and host not in added:
                added.add(host)
                reply.additional.append(RR(host, ttl, "A", ip))
        return reply

    def _pod(self, reply: Reply, label: str, ns: str, qtype: str, zone: str) -> Reply:
        if self.k.pods == "disabled":
            return self._empty(reply, zone, NXDOMAIN)
        ip = label.replace("-", ".")
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            return self._empty(reply, zone, NXDOMAIN)
        if self.k.pods == "verified":
            if not any((p.get("status") or {}).get("podIP") == ip for p in self.world.store.iter("pods", ns)):
                return self._empty(reply, zone, NXDOMAIN)
        if qtype == "A":
            reply.answer = [RR(reply.qname, self.k.ttl, "A", ip)]
            return reply
        return self._empty(reply, zone, NOERROR)

    def _ptr(self, reply: Reply, name: str, qtype: str, zone: str) -> Reply | None:
        ip = ip_of_reverse(name)
        found: list[str] = []
        if ip is not None:
            for svc in sorted(self.world.store.iter("services"),
                              key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])):
                if (svc.get("spec") or {}).get("type") == "ExternalName":
                    continue
                if ip in _cluster_ips(svc):
                    found.append(_svc_fqdn(svc, self.k.zones[0]))
                for host, eip in endpoints(self.world, svc, self.k.endpoint_pod_names):
                    if eip == ip:
                        found.append(f"{host}.{_svc_fqdn(svc, self.k.zones[0])}")
        if not found:
            if any(zone == f or f == "." or zone.endswith("." + f) for f in self.k.fallthrough):
                return None
            return self._empty(reply, zone, NXDOMAIN)
        if qtype != "PTR":
            return self._empty(reply, zone, NOERROR)
        reply.answer = [RR(reply.qname, self.k.ttl, "PTR", n) for n in found]
        return reply


def _endpoint_port(world: Any, svc: dict[str, Any], port: dict[str, Any]) -> int:
    """The endpoint port of a headless Service port (the slice's port of that name)."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    for s in world.store.iter(SLICES, ns):
        if ((s.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name") != name:
            continue
        for p in s.get("ports") or []:
            if (p.get("name") or "") == (port.get("name") or "") and p.get("port") is not None:
                return int(p["port"])
    target = port.get("targetPort", port.get("port"))
    return int(target) if isinstance(target, int) or str(target).isdigit() else int(port.get("port", 0))


def shuffle(world: Any, reply: Reply) -> None:
    """The loadbalance plugin: a random order of the A/AAAA records (CNAMEs stay first)."""
    addrs = [rr for rr in reply.answer if rr.rtype in ("A", "AAAA")]
    if len(addrs) < 2:
        return
    rng = world.random("dns")
    for i in range(len(addrs) - 1, 0, -1):
        j = rng.randrange(i + 1)
        addrs[i], addrs[j] = addrs[j], addrs[i]
    others = [rr for rr in reply.answer if rr.rtype not in ("A", "AAAA")]
    reply.answer = others + addrs


__all__ = ["Lookup", "endpoints", "dashed", "soa", "shuffle"]
