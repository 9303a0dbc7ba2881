"""Registers every command a simulated host offers (shell built-ins, kubectl ...)."""
from __future__ import annotations

from .kubectl import command as _kubectl  # noqa: F401
from .kubectl import commands as _kubectl_subcommands  # noqa: F401
from . import hostcmds as _hostcmds  # noqa: F401  (poweroff, reboot, shutdown, systemctl)
from . import minikube as _minikube  # noqa: F401  (minikube ip)
from . import nettools as _nettools  # noqa: F401,E402  (curl, wget)
from .proxy import nodecmds as _proxy_nodecmds  # noqa: F401  (iptables-save, iptables, ipvsadm, ipset, nft, conntrack, ip)
from .dns import tools as _dns_tools  # noqa: F401,E402  (nslookup, dig, host, getent)
from .doctor import command as _doctor  # noqa: F401,E402  (labdoctor)
