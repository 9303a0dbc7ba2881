"""Two server processes (daphne) on one Redis and one PostgreSQL: a command
typed on a terminal of one reaches a live socket on the other, one runner
(one clock) serves the lab for both, and when the process hosting it dies
the other takes the lab over once the lease lapses.

Skips, saying why, when Redis or PostgreSQL does not answer.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import postgres_url, reachable, redis_url

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 40

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]


@pytest.fixture
def services():
    """(DATABASE_URL of a fresh PostgreSQL database, REDIS_URL); the database is dropped afterwards."""
    pg, why = postgres_url()
    if pg is None:
        pytest.skip(why)
    redis = redis_url()
    why = reachable(redis, 6379)
    if why:
        pytest.skip(f"Redis tests skipped: {why}; set REDIS_URL=redis://HOST:PORT/DB")
    websockets = pytest.importorskip("websockets", reason="pip install -r requirements-test.txt")
    del websockets
    import psycopg

    name = f"servicelab_mp_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg.rsplit("/", 1)[0] + "/" + name, redis
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from lab.labs.persistence import create_lab
with connection.cursor() as cursor:
    # A lab id of its own: the channel groups on the shared Redis are named by it.
    cursor.execute("ALTER SEQUENCE labs_lab_id_seq RESTART WITH {first_id}")
session = SessionStore()
session["labs"] = ["default"]
session.create()
lab = create_lab("default", session_key=session.session_key)
print("LAB", session.session_key, lab.pk)
"""


class Servers:
    """Two daphne processes on the same database and Redis."""

    def __init__(self, database_url: str, redis: str):
        self.var = tempfile.TemporaryDirectory(prefix="lab-mp-")
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis, "LAB_VAR_DIR": self.var.name,
                    "DEBUG": "true", "LAB_CLOCK_AUTOPLAY": "true", "PYTHONUNBUFFERED": "1"}
        self.manage = [sys.executable, str(ROOT / "manage.py")]
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def setup_lab(self) -> tuple[str, int]:
        subprocess.run([*self.manage, "migrate", "-v0"], cwd=ROOT, env=self.env, check=True)
        code = SETUP.format(first_id=random.randrange(10**6, 10**9))
        out = subprocess.run([*self.manage, "shell", "-c", code], cwd=ROOT, env=self.env, check=True,
                             capture_output=True, text=True).stdout
        _, key, lab_id = next(line for line in out.splitlines() if line.startswith("LAB ")).split()
        return key, int(lab_id)

    def start(self, count: int = 2) -> None:
        for index in range(count):
            port = free_port()
            log = open(Path(self.var.name) / f"server{index}.log", "w")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "lab.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))
            self.ports.append(port)
        for proc, port in zip(self.procs, self.ports):
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server on port {port} did not start: " + self.logs())
                time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(Path(self.var.name).glob("server*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.var.cleanup()


def lease_holders(database_url: str, lab_id: int) -> list[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return [row[0] for row in conn.execute("SELECT holder FROM labs_runnerlease WHERE lab_id = %s", (lab_id,))]


async def connect(port: int, path: str, key: str):
    from websockets.asyncio.client import connect as ws_connect

    return await ws_connect(f"ws://127.0.0.1:{port}{path}", origin=f"http://127.0.0.1:{port}",
                            additional_headers={"Cookie": f"sessionid={key}"}, max_size=None)


async def next_of(ws, *kinds: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message["type"] in kinds:
            return message


async def run(term, line: str) -> tuple[str, dict]:
    await term.send(json.dumps({"type": "input", "line": line}))
    text = ""
    while True:
        message = await next_of(term, "output", "result", "error")
        if message["type"] == "output":
            text += message["text"]
        else:
            return text, message


def names_in(message: dict) -> set[str]:
    if message["type"] == "snapshot":
        return {o["metadata"]["name"] for o in message["objects"] if o["kind"] == "Namespace"}
    return {e["object"]["metadata"]["name"] for e in message["events"] if e["object"]["kind"] == "Namespace"}


@pytest.mark.asyncio
async def test_two_server_processes_one_runner_and_a_takeover(services):
    database_url, redis = services
    servers = Servers(database_url, redis)
    try:
        key, lab_id = servers.setup_lab()
        servers.start(2)
        port_a, port_b = servers.ports
        pid_a, pid_b = (str(p.pid) for p in servers.procs)

        # A live socket on B first: B takes the lease and hosts the lab.
        live_b = await connect(port_b, "/ws/lab/default/live/", key)
        snapshot_b = await next_of(live_b, "snapshot")
        [holder] = lease_holders(database_url, lab_id)
        assert holder.split(":")[1] == pid_b
        live_a = await connect(port_a, "/ws/lab/default/live/", key)
        snapshot_a = await next_of(live_a, "snapshot")
        # One runner serves both processes' sockets.
        assert snapshot_a["runner"] == snapshot_b["runner"]

        # A command typed on a terminal of A runs in B's runner, and reaches the live socket on B.
        term_a = await connect(port_a, "/ws/lab/default/terminal/", key)
        assert (await next_of(term_a, "hello"))["host"] == "k8s-master"
        await next_of(term_a, "prompt")
        text, result = await run(term_a, "kubectl create namespace crossing")
        assert (text, result["status"]) == ("namespace/crossing created\n", 0)
        seen_b = await next_of(live_b, "watch")
        while "crossing" not in names_in(seen_b):
            seen_b = await next_of(live_b, "watch")
        finished = await next_of(live_b, "command")
        assert (finished["line"], finished["status"]) == ("kubectl create namespace crossing", 0)
        assert "crossing" in names_in(await next_of(live_a, "watch"))

        # One clock: both sockets see the same ticks, from the one runner.
        ticks_a = [(await next_of(live_a, "clock"))["now"] for _ in range(3)]
        ticks_b = [(await next_of(live_b, "clock"))["now"] for _ in range(6)]
        assert set(ticks_a) & set(ticks_b)
        assert lease_holders(database_url, lab_id) == [holder]

        # B dies without letting go: once its lease lapses, A takes the lab over.
        servers.procs[1].kill()
        servers.procs[1].wait()
        started = time.monotonic()
        text, result = await run(term_a, "kubectl create namespace after")
        assert (text, result["status"]) == ("namespace/after created\n", 0)
        assert time.monotonic() - started < 30
        [holder] = lease_holders(database_url, lab_id)
        assert holder.split(":")[1] == pid_a
        # A's live socket learns of the new runner and is brought up to date: nothing lost.
        synced = await next_of(live_a, "resumed", "snapshot")
        assert synced["runner"] != snapshot_a["runner"]
        if synced["type"] == "snapshot":
            assert {"crossing", "after"} <= names_in(synced)
        else:
            assert "after" in names_in(synced)
        for ws in (live_a, term_a):
            await ws.close()
        await live_b.close()
    except Exception:
        print(servers.logs())
        raise
    finally:
        servers.stop()
