"""A classroom under load: dozens of learners typing lesson commands in
their terminals at once, against one server process, with the instructor's
dashboard open.

    python -m lab.classrooms.loadtest [--learners 36] [--rounds 2] [--think 0.5] [--url URL]

Without --url it migrates a fresh SQLite database in a temporary folder and
starts one server process on it (`manage.py runserver`, i.e. daphne); with
--url it uses a running server whose database this process can reach through
the same settings (DATABASE_URL, LAB_VAR_DIR). It makes an instructor, a
classroom on the lesson service-intro and the learners, opens each
learner's lab for the lesson, then every learner opens a terminal
websocket and runs the lesson's first step and a few reading commands,
`--rounds` times, pausing about `--think` seconds between commands (drawn
from 0.5 to 1.5 times it, the first pause from 0 to it, seeded per learner). It prints one
JSON line per figure: command latency percentiles (input sent -> result
received), how long a passed step took to reach the dashboard, the
refusals, and the machine's load average (figures on a busy machine are
noisy upwards).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LESSON = "service-intro"
HOST = "kube-node01"
PASSWORD = "kube-proxy-rules-42"

#: one round of a learner's work: the first step, then looking around
ROUND = [
    "cd ~/yaml && kubectl create -f pod_nginx.yml -f pod_busybox.yml",
    "kubectl wait --for=condition=Ready pod/nginx-pod pod/busybox-pod",
    "kubectl get pod -o wide",
    "NGINX_IP=$(kubectl get pod nginx-pod -o jsonpath='{.status.podIP}'); echo $NGINX_IP",
    "curl -s $NGINX_IP | head -4",
    "kubectl get pod nope",
    "kubectl delete pod nginx-pod busybox-pod",
]


def percentiles(samples: list[float], points: tuple[int, ...] = (50, 90, 95, 99)) -> dict[str, float]:
    """{"p50": ..., "max": ..., "mean": ...} in milliseconds, nearest-rank percentiles."""
    if not samples:
        return {}
    ordered = sorted(samples)
    out = {f"p{p}": round(1000 * ordered[max(0, -(-p * len(ordered) // 100) - 1)], 1) for p in points}
    out["max"] = round(1000 * ordered[-1], 1)
    out["mean"] = round(1000 * statistics.fmean(ordered), 1)
    return out


# ---- set-up through Django (this process, same database as the server) ---------------------

def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")
    import django

    django.setup()


def make_class(learners: int) -> tuple[int, str, list[str]]:
    """The instructor's session, the classroom and each learner's session key."""
    from django.contrib.auth.models import User
    from django.test import Client

    from lab.accounts.roles import INSTRUCTOR, ensure_roles, make_learner
    from lab.classrooms.models import Classroom, Membership

    def session(user: Any) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    stamp = int(time.time())
    teacher = User.objects.create_user(f"load-teacher-{stamp}", password=PASSWORD)
    teacher.groups.add(ensure_roles()[INSTRUCTOR])
    classroom = Classroom.objects.create(name=f"Load test {stamp}", instructor=teacher, lessons=[LESSON])
    keys = []
    for n in range(learners):
        user = User.objects.create_user(f"load-{stamp}-{n:03d}", password=PASSWORD)
        make_learner(user)
        Membership.objects.create(classroom=classroom, learner=user)
        keys.append(session(user))
    return classroom.pk, session(teacher), keys


def open_lesson_lab(url: str, session_key: str) -> None:
    """As the learner clicking "Start": the lab named after the lesson, on the lesson."""
    request = urllib.request.Request(f"{url}/lab/{LESSON}/?lesson={LESSON}",
                                     headers={"Cookie": f"sessionid={session_key}"})
    with urllib.request.urlopen(request, timeout=300) as answer:
        answer.read()


# ---- the server ----------------------------------------------------------------------------

def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(Path(env["LAB_VAR_DIR"]) / "server.log", "w")
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start: see " + str(Path(env["LAB_VAR_DIR"]) / "server.log"))
        time.sleep(0.3)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the simulated people ---------------------------------------------------------------------

async def connect(url: str, path: str, session_key: str):
    import websockets

    ws_url = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + path
    return await websockets.connect(ws_url, origin=url, max_size=2**24, open_timeout=120,
                                    additional_headers={"Cookie": f"sessionid={session_key}"})


async def learner(url: str, key: str, rounds: int, think: float, stats: dict[str, Any], seed: int) -> None:
    """One learner: a terminal; pauses drawn around `think` (seeded), the first one
    from 0 to `think`, so learners do not type in lockstep."""
    pauses = random.Random(seed)
    ws = await connect(url, f"/ws/lab/{LESSON}/terminal/?host={HOST}", key)
    try:
        async def until(kind: str) -> dict:
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "error":
                    stats["errors"][message["code"]] = stats["errors"].get(message["code"], 0) + 1
                    if message["code"] in ("too-many-requests", "busy"):
                        continue
                if message["type"] == kind:
                    return message

        await until("prompt")
        await asyncio.sleep(pauses.uniform(0, think))
        for _ in range(rounds):
            for line in ROUND:
                started = time.perf_counter()
                if line == ROUND[1]:
                    stats["step_sent"][key] = time.monotonic()
                await ws.send(json.dumps({"type": "input", "line": line}))
                await until("result")
                stats["latency"].append(time.perf_counter() - started)
                await until("prompt")
                await asyncio.sleep(pauses.uniform(0.5 * think, 1.5 * think))
    finally:
        await ws.close()


async def dashboard(url: str, classroom: int, key: str, stats: dict[str, Any], ready: asyncio.Event,
                    stop: asyncio.Event) -> None:
    ws = await connect(url, f"/ws/classrooms/{classroom}/dashboard/?lesson={LESSON}", key)
    snapshot = json.loads(await ws.recv())
    assert snapshot["type"] == "snapshot", snapshot
    keys_by_user = stats["keys_by_user"]
    ready.set()
    seen: set[int] = set()
    while not stop.is_set():
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
        except asyncio.TimeoutError:
            continue
        if message.get("type") != "learner":
            continue
        stats["updates"] += 1
        row = message["learner"]
        user = row["learner"]["id"]
        if "two-pods" in row["passed"] and user not in seen:
            seen.add(user)
            sent = stats["step_sent"].get(keys_by_user.get(user, ""))
            if sent is not None:
                stats["to_dashboard"].append(time.monotonic() - sent)
    await ws.close()


async def run_learners(url: str, classroom: int, teacher: str, keys: list[str], rounds: int, think: float,
                       stats: dict[str, Any]) -> float:
    ready, stop = asyncio.Event(), asyncio.Event()
    watcher = asyncio.create_task(dashboard(url, classroom, teacher, stats, ready, stop))
    await ready.wait()
    started = time.perf_counter()
    await asyncio.gather(*(learner(url, key, rounds, think, stats, seed) for seed, key in enumerate(keys)))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(1.0)  # the last rows on their way to the dashboard
    stop.set()
    await watcher
    return elapsed


def learner_ids(keys: list[str]) -> dict[int, str]:
    from django.contrib.sessions.backends.db import SessionStore

    return {int(SessionStore(session_key=key)["_auth_user_id"]): key for key in keys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.classrooms.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=36)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.5, help="seconds between a learner's commands")
    parser.add_argument("--url", help="a running server (default: start one on a fresh SQLite database)")
    args = parser.parse_args(argv)

    server = None
    var = None
    env = {k: v for k, v in os.environ.items()}
    if args.url:
        url = args.url.rstrip("/")
    else:
        var = tempfile.TemporaryDirectory(prefix="lab-loadtest-")
        env.update(LAB_VAR_DIR=var.name, DEBUG="true", PYTHONUNBUFFERED="1")
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        port = free_port()
        server = start_server(env, port)
        url = f"http://127.0.0.1:{port}"
    try:
        setup_django({k: env[k] for k in ("LAB_VAR_DIR", "DEBUG") if k in env})
        classroom, teacher, keys = make_class(args.learners)
        t0 = time.perf_counter()
        for key in keys:
            open_lesson_lab(url, key)
        opened = time.perf_counter() - t0
        stats: dict[str, Any] = {"latency": [], "errors": {}, "step_sent": {}, "updates": 0, "to_dashboard": [],
                                 "keys_by_user": learner_ids(keys)}
        elapsed = asyncio.run(run_learners(url, classroom, teacher, keys, args.rounds, args.think, stats))
        figures = [
            {"figure": "setup", "learners": args.learners, "labs_opened_s": round(opened, 1),
             "per_lab_ms": round(1000 * opened / max(1, args.learners), 1)},
            {"figure": "command_latency_ms", "commands": len(stats["latency"]), **percentiles(stats["latency"]),
             "wall_s": round(elapsed, 1), "commands_per_s": round(len(stats["latency"]) / elapsed, 1)},
            {"figure": "step_to_dashboard_ms", "passes_seen": len(stats["to_dashboard"]),
             **percentiles(stats["to_dashboard"])},
            {"figure": "dashboard_updates", "received": stats["updates"]},
            {"figure": "refusals", **stats["errors"]},
            {"figure": "machine", "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        ]
        for figure in figures:
            print(json.dumps(figure), flush=True)
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if var is not None:
            var.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
