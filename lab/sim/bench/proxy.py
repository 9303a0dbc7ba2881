"""`python -m lab.sim.bench proxy --services N [--endpoints 3] [--mode M] [--repeats R] [--kernel]`.

Builds a world with N ClusterIP Services of `--endpoints` endpoints each
(written straight through the apiserver, EndpointSlices by hand, no
settling in between), then measures for one node:

- full_sync (s): a sync from scratch (no previous ruleset) plus rendering
  the whole ruleset as the learner reads it (`iptables-save`, `ipvsadm -Ln`,
  `nft list table ip kube-proxy`); the best of 3 runs.
- resync_one (s): on the ruleset of a full sync (which has also written its
  full restore input, as kube-proxy's first sync does), one Service's
  EndpointSlice gains an endpoint; timed: the sync with changed=[that
  service port] on the previous ruleset, plus rendering what kube-proxy
  would write for it (iptables: `restore_partial()`, the partial
  iptables-restore input; other modes: their `restore_partial()` when they
  have one, else the full rendering above); the best of `--repeats`
  changes (default 3: on a shared machine more repeats give a steadier
  minimum).
- resync_add_one (s): on the ruleset after resync_one, a new ClusterIP
  Service and its EndpointSlice (one endpoint on this node) are created;
  timed as resync_one: the sync with changed=[the new service port] plus
  its partial restore text; the best of `--repeats` additions (a new
  Service each time).
- resync_remove_one (s): the Services resync_add_one added are deleted
  again with their EndpointSlices, one per sync, timed the same way.
- trace_packet (s), rules_evaluated: one connection from the node to a
  ClusterIP walked by the dataplane through the synced rules (best of
  `--repeats`; the first walk on a node also builds the dataplane's record
  of its rules' state, which later walks update).
- peak_memory (MB): tracemalloc peak over one more full sync + render and
  one resync (measured apart, tracemalloc slows what it traces).
- with --kernel, kernel_load (s): the real iptables-restore / nft -f loading
  our rendering inside a scratch network namespace.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import Any

from ..proxy.base import NodeContext, ProxyConfig
from ..proxy.digest import DigestTracker
from ..proxy.kubeproxy import backend_for

SLICES = "endpointslices.discovery.k8s.io"
NODE = "k8s-node1"


def emit(figure: str, value: float, unit: str, mode: str, services: int, out: Any = None) -> None:
    (out or sys.stdout).write(json.dumps({"figure": figure, "value": value, "unit": unit, "mode": mode,
                                          "services": services}) + "\n")


def build_world(services: int, endpoints: int) -> Any:
    from ..world import World

    world = World.from_profile("kubeadm")
    api = world.api
    base = int(ipaddress.ip_address("10.96.128.0"))
    pod_base = int(ipaddress.ip_address("10.244.1.2"))
    nodes = [h.name for h in world.nodes]
    for i in range(services):
        name = f"svc-{i:05d}"
        api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
                    "spec": {"clusterIP": str(ipaddress.ip_address(base + i)),
                             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}})
        eps = [{"addresses": [str(ipaddress.ip_address(pod_base + (i * endpoints + j) % 60000))],
                "conditions": {"ready": True}, "nodeName": nodes[(i + j) % len(nodes)]} for j in range(endpoints)]
        api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                    "metadata": {"name": f"{name}-bench", "namespace": "default",
                                 "labels": {"kubernetes.io/service-name": name}},
                    "endpoints": eps, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})
    return world


def _render_all(ruleset: Any, mode: str) -> str:
    if mode == "nftables":
        return ruleset.render("nft", ["list", "table", "ip", "kube-proxy"])[0]
    if mode == "ipvs":
        return ruleset.render("ipvsadm", ["-Ln"])[0]
    return ruleset.render("iptables-save", [])[0]


def kernel_load(text: str, mode: str) -> float | None:
    """Seconds the real tool takes to load `text` in a fresh network namespace (None when impossible)."""
    tool = "nft" if mode == "nftables" else "iptables-restore"
    if mode == "ipvs" or shutil.which(tool) is None or shutil.which("ip") is None:
        return None
    ns = f"svclab-bench-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        return None
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as fh:
            fh.write(text)
            path = fh.name
        cmd = ["ip", "netns", "exec", ns] + (["nft", "-f", path] if mode == "nftables" else ["iptables-restore", path])
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True)
        elapsed = time.perf_counter() - started
        os.unlink(path)
        return elapsed if done.returncode == 0 else None
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _restore_text(ruleset: Any, mode: str, rendered: str) -> str:
    if mode == "nftables":
        for name in ("restore_text", "transaction"):
            fn = getattr(ruleset, name, None)
            if callable(fn):
                return fn()
        return rendered
    return rendered


REPEATS = 3


def _partial_text(ruleset: Any, mode: str) -> str:
    fn = getattr(ruleset, "restore_partial", None)
    return fn() if callable(fn) else _render_all(ruleset, mode)


def _kube_proxy_writes(ruleset: Any) -> None:
    """What kube-proxy's full sync wrote (its full restore input), so the block texts exist."""
    for name in ("restore_input", "transaction"):
        fn = getattr(ruleset, name, None)
        if callable(fn):
            fn()
            return


