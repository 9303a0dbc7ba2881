"""Registers the network clients hosts and containers use: curl, wget, nc, labtrace, conntrack, ip in pods."""
from __future__ import annotations

from .net import commands as _net_commands  # noqa: F401  (labtrace, conntrack, nc, ip)
from .net.curl import curl
from .net.wget import wget
from .shell.commands import register

register("curl")(curl)
register("wget")(wget)
