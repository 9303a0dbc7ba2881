"""The iptables rules a kubeadm + flannel node (containerd, no Docker) has
before kube-proxy writes anything.

kubelet (pkg/kubelet/kubelet_network_linux.go, v1.28+ after
IPTablesOwnershipCleanup): KUBE-IPTABLES-HINT in mangle, KUBE-KUBELET-CANARY
in mangle/nat/filter, and filter KUBE-FIREWALL (the "block incoming localnet
connections" rule) jumped to from INPUT and OUTPUT.
flannel (pkg/trafficmngr/iptables masqRules / forwardRules): nat
FLANNEL-POSTRTG jumped to from POSTROUTING, filter FLANNEL-FWD from FORWARD,
both appended.
"""
from __future__ import annotations

from .model import Table, parse_save

KUBELET_FIREWALL_RULE = ('-m comment --comment "block incoming localnet connections" '
                         '--dst 127.0.0.0/8 ! --src 127.0.0.0/8 -m conntrack ! --ctstate '
                         'RELATED,ESTABLISHED,DNAT -j DROP')


def baseline_text(pod_cidr: str = "", cluster_cidr: str = "", flannel: bool = True) -> str:
    """The restore input that recreates a node's pre-kube-proxy rules."""
    lines = ["*mangle", ":KUBE-IPTABLES-HINT - [0:0]", ":KUBE-KUBELET-CANARY - [0:0]", "COMMIT",
             "*filter", ":KUBE-FIREWALL - [0:0]", ":KUBE-KUBELET-CANARY - [0:0]"]
    if flannel and cluster_cidr:
        lines.append(":FLANNEL-FWD - [0:0]")
    lines += ["-A INPUT -j KUBE-FIREWALL", "-A OUTPUT -j KUBE-FIREWALL",
              f"-A KUBE-FIREWALL {KUBELET_FIREWALL_RULE}"]
    if flannel and cluster_cidr:
        c = cluster_cidr
        lines += ['-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
                  f'-A FLANNEL-FWD -s {c} -m comment --comment "flanneld forward" -j ACCEPT',
                  f'-A FLANNEL-FWD -d {c} -m comment --comment "flanneld forward" -j ACCEPT']
    lines += ["COMMIT", "*nat", ":KUBE-KUBELET-CANARY - [0:0]"]
    if flannel and cluster_cidr and pod_cidr:
        c, p, m = cluster_cidr, pod_cidr, '-m comment --comment "flanneld masq"'
        lines += [":FLANNEL-POSTRTG - [0:0]",
                  f"-A POSTROUTING {m} -j FLANNEL-POSTRTG",
                  f"-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 {m} -j RETURN",
                  f"-A FLANNEL-POSTRTG -s {p} -d {c} {m} -j RETURN",
                  f"-A FLANNEL-POSTRTG -s {c} -d {p} {m} -j RETURN",
                  f"-A FLANNEL-POSTRTG ! -s {c} -d {p} {m} -j RETURN",
                  f"-A FLANNEL-POSTRTG -s {c} ! -d 224.0.0.0/4 {m} -j MASQUERADE --random-fully",
                  f"-A FLANNEL-POSTRTG ! -s {c} -d {c} {m} -j MASQUERADE --random-fully"]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def baseline_tables(pod_cidr: str = "", cluster_cidr: str = "", flannel: bool = True) -> dict[str, Table]:
    tables = parse_save(baseline_text(pod_cidr, cluster_cidr, flannel))
    for t in tables.values():
        for c in t.chains.values():
            c.ensure_counters()
    return tables