def trace_packet(world: Any, ruleset: Any, cluster_ip: str, repeats: int = REPEATS) -> tuple[float, int | None]:
    """One connection from the node to the last Service's ClusterIP, walked by the
    dataplane through `ruleset` (installed as the node's kube-proxy rules):
    (seconds of engine time, rules evaluated on the way). The bench's endpoints
    are addresses without Pods, so the walk ends at the pod network: what is
    timed is the rules' part of the path."""
    from ..net import connect, recording
    from ..proxy.kubeproxy import kube_proxy_controller

    controller = kube_proxy_controller(world)
    controller._rulesets[NODE] = ruleset
    best, evaluated = None, None
    for _ in range(repeats):
        with recording(world) as traces:
            started = time.perf_counter()
            connect(world, NODE, cluster_ip, 80)
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        evaluated = traces[-1].rules_evaluated if traces else None
    return best, evaluated


def run(services: int, endpoints: int, mode: str, kernel: bool, out: Any = None, repeats: int = REPEATS) -> int:
    backend = backend_for(mode)
    if backend is None:
        sys.stderr.write(f"no {mode} backend is available\n")
        return 2
    world = build_world(services, endpoints)
    tracker = DigestTracker(world.store)
    world.store.subscribe(tracker.observe)
    host = world.hosts[NODE]
    digest = tracker.digest
    node = NodeContext(NODE, host.ip, digest.node_pod_cidrs.get(NODE, ""))
    config = ProxyConfig(mode=mode, cluster_cidr=world.profile.pod_network)
    digest.cluster_cidr = config.cluster_cidr
    best = None
    for _ in range(REPEATS):
        started = time.perf_counter()
        ruleset = backend.sync(node, digest, config, None, None)
        rendered = _render_all(ruleset, mode)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    emit("full_sync", round(best, 6), "s", mode, services, out)
    _kube_proxy_writes(ruleset)
    target = f"svc-{services // 2:05d}-bench" if services else ""

    def change_one(rs: Any) -> tuple[Any, float]:
        mark = tracker.seq
        if target:
            sl = world.store.get(SLICES, "default", target)
            n = len(sl["endpoints"])
            sl["endpoints"].append({"addresses": [f"10.244.250.{n % 250 + 1}"], "conditions": {"ready": True},
                                    "nodeName": NODE})
            world.api.update(sl)
        started = time.perf_counter()
        changed = tracker.changes_since(mark)
        rs = backend.sync(node, digest, config, rs, changed)
        _partial_text(rs, mode)
        return rs, time.perf_counter() - started

    best = None
    for _ in range(repeats):
        ruleset, elapsed = change_one(ruleset)
        best = elapsed if best is None else min(best, elapsed)
    emit("resync_one", round(best, 6), "s", mode, services, out)

    def add_one(rs: Any, k: int) -> tuple[Any, float]:
        mark = tracker.seq
        name = f"svc-add-{k}"
        world.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
                          "spec": {"clusterIP": f"10.100.0.{k + 1}",
                                   "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}})
        world.api.create({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                          "metadata": {"name": f"{name}-bench", "namespace": "default",
                                       "labels": {"kubernetes.io/service-name": name}},
                          "endpoints": [{"addresses": [f"10.244.251.{k + 1}"], "conditions": {"ready": True},
                                         "nodeName": NODE}],
                          "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})
        started = time.perf_counter()
        changed = tracker.changes_since(mark)
        rs = backend.sync(node, digest, config, rs, changed)
        _partial_text(rs, mode)
        return rs, time.perf_counter() - started

    best = None
    for k in range(repeats):
        ruleset, elapsed = add_one(ruleset, k)
        best = elapsed if best is None else min(best, elapsed)
    emit("resync_add_one", round(best, 6), "s", mode, services, out)

    def remove_one(rs: Any, k: int) -> tuple[Any, float]:
        mark = tracker.seq
        name = f"svc-add-{k}"
        world.api.delete("services", name, namespace="default")
        world.api.delete(SLICES, f"{name}-bench", namespace="default")
        started = time.perf_counter()
        changed = tracker.changes_since(mark)
        rs = backend.sync(node, digest, config, rs, changed)
        _partial_text(rs, mode)
        return rs, time.perf_counter() - started

    best = None
    for k in range(repeats):
        ruleset, elapsed = remove_one(ruleset, k)
        best = elapsed if best is None else min(best, elapsed)
    emit("resync_remove_one", round(best, 6), "s", mode, services, out)
    rendered = _render_all(ruleset, mode)
    if services:
        elapsed, evaluated = trace_packet(world, ruleset, f"10.96.{128 + (services - 1) // 256}.{(services - 1) % 256}",
                                          repeats)
        emit("trace_packet", round(elapsed, 6), "s", mode, services, out)
        if evaluated is not None:
            emit("rules_evaluated", int(evaluated), "rules", mode, services, out)
    tracemalloc.start()
    fresh = backend.sync(node, digest, config, None, None)
    _render_all(fresh, mode)
    _kube_proxy_writes(fresh)
    change_one(fresh)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del fresh
    emit("peak_memory", round(peak / 1_000_000, 3), "MB", mode, services, out)
    if kernel:
        seconds = kernel_load(_restore_text(ruleset, mode, rendered), mode)
        if seconds is not None:
            emit("kernel_load", round(seconds, 6), "s", mode, services, out)
        else:
            sys.stderr.write("kernel_load skipped: no network namespace or tool for this mode\n")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.sim.bench proxy")
    parser.add_argument("--services", type=int, required=True)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--mode", choices=("iptables", "ipvs", "nftables"), default="iptables")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help="changes (and walks) the resync and trace figures are the best of (1-250)")
    parser.add_argument("--kernel", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.repeats <= 250:
        parser.error("--repeats must be between 1 and 250")
    return run(args.services, args.endpoints, args.mode, args.kernel, repeats=args.repeats)
