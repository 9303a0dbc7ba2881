"""`manage.py labapibench [--services N] [--repeat R]`: how long a lab's API takes per request.

Runs requests through the Django stack in this process (no network, no TLS)
against the configured database, on a command-line lab `apibench` recreated
with N extra Services (and their Endpoints and EndpointSlices), and prints
one JSON object per figure: the minimum and the median of R runs, in
milliseconds. The clock stands still (rate 0), so every run sees the same lab.

    discovery        GET /apis, aggregated (no World)
    openapi_v3       GET /openapi/v3/api/v1 (cached after the first run)
    list_table       GET /api/v1/namespaces/default/services as a Table (kubectl get svc)
    get_one          GET one Service as JSON
    create_delete    POST a Service, then DELETE it (two write transactions)
    watch_idle_poll  one poll of an open watch on a lab nobody changed (two queries)
    watch_busy_poll  one poll after a change (loads the World)
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Any, Callable

from django.core.management.base import BaseCommand
from django.test import Client

from lab.k8sapi import paths
from lab.k8sapi.handlers import ApiRequest
from lab.k8sapi.models import access_for
from lab.k8sapi.transaction import in_lab
from lab.k8sapi.watch import Watch
from lab.labs.persistence import create_lab, get_cli_lab

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def _timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return {"min_ms": round(min(runs), 2), "median_ms": round(statistics.median(runs), 2), "runs": repeat}


class Command(BaseCommand):
    help = "Time the per-lab Kubernetes API's requests (JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=0, help="extra Services in the lab")
        parser.add_argument("--repeat", type=int, default=10)

    def handle(self, *args, services: int, repeat: int, **options):
        old = get_cli_lab("apibench")
        if old is not None:
            old.delete()
        lab = create_lab("apibench")
        access = access_for(lab)
        access.clock_rate = 0.0
        access.save()

        def add(world):
            for n in range(services):
                world.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{n}"},
                                  "spec": {"selector": {"app": f"a{n}"}, "ports": [{"port": 80}]}})
        if services:
            in_lab(lab, add, write=True)
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {access.token}")
        base = f"/k8s/{lab.pk}"
        body = json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench"},
                           "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})

        def create_delete():
            assert client.post(f"{base}/api/v1/namespaces/default/services", body,
                               content_type="application/json").status_code == 201
            assert client.delete(f"{base}/api/v1/namespaces/default/services/bench").status_code == 200

        watch = Watch(lab, ApiRequest("GET", paths.parse("api/v1/namespaces/default/services"),
                                      {"watch": "1", "timeoutSeconds": "60"}))
        watch.start()

        def busy_poll():
            in_lab(lab, lambda world: world.api.patch("services", "kubernetes", {"metadata": {"labels": {
                "bench": str(time.perf_counter_ns())}}}, "merge", namespace="default"), write=True)
            start = time.perf_counter()
            watch.poll()
            return time.perf_counter() - start

        figures = {
            "discovery": lambda: client.get(f"{base}/apis", HTTP_ACCEPT=AGGREGATED),
            "openapi_v3": lambda: client.get(f"{base}/openapi/v3/api/v1"),
            "list_table": lambda: client.get(f"{base}/api/v1/namespaces/default/services", HTTP_ACCEPT=TABLE),
            "get_one": lambda: client.get(f"{base}/api/v1/namespaces/default/services/kubernetes"),
            "create_delete": create_delete,
            "watch_idle_poll": watch.poll,
        }
        for name, fn in figures.items():
            self.stdout.write(json.dumps({"figure": name, "services": services + 2, **_timed(fn, repeat)}))
        polls = [busy_poll() * 1000 for _ in range(repeat)]
        self.stdout.write(json.dumps({"figure": "watch_busy_poll", "services": services + 2,
                                      "min_ms": round(min(polls), 2), "median_ms": round(statistics.median(polls), 2),
                                      "runs": repeat}))
        lab.delete()
