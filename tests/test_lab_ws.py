"""The lab page's terminal websocket (docs/protocol.md) through the whole
ASGI application: origin check, session ownership, the shell protocol."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from lab.asgi import application
from lab.labs.models import Lab
from lab.labs.persistence import create_lab
from tests.runner_support import runners  # noqa: F401  (fixture)


def websocket_test(fn):
    """An async test on a database the runner's threads share, its runners stopped at the end."""
    return pytest.mark.django_db(transaction=True)(pytest.mark.asyncio(pytest.mark.usefixtures("runners")(fn)))

ORIGIN = b"http://127.0.0.1:8000"
PROMPT = "[root@k8s-master ~]$ "
NODES = """NAME         STATUS   ROLES           AGE    VERSION
k8s-master   Ready    control-plane   3d1h   v1.32.4
k8s-node1    Ready    <none>          3d     v1.32.4
k8s-node2    Ready    <none>          3d     v1.32.4
"""
TIMEOUT = 30


@sync_to_async
def new_session_lab(name: str = "default", profile: str = "kubeadm") -> str:
    """A browser session owning a fresh lab `name`; its session key."""
    session = SessionStore()
    session["labs"] = [name]
    session.create()
    create_lab(name, profile, session_key=session.session_key)
    return session.session_key


def communicator(session_key: str, path: str = "/ws/lab/default/terminal/",
                 origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000"),
               (b"cookie", f"sessionid={session_key}".encode())]
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(comm: WebsocketCommunicator) -> dict:
    return await comm.receive_json_from(timeout=TIMEOUT)


async def opened(comm: WebsocketCommunicator) -> dict:
    """Connect; the hello message (after checking the first prompt follows)."""
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    hello = await receive(comm)
    assert hello["type"] == "hello"
    prompt = await receive(comm)
    assert prompt == {"type": "prompt", "text": f"[root@{hello['host']} ~]$ ", "continuation": False}
    return hello


async def run_line(comm: WebsocketCommunicator, line: str) -> list[dict]:
    """Send one input line; every message up to and including the next prompt."""
    await comm.send_json_to({"type": "input", "line": line})
    messages = []
    while True:
        message = await receive(comm)
        messages.append(message)
        if message["type"] == "prompt":
            return messages


def output(messages: list[dict]) -> list[tuple[str, str]]:
    """The output as (stream, text) runs: output streams as written, so
    where one message ends and the next begins carries no meaning."""
    runs: list[tuple[str, str]] = []
    for m in messages:
        if m["type"] != "output":
            continue
        if runs and runs[-1][0] == m["stream"]:
            runs[-1] = (m["stream"], runs[-1][1] + m["text"])
        else:
            runs.append((m["stream"], m["text"]))
    return runs


@websocket_test
async def test_hello_then_kubectl_get_nodes_prints_the_table_and_the_prompt():
    comm = communicator(await new_session_lab())
    hello = await opened(comm)
    assert hello == {"type": "hello", "lab": "default", "profile": "kubeadm", "host": "k8s-master",
                     "hosts": ["k8s-master", "k8s-node1", "k8s-node2", "external"],
                     "clock": "2026-12-01T09:00:00Z"}
    assert await run_line(comm, "kubectl get nodes") == [
        {"type": "output", "stream": "out", "text": NODES},
        {"type": "result", "status": 0, "clock": "2026-12-01T09:00:00Z"},
        {"type": "prompt", "text": PROMPT, "continuation": False},
    ]
    await comm.disconnect()


@websocket_test
async def test_variables_and_cwd_persist_on_one_terminal_but_not_across_terminals():
    key = await new_session_lab()
    comm = communicator(key)
    await opened(comm)
    assert output(await run_line(comm, "export X=1")) == []
    assert output(await run_line(comm, "echo $X")) == [("out", "1\n")]
    messages = await run_line(comm, "cd /etc")
    assert messages[-1] == {"type": "prompt", "text": "[root@k8s-master etc]$ ", "continuation": False}
    assert output(await run_line(comm, "pwd")) == [("out", "/etc\n")]
    await comm.disconnect()

    other = communicator(key)
    await opened(other)
    assert output(await run_line(other, "echo \"[$X]\"; pwd")) == [("out", "[]\n/root\n")]
    await other.disconnect()


@websocket_test
async def test_the_lab_state_is_stored_between_terminals():
    key = await new_session_lab()
    comm = communicator(key)
    await opened(comm)
    assert output(await run_line(comm, "kubectl create namespace dev")) == [("out", "namespace/dev created\n")]
    await comm.disconnect()
    other = communicator(key)
    await opened(other)
    assert output(await run_line(other, "kubectl get namespace dev -o name")) == [("out", "namespace/dev\n")]
    await other.disconnect()


@websocket_test
async def test_a_here_document_across_inputs_shows_the_continuation_prompt():
    comm = communicator(await new_session_lab())
    await opened(comm)
    continuation = {"type": "prompt", "text": "> ", "continuation": True}
    assert await run_line(comm, "cat <<EOF > /root/note.txt") == [continuation]
    assert await run_line(comm, "hello $HOSTNAME") == [continuation]
    assert output(await run_line(comm, "EOF")) == []
    assert output(await run_line(comm, "cat /root/note.txt")) == [("out", "hello k8s-master\n")]
    await comm.disconnect()


