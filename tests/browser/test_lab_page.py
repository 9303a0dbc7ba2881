"""The lab page in headless Chromium: a new visitor's terminal on the lab shell."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

TIMEOUT = 30_000


def terminal_text(page: Page) -> str:
    """What the terminal shows, one screen row per line, without the blanks
    at the ends of rows (written spaces such as the prompt's last one, too)."""
    return page.evaluate("""() => {
        const buf = window.serviceLab.terminals.active.term.buffer.active;
        const rows = [];
        for (let i = 0; i < buf.length; i++) rows.push(buf.getLine(i).translateToString(true).trimEnd());
        return rows.join("\\n").replace(/\\n+$/, "");
    }""")


def wait_for_text(page: Page, text: str) -> None:
    page.wait_for_function(
        "(t) => document.querySelector('.term-screen:not([hidden]) .xterm-rows')?.textContent.includes(t)",
                           arg=text, timeout=TIMEOUT)


def type_line(page: Page, line: str) -> None:
    page.keyboard.type(line)
    page.keyboard.press("Enter")


def test_a_new_visitor_gets_a_lab_with_a_terminal(page: Page, lab_server, screenshot_dir):
    page.goto(f"{lab_server}/lab/")
    expect(page.locator(".lab-name")).to_have_text("default")
    expect(page.locator(".lab-id .badge")).to_have_text("kubeadm")
    expect(page.locator("#clock")).to_have_text("Dec 1 2026  09:00:00 UTC")
    wait_for_text(page, "[root@k8s-master ~]$")
    expect(page.locator("#conn")).to_have_text("live")

    type_line(page, "kubectl get nodes")
    wait_for_text(page, "k8s-node2")
    wait_for_text(page, "v1.32.4[root@k8s-master ~]$")  # the rows run together in textContent
    assert terminal_text(page) == (
        "[root@k8s-master ~]$ kubectl get nodes\n"
        "NAME         STATUS   ROLES           AGE    VERSION\n"
        "k8s-master   Ready    control-plane   3d1h   v1.32.4\n"
        "k8s-node1    Ready    <none>          3d     v1.32.4\n"
        "k8s-node2    Ready    <none>          3d     v1.32.4\n"
        "[root@k8s-master ~]$")
    page.screenshot(path=str(screenshot_dir / "lab-terminal-get-nodes.png"))


def test_history_heredoc_and_another_host(page: Page, lab_server, screenshot_dir):
    page.goto(f"{lab_server}/lab/second/")
    wait_for_text(page, "[root@k8s-master ~]$")
    type_line(page, "export GREETING=hello")
    type_line(page, "cat <<EOF")
    type_line(page, "$GREETING from $HOSTNAME")
    type_line(page, "EOF")
    wait_for_text(page, "hello from k8s-master")
    page.keyboard.press("ArrowUp")            # EOF
    page.keyboard.press("ArrowUp")            # $GREETING from $HOSTNAME
    page.keyboard.press("ArrowDown")          # EOF
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    type_line(page, "echo again $GREETING")
    wait_for_text(page, "again hello[root@k8s-master ~]$")  # output streams ahead of the next prompt
    text = terminal_text(page)
    assert text.endswith(
        "[root@k8s-master ~]$ cat <<EOF\n"
        "> $GREETING from $HOSTNAME\n"
        "> EOF\n"
        "hello from k8s-master\n"
        "[root@k8s-master ~]$ echo again $GREETING\n"
        "again hello\n"
        "[root@k8s-master ~]$"), text

    # A new terminal tab on another host: the external client.
    page.locator(".term-add-button").first.click()
    page.locator('.term-host-menu [data-host="external"]').first.click()
    wait_for_text(page, "[root@external ~]$")
    type_line(page, "hostname")
    wait_for_text(page, "external[root@external ~]$")
    assert re.search(r"\[root@external ~\]\$ hostname\nexternal\n\[root@external ~\]\$$", terminal_text(page))
    page.screenshot(path=str(screenshot_dir / "lab-terminal-external.png"))
