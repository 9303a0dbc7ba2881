"""Browser tests: headless Debian chromium driven by Playwright, against a
daphne server (websockets; pytest-django's live_server is WSGI only) started
here on a free port with its own SQLite database.

Run apart from the rest of the suite (scripts/test does): sync Playwright
and pytest-asyncio in one pytest run break the async tests.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "var" / "screenshots"
#: the environment of the running lab_server (its database), for tests that set up data with manage.py
SERVER_ENV: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    why = None
    if not os.path.exists(CHROMIUM):
        why = f"browser tests skipped: no {CHROMIUM} (apt-get install chromium; scripts/test does as root)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            why = "browser tests skipped: playwright is not installed (pip install -r requirements-test.txt)"
    if why:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab_server():
    """The base URL of a daphne server on a fresh database; stopped at the end."""
    var = tempfile.TemporaryDirectory(prefix="lab-browser-")
    env = {**os.environ, "LAB_VAR_DIR": var.name, "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    SERVER_ENV.clear()
    SERVER_ENV.update(env)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    log = open(Path(var.name) / "server.log", "w")
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("the lab server did not start:\n" + (Path(var.name) / "server.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        var.cleanup()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def lab_server_env(lab_server) -> dict[str, str]:
    """The running lab_server's environment, to run manage.py on its database."""
    return dict(SERVER_ENV)
