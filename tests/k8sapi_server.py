"""A lab server for real Kubernetes clients: daphne over TLS on a free port,
with its own SQLite database in a temporary directory (pytest-django's
live_server is WSGI and cannot stream watches; kubectl sends its token to
https servers only).

`lab_api` (session fixture) gives a LabApi: `kubeconfig(lab, rate)` writes a
kubeconfig for a command-line lab (created on first use, as labsh does),
`labsh(lab, line)` runs the built-in kubectl on the same stored lab, and
`kubectl(path, *args)` runs the real binary.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KUBECTL = shutil.which("kubectl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Run:
    stdout: str
    stderr: str
    status: int


@dataclass
class LabApi:
    url: str
    var: Path
    env: dict

    def manage(self, *args: str, stdin: str = "") -> Run:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=120)
        return Run(done.stdout, done.stderr, done.returncode)

    def kubeconfig(self, lab: str, rate: float = 0.0) -> Path:
        """A kubeconfig file for command-line lab `lab`, its clock at `rate` virtual seconds per second."""
        run = self.manage("labkubeconfig", lab, "--server", self.url, "--clock-rate", str(rate))
        assert run.status == 0, run.stderr
        path = self.var / f"{lab}.kubeconfig"
        path.write_text(run.stdout)
        return path

    def labsh(self, lab: str, line: str, stdin: str = "") -> Run:
        """A command line run by the lab's own shell (the built-in kubectl)."""
        return self.manage("labsh", "--lab", lab, line, stdin=stdin)

    def kubectl(self, kubeconfig: Path, *args: str, stdin: str = "") -> Run:
        """The real kubectl binary against the lab; its cache in the server's directory."""
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.var), "KUBECONFIG": str(kubeconfig)}
        done = subprocess.run([KUBECTL or "kubectl", *args], env=env, input=stdin, capture_output=True, text=True,
                              timeout=120, cwd=self.var)
        return Run(done.stdout, done.stderr, done.returncode)


@pytest.fixture(scope="session")
def lab_api():
    var = tempfile.TemporaryDirectory(prefix="lab-k8sapi-")
    env = {**os.environ, "LAB_VAR_DIR": var.name, "DEBUG": "true", "PYTHONUNBUFFERED": "1",
           "LAB_API_CLOCK_RATE": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "labcert"], cwd=ROOT, env=env, check=True, capture_output=True)
    tls = Path(var.name) / "tls"
    port = free_port()
    log = open(Path(var.name) / "server.log", "w")
    daphne = str(Path(sys.executable).with_name("daphne"))
    server = subprocess.Popen(
        [daphne, "-e", f"ssl:{port}:interface=127.0.0.1:privateKey={tls / 'lab-server.key'}:certKey={tls / 'lab-server.crt'}",
         "lab.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(tls / "lab-server.crt"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2, context=context) as answer:
                    if answer.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("the lab server did not start:\n" + (Path(var.name) / "server.log").read_text())
            time.sleep(0.2)
        yield LabApi(url, Path(var.name), env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        var.cleanup()
