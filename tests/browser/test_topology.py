"""The live topology in headless Chromium: nodes as regions with their Pods,
Services with their EndpointSlices, Deployments with their ReplicaSets;
commands typed in the terminal change it; a click shows the inspector.

What the diagram says is checked against what the lab's own kubectl prints
in the page's terminal (`kubectl get pods -A -o wide`), not against
constants. Screenshots of each state go to var/artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

TIMEOUT = 30_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def shot(page: Page, artifacts: Path, test: str, state: str) -> None:
    page.screenshot(path=str(artifacts / f"{test}-{state}.png"))


def terminal_rows(page: Page) -> list[str]:
    """The terminal's lines, scrollback included, wrapped rows joined (xterm.js's buffer)."""
    return page.evaluate("""() => {
        const buf = window.serviceLab.terminal.term.buffer.active;
        const lines = [];
        for (let i = 0; i < buf.length; i++) {
            const row = buf.getLine(i);
            const text = row.translateToString(false);
            if (row.isWrapped && lines.length) lines[lines.length - 1] += text; else lines.push(text);
        }
        return lines.map((l) => l.replace(/\\s+$/, ''));
    }""")


PROMPTS = """() => {
    const buf = window.serviceLab.terminal.term.buffer.active;
    let n = 0;
    for (let i = 0; i < buf.length; i++) if (/^\\[root@[^\\]]+\\]\\$ /.test(buf.getLine(i).translateToString(false))) n++;
    return n;
}"""


def run(page: Page, line: str, timeout: int = TIMEOUT) -> None:
    """Type `line` in the terminal and wait for the next prompt (the shell's `[root@host ~]$ `)."""
    before = page.evaluate(PROMPTS)
    page.evaluate("() => window.serviceLab.terminal.term.focus()")
    page.keyboard.type(line)
    page.keyboard.press("Enter")
    page.wait_for_function(f"(n) => ({PROMPTS})() > n", arg=before, timeout=timeout)


def open_lab(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.querySelector('#terminals .xterm-rows')?.textContent.includes('~]$')",
                           timeout=TIMEOUT)
    page.wait_for_function("() => window.serviceLab?.cy?.nodes('[kind = \"Node\"]').length > 0", timeout=TIMEOUT)


def diagram_pods(page: Page) -> dict[str, dict]:
    """Every Pod the diagram draws: {namespace/name: {node, ip, status, ready, parent}}."""
    return page.evaluate("""() => {
        const out = {};
        for (const n of window.serviceLab.cy.nodes('[kind = "Pod"]')) {
            const d = n.data();
            out[`${d.namespace}/${d.name}`] = {node: d.node, ip: d.ip, status: d.status, ready: d.ready,
                                               parent: n.parent().id() || ''};
        }
        return out;
    }""")


def wait_for_diagram(page: Page, predicate: str, arg=None) -> None:
    page.wait_for_function(f"(arg) => {{ const cy = window.serviceLab.cy; return {predicate}; }}", arg=arg,
                           timeout=TIMEOUT)


def pods_table(page: Page) -> dict[str, dict]:
    """The last `kubectl get pods -A -o wide` table in the terminal, by namespace/name."""
    rows = terminal_rows(page)
    start = max(i for i, r in enumerate(rows) if r.startswith("NAMESPACE ") and " NOMINATED NODE" in r)
    table = {}
    for row in rows[start + 1:]:
        if "~]$" in row:
            break
        cells = row.split()
        ns, name, ready, status = cells[0], cells[1], cells[2], cells[3]
        ip, node = cells[-4], cells[-3]
        table[f"{ns}/{name}"] = {"ready": ready, "status": status, "ip": ip, "node": node}
    return table


def assert_diagram_matches(page: Page, table: dict[str, dict]) -> None:
    drawn = diagram_pods(page)
    assert sorted(drawn) == sorted(table)
    for key, row in table.items():
        pod = drawn[key]
        assert (pod["status"], pod["ready"]) == (row["status"], row["ready"]), key
        assert pod["ip"] == (row["ip"] if row["ip"] != "<none>" else ""), key
        assert pod["parent"] == (f"Node//{row['node']}" if row["node"] != "<none>" else "region//unscheduled"), key


def test_a_new_lab_shows_its_nodes_and_system_pods(page: Page, lab_server, artifacts):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_lab(page, f"{lab_server}/lab/topo-start/")
    run(page, "kubectl get pods -A -o wide")
    wait_for_diagram(page, "cy.nodes('[kind = \"Pod\"]').length > 0")
    table = pods_table(page)
    assert {k.split("/")[0] for k in table} == {"kube-flannel", "kube-system"}
    assert_diagram_matches(page, table)
    regions = page.evaluate("() => window.serviceLab.cy.nodes('[kind = \"Node\"]').map((n) => n.data('label'))")
    assert regions == ["k8s-master  192.168.56.10\nReady", "k8s-node1  192.168.56.11\nReady",
                       "k8s-node2  192.168.56.12\nReady"]
    dns = page.evaluate("() => window.serviceLab.cy.getElementById('Service/kube-system/kube-dns').data()")
    assert (dns["type"], dns["clusterIP"], dns["ports"]) == ("ClusterIP", "10.96.0.10", "53/UDP,53/TCP,9153/TCP")
    # the kube-dns slice points at the two CoreDNS Pods
    targets = page.evaluate("""() => window.serviceLab.cy.nodes('[kind = "EndpointSlice"]')
        .filter((s) => s.parent().id() === 'Service/kube-system/kube-dns')
        .outgoers('edge.endpoint').map((e) => e.target().data('name')).sort()""")
    assert targets == sorted(k.split("/")[1] for k in table if k.split("/")[1].startswith("coredns-"))
    shot(page, artifacts, "test_topology", "start-1366")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(400)
    shot(page, artifacts, "test_topology", "start-1920")


def test_commands_in_the_terminal_change_the_diagram(page: Page, lab_server, artifacts):
    open_lab(page, f"{lab_server}/lab/topo-web/")
    run(page, "kubectl create deployment web --image=nginx --replicas=3")
    wait_for_diagram(page, "cy.getElementById('Deployment/default/web').nonempty()")
    shot(page, artifacts, "test_topology", "deployment-created")
    run(page, "kubectl expose deployment web --port=80 --type=NodePort")
    run(page, "kubectl rollout status deployment web")
    run(page, "kubectl get pods -A -o wide")
    wait_for_diagram(page, "cy.nodes('[kind = \"Pod\"][namespace = \"default\"]').filter((n) => n.data('status') === 'Running').length === 3")
    table = pods_table(page)
    assert len([k for k in table if k.startswith("default/web-")]) == 3
    assert_diagram_matches(page, table)
    web = page.evaluate("() => window.serviceLab.cy.getElementById('Service/default/web').data()")
    assert web["type"] == "NodePort"
    assert re.fullmatch(r"80:3\d{4}/TCP", web["ports"])
    ready_edges = page.evaluate("""() => window.serviceLab.cy.getElementById('Service/default/web').children('[kind = "EndpointSlice"]')
        .outgoers('edge.endpoint.ready').map((e) => e.target().id()).sort()""")
    assert ready_edges == sorted(f"Pod/{k}" for k in table if k.startswith("default/web-"))
    owned = page.evaluate("""() => window.serviceLab.cy.nodes('[kind = "ReplicaSet"]')
        .filter((r) => r.parent().id() === 'Deployment/default/web').outgoers('edge.owns').length""")
    assert owned == 3
    shot(page, artifacts, "test_topology", "web-running")

    run(page, "kubectl scale deployment web --replicas=1")
    # the two Pods go when nginx has stopped (graceful deletion on the lab clock)
    run(page, "sleep 5")
    wait_for_diagram(page, "cy.nodes('[kind = \"Pod\"][namespace = \"default\"]').not('.leaving').length === 1")
    run(page, "kubectl get pods -A -o wide")
    page.wait_for_timeout(500)  # the removed Pods' fade-out
    assert_diagram_matches(page, pods_table(page))
    shot(page, artifacts, "test_topology", "scaled-down")


def test_selecting_a_pod_shows_its_describe_and_yaml(page: Page, lab_server, artifacts):
    open_lab(page, f"{lab_server}/lab/topo-inspect/")
    name = page.evaluate("() => window.serviceLab.cy.nodes('[kind = \"Pod\"]').filter((n) => n.data('name').startsWith('coredns-')).first().data('name')")
    box = page.evaluate("""(id) => {
        const cy = window.serviceLab.cy; const n = cy.getElementById(id); const p = n.renderedPosition();
        const r = cy.container().getBoundingClientRect(); return {x: r.left + p.x, y: r.top + p.y};
    }""", f"Pod/kube-system/{name}")
    page.mouse.click(box["x"], box["y"])
    inspector = page.locator("#inspector")
    expect(inspector).to_be_visible()
    expect(inspector.locator(".inspector-title")).to_have_text(f"Pod kube-system/{name}")
    page.wait_for_function("(k) => document.querySelector('#inspector').dataset.loaded === k",
                           arg=f"Pod/kube-system/{name}", timeout=TIMEOUT)
    text = inspector.locator(".inspector-text")
    assert re.match(rf"Name: +{name}\nNamespace: +kube-system\n", text.text_content())
    assert "Controlled By:  ReplicaSet/coredns-" in text.text_content()
    shot(page, artifacts, "test_topology", "inspect-describe")
    inspector.get_by_role("button", name="yaml").click()
    assert text.text_content().startswith("apiVersion: v1\nkind: Pod\nmetadata:\n")
    assert f"  name: {name}\n" in text.text_content()
    shot(page, artifacts, "test_topology", "inspect-yaml")


def test_events_feed_lists_the_labs_events(page: Page, lab_server, artifacts):
    open_lab(page, f"{lab_server}/lab/topo-events/")
    run(page, "kubectl create deployment ev --image=nginx")
    run(page, "kubectl rollout status deployment ev")
    run(page, "kubectl get events")
    page.locator("#drawer [role=tab][data-tab=events]").click()
    page.wait_for_function("() => document.querySelectorAll('#events tbody tr').length > 0", timeout=TIMEOUT)
    rows = terminal_rows(page)
    start = max(i for i, r in enumerate(rows) if r.startswith("LAST SEEN"))
    terminal = []
    for row in rows[start + 1:]:
        if "~]$" in row:
            break
        terminal.append(row.split()[1:4])  # TYPE REASON OBJECT
    feed = page.evaluate("""() => [...document.querySelectorAll('#events tbody tr')]
        .map((tr) => [...tr.children].slice(1, 4).map((td) => td.textContent))""")
    assert feed == terminal
    headers = page.evaluate("() => [...document.querySelectorAll('#events thead th')].map((th) => th.textContent)")
    assert headers == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    shot(page, artifacts, "test_topology", "events")


def click_element(page: Page, element_id: str) -> None:
    """Click a diagram element where it is drawn (a region: near its bottom-left corner, below and
    beside its Pods and clear of the edges that reach them), once the diagram has stopped moving
    (system Pods still arriving move the regions and the view's fit)."""
    where = """(id) => {
        const cy = window.serviceLab.cy; const n = cy.getElementById(id); const b = n.renderedBoundingBox({includeLabels: false});
        const r = cy.container().getBoundingClientRect();
        if (n.isParent()) return {x: Math.round(r.left + b.x1 + 20), y: Math.round(r.top + b.y2 - 4)};  // past the rounded corner
        return {x: Math.round(r.left + (b.x1 + b.x2) / 2), y: Math.round(r.top + (b.y1 + b.y2) / 2)};
    }"""
    box = page.evaluate(where, element_id)
    for _ in range(40):
        page.wait_for_timeout(250)
        again = page.evaluate(where, element_id)
        if again == box:
            break
        box = again
    page.mouse.click(box["x"], box["y"])


def test_node_actions_and_time_controls(page: Page, lab_server, artifacts):
    open_lab(page, f"{lab_server}/lab/topo-nodes/")
    page.wait_for_function("() => document.querySelector('#conn').textContent === 'live'", timeout=TIMEOUT)
    click_element(page, "Node//k8s-node2")
    menu = page.locator(".topology-menu")
    expect(menu).to_be_visible()
    assert menu.locator("button").all_text_contents() == ["stop node", "cordon", "drain", "show rules"]
    shot(page, artifacts, "test_topology", "node-menu")
    menu.get_by_role("button", name="cordon").click()
    wait_for_diagram(page, "cy.getElementById('Node//k8s-node2').data('status') === 'Ready,SchedulingDisabled'")
    run(page, "kubectl get nodes")
    assert "k8s-node2    Ready,SchedulingDisabled   <none>          3d     v1.32.4" in terminal_rows(page)
    assert page.evaluate("() => window.serviceLab.cy.getElementById('Node//k8s-node2').hasClass('cordoned')")
    shot(page, artifacts, "test_topology", "node-cordoned")

    click_element(page, "Node//k8s-node2")
    menu.get_by_role("button", name="uncordon").click()
    wait_for_diagram(page, "cy.getElementById('Node//k8s-node2').data('status') === 'Ready'")
    click_element(page, "Node//k8s-node2")
    menu.get_by_role("button", name="stop node").click()
    # the node controller marks it NotReady once its heartbeats stop (40 s of the clock)
    page.locator(".tc-speed").select_option("30")
    wait_for_diagram(page, "cy.getElementById('Node//k8s-node2').data('status') === 'NotReady'")
    assert page.evaluate("() => window.serviceLab.cy.getElementById('Node//k8s-node2').hasClass('not-ready')")
    shot(page, artifacts, "test_topology", "node-stopped")

    controls = page.locator("#time-controls")
    expect(controls).to_have_attribute("data-playing", "true")
    controls.locator(".tc-play").click()
    expect(controls).to_have_attribute("data-playing", "false")
    expect(controls.locator(".tc-play")).to_have_text("▶ play")
    before = page.locator("#clock").get_attribute("datetime")
    controls.locator(".tc-step").click()
    page.wait_for_function("(t) => document.querySelector('#clock').dateTime > t", arg=before, timeout=TIMEOUT)
    shot(page, artifacts, "test_topology", "paused-stepped")


def test_pods_in_trouble_show_the_status_kubectl_prints(page: Page, lab_server, artifacts):
    open_lab(page, f"{lab_server}/lab/topo-trouble/")
    page.wait_for_function("() => document.querySelector('#conn').textContent === 'live'", timeout=TIMEOUT)
    # the clock stands still between the table and the look at the diagram
    page.locator("#time-controls .tc-play").click()
    expect(page.locator("#time-controls")).to_have_attribute("data-playing", "false")
    run(page, "kubectl run nope --image=nginx:no-such-tag")
    run(page, "kubectl run crash --image=busybox:1.36 -- false")
    run(page, "kubectl run done --image=busybox:1.36 --restart=Never -- true")
    run(page, "kubectl create deployment pending --image=nginx --replicas=1")
    run(page, "kubectl patch deployment pending -p '{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}}}'")
    run(page, "sleep 30", timeout=90_000)  # 30 s of the lab clock, in real time
    run(page, "kubectl get pods -A -o wide")
    table = pods_table(page)
    statuses = {k.split("/")[1].split("-")[0]: v["status"] for k, v in table.items() if k.startswith("default/")}
    assert len(set(statuses.values())) >= 3, statuses  # several kinds of trouble, whatever their exact names
    page.wait_for_timeout(300)
    assert_diagram_matches(page, table)
    shot(page, artifacts, "test_topology", "pods-in-trouble")


def test_panes_resize_and_keep_their_sizes(page: Page, lab_server, artifacts):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 768})
    open_lab(page, f"{lab_server}/lab/topo-panes/")
    drawer = page.locator("#drawer")
    terminals = page.locator("#terminals")
    width, height = drawer.bounding_box()["width"], terminals.bounding_box()["height"]
    gutter = page.locator('.gutter[data-resize="drawer"]').bounding_box()
    page.mouse.move(gutter["x"] + 4, gutter["y"] + gutter["height"] / 2)
    page.mouse.down()
    page.mouse.move(gutter["x"] - 116, gutter["y"] + gutter["height"] / 2, steps=5)
    page.mouse.up()
    assert abs(drawer.bounding_box()["width"] - (width + 120)) <= 2
    page.locator('.gutter[data-resize="terminals"]').focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert abs(terminals.bounding_box()["height"] - (height + 40)) <= 2
    shot(page, artifacts, "test_topology", "panes-resized")
    page.reload()
    open_lab(page, f"{lab_server}/lab/topo-panes/")
    assert abs(drawer.bounding_box()["width"] - (width + 120)) <= 2
    assert abs(terminals.bounding_box()["height"] - (height + 40)) <= 2
    assert errors == []


