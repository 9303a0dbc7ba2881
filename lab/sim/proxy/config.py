"""The kube-proxy ConfigMap's `config.conf` (KubeProxyConfiguration) read into a ProxyConfig.

kubeadm mounts the `kube-proxy` ConfigMap of kube-system at
/var/lib/kube-proxy and starts `kube-proxy --config=/var/lib/kube-proxy/config.conf`.
The file is read once, when the process starts; a config kube-proxy
cannot load or that fails validation makes it exit with status 1, so the
DaemonSet's Pods go into CrashLoopBackOff. `load_config` returns the
ProxyConfig or the error text kube-proxy logs (`"command failed" err=...`).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import yaml

from .base import ProxyConfig

CONFIGMAP = ("kube-system", "kube-proxy")
CONFIG_KEY = "config.conf"
CONFIG_PATH = "/var/lib/kube-proxy/config.conf"
API_VERSION = "kubeproxy.config.k8s.io/v1alpha1"
KIND = "KubeProxyConfiguration"
VALID_MODES = ("iptables", "ipvs", "nftables")
#: ipvs schedulers kube-proxy accepts (virtual-ips doc)
IPVS_SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "dh", "sed", "nq", "mh")


@dataclass(frozen=True)
class ConfigResult:
    config: ProxyConfig | None
    error: str = ""            # what kube-proxy logs before it exits (empty when the config is fine)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def parse_config(text: str) -> ConfigResult:
    """Decode and validate a KubeProxyConfiguration document."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        # SIMPLIFICATION: sigs.k8s.io/yaml's exact wording for every YAML error is not reproduced.
        return ConfigResult(None, f"failed to load kube-proxy config: error converting YAML to JSON: "
                                  f"yaml: {line}{problem}")
    if not isinstance(data, dict):
        return ConfigResult(None, "failed to load kube-proxy config: couldn't get version/kind; "
                                  "json parse error: json: cannot unmarshal string into Go value of type "
                                  "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; "
                                  "Kind string \"json:\\\"kind,omitempty\\\"\" }")
    kind = data.get("kind") or ""
    version = data.get("apiVersion") or ""
    if not kind:
        return ConfigResult(None, "failed to load kube-proxy config: Object 'Kind' is missing in '"
                            + _flow(data) + "'")
    if kind != KIND or version != API_VERSION:
        return ConfigResult(None, f'failed to load kube-proxy config: no kind "{kind}" is registered for '
                                  f'version "{version}" in scheme "pkg/proxy/apis/config/scheme/scheme.go:29"')
    errors: list[str] = []
    mode = data.get("mode") or ""
    if not isinstance(mode, str) or (mode and mode not in VALID_MODES):
        errors.append(f'KubeProxyConfiguration.Mode: Invalid value: "{_quote(str(mode))}": must be '
                      f'{",".join(VALID_MODES)} or blank (blank means the best-available proxy [currently iptables])')
    iptables = data.get("iptables") or {}
    ipvs = data.get("ipvs") or {}
    nft = data.get("nftables") or {}
    bit = iptables.get("masqueradeBit")
    if bit is not None and (not isinstance(bit, int) or not 0 <= bit <= 31):
        errors.append(f"KubeProxyConfiguration.IPTables.MasqueradeBit: Invalid value: {bit}: "
                      f"must be within the range [0, 31]")
    scheduler = ipvs.get("scheduler") or ""
    if mode == "ipvs" and scheduler and scheduler not in IPVS_SCHEDULERS:
        errors.append(f'KubeProxyConfiguration.IPVS.Scheduler: Invalid value: "{_quote(str(scheduler))}": '
                      f'must be in {"[" + " ".join(IPVS_SCHEDULERS) + "]"}')
    cidr = data.get("clusterCIDR") or ""
    for part in [p for p in str(cidr).split(",") if p]:
        try:
            ipaddress.ip_network(part.strip(), strict=False)
        except ValueError:
            errors.append(f'KubeProxyConfiguration.ClusterCIDR: Invalid value: "{_quote(str(cidr))}": '
                          f'must be a valid CIDR block (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)')
            break
    if errors:
        text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        return ConfigResult(None, text)
    masquerade_all = bool(iptables.get("masqueradeAll")) if mode != "nftables" else bool(nft.get("masqueradeAll"))
    addresses = data.get("nodePortAddresses") or ()
    return ConfigResult(ProxyConfig(
        mode=mode or "iptables",
        ipvs_scheduler=scheduler or "rr",
        masquerade_all=masquerade_all,
        masquerade_bit=14 if bit is None else int(bit),
        cluster_cidr=str(cidr).split(",")[0].strip(),
        node_port_addresses=tuple(str(a) for a in addresses),
        strict_arp=bool(ipvs.get("strictARP")),
    ))


def _flow(data: dict[str, Any]) -> str:
    import json
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def configmap_text(store: Any) -> str | None:
    """The `config.conf` of the kube-proxy ConfigMap (None when the ConfigMap or key is gone)."""
    cm = store.peek("configmaps", *CONFIGMAP)
    if cm is None:
        return None
    return (cm.get("data") or {}).get(CONFIG_KEY)


def load_config(store: Any, configmap: tuple[str, str] = CONFIGMAP) -> ConfigResult:
    """What a kube-proxy starting now reads from its mounted ConfigMap."""
    cm = store.peek("configmaps", *configmap)
    text = None if cm is None else (cm.get("data") or {}).get(CONFIG_KEY)
    if text is None:
        return ConfigResult(None, f'failed to load kube-proxy config: open {CONFIG_PATH}: no such file or directory')
    return parse_config(text)


def config_to_state(config: ProxyConfig) -> dict[str, Any]:
    return {"mode": config.mode, "ipvsScheduler": config.ipvs_scheduler, "masqueradeAll": config.masquerade_all,
            "masqueradeBit": config.masquerade_bit, "clusterCIDR": config.cluster_cidr,
            "nodePortAddresses": list(config.node_port_addresses), "strictARP": config.strict_arp}


def config_from_state(state: dict[str, Any]) -> ProxyConfig:
    return ProxyConfig(mode=state["mode"], ipvs_scheduler=state["ipvsScheduler"],
                       masquerade_all=state["masqueradeAll"], masquerade_bit=state["masqueradeBit"],
                       cluster_cidr=state["clusterCIDR"], node_port_addresses=tuple(state["nodePortAddresses"]),
                       strict_arp=state["strictARP"])
