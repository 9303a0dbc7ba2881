"""The lab runner's speed, measured in-process through the ASGI application
(Channels' in-memory layer, a SQLite database in a temporary directory).

    python -m lab.bench.live [--pods 50] [--repeat 10]

Prints JSON lines (one per figure, milliseconds; minimum and median of the
repeats):

- `terminal_roundtrip`: `true` typed in a terminal until its prompt came
  back (through the runner: the command, the save, the messages);
- `command_to_watch`: `kubectl scale` of a Deployment in a lab with --pods
  Pods, from the input until the live socket had the first watch event of
  it, and until the terminal had the result;
- `save`: one save_world of that lab (what the runner pays after each
  command and every few seconds of play) and the World's to_state();
- `tick`: one step of the clock (0.5 s of virtual time and the flush of
  what changed) with the World's lock held;
- `resume`: a live socket reconnecting with the last resourceVersion until
  its `resumed` answer, and a fresh one until its `snapshot`, with its size.

Figures taken while other work loads the machine are noisy: the minimum is
the steadier one.
"""
from __future__ import annotations

import argparse
import asyncio
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
    parser.add_argument("--pods", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    var = tempfile.TemporaryDirectory(prefix="lab-bench-live-")
    os.environ["LAB_VAR_DIR"] = var.name
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.LAB_CLOCK_AUTOPLAY = False
    call_command("migrate", verbosity=0)
    try:
        asyncio.run(bench(args.pods, args.repeat))
    finally:
        var.cleanup()


async def bench(pods: int, repeat: int) -> None:
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.sessions.backends.db import SessionStore

    from lab.asgi import application
    from lab.labs.hub import close_hub, hub
    from lab.labs.models import Lab
    from lab.labs.persistence import create_lab, save_world

    def new_lab() -> str:
        session = SessionStore()
        session["labs"] = ["bench"]
        session.create()
        create_lab("bench", session_key=session.session_key)
        return session.session_key

    key = await sync_to_async(new_lab)()
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
               (b"cookie", f"sessionid={key}".encode())]

    def socket(path: str) -> WebsocketCommunicator:
        return WebsocketCommunicator(application, path, headers=headers)

    async def until(comm, kind: str) -> dict:
        while True:
            message = await comm.receive_json_from(timeout=120)
            if message["type"] == kind:
                return message

    term = socket("/ws/lab/bench/terminal/")
    await term.connect()
    await until(term, "prompt")
    live = socket("/ws/lab/bench/live/")
    await live.connect()
    await until(live, "snapshot")
    lab_id = await sync_to_async(lambda: Lab.objects.get().pk)()
    runner = hub().hosted[lab_id].runner
    runner.set_speed(100.0)

    async def line(text: str) -> dict:
        await term.send_json_to({"type": "input", "line": text})
        result = await until(term, "result")
        await until(term, "prompt")
        return result

    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await line("true")
        samples.append((time.perf_counter() - start) * 1000)
    figure("terminal_roundtrip", samples)

    await line(f"kubectl create deployment web --image=nginx --replicas={pods}")
    await line("kubectl rollout status deployment/web")
    await drain(live)
    to_watch, to_result = [], []
    for i in range(repeat):
        start = time.perf_counter()
        await term.send_json_to({"type": "input", "line": f"kubectl scale deployment web --replicas={pods + 1 - i % 2}"})
        await until(live, "watch")
        to_watch.append((time.perf_counter() - start) * 1000)
        await until(term, "result")
        to_result.append((time.perf_counter() - start) * 1000)
        await until(term, "prompt")
        await line("sleep 2")
        await drain(live)
    figure("command_to_watch", to_watch, pods=pods)
    figure("command_to_result", to_result, pods=pods)

    def measure_saves() -> tuple[list[float], list[float]]:
        saves, states = [], []
        with runner.cond:
            for _ in range(repeat):
                runner.world.advance(1.0)  # something to write, as after a second of play
                start = time.perf_counter()
                runner.world.to_state()
                states.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                runner.revision = save_world(runner.lab, runner.world, runner.revision)
                saves.append((time.perf_counter() - start) * 1000)
        return saves, states

    saves, states = await sync_to_async(measure_saves, thread_sensitive=False)()
    figure("save", saves, pods=pods, objects=len(runner.world.store))
    figure("to_state", states, pods=pods)

    def measure_ticks() -> list[float]:
        ticks = []
        with runner.cond:
            for _ in range(repeat * 5):
                start = time.perf_counter()
                runner._advance_to(runner.world.clock.elapsed + 0.5)
                ticks.append((time.perf_counter() - start) * 1000)
        return ticks

    figure("tick", await sync_to_async(measure_ticks, thread_sensitive=False)(), pods=pods)
    await drain(live)

    resumes, snapshots, size = [], [], 0
    for _ in range(repeat):
        rv, runner_id = runner.published_rv, runner.id
        start = time.perf_counter()
        again = socket(f"/ws/lab/bench/live/?resourceVersion={rv}&runner={runner_id}")
        await again.connect()
        await until(again, "resumed")
        resumes.append((time.perf_counter() - start) * 1000)
        await again.disconnect()
        start = time.perf_counter()
        fresh = socket("/ws/lab/bench/live/")
        await fresh.connect()
        output = await fresh.receive_output(timeout=120)
        snapshots.append((time.perf_counter() - start) * 1000)
        size = len(output["text"])
        await fresh.disconnect()
    figure("resume", resumes, pods=pods)
    figure("snapshot", snapshots, pods=pods, bytes=size)
    await live.disconnect()
    await term.disconnect()
    await close_hub()


async def drain(comm) -> None:
    """Drop what the socket has queued (ticks, earlier events)."""
    while not await comm.receive_nothing(timeout=0.2):
        await comm.receive_output(timeout=1)


if __name__ == "__main__":
    main()