@websocket_test
async def test_stderr_and_status_of_a_failing_command():
    comm = communicator(await new_session_lab())
    await opened(comm)
    messages = await run_line(comm, "kubectl get namespace nope")
    assert messages == [
        {"type": "output", "stream": "err", "text": 'Error from server (NotFound): namespaces "nope" not found\n'},
        {"type": "result", "status": 1, "clock": "2026-12-01T09:00:00Z"},
        {"type": "prompt", "text": PROMPT, "continuation": False},
    ]
    await comm.disconnect()


@websocket_test
async def test_ctrl_c_stops_a_running_loop():
    comm = communicator(await new_session_lab())
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "while true; do sleep 1; done"})
    await comm.send_json_to({"type": "interrupt"})
    messages = []
    while not messages or messages[-1]["type"] != "prompt":
        messages.append(await receive(comm))
    # Stopped by Ctrl-C, not by the loop budget ("bash: loop stopped: ..."): no output, status 130.
    assert [m["type"] for m in messages] == ["result", "prompt"]
    assert messages[0]["status"] == 130
    assert messages[1] == {"type": "prompt", "text": PROMPT, "continuation": False}
    # The shell goes on.
    assert output(await run_line(comm, "echo $?")) == [("out", "130\n")]
    await comm.disconnect()


@websocket_test
async def test_ctrl_c_at_a_continuation_prompt_drops_the_unfinished_command():
    comm = communicator(await new_session_lab())
    await opened(comm)
    assert (await run_line(comm, "echo 'open"))[-1]["continuation"] is True
    await comm.send_json_to({"type": "interrupt"})
    assert await receive(comm) == {"type": "prompt", "text": PROMPT, "continuation": False}
    assert output(await run_line(comm, "echo fresh")) == [("out", "fresh\n")]
    await comm.disconnect()


@websocket_test
async def test_a_terminal_on_another_host():
    comm = communicator(await new_session_lab(), path="/ws/lab/default/terminal/?host=external")
    hello = await opened(comm)
    assert hello["host"] == "external"
    assert output(await run_line(comm, "hostname")) == [("out", "external\n")]
    await comm.disconnect()


@websocket_test
async def test_exit_ends_the_terminal():
    comm = communicator(await new_session_lab())
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "exit 3"})
    assert await receive(comm) == {"type": "output", "stream": "err", "text": "exit\n"}
    assert await receive(comm) == {"type": "result", "status": 3, "clock": "2026-12-01T09:00:00Z"}
    assert await receive(comm) == {"type": "exit", "status": 3}
    assert (await comm.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"


@websocket_test
async def test_unknown_host_and_unknown_message():
    key = await new_session_lab()
    comm = communicator(key, path="/ws/lab/default/terminal/?host=nowhere")
    assert (await comm.connect(timeout=TIMEOUT))[0]
    assert await receive(comm) == {"type": "error", "code": "no-host",
                                   "message": "lab 'default' has no host 'nowhere'"}
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4400}

    comm = communicator(key)
    await opened(comm)
    await comm.send_json_to({"type": "resize"})
    assert await receive(comm) == {"type": "error", "code": "bad-message",
                                   "message": "unknown message type 'resize'"}
    await comm.disconnect()


@websocket_test
async def test_a_lab_of_another_session_is_not_reachable():
    await new_session_lab("mine")
    stranger = await sync_to_async(lambda: (lambda s: (s.create(), s.session_key)[1])(SessionStore()))()
    comm = communicator(stranger, path="/ws/lab/mine/terminal/")
    assert (await comm.connect(timeout=TIMEOUT))[0]
    message = await receive(comm)
    assert message == {"type": "error", "code": "no-lab",
                       "message": "you have no lab named 'mine'; open /lab/mine/ first"}
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    assert await sync_to_async(Lab.objects.count)() == 1


@websocket_test
async def test_a_bad_origin_is_refused():
    comm = communicator(await new_session_lab(), origin=b"http://evil.example")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert not connected


@pytest.mark.django_db
def test_the_lab_page_gives_a_new_visitor_a_lab_of_their_own(client):
    response = client.get("/lab/")
    assert response.status_code == 200
    key = client.session.session_key
    lab = Lab.objects.get()
    assert (lab.name, lab.profile, lab.owner_kind, lab.session_key) == ("default", "kubeadm", "session", key)
    html = response.content.decode()
    assert 'data-ws-path="/ws/lab/default/terminal/" data-host="k8s-master"' in html
    assert 'data-hosts="k8s-master k8s-node1 k8s-node2 external" data-default-host="k8s-master"' in html
    assert '<time id="clock" datetime="2026-12-01T09:00:00Z">' in html
    assert client.get("/lab/").status_code == 200            # the same lab again
    assert client.get("/lab/mini/?profile=minikube").status_code == 200
    assert sorted(Lab.objects.values_list("name", "profile")) == [("default", "kubeadm"), ("mini", "minikube")]
    assert client.session["labs"] == ["default", "mini"]


@pytest.mark.django_db
def test_the_lab_page_refuses_an_unknown_profile_and_the_home_page_links_to_it(client):
    assert client.get("/lab/?profile=bogus").status_code == 404
    assert not Lab.objects.exists()
    assert '<a class="start" href="/lab/">' in client.get("/").content.decode()
