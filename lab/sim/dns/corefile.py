"""The Corefile, read the way CoreDNS reads it (the coredns ConfigMap).

Only what changes answers is kept: the kubernetes plugin's zones and its
`pods`, `ttl`, `endpoint_pod_names` and `fallthrough` options, whether
`forward` and `loadbalance` are on. A directive CoreDNS does not know makes
it refuse to start with its own message (`/etc/coredns/Corefile:3 - Error
during parsing: Unknown directive 'foo'`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PATH = "/etc/coredns/Corefile"
#: the plugins of the CoreDNS 1.11 build (plugin.cfg), the ones a Corefile may name
KNOWN = frozenset({
    "root", "metadata", "geoip", "cancel", "tls", "timeouts", "reload", "nsid", "bufsize", "bind", "debug",
    "trace", "ready", "health", "pprof", "prometheus", "errors", "log", "dnstap", "local", "dns64", "acl",
    "any", "chaos", "loadbalance", "tsig", "cache", "rewrite", "header", "dnssec", "autopath", "minimal",
    "template", "transfer", "hosts", "route53", "azure", "clouddns", "k8s_external", "kubernetes", "file",
    "auto", "secondary", "etcd", "loop", "forward", "grpc", "erratic", "whoami", "on", "sign", "view",
})


class CorefileError(ValueError):
    pass


@dataclass
class KubernetesConfig:
    zones: list[str] = field(default_factory=lambda: ["cluster.local"])
    ttl: int = 5                     # the plugin's default; kubeadm writes `ttl 30`
    pods: str = "disabled"           # disabled | insecure | verified
    endpoint_pod_names: bool = False
    fallthrough: list[str] = field(default_factory=list)


@dataclass
class Corefile:
    kubernetes: KubernetesConfig | None = None
    forward: bool = False
    loadbalance: bool = False
    plugins: list[str] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[str, int]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        for word in line.replace("{", " { ").replace("}", " } ").split():
            out.append((word, n))
    return out


def parse(text: str) -> Corefile:
    """The server block for `.` (the first one); raises CorefileError as CoreDNS would fail."""
    toks = _tokens(text)
    cfg = Corefile()
    i = 0
    if not toks:
        return cfg
    # server keys up to "{"
    while i < len(toks) and toks[i][0] != "{":
        i += 1
    if i >= len(toks):
        raise CorefileError(f"{PATH}:{toks[-1][1]} - Error during parsing: Unexpected EOF")
    i += 1
    depth = 1
    lines: dict[int, list[str]] = {}
    blocks: dict[int, list[list[str]]] = {}
    current = None
    while i < len(toks) and depth > 0:
        word, n = toks[i]
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 1:
            if current is None or n != current:
                current = n
                lines[n] = [word]
                blocks[n] = []
            else:
                lines[n].append(word)
        elif depth == 2 and current is not None:
            if blocks[current] and blocks[current][-1][0] == n:
                blocks[current][-1].append(word)
            else:
                blocks[current].append([n, word])
        i += 1
    if depth > 0:
        raise CorefileError(f"{PATH}:{toks[-1][1]} - Error during parsing: Unexpected EOF")
    for n in sorted(lines):
        name, *args = lines[n]
        if name not in KNOWN:
            raise CorefileError(f"{PATH}:{n} - Error during parsing: Unknown directive '{name}'")
        cfg.plugins.append(name)
        if name == "forward":
            cfg.forward = True
        elif name == "loadbalance":
            cfg.loadbalance = True
        elif name == "kubernetes":
            k = KubernetesConfig(zones=[z.rstrip(".").lower() for z in args] or ["cluster.local"])
            for entry in blocks.get(n, []):
                _, opt, *vals = entry
                if opt == "pods":
                    if not vals or vals[0] not in ("disabled", "insecure", "verified"):
                        raise CorefileError(f"{PATH}:{entry[0]} - Error during parsing: "
                                            f"wrong value for pods: {vals[0] if vals else ''},  "
                                            "must be one of: disabled, verified, insecure")
                    k.pods = vals[0]
                elif opt == "ttl":
                    try:
                        k.ttl = int(vals[0])
                    except (IndexError, ValueError):
                        raise CorefileError(f"{PATH}:{entry[0]} - Error during parsing: Wrong argument count "
                                            "or unexpected line ending after 'ttl'") from None
                elif opt == "endpoint_pod_names":
                    k.endpoint_pod_names = True
                elif opt == "fallthrough":
                    k.fallthrough = [v.rstrip(".").lower() for v in vals] or ["."]
            cfg.kubernetes = k
    return cfg


__all__ = ["Corefile", "KubernetesConfig", "CorefileError", "parse", "PATH"]
