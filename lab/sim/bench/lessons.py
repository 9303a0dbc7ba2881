"""`python -m lab.sim.bench lessons`: what the guided lessons cost.

For each lesson: the time `verify` takes to play its solution path (a fresh
World, the lesson's files and set-up, every step's lines, a save/load
between steps, the checks), then, in the world its solution leaves,
the time one `evaluate(world, lesson)` takes (what the terminal path pays
after every command: the fastest of --repeat runs, each with no rendered
rules remembered, as after a command), and the size of the
command journal in the saved state. With --extra-services N, N more
ClusterIP Services (each with one endpoint address) are added before
timing evaluate again: rule checks render a node's whole ruleset.

Prints one JSON object per line: {"figure": F, "value": V, "unit": U, "lesson": SLUG}.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ..lessons import checks, evaluate, load_all, verify
from ..lessons.play import start
from ..shell import journal
from ..shell.session import ShellSession
from ..world import World


def _emit(figure: str, value: float, unit: str, **extra: Any) -> None:
    sys.stdout.write(json.dumps({"figure": figure, "value": value, "unit": unit, **extra}) + "\n")


def _solved_world(lesson: Any) -> World:
    """The world after the whole solution path, without the checks and reloads of verify."""
    world = World.from_profile(lesson.profile)
    start(world, lesson)
    sessions: dict[str, ShellSession] = {}
    from ..lessons.play import prepare_step
    for i, step in enumerate(lesson.steps):
        if i:
            prepare_step(world, lesson, step.id)
        for cmd in step.solution:
            host = cmd.host or lesson.host
            sessions.setdefault(host, ShellSession(world, host)).run(cmd.run, cmd.stdin)
    return world


def _fastest(fn: Any, repeat: int) -> float:
    """The fastest of `repeat` runs, each cold (rendered rules and diagnoses forgotten, as after a command)."""
    best = float("inf")
    for _ in range(repeat):
        checks._RENDERED.clear()
        checks._DIAGNOSES.clear()
        checks._SCRATCH.clear()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _after_read_only(world: World, lesson: Any, repeat: int) -> float:
    """evaluate() after a command that changes nothing the doctor reads, each on a freshly
    loaded World as the web path runs it (the doctor checks' diagnoses are remembered by content)."""
    evaluate(world, lesson)
    best = float("inf")
    for _ in range(repeat):
        fresh = World.from_state(world.to_state())
        fresh.run("iptables-save -t nat")
        checks._RENDERED.clear()
        t = time.perf_counter()
        evaluate(fresh, lesson)
        best = min(best, time.perf_counter() - t)
    return best


def _add_services(world: World, n: int) -> None:
    for i in range(n):
        name = f"bench-{i:05d}"
        world.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
                          "spec": {"ports": [{"port": 80}]}})
        world.api.create({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "default"},
                          "subsets": [{"addresses": [{"ip": f"10.244.{1 + i // 250 % 2}.{i % 250 + 2}"}],
                                       "ports": [{"port": 80}]}]})
    world.settle()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.sim.bench lessons")
    parser.add_argument("slugs", nargs="*", help="lessons (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="evaluate runs; the fastest is printed")
    parser.add_argument("--extra-services", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    for lesson in load_all():
        if args.slugs and lesson.slug not in args.slugs:
            continue
        t = time.perf_counter()
        report = verify(lesson)
        _emit("verify", round(time.perf_counter() - t, 3), "s", lesson=lesson.slug, steps=len(lesson.steps),
              ok=report.ok)
        world = _solved_world(lesson)
        _emit("evaluate", round(_fastest(lambda: evaluate(world, lesson), args.repeat) * 1000, 2), "ms",
              lesson=lesson.slug, checks=sum(len(s.checks) for s in lesson.steps))
        if any(c.kind == "doctor" for s in lesson.steps for c in s.checks):
            _emit("evaluate_after_read", round(_after_read_only(world, lesson, args.repeat) * 1000, 2), "ms",
                  lesson=lesson.slug, command="iptables-save -t nat")
        state = world.to_state()
        _emit("journal_bytes", len(json.dumps(state["runtime"].get(journal.RUNTIME_KEY, {}))), "bytes",
              lesson=lesson.slug, lines=len(journal.entries(world)))
        if args.extra_services:
            _add_services(world, args.extra_services)
            _emit("evaluate_with_services", round(_fastest(lambda: evaluate(world, lesson), args.repeat) * 1000, 2),
                  "ms", lesson=lesson.slug, services=args.extra_services)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
