"""Registers the network clients hosts and containers use: curl, wget."""
from __future__ import annotations

from .net.curl import curl
from .net.wget import wget
from .shell.commands import register

register("curl")(curl)
register("wget")(wget)
