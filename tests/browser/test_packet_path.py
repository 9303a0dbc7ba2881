"""The packet path and the rules viewer in headless Chromium: a curl in the
terminal is drawn over the topology and told step by step; a curl loop
during a rolling update shows the spread over old and new Pods; the rules
viewer highlights a new Service's rules and marks what a packet matched.

What the page shows is compared with what the lab's own tools print in the
page's terminal (`labtrace`, `iptables-save`), not with constants.
Screenshots of each state go to var/artifacts/.
"""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page  # noqa: E402

from test_topology import ARTIFACTS, PROMPTS, TIMEOUT, open_lab, run, terminal_rows  # noqa: E402


def shot(page: Page, state: str, test: str = "test_packet_path") -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{test}-{state}.png"))


def output_of(page: Page, line: str) -> list[str]:
    """The terminal lines a command printed (after its own prompt line, up to the next prompt)."""
    rows = terminal_rows(page)
    start = max(i for i, r in enumerate(rows) if r.endswith("$ " + line) or r.endswith("$ " + line.rstrip()))
    out = []
    for row in rows[start + 1:]:
        if re.match(r"^\[root@[^\]]+\]\$", row):
            break
        out.append(row)
    return out


def web_service(page: Page, replicas: int = 2, kind: str = "NodePort") -> str:
    run(page, f"kubectl create deployment web --image=nginx --replicas={replicas}")
    run(page, f"kubectl expose deployment web --port=80 --type={kind}")
    run(page, "kubectl rollout status deployment web")
    run(page, "kubectl get svc web -o jsonpath='{.spec.clusterIP}{\"\\n\"}'")
    return output_of(page, "kubectl get svc web -o jsonpath='{.spec.clusterIP}{\"\\n\"}'")[0]


def test_a_curl_is_drawn_and_told_as_labtrace_tells_it(page: Page, lab_server):
    open_lab(page, f"{lab_server}/lab/packet-one/")
    ip = web_service(page)
    line = f"labtrace curl -s -o /dev/null {ip}"
    run(page, line)
    page.wait_for_function("() => Number(document.querySelector('#packet-steps').dataset.traces || 0) >= 1",
                           timeout=TIMEOUT)
    printed = output_of(page, line)
    assert printed[0].startswith(f"connection 1: tcp 192.168.56.10:") and f"-> {ip}:80 from k8s-master" in printed[0]
    # every rule the step list shows is a rule labtrace printed, in the same order
    steps = page.evaluate("() => [...document.querySelectorAll('#packet-steps .hop-rule')].map((r) => r.title)")
    traced = [r.strip() for r in printed if re.match(r"^\s+(nat|filter|mangle|raw) \S+ (#\d+|policy): ", r)]
    assert steps and steps == [re.sub(r"  \[.*\]$", "", t) for t in traced]
    nat = page.evaluate("() => [...document.querySelectorAll('#packet-steps .hop-nat')].map((n) => n.textContent)")
    assert nat == [f"⇒ {r.strip()[3:]}" for r in printed if r.strip().startswith("=> DNAT") or r.strip().startswith("=> SNAT")
                   or r.strip().startswith("=> MASQUERADE")]
    result = page.locator("#packet-steps .trace-result").last.text_content()
    assert result == next(r.strip() for r in printed if r.strip().startswith("result: "))
    # drawn: from the master through the Service to the Pod that answered
    server = re.search(r"result: connected: pod default/(\S+) ", "\n".join(printed)).group(1)
    path = page.locator("#packet-steps").get_attribute("data-path").split(" > ")
    assert path[0] == "Node//k8s-master"
    assert "Service/default/web" in path
    assert path[-1] == f"Pod/default/{server}"
    marked = page.evaluate("() => window.serviceLab.cy.nodes('.on-path').map((n) => n.id()).sort()")
    assert marked == sorted(set(path))
    page.wait_for_timeout(1500)  # the packet has ridden the path
    shot(page, "curl-path")


