"""/etc/resolv.conf and /etc/hosts: the kubelet's for Pods, the hosts' own.

`pod_resolv_conf(world, pod)` is what the kubelet (pkg/kubelet/network/dns)
asks the container runtime to write, by dnsPolicy:
- ClusterFirst (the default): `search <ns>.svc.<domain> svc.<domain>
  <domain>` (then the node's own search domains), `nameserver <clusterDNS>`,
  `options ndots:5`; a hostNetwork Pod falls back to Default;
- ClusterFirstWithHostNet: ClusterFirst, also with hostNetwork;
- Default: the node's /etc/resolv.conf;
- None: only spec.dnsConfig.
spec.dnsConfig is merged in: nameservers and searches appended without
duplicates, options overriding by name. containerd writes search first.

`pod_hosts(pod, ip)` is the kubelet-managed /etc/hosts.
`write_pod_files(world, pod, fs, ip)` writes both into a container's files
(the kubelet calls it when it creates a container).
`host_files(world, host)` are the lab machines' own /etc/resolv.conf and
/etc/hosts (the lab resolver, the machine's names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import upstream

HOSTS_HEADER = "# Kubernetes-managed hosts file.\n"
HOSTS_BASE = ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
              "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")


@dataclass
class ResolvConf:
    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    @property
    def ndots(self) -> int:
        return int(self.option("ndots", "1"))

    @property
    def timeout(self) -> int:
        return int(self.option("timeout", "5"))

    @property
    def attempts(self) -> int:
        return int(self.option("attempts", "2"))

    def option(self, name: str, default: str) -> str:
        for opt in reversed(self.options):
            key, _, value = opt.partition(":")
            if key == name and value.isdigit():
                return value
        return default

    def render(self) -> str:
        out = ""
        if self.search:
            out += "search " + " ".join(self.search) + "\n"
        out += "".join(f"nameserver {ns}\n" for ns in self.nameservers)
        if self.options:
            out += "options " + " ".join(self.options) + "\n"
        return out


def parse(text: str) -> ResolvConf:
    """As libc reads it: the last search/domain line wins, up to 3 nameservers."""
    conf = ResolvConf()
    for line in (text or "").splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        key, args = words[0], words[1:]
        if key == "nameserver" and args and len(conf.nameservers) < 3:
            conf.nameservers.append(args[0])
        elif key in ("search", "domain"):
            conf.search = list(args) if key == "search" else args[:1]
        elif key == "options":
            conf.options.extend(args)
    return conf


def node_resolv_conf(world: Any, node: str) -> ResolvConf:
    host = world.hosts.get(node)
    if host is not None and host.fs.isfile("/etc/resolv.conf"):
        return parse(host.fs.read("/etc/resolv.conf"))
    return ResolvConf(nameservers=[upstream.resolver_ip(world)])


def _merge_options(base: list[str], extra: list[dict[str, Any]]) -> list[str]:
    opts: dict[str, str] = {}
    for opt in base:
        key, sep, value = opt.partition(":")
        opts[key] = opt
    for opt in extra:
        name = opt.get("name", "")
        opts[name] = f"{name}:{opt['value']}" if opt.get("value") not in (None, "") else name
    return list(opts.values())


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def pod_resolv_conf(world: Any, pod: dict[str, Any]) -> ResolvConf:
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    host_network = bool(spec.get("hostNetwork"))
    node = node_resolv_conf(world, spec.get("nodeName", ""))
    domain = world.profile.cluster_domain
    if policy == "ClusterFirst" and host_network:
        policy = "Default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        conf = ResolvConf(nameservers=[world.profile.cluster_dns],
                          search=_dedupe([f"{ns}.svc.{domain}", f"svc.{domain}", domain] + node.search),
                          options=["ndots:5"])
    elif policy == "None":
        conf = ResolvConf()
    else:
        conf = ResolvConf(list(node.nameservers), list(node.search), list(node.options))
    dns_config = spec.get("dnsConfig") or {}
    if dns_config:
        conf.nameservers = _dedupe(conf.nameservers + list(dns_config.get("nameservers") or []))
        conf.search = _dedupe(conf.search + list(dns_config.get("searches") or []))
        conf.options = _merge_options(conf.options, list(dns_config.get("options") or []))
    return conf


def pod_hosts(world: Any, pod: dict[str, Any], ip: str) -> str:
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        host = world.hosts.get(spec.get("nodeName", ""))
        if host is not None and host.fs.isfile("/etc/hosts"):
            return host.fs.read("/etc/hosts")
        return host_files(world, host)["/etc/hosts"] if host is not None else HOSTS_BASE
    from ..controllers.pod_mounts import pod_hostname  # the kubelet's name for the Pod (cut to 63)

    name = pod_hostname(world, pod)
    out = HOSTS_HEADER + HOSTS_BASE
    if spec.get("subdomain"):
        ns = pod["metadata"].get("namespace", "default")
        out += f"{ip}\t{name}.{spec['subdomain']}.{ns}.svc.{world.profile.cluster_domain}\t{name}\n"
    elif ip:
        out += f"{ip}\t{name}\n"
    aliases = spec.get("hostAliases") or []
    if aliases:
        out += "\n# Entries added by HostAliases.\n"
        for alias in aliases:
            out += f"{alias.get('ip', '')}\t" + "\t".join(alias.get("hostnames") or []) + "\n"
    return out


def write_pod_files(world: Any, pod: dict[str, Any], fs: Any, ip: str) -> None:
    """The kubelet's /etc/resolv.conf and /etc/hosts in a new container's files."""
    if not fs.isdir("/etc"):
        fs.mkdir("/etc", parents=True)
    fs.write("/etc/resolv.conf", pod_resolv_conf(world, pod).render())
    fs.write("/etc/hosts", pod_hosts(world, pod, ip))


def host_files(world: Any, host: Any) -> dict[str, str]:
    """A lab machine's /etc/resolv.conf (the lab resolver) and /etc/hosts (its own names)."""
    hosts = f"127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n" \
            f"::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n"
    return {"/etc/resolv.conf": f"nameserver {upstream.resolver_ip(world)}\n",
            "/etc/hosts": hosts + f"{host.ip} {host.name}\n"}


def write_host_files(world: Any) -> None:
    """Write host_files on every lab machine that lacks them (World construction)."""
    for host in world.hosts.values():
        for path, text in host_files(world, host).items():
            if not host.fs.isfile(path):
                if not host.fs.isdir("/etc"):
                    host.fs.mkdir("/etc", parents=True)
                host.fs.write(path, text)


__all__ = ["ResolvConf", "parse", "pod_resolv_conf", "pod_hosts", "write_pod_files", "host_files",
           "write_host_files", "node_resolv_conf"]
