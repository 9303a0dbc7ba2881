"""What the lab runner pays for a lesson after each command, off the
command's critical path (its result is published first), measured
in-process on a SQLite database in a temporary directory.

    python -m lab.bench.lesson [--lesson service-intro] [--steps 3] [--repeat 20]

Plays the solution of the lesson's first --steps steps in a lab that
follows it, then prints JSON lines (milliseconds; minimum and median):

- `evaluate`: the engine's evaluate() alone on the lab's World;
- `runner_progress`: what the runner calls after a command: evaluate, the
  progress rows read and updated, the step marks built (no set-up pending);
- `marks_bytes`: the size of the `lesson` message pushed to the pages.

Figures taken while other work loads the machine are noisy: the minimum is
the steadier one.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time


def figure(name: str, samples: list[float], **extra) -> None:
    print(json.dumps({"figure": name, "min_ms": round(min(samples), 2),
                      "median_ms": round(statistics.median(samples), 2), "n": len(samples), **extra}))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", default="service-intro")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    var = tempfile.TemporaryDirectory(prefix="lab-bench-lesson-")
    os.environ["LAB_VAR_DIR"] = var.name
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from lab.labs.persistence import create_lab, load_world, save_world
    from lab.lessons.progress import runner_progress, start_lesson, update_progress
    from lab.sim import lessons as engine
    from lab.sim.shell.session import ShellSession

    lesson = engine.get(args.lesson)
    if lesson is None:
        raise SystemExit(f"no lesson {args.lesson!r}")
    lab = create_lab("bench", lesson.profile)
    start_lesson(lab, lesson)
    shells: dict[str, ShellSession] = {}  # one per host for the whole path, as a terminal keeps its cwd
    for step in lesson.steps[:args.steps]:
        world = load_world(lab)
        for cmd in step.solution:
            host = cmd.host or lesson.host
            fresh = ShellSession(world, host)
            if host in shells:
                fresh.load_state(shells[host].to_state())
            shells[host] = fresh
            fresh.run(cmd.run, cmd.stdin)
        save_world(lab, world, expected_revision=lab.revision)
        update_progress(lab)
    lab.refresh_from_db()
    world = load_world(lab)
    evaluate, progress = [], []
    marks = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        engine.evaluate(world, lesson)
        evaluate.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        marks = runner_progress(lab, world, lambda: None)
        progress.append((time.perf_counter() - t) * 1000)
    passed = sum(1 for s in marks["steps"] if s["passed"])
    figure("evaluate", evaluate, lesson=args.lesson, passed=passed)
    figure("runner_progress", progress, lesson=args.lesson, passed=passed)
    print(json.dumps({"figure": "marks_bytes", "bytes": len(json.dumps(marks, ensure_ascii=False).encode())}))
    var.cleanup()


if __name__ == "__main__":
    main()
