"""registry.k8s.io/coredns/coredns: the cluster's DNS server.

Started with `-conf /etc/coredns/Corefile` (the coredns ConfigMap mounted at
/etc/coredns), it reads the Corefile once, logs what CoreDNS 1.11.3 logs
(`.:53`, the reload plugin's SHA512 of the Corefile, the version lines) and
listens on 53/UDP and 53/TCP, 8080 (health), 8181 (ready) and 9153
(prometheus) as its plugins say. A Corefile CoreDNS cannot parse makes it
exit 1 with CoreDNS's message (CrashLoopBackOff). DNS questions that reach
it (`dns_query`) are answered by lab.sim.dns.records from the store, names
outside its zones forwarded to the node's resolver (dnsPolicy Default).

SIMPLIFICATION: the reload plugin's 30 s re-read is not simulated; a
changed ConfigMap takes effect when the Pods restart (`kubectl rollout
restart deployment coredns -n kube-system`).
"""
from __future__ import annotations

import hashlib
from typing import Any

from .base import ContainerEnv, Request, Response, StartResult, Workload

VERSION_LINES = ("CoreDNS-1.11.3", "linux/amd64, go1.21.11, a6338e9")


def _config_text(world: Any, pod: dict[str, Any], container: dict[str, Any]) -> tuple[str | None, str]:
    """(Corefile text or None, the path CoreDNS opens)."""
    args = list(container.get("args") or [])
    path = args[args.index("-conf") + 1] if "-conf" in args and args.index("-conf") + 1 < len(args) else "Corefile"
    mounts = {m.get("name"): m.get("mountPath", "") for m in container.get("volumeMounts") or []}
    ns = pod["metadata"].get("namespace", "kube-system")
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        cm = volume.get("configMap")
        mount = mounts.get(volume.get("name"))
        if not cm or not mount or not path.startswith(mount.rstrip("/") + "/"):
            continue
        rel = path[len(mount.rstrip("/")) + 1:]
        obj = world.store.peek("configmaps", ns, cm.get("name", "")) if world is not None else None
        data = (obj or {}).get("data") or {}
        items = cm.get("items")
        files = {i.get("path"): i.get("key") for i in items} if items else {k: k for k in data}
        key = files.get(rel)
        if key is not None and key in data:
            return data[key], path
    return None, path


class CoreDNS(Workload):
    known = True
    shell = ""
    pull_seconds = 2.5
    size = 18_562_039

    def __init__(self, ref: Any = None):
        self.ref = ref

    def start(self, env: ContainerEnv) -> StartResult:
        from ..dns.corefile import CorefileError, parse

        text, path = _config_text(env.world, env.pod, env.container)
        if text is None:
            env.log("stdout", f"plugin/file: open {path}: no such file or directory\n")
            return StartResult(running=False, exit_code=1, reason="Error")
        try:
            cfg = parse(text)
        except CorefileError as e:
            env.log("stdout", f"{e}\n")
            return StartResult(running=False, exit_code=1, reason="Error")
        sha = hashlib.sha512(text.encode()).hexdigest()
        for line in (".:53", f"[INFO] plugin/reload: Running configuration SHA512 = {sha}") + VERSION_LINES:
            env.log("stdout", line + "\n")
        env.state["coredns"] = {"corefile": text, "serial": int(env.now().timestamp())}
        listens = [(53, "UDP"), (53, "TCP")]
        if "health" in cfg.plugins:
            listens.append((8080, "TCP"))
        if "ready" in cfg.plugins:
            listens.append((8181, "TCP"))
        if "prometheus" in cfg.plugins:
            listens.append((9153, "TCP"))
        return StartResult(running=True, listens=listens)

    def serve(self, env: ContainerEnv, request: Request) -> Response | None:
        if request.protocol != "TCP" or request.port == 53:
            return None
        routes = {8080: "/health", 8181: "/ready", 9153: "/metrics"}
        if request.port not in routes:
            return None
        if request.path.split("?", 1)[0] != routes[request.port]:
            return Response(404, "Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("X-Content-Type-Options", "nosniff")], "404 page not found\n")
        body = "OK" if request.port != 9153 else '# HELP coredns_build_info A metric with a constant \'1\' value ' \
            'labeled by version, revision, and goversion from which CoreDNS was built.\n# TYPE coredns_build_info ' \
            'gauge\ncoredns_build_info{goversion="go1.21.11",revision="a6338e9",version="1.11.3"} 1\n'
        ctype = "text/plain; charset=utf-8" if request.port != 9153 else "text/plain; version=0.0.4; charset=utf-8"
        return Response(200, "OK", [("Content-Type", ctype)], body)

    def exits_on_sigterm(self, env: ContainerEnv) -> bool:
        return True

    def dns_query(self, env: ContainerEnv, world: Any, qname: str, qtype: str) -> Any:
        """The Reply of this CoreDNS to one question."""
        from ..dns import records, upstream
        from ..dns.corefile import parse

        state = env.state.get("coredns") or {}
        cfg = parse(state.get("corefile", ""))
        reply = records.Lookup(world, cfg, int(state.get("serial", 0))).answer(qname, qtype)
        if reply is None:
            if not cfg.forward:
                from ..dns.message import REFUSED, Reply, fqdn
                return Reply(qname=fqdn(qname), qtype=qtype, rcode=REFUSED)
            reply = upstream.answer(world, qname, qtype)
        elif reply.answer and reply.answer[0].rtype == "CNAME" and qtype in ("A", "AAAA"):
            target = reply.answer[0].data
            chased = records.Lookup(world, cfg, int(state.get("serial", 0))).answer(target, qtype)
            if chased is None and cfg.forward:
                chased = upstream.answer(world, target, qtype)
            if chased is not None and chased.rcode == 0:
                reply.answer += chased.answer
        if cfg.loadbalance:
            records.shuffle(world, reply)
        return reply
