"""In the browser: an instructor (tess) creates a classroom, a learner (cleo) joins it
with the shared link (signing up on the way), passes the first step of the
lesson in their lab's terminal, and the instructor's open dashboard shows
the mark without a reload; a hint reaches the learner's lesson JSON."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Browser, Page, expect  # noqa: E402

from tests.browser.conftest import ROOT  # noqa: E402
from tests.browser.test_lab_page import TIMEOUT, type_line, wait_for_text  # noqa: E402

PASSWORD = "kube-proxy-rules-42"
LESSON = "service-intro"

MAKE_INSTRUCTOR = """
from django.contrib.auth.models import User
from lab.accounts.roles import INSTRUCTOR, ensure_roles
User.objects.get(username="tess").groups.add(ensure_roles()[INSTRUCTOR])
"""


def sign_up(page: Page, base: str, username: str, next_path: str = "") -> None:
    page.goto(f"{base}/accounts/signup/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")


def test_a_passed_step_appears_on_the_open_dashboard(page: Page, browser: Browser, lab_server, lab_server_env,
                                                      screenshot_dir):
    # the instructor: an account, the role (staff give it in the admin site), a classroom
    sign_up(page, lab_server, "tess")
    page.wait_for_url(f"{lab_server}/lab/", timeout=TIMEOUT)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", MAKE_INSTRUCTOR],
                   cwd=ROOT, env=lab_server_env, check=True)
    page.goto(f"{lab_server}/classrooms/new/")
    page.fill("#id_name", "Services 101")
    page.check(f"input[name=lessons][value={LESSON}]")
    page.fill("#id_stuck_minutes", "10")
    page.click("main button[type=submit]")
    link = page.locator("#join-link").inner_text()
    page.screenshot(path=str(screenshot_dir / "classroom-created.png"), full_page=True)
    page.click("text=Dashboard")
    expect(page.locator("#connection")).to_have_text("live", timeout=TIMEOUT)
    expect(page.locator("#grid")).to_contain_text("Nobody has joined yet.")

    # the learner: the link sends them to log in; they sign up instead and come back
    learner_context = browser.new_context(viewport={"width": 1280, "height": 800})
    cleo = learner_context.new_page()
    cleo.goto(link)
    assert "/accounts/login/?next=/classrooms/join/" in cleo.url
    cleo.click("text=Sign up")
    cleo.fill("#id_username", "cleo")
    cleo.fill("#id_password1", PASSWORD)
    cleo.fill("#id_password2", PASSWORD)
    cleo.click("button[type=submit]")
    cleo.wait_for_url(link, timeout=TIMEOUT)
    cleo.click("main button:has-text('Join Services 101')")
    expect(cleo.locator("h1")).to_have_text("Services 101")

    # the dashboard heard of the new learner without a reload
    row = page.locator('#grid tr[data-learner="cleo"]')
    expect(row).to_contain_text("not started", timeout=TIMEOUT)

    cleo.click("a.button:has-text('Start')")
    cleo.wait_for_url(f"{lab_server}/lab/{LESSON}/?lesson={LESSON}", timeout=TIMEOUT)
    wait_for_text(cleo, "[root@kube-node01 ~]$")
    type_line(cleo, "kubectl get pod nope")
    wait_for_text(cleo, 'Error from server (NotFound): pods "nope" not found')
    expect(row.locator(".last-error")).to_contain_text('pods "nope" not found', timeout=TIMEOUT)
    expect(row.locator('td[data-step="two-pods"]')).not_to_have_class("mark passed")

    type_line(cleo, "cd ~/yaml && kubectl create -f pod_nginx.yml -f pod_busybox.yml")
    wait_for_text(cleo, "pod/busybox-pod created")
    type_line(cleo, "kubectl wait --for=condition=Ready pod/nginx-pod pod/busybox-pod")
    wait_for_text(cleo, "pod/busybox-pod condition met")

    expect(row.locator('td[data-step="two-pods"]')).to_have_class("mark passed", timeout=TIMEOUT)
    expect(row.locator('td[data-step="two-pods"]')).to_have_text("✓")
    expect(row.locator(".current-step")).not_to_have_text("")
    expect(row.locator(".last-commands")).to_contain_text("kubectl wait --for=condition=Ready")
    expect(page.locator("#completion")).to_have_attribute("data-values", re.compile(r"^1(,0)+$"))
    page.screenshot(path=str(screenshot_dir / "classroom-dashboard-step-passed.png"), full_page=True)

    # a hint to the class reaches the learner's lesson JSON
    page.fill("#hint-text", "Pods get new IPs when they are recreated.")
    page.click("#hint-form button[type=submit]")
    expect(page.locator("#hint-status")).to_have_text("Sent to the class.", timeout=TIMEOUT)
    hints = cleo.evaluate(f"fetch('/lab/{LESSON}/lesson/').then(r => r.json()).then(d => d.hints.map(h => h.text))")
    assert hints == ["Pods get new IPs when they are recreated."]

    # the read-only view of cleo's lab
    with page.expect_popup() as popup:
        row.locator("text=view lab").click()
    view = popup.value
    expect(view.locator("#objects")).to_contain_text("pod/nginx-pod", timeout=TIMEOUT)
    expect(view.locator("#history")).to_contain_text("kubectl get pod nope")
    type_line(cleo, "kubectl create namespace later")
    expect(view.locator("#history")).to_contain_text("kubectl create namespace later", timeout=TIMEOUT)
    view.screenshot(path=str(screenshot_dir / "classroom-lab-read-only.png"), full_page=True)
    learner_context.close()