def test_the_live_diagram_equals_one_drawn_from_a_fresh_read_of_the_store(page: Page, lab_server):
    """Snapshot plus watch diffs give the picture a fresh list of the stored objects gives."""
    open_lab(page, f"{lab_server}/lab/topo-fresh/")
    page.wait_for_function("() => document.querySelector('#conn').textContent === 'live'", timeout=TIMEOUT)
    page.locator("#time-controls .tc-play").click()
    expect(page.locator("#time-controls")).to_have_attribute("data-playing", "false")
    run(page, "kubectl create deployment web --image=nginx --replicas=4")
    run(page, "kubectl expose deployment web --port=80 --type=NodePort")
    run(page, "sleep 10")
    run(page, "kubectl scale deployment web --replicas=2")
    run(page, "sleep 3")
    page.wait_for_timeout(600)  # the last diffs and fade-outs
    live, fresh = page.evaluate("""async () => {
        const { buildGraph } = window.serviceLab.graph;
        const answer = await fetch(window.serviceLab.ctx.urls.objects, {credentials: 'same-origin'});
        const stored = (await answer.json()).objects;
        const picture = (g) => [...g.nodes, ...g.edges].map((e) => `${e.data.id} ${e.data.label || ''} ${e.classes}`).sort();
        return [picture(buildGraph(window.serviceLab.ctx.live.objects.values())), picture(buildGraph(stored))];
    }""")
    assert live == fresh
    drawn = page.evaluate("() => window.serviceLab.cy.elements().not('.packet, .path, .leaving').map((e) => e.id()).sort()")
    assert drawn == sorted(entry.split(" ")[0] for entry in fresh)


def test_the_inspector_follows_the_selected_object(page: Page, lab_server):
    open_lab(page, f"{lab_server}/lab/topo-follow/")
    run(page, "kubectl create deployment web --image=nginx --replicas=1")
    wait_for_diagram(page, "cy.getElementById('Deployment/default/web').nonempty()")
    page.evaluate("""() => window.serviceLab.ctx.bus.dispatchEvent(new CustomEvent('select-object',
        {detail: {kind: 'Deployment', namespace: 'default', name: 'web'}}))""")
    text = page.locator("#inspector .inspector-text")
    page.wait_for_function("() => document.querySelector('#inspector .inspector-text').textContent.includes('Replicas:')",
                           timeout=TIMEOUT)
    assert re.search(r"\nReplicas: +1 desired \|", text.text_content())
    run(page, "kubectl scale deployment web --replicas=3")
    page.wait_for_function("() => /\\nReplicas: +3 desired \\|/.test(document.querySelector('#inspector .inspector-text').textContent)",
                           timeout=TIMEOUT)
    run(page, "kubectl describe deployment web")
    printed = "\n".join(terminal_rows(page))
    assert re.search(r"\nReplicas: +3 desired \|", printed)
