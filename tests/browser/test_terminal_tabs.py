"""Terminal tabs on the lab page: two tabs on different hosts, the split
into two panes, and `kubectl exec -it` into a Pod in a tab."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.page_helpers import TIMEOUT, open_lab, screen, shot, type_line, wait_screen  # noqa: E402


def test_two_tabs_on_different_hosts_and_a_split(page: Page, lab_server):
    name = "test_two_tabs_on_different_hosts_and_a_split"
    open_lab(page, f"{lab_server}/lab/tabs/")
    type_line(page, "hostname")
    wait_screen(page, "k8s-master\n[root@k8s-master ~]$")

    page.locator(".term-add-button").first.click()
    page.locator('.term-host-menu [data-host="k8s-node1"]').first.click()
    expect(page.locator(".term-tab")).to_have_count(2)
    expect(page.locator('.term-tab[aria-selected="true"]')).to_contain_text("k8s-node1")
    wait_screen(page, "[root@k8s-node1 ~]$")
    type_line(page, "hostname; ip -4 addr show eth0 | grep -c inet")
    wait_screen(page, "k8s-node1\n1\n[root@k8s-node1 ~]$")
    shot(page, name, "second-tab")

    # Each tab kept its own shell: the first is still on the control plane.
    page.locator(".term-tab").first.click()
    type_line(page, "echo back on $(hostname)")
    wait_screen(page, "back on k8s-master")
    assert screen(page, 1).endswith("k8s-node1\n1\n[root@k8s-node1 ~]$")

    # Split: a second pane side by side with a shell of its own.
    page.locator(".term-split").click()
    expect(page.locator(".term-pane")).to_have_count(2)
    panes = page.locator(".term-pane").all()
    first, second = (p.bounding_box() for p in panes)
    assert second["x"] >= first["x"] + first["width"] - 2 and abs(first["y"] - second["y"]) < 2
    wait_screen(page, "[root@k8s-master ~]$", index=2)
    type_line(page, "echo right pane")
    wait_screen(page, "right pane", index=2)
    shot(page, name, "split")
    page.locator(".term-split").click()
    expect(page.locator(".term-pane")).to_have_count(1)
    expect(page.locator(".term-tab")).to_have_count(3)


def test_exec_it_into_a_pod(page: Page, lab_server):
    name = "test_exec_it_into_a_pod"
    open_lab(page, f"{lab_server}/lab/exec/")
    type_line(page, "kubectl run nginx --image=nginx")
    wait_screen(page, "pod/nginx created")
    type_line(page, "kubectl wait --for=condition=Ready pod/nginx --timeout=120s")
    wait_screen(page, "pod/nginx condition met", timeout=TIMEOUT * 2)
    type_line(page, "kubectl exec -it nginx -- sh")
    wait_screen(page, "kubectl exec -it nginx -- sh\n#")
    expect(page.locator(".term-tab.in-container .term-tab-label")).to_have_text("k8s-master › nginx")
    type_line(page, "hostname; pwd")
    wait_screen(page, "# hostname; pwd\nnginx\n/\n#")
    type_line(page, "ls /usr/share/nginx/html")
    wait_screen(page, "50x.html  index.html\n#")
    shot(page, name, "inside")
    type_line(page, "exit 7")
    wait_screen(page, "command terminated with exit code 7\n[root@k8s-master ~]$")
    expect(page.locator(".term-tab.in-container")).to_have_count(0)
    type_line(page, "echo $?")
    wait_screen(page, "7\n[root@k8s-master ~]$")
    shot(page, name, "back-on-node")


def test_curl_loop_beside_kubectl_edit(page: Page, lab_server):
    """The first tutorial's two windows: a curl loop printing as the clock
    plays in one pane, `kubectl edit deployment` in the other."""
    name = "test_curl_loop_beside_kubectl_edit"
    open_lab(page, f"{lab_server}/lab/side-by-side/")
    type_line(page, "kubectl create deployment web --image=nginx --replicas=2 && kubectl expose deployment web --port=80")
    wait_screen(page, "service/web exposed")
    type_line(page, "kubectl rollout status deployment web")
    wait_screen(page, 'deployment "web" successfully rolled out', timeout=TIMEOUT * 2)
    type_line(page, "IP=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')")
    type_line(page, "while true; do curl -s $IP | grep '<title>'; sleep 1; done")
    wait_screen(page, "<title>Welcome to nginx!</title>\n<title>Welcome to nginx!</title>")

    page.locator(".term-split").click()
    wait_screen(page, "[root@k8s-master ~]$", index=1)
    type_line(page, "kubectl edit deployment web")
    expect(page.locator(".editor-path")).to_contain_text("kubectl edit · /tmp/kubectl-edit-", timeout=TIMEOUT)
    before = screen(page, 0).count("<title>Welcome to nginx!</title>")
    # While the editor has the file, the loop goes on printing.
    page.wait_for_function("""(n) => {
        const buf = window.serviceLab.terminals.tabs[0].terminal.term.buffer.active;
        let count = 0;
        for (let i = 0; i < buf.length; i++) if (buf.getLine(i).translateToString(true).includes("<title>")) count++;
        return count > n + 1;
    }""", arg=before, timeout=TIMEOUT)
    page.evaluate("""() => {
        const view = window.serviceLab.files.editor.view;
        const text = view.state.doc.toString();
        const at = text.indexOf("replicas: 2\\n") + "replicas: ".length;
        view.dispatch({ changes: { from: at, to: at + 1, insert: "3" } });
    }""")
    shot(page, name, "editing")
    page.locator(".editor-edit-save").click()
    wait_screen(page, "deployment.apps/web edited\n[root@k8s-master ~]$", index=1)
    type_line(page, "kubectl get deployment web -o jsonpath='{.spec.replicas}'; echo")
    wait_screen(page, "3\n[root@k8s-master ~]$", index=1)
    shot(page, name, "edited")
    # The loop is still running in the left pane: Ctrl-C stops it.
    page.locator('.term-pane[data-pane="0"] .term-screen').click()
    page.keyboard.press("Control+C")
    wait_screen(page, "^C", index=0)
    wait_screen(page, "[root@k8s-master ~]$", index=0)
