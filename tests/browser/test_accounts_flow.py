"""In the browser: an anonymous learner tries a lab, signs up, and finds the
same cluster in their terminal; logging out leaves it with the account."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.test_lab_page import TIMEOUT, type_line, wait_for_text  # noqa: E402

PASSWORD = "kube-proxy-rules-42"


def test_a_tried_lab_is_kept_through_sign_up_and_log_out(page: Page, lab_server, screenshot_dir):
    page.goto(f"{lab_server}/lab/try/")
    wait_for_text(page, "[root@k8s-master ~]$")
    type_line(page, "kubectl create namespace tried-first")
    wait_for_text(page, "namespace/tried-first created")

    page.goto(f"{lab_server}/accounts/signup/?next=/lab/try/")
    page.fill("#id_username", "ann")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{lab_server}/lab/try/", timeout=TIMEOUT)
    wait_for_text(page, "[root@k8s-master ~]$")
    type_line(page, "kubectl get namespace tried-first -o name")
    wait_for_text(page, "namespace/tried-first[root@k8s-master ~]$")
    page.screenshot(path=str(screenshot_dir / "accounts-lab-kept-after-sign-up.png"))

    page.goto(f"{lab_server}/")
    expect(page.locator(".account")).to_contain_text("Signed in as ann")
    page.click("text=Log out")
    expect(page.locator("h1")).to_have_text("Logged out")
    # Anonymous again: /lab/try/ is a new lab of this browser, not the account's.
    page.goto(f"{lab_server}/lab/try/")
    wait_for_text(page, "[root@k8s-master ~]$")
    type_line(page, "kubectl get namespace tried-first -o name")
    wait_for_text(page, 'Error from server (NotFound): namespaces "tried-first" not found')
