"""The Lesson and Doctor tabs in headless Chromium: a lab on the lesson
service-intro, its first step's commands run by clicking them, the step
marked passed without a reload; a Service whose selector matches nothing
diagnosed from its menu, the would-be selector edges marked on the topology
and the finding with its fix, which a click runs. Screenshots of each state
go to var/artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.test_topology import PROMPTS, open_lab, run, terminal_rows  # noqa: E402

TIMEOUT = 30_000
#: English unless the test chose otherwise (whatever the browser's own language)
EN = "if (!localStorage.getItem('serviceLab.lang')) localStorage.setItem('serviceLab.lang', 'en')"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def shot(page: Page, artifacts: Path, state: str) -> None:
    page.screenshot(path=str(artifacts / f"test_lesson_doctor-{state}.png"))


def click_and_wait(page: Page, button) -> None:
    """Click a command button and wait for the terminal's next prompt."""
    before = page.evaluate(PROMPTS)
    button.click()
    page.wait_for_function(f"(n) => ({PROMPTS})() > n", arg=before, timeout=TIMEOUT)


def test_a_lesson_step_passes_live_as_its_commands_are_clicked(page: Page, lab_server: str, artifacts: Path):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(EN)
    open_lab(page, f"{lab_server}/lab/intro/?lesson=service-intro")
    lesson = page.locator("#lesson")
    expect(lesson).to_be_visible()                           # the tab opens by default on a lesson
    expect(page.locator("#files")).to_be_hidden()
    expect(lesson).to_have_attribute("data-current", "two-pods", timeout=TIMEOUT)
    expect(lesson.locator(".lesson-title")).to_have_text("Services, from Pod IPs to NodePorts")
    step = lesson.locator("article.lesson-step")
    expect(step.locator("h3")).to_have_text("1. Start two Pods")
    # The Markdown text is rendered (inline code), not shown as source.
    expect(step.locator(".lesson-md code").first).to_have_text("kube-node01")
    assert lesson.locator(".lesson-step-item").count() == 14
    expect(lesson.locator('.lesson-step-item[data-step="two-pods"]')).to_have_attribute("data-mark", "current")
    page.evaluate("() => { window.notReloaded = true; }")
    shot(page, artifacts, "lesson-start")

    buttons = step.locator(".lesson-commands .lesson-cmd")
    lines = [b.locator("code").text_content() for b in buttons.all()]
    assert lines == ["cd ~/yaml", "cat pod_nginx.yml", "cat pod_busybox.yml", "kubectl create -f pod_nginx.yml",
                     "kubectl create -f pod_busybox.yml", "kubectl get pod -o wide"]
    for i in range(len(lines)):
        click_and_wait(page, buttons.nth(i))
    rows = terminal_rows(page)
    assert "[root@kube-node01 yaml]$ kubectl create -f pod_nginx.yml" in rows
    assert "pod/nginx-pod created" in rows and "pod/busybox-pod created" in rows

    # The Pods come up as the lab's clock plays: the step is marked passed live.
    passed = lesson.locator('.lesson-step-item[data-step="two-pods"]')
    expect(passed).to_have_attribute("data-mark", "passed", timeout=60_000)
    assert page.evaluate("() => window.notReloaded === true")
    expect(step.locator(".step-passed")).to_have_text("✓ Step passed")
    expect(step.locator(".lesson-checks li.ok")).to_have_count(2)
    expect(lesson).to_have_attribute("data-current", "reach-pods")
    expect(lesson.locator(".lesson-count")).to_have_text("1 of 14 steps passed")
    run(page, "kubectl get pod -o wide")
    assert any(re.match(r"nginx-pod\s+1/1\s+Running", r) for r in terminal_rows(page))
    shot(page, artifacts, "lesson-passed")

    # The next step: hints on request, the solution on request, in Chinese too (remembered).
    step.locator(".lesson-next").click()
    expect(step.locator("h3")).to_have_text("2. Pod IPs answer from every node")
    lesson.locator(".lesson-lang [data-lang=zh-CN]").click()
    expect(step.locator("h3")).to_have_text("2. 每个节点都能访问 Pod IP")
    if step.locator(".lesson-hint").count():
        step.locator(".lesson-hint").click()
        expect(step.locator(".lesson-hints li")).to_have_count(1)
    step.locator(".lesson-solution").click()
    expect(step.locator(".lesson-solution-commands .lesson-cmd").first).to_be_visible()
    shot(page, artifacts, "lesson-zh-solution")
    page.reload()
    expect(page.locator("#lesson .lesson-title")).to_have_text("Service 入门：从 Pod IP 到 NodePort", timeout=TIMEOUT)
    expect(page.locator('#lesson .lesson-step-item[data-step="two-pods"]')).to_have_attribute("data-mark", "passed")
    page.locator("#lesson .lesson-lang [data-lang=en]").click()

    # The lessons index from the panel.
    page.locator("#lesson .lesson-index-link").click()
    cards = page.locator("#lesson .lesson-card")
    expect(cards).to_have_count(5)
    expect(cards.first.locator(".lesson-go")).to_have_text("continue · intro (1/14)")
    shot(page, artifacts, "lesson-index")

    # Step 2 by its buttons (the last one on kube-node02, in a terminal of its own): once it passed,
    # its explanation, and its focus (nginx-pod) glowing on the topology.
    page.locator("#lesson .lesson-back").click()
    step = page.locator("#lesson article.lesson-step")
    expect(step).to_have_attribute("data-step", "reach-pods")
    page.evaluate("() => { window.commandsDone = 0; window.serviceLab.ctx.live.addEventListener('command', () => window.commandsDone++); }")
    buttons = step.locator(".lesson-commands .lesson-cmd")
    assert [b.get_attribute("data-host") for b in buttons.all()] == ["kube-node01", "kube-node01", "kube-node02"]
    for i in range(3):
        buttons.nth(i).click()
        page.wait_for_function("(n) => window.commandsDone > n", arg=i, timeout=TIMEOUT)
    expect(page.locator('#lesson .lesson-step-item[data-step="reach-pods"]')).to_have_attribute(
        "data-mark", "passed", timeout=TIMEOUT)
    expect(step.locator(".lesson-explain .lesson-md")).to_have_text(re.compile(
        r"^Each request went from a node straight to the Pod's address: no Service is involved yet"))
    expect(page.locator("#topology")).to_have_attribute("data-focused", "1")
    assert page.evaluate("() => window.serviceLab.cy.getElementById('Pod/default/nginx-pod').hasClass('focused')")
    assert page.evaluate("() => [...document.querySelectorAll('#terminals .term-tab, #terminals [role=tab]')].some((t) => t.textContent.includes('kube-node02'))")
    shot(page, artifacts, "lesson-explain")
    assert errors == []


