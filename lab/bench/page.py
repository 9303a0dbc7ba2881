"""The lab page's weight and speed, measured in headless Chromium.

    python -m lab.bench.page [--pods 50] [--repeat 5] [--browser /usr/bin/chromium]

Prints JSON lines (one per figure):

- `bundle`: the committed bundle's files, raw and gzip-compressed bytes;
- `first_paint`: a fresh visit (the lab is created) and a repeat visit of
  /lab/<name>/: the browser's first contentful paint and the first useful
  paint, when the topology shows the cluster's nodes and the terminal its
  prompt (milliseconds from navigation start);
- `command_to_diagram`: in a lab with --pods Pods, a command sent to the
  terminal (bus "run-command") until the diagram shows what it did: a
  Deployment scaled up by one (a new Pod appears) and back down (it turns
  Terminating or goes), --repeat times each; the minimum and median, and the
  topology's own redraw time, and when the first watch event of the scale-up
  reached the page (the rest of the way is the server's: the command, its
  controllers, the save).

The server is started here (daphne through `manage.py runserver`, a fresh
SQLite database in a temporary directory), as the browser tests do.
Figures taken while other work loads the machine are noisy: the minimum of
the repeats is the steadier figure.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "lab" / "labs" / "static" / "labs" / "build"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: recorded in the page from its first script on: when the page became useful
USEFUL_PROBE = """
(() => {
  const probe = () => {
    const cy = window.serviceLab && window.serviceLab.cy;
    const rows = document.querySelector('#terminals .xterm-rows');
    if (cy && cy.nodes('[kind = "Node"]').length > 0 && rows && rows.textContent.includes('~]$')) {
      window.__usefulAt = performance.now();
      return;
    }
    requestAnimationFrame(probe);
  };
  requestAnimationFrame(probe);
})();
"""

#: run a line through the bus and resolve when the diagram satisfies `done(cy)`
TIMED_COMMAND = """
async ([line, done]) => {
  const cy = window.serviceLab.cy;
  const check = new Function('cy', `return (${done});`);
  const live = window.serviceLab.ctx.live;
  const start = performance.now();
  let firstChange = null;
  let finished = null;
  const onChange = () => { if (firstChange === null) firstChange = performance.now() - start; };
  const onCommand = (e) => { if (finished === null && e.detail.line === line) finished = performance.now() - start; };
  live.addEventListener('change', onChange);
  live.addEventListener('command', onCommand);
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out: ' + line)), 60000);
    const look = () => {
      if (check(cy)) {
        clearTimeout(timer);
        live.removeEventListener('change', onChange);
        live.removeEventListener('command', onCommand);
        resolve({ms: performance.now() - start, render: window.serviceLab.ctx.topology.lastRenderMs,
                 first_change: firstChange, command_done: finished});
        return;
      }
      requestAnimationFrame(look);
    };
    window.serviceLab.ctx.bus.dispatchEvent(new CustomEvent('run-command', {detail: {line}}));
    look();
  });
}
"""


def emit(name: str, **figures) -> None:
    print(json.dumps({"bench": "page", "figure": name, **figures}), flush=True)


def bundle_sizes() -> None:
    files = {}
    for path in sorted(BUNDLE.iterdir()):
        data = path.read_bytes()
        files[path.name] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 6, mtime=0))}
    emit("bundle", files=files, total_bytes=sum(f["bytes"] for f in files.values()),
         total_gzip_bytes=sum(f["gzip_bytes"] for f in files.values()))


class Server:
    """The lab server on a free port and a database of its own."""

    def __enter__(self) -> str:
        import socket

        self.var = tempfile.TemporaryDirectory(prefix="lab-bench-page-")
        env = {**os.environ, "LAB_VAR_DIR": self.var.name, "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = open(Path(self.var.name) / "server.log", "w")
        self.proc = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    return url
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((Path(self.var.name) / "server.log").read_text())
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        self.var.cleanup()


def paint_times(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_function("() => window.__usefulAt !== undefined", timeout=60_000)
    return page.evaluate("""() => ({
        first_contentful_paint_ms: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        first_useful_paint_ms: window.__usefulAt,
        dom_content_loaded_ms: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    })""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    bundle_sizes()
    with Server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.browser, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_init_script(USEFUL_PROBE)
        page = context.new_page()
        fresh = paint_times(page, f"{url}/lab/bench/")
        repeat = [paint_times(page, f"{url}/lab/bench/") for _ in range(args.repeat)]
        emit("first_paint", viewport="1366x768", fresh_visit=fresh,
             repeat_visit_min={k: min(r[k] for r in repeat) for k in repeat[0]},
             repeat_visit_median={k: statistics.median(r[k] for r in repeat) for k in repeat[0]})

        timed = lambda line, done: page.evaluate(TIMED_COMMAND, [line, done])  # noqa: E731
        replicas = args.pods - 5  # the 5 system Pods of the kubeadm profile
        pods_drawn = f"cy.nodes('[kind = \"Pod\"]').not('.leaving').length"
        running = f"cy.nodes('[kind = \"Pod\"][namespace = \"default\"][status = \"Running\"]').length"
        timed(f"kubectl create deployment web --image=nginx --replicas={replicas}",
              f"{pods_drawn} === {args.pods}")
        timed("kubectl rollout status deployment web", f"{running} === {replicas}")
        up, down, renders, changes = [], [], [], []
        for _ in range(args.repeat):
            got = timed(f"kubectl scale deployment web --replicas={replicas + 1}", f"{pods_drawn} === {args.pods + 1}")
            up.append(got["ms"])
            renders.append(got["render"])
            changes.append(got["first_change"])
            got = timed(f"kubectl scale deployment web --replicas={replicas}",
                        f"{pods_drawn} - cy.nodes('[kind = \"Pod\"][status = \"Terminating\"]').length === {args.pods}")
            down.append(got["ms"])
            renders.append(got["render"])
            page.wait_for_function(f"() => window.serviceLab.cy.nodes('[kind = \"Pod\"]').not('.leaving').length === {args.pods}",
                                   timeout=120_000)
        summary = lambda xs: {"min_ms": round(min(xs), 1), "median_ms": round(statistics.median(xs), 1)}  # noqa: E731
        emit("command_to_diagram", pods=args.pods, repeat=args.repeat,
             scale_up_new_pod_drawn=summary(up), scale_down_pod_terminating_or_gone=summary(down),
             first_watch_event_arrived=summary([c for c in changes if c is not None]),
             topology_redraw=summary(renders))
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
