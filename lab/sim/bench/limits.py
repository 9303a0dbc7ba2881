"""`python -m lab.sim.bench limits`: how long runaway command lines run
before the lab's limits (lab.sim.limits) stop them, with the default
limits, on a fresh kubeadm lab. This is the engine time one learner's
`while true; do ...; done` can take from a server worker.

Prints one JSON object per line: {"figure": F, "value": V, "unit": "s",
"stopped_by": <the last line of stderr>, "repeat": N}; the value is the
minimum of N runs (the machine's other load only ever adds time).

Figures: create_loop (`kubectl create deployment` with a new name each
iteration), create_same (the same name: AlreadyExists each time),
sleep_loop (`sleep 10` forever), output_loop (`cat` of a 64 KiB file
forever), doubling_variable (`x=$x$x` forever).
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time

from ..world import World

LINES = {
    "create_loop": "i=0; while true; do kubectl create deployment d$i --image=nginx; i=$((i+1)); done",
    "create_same": "while true; do kubectl create deployment web --image=nginx; done",
    "sleep_loop": "while true; do sleep 10; done",
    "output_loop": "while true; do cat /root/big; done",
    "doubling_variable": "x=ab; while true; do x=$x$x; done",
}


def run_once(state: dict, line: str) -> tuple[float, str]:
    world = World.from_state(copy.deepcopy(state))
    t0 = time.perf_counter()
    result = world.run(line)
    elapsed = time.perf_counter() - t0
    return elapsed, result.stderr.rstrip("\n").rpartition("\n")[2]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.sim.bench limits")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("figures", nargs="*", help=f"some of {', '.join(LINES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [f for f in args.figures if f not in LINES]
    if unknown:
        parser.error(f"unknown figures {unknown}; choose from {list(LINES)}")
    world = World.from_profile("kubeadm")
    world.hosts[world.default_host].fs.write("/root/big", ("0123456789abcde\n" * 4096))
    state = world.to_state()
    for figure in args.figures or list(LINES):
        runs = [run_once(state, LINES[figure]) for _ in range(args.repeat)]
        best = min(t for t, _ in runs)
        sys.stdout.write(json.dumps({"figure": figure, "value": round(best, 4), "unit": "s",
                                     "stopped_by": runs[0][1], "repeat": args.repeat}) + "\n")
    return 0
