"""kube-proxy's IPVS mode: virtual servers, ipsets, kube-ipvs0 and the iptables rules that go with them."""
from .proxier import IpvsBackend

BACKEND = IpvsBackend()

__all__ = ["IpvsBackend", "BACKEND"]
