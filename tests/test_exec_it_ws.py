"""The page's terminal websocket with the lab runner: `kubectl exec -it`
shells and `kubectl edit` opening the page's editor (edit, edit-save,
edit-cancel; docs/protocol.md)."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from lab.labs.models import Lab
from lab.labs.persistence import load_world, run_command
from tests.runner_support import runners  # noqa: F401  (fixture)
from tests.test_lab_ws import communicator, new_session_lab, opened, output, receive, run_line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("runners")]

PROMPT = "[root@k8s-master ~]$ "


@sync_to_async
def prepare(line: str) -> None:
    """Run `line` in the stored lab before the terminal opens, then let it settle a minute."""
    lab = Lab.objects.get()
    run_command(lab, line)
    run_command(lab, "sleep 60")


@sync_to_async
def stored_image(name: str) -> str:
    world = load_world(Lab.objects.get())
    return world.api.get("deployments", name)["spec"]["template"]["spec"]["containers"][0]["image"]


async def until_prompt(comm) -> list[dict]:
    messages = []
    while not messages or messages[-1]["type"] != "prompt":
        messages.append(await receive(comm))
    return messages


async def test_exec_it_shell_prompts_and_exit():
    comm = communicator(await new_session_lab())
    await prepare("kubectl run nginx --image=nginx")
    await opened(comm)
    messages = await run_line(comm, "kubectl exec -it nginx -- sh")
    inside = {"namespace": "default", "pod": "nginx", "container": "nginx", "command": ["sh"]}
    assert messages[-2:] == [{"type": "result", "status": 0, "clock": messages[-2]["clock"]},
                             {"type": "prompt", "text": "# ", "continuation": False, "exec": inside}]
    messages = await run_line(comm, "hostname")
    assert output(messages) == [("out", "nginx\n")]
    assert messages[-1]["text"] == "# "
    messages = await run_line(comm, "exit 2")
    assert output(messages) == [("err", "command terminated with exit code 2\n")]
    assert messages[-2]["status"] == 2 and messages[-1] == {"type": "prompt", "text": PROMPT, "continuation": False}
    await comm.disconnect()


async def test_kubectl_edit_opens_the_editor_and_save_applies():
    comm = communicator(await new_session_lab())
    await prepare("kubectl create deployment web --image=nginx")
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    edit = await receive(comm)
    assert edit["type"] == "edit" and edit["path"].startswith("/tmp/kubectl-edit-")
    assert edit["text"].startswith("# Please edit the object below.")
    # A save for another edit is refused; the real one goes through.
    await comm.send_json_to({"type": "edit-save", "id": "nope", "text": "x"})
    assert (await receive(comm))["code"] == "no-edit"
    await comm.send_json_to({"type": "edit-save", "id": edit["id"],
                             "text": edit["text"].replace("- image: nginx\n", "- image: nginx:1.27\n")})
    messages = await until_prompt(comm)
    assert output(messages) == [("out", "deployment.apps/web edited\n")]
    assert messages[-2]["status"] == 0
    assert await stored_image("web") == "nginx:1.27"
    await comm.disconnect()


async def test_kubectl_edit_cancel_and_ctrl_c():
    comm = communicator(await new_session_lab())
    await prepare("kubectl create deployment web --image=nginx")
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    edit = await receive(comm)
    await comm.send_json_to({"type": "edit-cancel", "id": edit["id"]})
    messages = await until_prompt(comm)
    assert output(messages) == [("err", "Edit cancelled, no changes made.\n")]
    # Ctrl-C while the editor has the file: as quitting it without saving.
    await comm.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    assert (await receive(comm))["type"] == "edit"
    await comm.send_json_to({"type": "interrupt"})
    messages = await until_prompt(comm)
    assert output(messages) == [("err", "Edit cancelled, no changes made.\n")]
    assert await stored_image("web") == "nginx"
    await comm.disconnect()


async def test_an_invalid_edit_is_reopened_with_the_reasons():
    comm = communicator(await new_session_lab())
    await prepare("kubectl create deployment web --image=nginx")
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    edit = await receive(comm)
    await comm.send_json_to({"type": "edit-save", "id": edit["id"],
                             "text": edit["text"].replace("replicas: 1\n", "replicas: -1\n", 1)})
    messages = []
    while not messages or messages[-1]["type"] != "edit":
        messages.append(await receive(comm))
    assert output(messages[:-1]) == [("err", 'error: deployments.apps "web" is invalid\n')]
    again = messages[-1]
    assert again["id"] != edit["id"] and again["path"] != edit["path"]
    assert '# deployments.apps "web" was not valid:\n' \
           "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n" in again["text"]
    await comm.send_json_to({"type": "edit-save", "id": again["id"],
                             "text": again["text"].replace("replicas: -1\n", "replicas: 2\n", 1)})
    messages = await until_prompt(comm)
    assert output(messages) == [("out", "deployment.apps/web edited\n")]
    await comm.disconnect()