def test_a_lab_without_a_lesson_lists_the_lessons(page: Page, lab_server: str, artifacts: Path):
    page.add_init_script(EN)
    open_lab(page, f"{lab_server}/lab/plain/")
    expect(page.locator("#files")).to_be_visible()
    page.locator('#side [role=tab][data-tab="lesson"]').click()
    cards = page.locator("#lesson .lesson-card")
    expect(cards).to_have_count(5, timeout=TIMEOUT)
    expect(page.locator("#lesson .lesson-index p").first).to_contain_text("This lab follows no lesson")
    first = cards.first.locator("a.lesson-go")
    expect(first).to_have_text("start")
    assert first.get_attribute("href") == "/lab/service-intro/?lesson=service-intro"
    shot(page, artifacts, "lesson-none")


def click_service(page: Page, key: str) -> None:
    """Click a Service box in its padding above the slice inside (the label is drawn outside the box)."""
    at = page.evaluate("""(id) => {
        const cy = window.serviceLab.cy;
        const b = cy.getElementById(id).renderedBoundingBox({includeLabels: false, includeOverlays: false});
        const r = cy.container().getBoundingClientRect(); return {x: r.left + (b.x1 + b.x2) / 2, y: r.top + b.y1 + 4};
    }""", key)
    page.mouse.click(at["x"], at["y"])


