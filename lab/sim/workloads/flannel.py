"""docker.io/flannel/flannel: flanneld with --kube-subnet-mgr on the host's network.

It reads the node's podCIDR and the kube-flannel-cfg net-conf.json and
programs the vxlan overlay, which the lab's dataplane models on its own
(lab/sim/net/); the process listens on no port.
"""
from __future__ import annotations

from typing import Any

from .base import ContainerEnv, StartResult, Workload


class Flannel(Workload):
    known = True
    pull_seconds = 4.0

    def __init__(self, ref: Any = None):
        self.ref = ref

    def start(self, env: ContainerEnv) -> StartResult:
        return StartResult(running=True)
