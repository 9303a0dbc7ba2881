"""`kubectl edit` in a terminal that has an editor of its own (the lab
page's): the editor gets the temp file kubectl wrote and returns the saved
text, or None when closed without saving; the rest is kubectl edit's own
path (patch, messages, the reopened file on an invalid edit)."""
from __future__ import annotations

from lab.sim.kubectl.cmd_edit import HEADER
from lab.sim.shell.terminal import terminal_session
from lab.sim.world import World


def world() -> World:
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx --replicas=2")
    w.advance(30)
    return w


class ScriptedEditor:
    """Plays the page's editor: each call answers with the next reply
    (a function of the text, or None to close without saving)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.opened: list[tuple[str, str]] = []

    def __call__(self, path: str, text: str) -> str | None:
        self.opened.append((path, text))
        reply = self.replies.pop(0)
        return None if reply is None else reply(text)


def test_saved_text_is_applied_as_kubectl_edit_does():
    w = world()
    editor = ScriptedEditor(lambda text: text.replace("image: nginx\n", "image: nginx:1.27\n"))
    term = terminal_session(w, w.default_host, editor=editor)
    r = term.run("kubectl edit deployment web")
    assert (r.stdout, r.stderr, r.status) == ("deployment.apps/web edited\n", "", 0)
    [(path, text)] = editor.opened
    assert path.startswith("/tmp/kubectl-edit-") and path.endswith(".yaml")
    assert text.startswith(HEADER + "apiVersion: apps/v1\nkind: Deployment\n")
    assert "      - image: nginx\n" in text
    w.advance(60)
    image = w.api.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.27"
    assert not w.hosts[w.default_host].fs.exists(path)


def test_closing_without_saving_cancels():
    w = world()
    editor = ScriptedEditor(None)
    term = terminal_session(w, w.default_host, editor=editor)
    r = term.run("kubectl edit deploy/web")
    assert (r.stdout, r.stderr, r.status) == ("", "Edit cancelled, no changes made.\n", 0)


def test_invalid_edit_reopens_with_the_reasons_then_cancel_keeps_a_copy():
    w = world()
    editor = ScriptedEditor(lambda text: text.replace("replicas: 2\n", "replicas: -1\n", 1), None)
    term = terminal_session(w, w.default_host, editor=editor)
    r = term.run("kubectl edit deployment web")
    (first, _), (second, reopened) = editor.opened
    assert first != second
    assert reopened.startswith(HEADER + '# deployments.apps "web" was not valid:\n'
                               "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n#\n"
                               "apiVersion: apps/v1\n")
    assert (r.stdout, r.stderr, r.status) == ("", 'error: deployments.apps "web" is invalid\n'
                                                  f'A copy of your changes has been stored to "{second}"\n'
                                                  "error: Edit cancelled, no valid changes were saved.\n", 1)
    assert w.api.get("deployments", "web")["spec"]["replicas"] == 2


def test_invalid_edit_fixed_on_the_second_try():
    w = world()
    editor = ScriptedEditor(lambda text: text.replace("replicas: 2\n", "replicas: -1\n", 1),
                            lambda text: text.replace("replicas: -1\n", "replicas: 3\n", 1))
    term = terminal_session(w, w.default_host, editor=editor)
    r = term.run("kubectl edit deployment web")
    assert (r.stdout, r.stderr, r.status) == (
        "deployment.apps/web edited\n", 'error: deployments.apps "web" is invalid\n', 0)
    assert w.api.get("deployments", "web")["spec"]["replicas"] == 3


def test_an_editor_program_still_wins():
    """KUBE_EDITOR naming a program the host has runs that program, not the page's editor."""
    w = world()
    editor = ScriptedEditor()
    term = terminal_session(w, w.default_host, editor=editor)
    r = term.run("""KUBE_EDITOR="sed -i 's/replicas: 2/replicas: 4/'" kubectl edit deployment web""")
    assert (r.stdout, r.status) == ("deployment.apps/web edited\n", 0)
    assert editor.opened == []


def test_without_a_page_editor_vi_is_missing():
    w = world()
    term = terminal_session(w, w.default_host)
    r = term.run("kubectl edit deployment web")
    assert (r.stdout, r.stderr, r.status) == ("", 'error: unable to launch the editor "vi"\n', 1)
