"""Helpers for the lab page's browser tests: reading a terminal tab's
screen, typing lines, and screenshots under var/artifacts/."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts"
TIMEOUT = 60_000


def shot(page: Page, test: str, state: str) -> Path:
    """Save a screenshot as var/artifacts/<test>-<state>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{test}-{state}.png"
    page.screenshot(path=str(path))
    return path


def screen(page: Page, index: int | None = None) -> str:
    """What terminal tab `index` (default: the active one) shows, rows trimmed."""
    return page.evaluate("""(index) => {
        const t = window.serviceLab.terminals;
        const term = (index === null ? t.active : t.tabs[index].terminal).term;
        const buf = term.buffer.active;
        const rows = [];
        for (let i = 0; i < buf.length; i++) rows.push(buf.getLine(i).translateToString(true).trimEnd());
        return rows.join("\\n").replace(/\\n+$/, "");
    }""", index)


def wait_screen(page: Page, text: str, index: int | None = None, timeout: int = TIMEOUT) -> None:
    """Until terminal tab `index` (default: the active one) shows `text`."""
    page.wait_for_function("""([text, index]) => {
        const t = window.serviceLab?.terminals;
        if (!t || !t.tabs.length) return false;
        const term = (index === null ? t.active : t.tabs[index].terminal).term;
        const buf = term.buffer.active;
        const rows = [];
        for (let i = 0; i < buf.length; i++) rows.push(buf.getLine(i).translateToString(true).trimEnd());
        return rows.join("\\n").includes(text);
    }""", arg=[text, index], timeout=timeout)


def type_line(page: Page, line: str) -> None:
    """Type a line into the active terminal (given the keyboard first) and press Enter."""
    page.evaluate("() => window.serviceLab.terminals.active.focus()")
    page.keyboard.type(line)
    page.keyboard.press("Enter")


def open_lab(page: Page, url: str) -> None:
    page.goto(url)
    wait_screen(page, "[root@k8s-master ~]$")
