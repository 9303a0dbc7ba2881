"""Chain names kube-proxy's iptables mode derives from service port names.

Mirrors pkg/proxy/iptables/proxier.go portProtoHash,
servicePortPolicyClusterChain (KUBE-SVC-), servicePortPolicyLocalChainName
(KUBE-SVL-), serviceExternalChainName (KUBE-EXT-), serviceFirewallChainName
(KUBE-FW-) and servicePortEndpointChainName (KUBE-SEP-): the first 16
characters of the standard base32 encoding of sha256(spn + protocol
[+ endpoint]), protocol lower-cased, no separators.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_PAIRS = [a + b for a in _B32 for b in _B32]     # every 10-bit group as two base32 letters
_sha256 = hashlib.sha256


def _h16(text: str) -> str:
    """base32(sha256(text))[:16]: the first 80 bits, ten bits (two letters) at a time."""
    n = int.from_bytes(_sha256(text.encode()).digest()[:10], "big")
    p = _PAIRS
    return (p[n >> 70] + p[(n >> 60) & 1023] + p[(n >> 50) & 1023] + p[(n >> 40) & 1023]
            + p[(n >> 30) & 1023] + p[(n >> 20) & 1023] + p[(n >> 10) & 1023] + p[n & 1023])


@lru_cache(maxsize=200_000)
def port_proto_hash(spn: str, protocol: str) -> str:
    """The 16-character hash shared by KUBE-SVC/SVL/EXT/FW of one service port."""
    return _h16(spn + protocol.lower())


def svc_chain(spn: str, protocol: str) -> str:
    return "KUBE-SVC-" + port_proto_hash(spn, protocol)


def svl_chain(spn: str, protocol: str) -> str:
    return "KUBE-SVL-" + port_proto_hash(spn, protocol)


def ext_chain(spn: str, protocol: str) -> str:
    return "KUBE-EXT-" + port_proto_hash(spn, protocol)


def fw_chain(spn: str, protocol: str) -> str:
    return "KUBE-FW-" + port_proto_hash(spn, protocol)


def join_host_port(ip: str, port: int) -> str:
    """Go net.JoinHostPort: IPv6 literals are bracketed."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def sep_chain(spn: str, protocol: str, endpoint: str) -> str:
    """KUBE-SEP- name of one endpoint (`endpoint` is "ip:port", JoinHostPort form)."""
    return "KUBE-SEP-" + _h16(spn + protocol.lower() + endpoint)
