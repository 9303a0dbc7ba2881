"""`python -m lab.sim.bench cluster`: how fast the living cluster reconciles.

Builds a world, creates N Deployments of R replicas through the apiserver,
and lets the controllers (scheduler, kubelet, ReplicaSet, Deployment,
Endpoints ...) bring every Pod to Running on the virtual clock; then rolls
one Deployment to a new image and waits for the rollout. Prints one JSON
object per line: {"figure": F, "value": V, "unit": U, "deployments": N,
"replicas": R}.

The cluster is the kubeadm profile with as many workers as 110 Pods per
node (the kubelet's --max-pods) require.

Figures: reconcile_from_scratch (s of engine time from the first create
until every Pod is Running and ready), pods, nodes, roll_one (s until one Deployment's
rollout completes), peak_memory (MB of Python heap, from tracemalloc, in a
separate pass when --memory is given: tracing slows everything down).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from typing import Any

from dataclasses import replace

from ..limits import UNLIMITED
from ..profiles import NodeSpec, load_profile
from ..world import World

#: kubelet's default --max-pods
MAX_PODS = 110


def bench_profile(pods: int) -> Any:
    """The kubeadm profile with enough workers for `pods` Pods at 110 per node."""
    base = load_profile("kubeadm")
    workers = max(2, -(-pods // (MAX_PODS - 2)))  # each node also runs kube-proxy (and maybe CoreDNS)
    if workers > 250:
        raise SystemExit(f"{pods} pods need {workers} nodes; the 10.244.0.0/16 pod network has 256 /24s")
    nodes = [base.control_plane_node] + [
        NodeSpec(f"node{i:03d}", f"10.0.{i // 250}.{i % 250 + 1}", f"10.244.{i + 1}.0/24") for i in range(workers)]
    return replace(base, nodes=tuple(nodes))


def _deployment(i: int, replicas: int, image: str = "nginx") -> dict[str, Any]:
    name = f"app-{i:05d}"
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "web", "image": image}]}}},
    }


def _all_ready(world: World, expected: int) -> bool:
    ready = 0
    for pod in world.store.iter("pods", "default"):
        for cond in pod.get("status", {}).get("conditions") or ():
            if cond.get("type") == "Ready" and cond.get("status") == "True":
                ready += 1
                break
    return ready >= expected


def _advance_until(world: World, done, limit: float = 3600.0, step: float = 5.0) -> float:
    """Move the virtual clock in steps until done(); return virtual seconds spent."""
    start = world.clock.elapsed
    while not done() and world.clock.elapsed - start < limit:
        world.advance(step)
    return world.clock.elapsed - start


def build(deployments: int, replicas: int) -> tuple[World, dict[str, float]]:
    world = World(bench_profile(deployments * replicas), limits=UNLIMITED)  # far past a learner's lab
    t0 = time.perf_counter()
    for i in range(deployments):
        world.api.create(_deployment(i, replicas))
    world.settle()
    virtual = _advance_until(world, lambda: _all_ready(world, deployments * replicas))
    elapsed = time.perf_counter() - t0
    return world, {"reconcile_from_scratch": elapsed, "virtual_seconds": virtual,
                   "pods": float(world.store.count("pods", "default"))}


def roll_one(world: World) -> tuple[float, float]:
    name = "app-00000"
    t0 = time.perf_counter()
    world.api.patch("deployments", name, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27"}]}}}})
    world.settle()

    def rolled() -> bool:
        dep = world.store.peek("deployments.apps", "default", name)
        status = dep.get("status", {})
        spec_replicas = dep["spec"].get("replicas", 1)
        return (status.get("observedGeneration") == dep["metadata"].get("generation")
                and status.get("updatedReplicas") == spec_replicas
                and status.get("availableReplicas") == spec_replicas
                and status.get("replicas") == spec_replicas)

    virtual = _advance_until(world, rolled, step=1.0)
    return time.perf_counter() - t0, virtual


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.sim.bench cluster")
    parser.add_argument("--deployments", type=int, default=5000)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--memory", action="store_true", help="also measure peak memory (a separate, slower pass)")
    args = parser.parse_args(argv)
    base = {"deployments": args.deployments, "replicas": args.replicas}

    def emit(figure: str, value: float, unit: str) -> None:
        sys.stdout.write(json.dumps({"figure": figure, "value": round(value, 4), "unit": unit, **base}) + "\n")
        sys.stdout.flush()

    world, figures = build(args.deployments, args.replicas)
    emit("reconcile_from_scratch", figures["reconcile_from_scratch"], "s")
    emit("pods", figures["pods"], "pods")
    emit("nodes", float(len(world.nodes)), "nodes")
    emit("virtual_time_to_ready", figures["virtual_seconds"], "virtual s")
    wall, virtual = roll_one(world)
    emit("roll_one", wall, "s")
    emit("roll_one_virtual", virtual, "virtual s")
    if args.memory:
        del world
        tracemalloc.start()
        world, _ = build(args.deployments, args.replicas)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        emit("peak_memory", peak / 1e6, "MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
