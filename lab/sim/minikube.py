"""`minikube ip` on the minikube profile's machines, as in the Kubernetes Basics tutorial.

The tutorial's terminal is the machine that runs minikube, so
`curl $(minikube ip):$NODE_PORT` reaches the node from outside the
cluster's Pod network. Only the minikube profile has the command; on the
other clusters bash does not find it.
SIMPLIFICATION: `ip` is the only subcommand; the others say so instead of
pretending to run.
"""
from __future__ import annotations

from typing import Any

from .shell.commands import register


@register("minikube")
def minikube(ctx: Any, argv: list[str]) -> int:
    world = ctx.world
    if world.profile.name != "minikube":
        ctx.err("bash: minikube: command not found\n")
        return 127
    args = argv[1:]
    if args == ["ip"]:
        ctx.out(world.hosts[world.profile.control_plane].ip + "\n")
        return 0
    ctx.err("minikube: this lab offers only `minikube ip`\n")
    return 1
