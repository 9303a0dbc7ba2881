"""`python -m lab.sim.bench doctor`: how long one diagnosis takes in a big cluster.

Builds the cluster benchmark's world (N Deployments of R replicas, every
Pod ready), gives every Deployment a ClusterIP Service, lets kube-proxy
sync, then diagnoses one healthy Service and one whose selector matches
nothing, from a node and from a Pod, K times each. Prints one JSON object
per line: {"figure": F, "value": V, "unit": U, "services": N, ...}; the
value is the minimum over the K runs (the least disturbed by other load on
the machine), `median` beside it.

Figures: diagnose_node_healthy, diagnose_pod_healthy, diagnose_node_broken
(ms), plus build (s) for the setup.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from ..doctor import diagnose
from .cluster import build


def _service(i: int) -> dict[str, Any]:
    name = f"app-{i:05d}"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]}}


def _timed(fn: Any, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return min(samples), statistics.median(samples)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.sim.bench doctor")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    base = {"services": args.services, "replicas": args.replicas, "runs": args.runs}

    def emit(figure: str, value: float, unit: str, **extra: Any) -> None:
        sys.stdout.write(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **extra, **base})
                         + "\n")
        sys.stdout.flush()

    t0 = time.perf_counter()
    world, _ = build(args.services, args.replicas)
    for i in range(args.services):
        world.api.create(_service(i))
    world.api.patch("services", "app-00001", {"spec": {"selector": {"app": "nothing"}}})
    world.settle()
    emit("build", time.perf_counter() - t0, "s")
    pod = next(iter(world.store.with_labels("pods", "default", {"app": "app-00002"})))["metadata"]["name"]
    cases = {"diagnose_node_healthy": ("app-00000", world.default_host),
             "diagnose_pod_healthy": ("app-00000", f"pod/{pod}"),
             "diagnose_node_broken": ("app-00001", world.default_host)}
    for figure, (name, source) in cases.items():
        best, median = _timed(lambda: diagnose(world, "default", name, source), args.runs)
        emit(figure, best, "ms", median=round(median, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