def test_diagnose_a_service_whose_selector_matches_nothing(page: Page, lab_server: str, artifacts: Path):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(EN)
    open_lab(page, f"{lab_server}/lab/doctor/")
    run(page, "kubectl create deployment nginx --image=nginx --replicas=2")
    run(page, "kubectl rollout status deployment/nginx", timeout=60_000)
    run(page, "kubectl create service clusterip web --tcp=80:80")
    page.wait_for_function("() => window.serviceLab.cy.getElementById('Service/default/web').nonempty()",
                           timeout=TIMEOUT)
    pods = page.evaluate("() => window.serviceLab.cy.nodes('[kind = \"Pod\"][namespace = \"default\"]').map((n) => n.id()).sort()")
    assert len(pods) == 2
    page.locator("label[title='show kube-system objects'] input").uncheck()
    page.locator(".topology-toolbar [data-act=fit]").click()
    click_service(page, "Service/default/web")
    menu = page.locator(".topology-menu")
    expect(menu).to_be_visible()
    menu.get_by_role("button", name="diagnose from k8s-master").click()

    doctor = page.locator("#doctor")
    expect(doctor).to_be_visible()
    expect(doctor).to_have_attribute("data-state", "broken", timeout=TIMEOUT)
    expect(doctor.locator(".doctor-what")).to_have_text("$ labdoctor svc/web -n default --from k8s-master")
    expect(doctor.locator(".doctor-verdict")).to_have_text(
        "2 problems, 0 warnings: service/web does not work from k8s-master (node).")
    finding = doctor.locator('.finding[data-check="endpoints.selector"]')
    expect(finding.locator(".finding-status")).to_have_text("FAIL")
    expect(finding.locator(".finding-summary")).to_have_text("selector app=web matches no Pod")
    expect(finding.locator(".finding-evidence li").nth(1)).to_have_text(
        re.compile(r"^app=web matches nothing; 2 Pods have app=nginx \(nginx-\S+, nginx-\S+\)$"))
    fix = "kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"app\":\"nginx\"}}}'"
    expect(finding.locator(".fix-command code")).to_have_text(fix)

    # The broken link on the topology: the selector edges to the Pods the fix would select, and the Service.
    marked = page.evaluate("""() => {
        const cy = window.serviceLab.cy;
        return {edges: cy.edges('.mark-edge').map((e) => [e.source().id(), e.target().id(), e.hasClass('mark-fail')]).sort(),
                service: cy.getElementById('Service/default/web').hasClass('marked')};
    }""")
    assert marked == {"edges": [["Service/default/web", p, True] for p in pods], "service": True}
    shot(page, artifacts, "doctor-broken-selector")

    # Only this finding's marks when it is clicked; the fix runs in the terminal and the doctor is happy after.
    finding.locator(".finding-summary").click()
    assert page.evaluate("() => window.serviceLab.cy.edges('.mark-edge').length") == 2
    before = page.evaluate(PROMPTS)
    finding.locator(".fix-run").click()
    page.wait_for_function(f"(n) => ({PROMPTS})() > n", arg=before, timeout=TIMEOUT)
    assert "service/web patched" in terminal_rows(page)
    rows = terminal_rows(page)
    assert any(r.endswith(f"$ {fix}") for r in rows)
    page.wait_for_function("() => window.serviceLab.cy.edges('.endpoint').filter((e) => e.source().parent().id() === 'Service/default/web').length === 2",
                           timeout=TIMEOUT)
    click_service(page, "Service/default/web")
    menu.get_by_role("button", name="diagnose from k8s-master").click()
    expect(doctor).to_have_attribute("data-state", "healthy", timeout=TIMEOUT)
    expect(doctor.locator(".doctor-verdict")).to_have_text("No problem found: service/web works from k8s-master (node).")
    assert page.evaluate("() => window.serviceLab.cy.edges('.mark-edge').length") == 0
    shot(page, artifacts, "doctor-healthy")
    assert errors == []


def test_diagnose_a_failed_connection_from_the_packet_path_in_chinese(page: Page, lab_server: str, artifacts: Path):
    page.add_init_script("localStorage.setItem('serviceLab.lang', 'zh-CN')")
    open_lab(page, f"{lab_server}/lab/trace/")
    run(page, "kubectl create deployment nginx --image=nginx --replicas=2")
    run(page, "kubectl rollout status deployment/nginx", timeout=60_000)
    run(page, "kubectl create service clusterip web --tcp=80:80")
    run(page, "curl -s $(kubectl get svc web -o jsonpath='{.spec.clusterIP}')")
    steps = page.locator("#packet-steps")
    button = steps.locator(".trace-diagnose")
    expect(button).to_have_count(1, timeout=TIMEOUT)
    button.click()
    doctor = page.locator("#doctor")
    expect(doctor).to_have_attribute("data-state", "broken", timeout=TIMEOUT)
    expect(doctor.locator(".doctor-what")).to_have_text("$ labdoctor svc/web -n default --from k8s-master")
    assert doctor.locator(".doctor-what").get_attribute("title").endswith(" -o json --lang zh")
    expect(doctor.locator(".doctor-verdict")).to_have_text(
        "发现 2 个问题、0 个警告：service/web 从 k8s-master (node) 无法正常访问。")
    finding = doctor.locator('.finding[data-check="endpoints.selector"]')
    expect(finding.locator(".finding-status")).to_have_text("失败")
    expect(finding.locator(".fix-run")).to_have_text("运行修复")
    assert page.evaluate("() => window.serviceLab.cy.edges('.mark-edge').length") == 2
    shot(page, artifacts, "doctor-from-trace-zh")
