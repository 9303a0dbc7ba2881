"""The Files tab: a Pod created from the editor, the lint marker for the
first tutorial's nodePort 8999, and `kubectl edit` opening the editor."""
from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="browser tests skipped: playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.page_helpers import TIMEOUT, open_lab, shot, type_line, wait_screen  # noqa: E402

POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
  - name: nginx-container
    image: nginx
    ports:
    - name: nginx-port
      containerPort: 80
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  ports:
  - port: 8999
    nodePort: 8999
    targetPort: nginx-port
    protocol: TCP
  selector:
    app: nginx
  type: NodePort
"""


def new_file(page: Page, path: str, text: str) -> None:
    page.locator(".files-new-button").click()
    page.locator(".files-new-path").fill(path)
    page.locator(".files-new-path").press("Enter")
    expect(page.locator(".editor-path")).to_have_text(path)
    page.locator(".editor-cm .cm-content").click()
    page.keyboard.insert_text(text)


def editor_text(page: Page) -> str:
    return page.evaluate("() => window.serviceLab.files.editor.text")


def test_create_a_pod_from_the_editor(page: Page, lab_server):
    name = "test_create_a_pod_from_the_editor"
    open_lab(page, f"{lab_server}/lab/editor-pod/")
    page.locator('.file-row[data-path="/root"]').wait_for()
    new_file(page, "/root/pod_nginx.yml", POD)
    assert editor_text(page) == POD
    expect(page.locator(".lint-ok")).to_have_text("✓ the apiserver would accept this", timeout=TIMEOUT)
    shot(page, name, "typed")

    page.locator(".editor-create").click()
    expect(page.locator(".editor-output")).to_have_text(
        "$ kubectl create -f /root/pod_nginx.yml\npod/nginx-pod created\n", timeout=TIMEOUT)
    expect(page.locator(".editor-state")).to_have_text("saved")
    # The file is the host's: in the tree, and the terminal's shell reads it.
    expect(page.locator('.file-row[data-path="/root/pod_nginx.yml"]')).to_be_visible()
    wait_screen(page, "kubectl create -f /root/pod_nginx.yml\npod/nginx-pod created")
    type_line(page, "kubectl wait --for=condition=Ready pod/nginx-pod --timeout=120s")
    wait_screen(page, "pod/nginx-pod condition met", timeout=TIMEOUT * 2)
    type_line(page, "kubectl get pods")
    wait_screen(page, "nginx-pod   1/1     Running   0")
    expect(page.locator("#topology")).to_be_visible()
    shot(page, name, "running")

    # The file changed on the host (sed -i in the terminal): the open, unmodified editor follows it.
    type_line(page, "sed -i 's/containerPort: 80$/containerPort: 8080/' pod_nginx.yml")
    page.wait_for_function("() => window.serviceLab.files.editor.text.includes('containerPort: 8080')",
                           timeout=TIMEOUT)
    expect(page.locator(".editor-state")).to_have_text("saved")

    # Creating it again: kubectl's own error, shown under the editor.
    page.locator(".editor-create").click()
    expect(page.locator(".editor-output")).to_have_text(
        '$ kubectl create -f /root/pod_nginx.yml\nError from server (AlreadyExists): error when creating '
        '"/root/pod_nginx.yml": pods "nginx-pod" already exists\n', timeout=TIMEOUT)
    expect(page.locator(".editor-output")).to_have_attribute("data-tone", "bad")


def test_lint_marks_the_bad_node_port_on_its_line(page: Page, lab_server):
    name = "test_lint_marks_the_bad_node_port_on_its_line"
    open_lab(page, f"{lab_server}/lab/editor-lint/")
    page.locator('.file-row[data-path="/root"]').wait_for()
    new_file(page, "/root/service_nginx.yml", SERVICE)
    marker = page.locator(".cm-lintRange-error")
    expect(marker).to_have_count(1, timeout=TIMEOUT)
    # The mark sits on line 8, on the nodePort key.
    line = page.evaluate("""() => {
        const view = window.serviceLab.files.editor.view;
        const range = document.querySelector('.cm-lintRange-error');
        const pos = view.posAtDOM(range);
        return [view.state.doc.lineAt(pos).number, view.state.sliceDoc(pos, pos + 8)];
    }""")
    assert line == [8, "nodePort"]
    message = ('The Service "nginx-service" is invalid: spec.ports[0].nodePort: Invalid value: 8999: provided port '
               "is not in the valid range. The range of valid ports is 30000-32767")
    expect(page.locator(".lint-item")).to_have_count(1)
    expect(page.locator(".lint-item .lint-line")).to_have_text("line 8")
    expect(page.locator(".lint-item .lint-message")).to_have_text(message)
    shot(page, name, "marked")

    # Fix it in the editor: the marker goes.
    page.evaluate("""() => {
        const view = window.serviceLab.files.editor.view;
        const text = view.state.doc.toString();
        const at = text.indexOf("nodePort: 8999") + "nodePort: ".length;
        view.dispatch({ changes: { from: at, to: at + 4, insert: "30080" } });
    }""")
    expect(page.locator(".cm-lintRange-error")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator(".lint-ok")).to_be_visible()
    shot(page, name, "fixed")


def test_kubectl_edit_opens_the_editor_and_saves(page: Page, lab_server):
    name = "test_kubectl_edit_opens_the_editor_and_saves"
    open_lab(page, f"{lab_server}/lab/editor-edit/")
    type_line(page, "kubectl create deployment web --image=nginx")
    wait_screen(page, "deployment.apps/web created")
    type_line(page, "kubectl edit deployment web")
    expect(page.locator(".editor-path")).to_contain_text("kubectl edit · /tmp/kubectl-edit-", timeout=TIMEOUT)
    assert editor_text(page).startswith("# Please edit the object below.")
    expect(page.locator(".editor-edit-save")).to_be_visible()
    expect(page.locator(".editor-apply")).to_be_hidden()
    shot(page, name, "open")
    page.evaluate("""() => {
        const view = window.serviceLab.files.editor.view;
        const text = view.state.doc.toString();
        const at = text.indexOf("- image: nginx\\n") + "- image: nginx".length;
        view.dispatch({ changes: { from: at, insert: ":1.27" } });
    }""")
    page.locator(".editor-edit-save").click()
    wait_screen(page, "deployment.apps/web edited\n[root@k8s-master ~]$")
    expect(page.locator(".files-editor")).to_be_hidden()
    type_line(page, "kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].image}'; echo")
    wait_screen(page, "nginx:1.27\n[root@k8s-master ~]$")

    # Cancel: nothing changes.
    type_line(page, "kubectl edit deployment web")
    expect(page.locator(".editor-edit-cancel")).to_be_visible(timeout=TIMEOUT)
    page.locator(".editor-edit-cancel").click()
    wait_screen(page, "Edit cancelled, no changes made.\n[root@k8s-master ~]$")
    shot(page, name, "cancelled")