def test_a_curl_loop_during_a_rolling_update_spreads_over_old_and_new_pods(page: Page, lab_server):
    page.set_viewport_size({"width": 1600, "height": 900})
    open_lab(page, f"{lab_server}/lab/packet-loop/")
    ip = web_service(page, replicas=3, kind="ClusterIP")
    old = page.evaluate("() => window.serviceLab.cy.nodes('[kind = \"Pod\"][namespace = \"default\"]').map((n) => n.data('name')).sort()")
    assert len(old) == 3
    # window one: the loop (it prints as the clock plays)
    loop = f"for i in $(seq 1 40); do curl -s {ip} | grep -c nginx; sleep 1; done"
    page.evaluate("() => window.serviceLab.terminal.term.focus()")
    page.keyboard.type(loop)
    page.keyboard.press("Enter")
    page.wait_for_function("() => Number(document.querySelector('#packet-steps').dataset.traces || 0) >= 3",
                           timeout=TIMEOUT)
    # window two: the rolling update
    page.locator(".term-add-button").first.click()
    page.locator('.term-host-menu [data-host="k8s-master"]').first.click()
    page.wait_for_function(f"() => ({PROMPTS})() >= 1", timeout=TIMEOUT)
    run(page, "kubectl set image deployment/web nginx=nginx:1.27")
    shot(page, "rollout-started")
    run(page, "kubectl rollout status deployment web")
    page.wait_for_function("""(old) => {
        const pods = window.serviceLab.cy.nodes('[kind = "Pod"][namespace = "default"]').not('.leaving');
        return pods.length === 3 && pods.every((p) => !old.includes(p.data('name')) && p.data('status') === 'Running');
    }""", arg=old, timeout=TIMEOUT)
    page.wait_for_function("() => Number(document.querySelector('#packet-steps').dataset.traces || 0) >= 25",
                           timeout=TIMEOUT * 2)
    new = page.evaluate("() => window.serviceLab.cy.nodes('[kind = \"Pod\"][namespace = \"default\"]').not('.leaving').map((n) => n.data('name')).sort()")
    spread = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#packet-steps .spread-bar')]
        .map((b) => [b.querySelector('.spread-name').textContent, Number(b.querySelector('.spread-n').textContent)]))""")
    traces = int(page.locator("#packet-steps").get_attribute("data-traces"))
    assert sum(spread.values()) == traces
    assert set(spread) <= set(old) | set(new)
    assert set(spread) & set(old), spread   # answered by the old Pods first ...
    assert set(spread) & set(new), spread   # ... and by the new ones after the rollout
    shot(page, "rollout-spread")


def test_the_rules_viewer_highlights_a_new_services_rules_and_what_a_packet_matched(page: Page, lab_server):
    page.set_viewport_size({"width": 1600, "height": 900})
    open_lab(page, f"{lab_server}/lab/packet-rules/")
    run(page, "kubectl create deployment web --image=nginx --replicas=2")
    run(page, "kubectl rollout status deployment web")
    page.locator("#drawer [role=tab][data-tab=rules]").click()
    page.wait_for_function("() => document.querySelector('#rules').dataset.node === 'k8s-master'", timeout=TIMEOUT)
    run(page, "kubectl expose deployment web --port=80")
    page.wait_for_function("() => [...document.querySelectorAll('#rules li.added')].some((li) => li.textContent.includes('default/web'))",
                           timeout=TIMEOUT)
    shown = page.evaluate("() => [...document.querySelectorAll('#rules .rules-text li')].map((li) => li.textContent)")
    added = page.evaluate("() => [...document.querySelectorAll('#rules .rules-text li.added')].map((li) => li.textContent)")
    web_rules = [line for line in shown if "default/web" in line]
    assert web_rules and set(web_rules) <= set(added)
    # the text is what iptables-save prints on the node (its dated comment lines aside)
    run(page, "iptables-save")
    printed = output_of(page, "iptables-save")
    assert [x for x in shown if not x.startswith("# ")] == [x for x in printed if not x.startswith("# ")]
    shot(page, "rules-added", "test_packet_rules")

    run(page, "curl -s -o /dev/null $(kubectl get svc web -o jsonpath={.spec.clusterIP})")
    page.wait_for_function("() => document.querySelectorAll('#rules li.matched').length > 0", timeout=TIMEOUT)
    matched = page.evaluate("() => [...document.querySelectorAll('#rules .rules-text li.matched')].map((li) => li.textContent)")
    hops = page.evaluate("""() => [...document.querySelectorAll('#packet-steps .hop')]
        .filter((h) => h.querySelector('.hop-host').textContent === 'k8s-master')
        .flatMap((h) => [...h.querySelectorAll('.hop-rule code')].map((c) => c.textContent))""")
    assert hops and set(matched) == {h for h in hops if h.startswith("-A ")}
    shot(page, "rules-matched", "test_packet_rules")


def test_send_request_from_the_diagram(page: Page, lab_server):
    open_lab(page, f"{lab_server}/lab/packet-send/")
    web_service(page, replicas=2, kind="LoadBalancer")
    run(page, "kubectl get svc web")
    row = output_of(page, "kubectl get svc web")[1].split()
    external_ip, ports = row[3], row[4]
    svc = page.evaluate("() => window.serviceLab.cy.getElementById('Service/default/web').data()")
    assert (svc["type"], svc["externalIP"], svc["ports"]) == ("LoadBalancer", external_ip, ports)
    box = page.evaluate("""() => {
        const cy = window.serviceLab.cy; const b = cy.getElementById('Service/default/web').renderedBoundingBox();
        const r = cy.container().getBoundingClientRect(); return {x: r.left + (b.x1 + b.x2) / 2, y: r.top + b.y2 - 3};
    }""")
    page.mouse.click(box["x"], box["y"])
    menu = page.locator(".topology-menu")
    shot(page, "send-request-menu")
    menu.get_by_role("button", name=f"request {external_ip}:80 from external").click()
    page.wait_for_function("() => Number(document.querySelector('#packet-steps').dataset.traces || 0) >= 1",
                           timeout=TIMEOUT)
    summary = page.locator("#packet-steps summary").last.text_content()
    assert re.match(rf"1\. tcp 192\.168\.56\.100:\d+ → {re.escape(external_ip)}:80  from external \(external\) — connected$", summary)
    path = page.locator("#packet-steps").get_attribute("data-path").split(" > ")
    assert path[0] == "host//external" and "Service/default/web" in path and path[-1].startswith("Pod/default/web-")
    page.wait_for_timeout(1500)
    shot(page, "send-request-path")
