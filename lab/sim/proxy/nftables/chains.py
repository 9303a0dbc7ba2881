"""nftables chain/set names, as pkg/proxy/nftables/proxier.go (v1.32) derives them.

`hashAndTruncate(name)`: the first 8 characters of the RFC 4648 base32
(standard alphabet) of sha256(name), "-", then the name itself, truncated
to 240 characters with "..." (never reached for IPv4 names). Service-port
names use the base `<ns>/<svc>/<proto>/<portName>`, endpoint chains
`<ns>/<svc>/<proto>/<portName>__<ip>/<port>` (IPv6 colons become dots).
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from ..base import ServicePortName

NAME_LENGTH_MAX = 256               # knftables.NameLengthMax
CHAIN_NAME_PREFIX_LENGTH_MAX = 16
CHAIN_NAME_BASE_LENGTH_MAX = NAME_LENGTH_MAX - CHAIN_NAME_PREFIX_LENGTH_MAX

SERVICE_PREFIX = "service-"         # Cluster traffic policy chain
LOCAL_PREFIX = "local-"             # Local traffic policy chain
EXTERNAL_PREFIX = "external-"
ENDPOINT_PREFIX = "endpoint-"
AFFINITY_PREFIX = "affinity-"
FIREWALL_PREFIX = "firewall-"


@lru_cache(maxsize=None)
def hash_and_truncate(name: str) -> str:
    """`HASH8-name`, truncated to CHAIN_NAME_BASE_LENGTH_MAX with "..."."""
    digest = hashlib.sha256(name.encode()).digest()
    # 5 bytes are exactly the 8 base32 characters kept
    out = base64.b32encode(digest[:5]).decode() + "-" + name
    if len(out) > CHAIN_NAME_BASE_LENGTH_MAX:
        out = out[:CHAIN_NAME_BASE_LENGTH_MAX - 3] + "..."
    return out


def service_port_chain_name_base(spn: ServicePortName, protocol: str) -> str:
    """servicePortChainNameBase: e.g. `ULMVA6XW-ns1/svc1/tcp/p80`."""
    return hash_and_truncate(f"{spn.namespace}/{spn.name}/{protocol.lower()}/{spn.port}")


def service_port_endpoint_chain_name_base(spn: ServicePortName, protocol: str, ip: str, port: int) -> str:
    """servicePortEndpointChainNameBase: e.g. `5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`."""
    if ":" in ip:
        ip = ip.replace(":", ".")
    return hash_and_truncate(f"{spn.namespace}/{spn.name}/{protocol.lower()}/{spn.port}__{ip}/{port}")


def is_service_chain_name(name: str) -> bool:
    """Per-service chains (and only they) contain a "/"."""
    return "/" in name


def is_affinity_set_name(name: str) -> bool:
    return name.startswith(AFFINITY_PREFIX)
