"""What the editor's live lint costs: the check itself and the endpoint.

    python -m lab.bench.lint [--repeat 20]

Prints JSON lines (one per figure), milliseconds:

- `lint_text`: lab.labs.lint.lint_text on the first tutorial's
  service_nginx.yml (nodePort 8999: one diagnostic) against a kubeadm World;
- `load_world`: World.from_state of that lab (the endpoint loads the stored
  lab for every call; the dry run must not touch a World that is saved);
- `endpoint`: POST /lab/<name>/lint/ through Django (a fresh SQLite
  database in a temporary directory), the whole round trip.

Each is the minimum and the median of --repeat calls; on a machine other
work loads, the minimum is the steadier figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from typing import Callable

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  ports:
  - port: 8999
    nodePort: 8999
    targetPort: nginx-port
    protocol: TCP
  selector:
    app: nginx
  type: NodePort
"""


def timed(fn: Callable[[], object], repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"min_ms": round(min(times), 2), "median_ms": round(statistics.median(times), 2), "repeat": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ["LAB_VAR_DIR"] = tempfile.mkdtemp(prefix="lab-bench-lint-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from lab.labs.lint import lint_text
    from lab.sim.world import World

    call_command("migrate", verbosity=0)
    world = World.from_profile("kubeadm")
    assert len(lint_text(world, SERVICE, "/root/service_nginx.yml")) == 1
    print(json.dumps({"figure": "lint_text", **timed(lambda: lint_text(world, SERVICE, "/root/service_nginx.yml"),
                                                      args.repeat)}))
    state = world.to_state()
    print(json.dumps({"figure": "load_world", **timed(lambda: World.from_state(state), max(3, args.repeat // 4))}))
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/lab/")
    body = json.dumps({"text": SERVICE, "path": "/root/service_nginx.yml"})

    def post() -> None:
        answer = client.post("/lab/default/lint/", data=body, content_type="application/json")
        assert answer.status_code == 200 and len(answer.json()["diagnostics"]) == 1

    print(json.dumps({"figure": "endpoint", **timed(post, args.repeat)}))


if __name__ == "__main__":
    main()
