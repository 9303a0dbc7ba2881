"""The page's LiveLab (frontend/src/live/client.js) in headless Chromium:
in sync with the lab after loading, the clock playing and pausing, a node
action changing the diagram's objects, and a dropped socket resuming
without a new snapshot."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page  # noqa: E402

TIMEOUT = 30_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"


def shot(page: Page, state: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"test_live_page-{state}.png"))


def live(page: Page, expression: str):
    return page.evaluate(f"() => {{ const live = window.serviceLab.ctx.live; return {expression}; }}")


def test_the_page_follows_the_lab_live_and_resumes_after_a_drop(page: Page, lab_server):
    page.goto(f"{lab_server}/lab/live-page/")
    page.wait_for_function("() => window.serviceLab?.ctx?.live?.status === 'live'", timeout=TIMEOUT)
    page.evaluate("""() => {
        const live = window.serviceLab.ctx.live;
        window.seen = {snapshot: 0, change: 0, clock: [], status: []};
        live.addEventListener("snapshot", () => window.seen.snapshot++);
        live.addEventListener("change", () => window.seen.change++);
        live.addEventListener("clock", (e) => window.seen.clock.push(e.detail));
        live.addEventListener("status", (e) => window.seen.status.push(e.detail));
    }""")
    assert live(page, "live.objects.has('Node//k8s-master') && live.objects.has('Service/default/kubernetes')")
    assert live(page, "live.objects.get('Node//k8s-node1').apiVersion") == "v1"
    # The clock plays on its own: ticks come and the time moves on.
    page.wait_for_function("() => window.seen.clock.length >= 2", timeout=TIMEOUT)
    first, later = live(page, "window.seen.clock[0].now"), live(page, "window.seen.clock.at(-1).now")
    assert later >= first and live(page, "live.clock.playing") is True
    shot(page, "playing")

    live(page, "live.pause()")
    page.wait_for_function("() => window.serviceLab.ctx.live.clock.playing === false", timeout=TIMEOUT)
    shot(page, "paused")

    result = page.evaluate("() => window.serviceLab.ctx.live.nodeAction('k8s-node1', 'cordon')")
    assert result["status"] == 0 and result["output"] == "node/k8s-node1 cordoned\n"
    page.wait_for_function(
        "() => window.serviceLab.ctx.live.objects.get('Node//k8s-node1').spec.unschedulable === true",
        timeout=TIMEOUT)
    shot(page, "cordoned")

    # The socket drops; the client reconnects and resumes from its version:
    # the update made meanwhile arrives as a change, and no second snapshot.
    before = live(page, "live.resourceVersion")
    live(page, "live.ws.close()")
    page.wait_for_function("() => window.seen.status.includes('offline')", timeout=TIMEOUT)
    page.wait_for_function("() => window.serviceLab.ctx.live.status === 'live'", timeout=TIMEOUT)
    result = page.evaluate("() => window.serviceLab.ctx.live.nodeAction('k8s-node1', 'uncordon')")
    assert result["output"] == "node/k8s-node1 uncordoned\n"
    page.wait_for_function(
        "() => !window.serviceLab.ctx.live.objects.get('Node//k8s-node1').spec.unschedulable", timeout=TIMEOUT)
    assert live(page, "window.seen.snapshot") == 0
    assert int(live(page, "live.resourceVersion")) > int(before)
    shot(page, "resumed")
