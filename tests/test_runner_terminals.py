"""Terminals through the lab runner: output streamed while a command runs,
Ctrl-C during a wait, and two terminals side by side (a curl loop printing
once per virtual second while the other changes the Deployment)."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async

from lab.labs.models import Lab
from tests.runner_support import clock_control, runners  # noqa: F401  (fixture)
from tests.test_lab_ws import communicator, new_session_lab, opened, output, receive, run_line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("runners")]


async def lab_id() -> int:
    return await sync_to_async(lambda: Lab.objects.get().pk)()


def seconds(clock: str) -> float:
    return (datetime.fromisoformat(clock.replace("Z", "+00:00"))
            - datetime.fromisoformat("2026-12-01T09:00:00+00:00")).total_seconds()


async def until_prompt(comm) -> list[dict]:
    messages = []
    while not messages or messages[-1]["type"] != "prompt":
        messages.append(await receive(comm))
    return messages


async def test_a_loop_streams_each_line_as_the_clock_reaches_it():
    comm = communicator(await new_session_lab())
    await opened(comm)
    await clock_control(await lab_id(), "speed", speed=5)
    messages = await run_line(comm, "for i in 1 2 3; do echo tick $i; sleep 1; done")
    # The first line arrived on its own, long before the loop ended.
    assert messages[0] == {"type": "output", "stream": "out", "text": "tick 1\n"}
    assert output(messages) == [("out", "tick 1\ntick 2\ntick 3\n")]
    # Three virtual seconds passed, exactly: the sleeps woke on the second.
    assert messages[-2] == {"type": "result", "status": 0, "clock": "2026-12-01T09:00:03Z"}
    await comm.disconnect()


async def test_ctrl_c_ends_a_long_sleep_at_once_and_keeps_the_time_that_passed():
    comm = communicator(await new_session_lab())
    await opened(comm)
    await comm.send_json_to({"type": "input", "line": "echo start; sleep 3600; echo never"})
    assert await receive(comm) == {"type": "output", "stream": "out", "text": "start\n"}
    await comm.send_json_to({"type": "interrupt"})
    messages = await until_prompt(comm)
    assert [m["type"] for m in messages] == ["result", "prompt"]
    assert messages[0]["status"] == 130
    assert seconds(messages[0]["clock"]) < 60
    assert output(await run_line(comm, "echo $?")) == [("out", "130\n")]
    await comm.disconnect()


async def test_two_terminals_side_by_side_a_curl_loop_while_the_deployment_changes():
    key = await new_session_lab()
    loop, other = communicator(key), communicator(key)
    await opened(loop)
    await opened(other)
    await clock_control(await lab_id(), "speed", speed=20)
    for line in ("kubectl create deployment web --image=nginx --replicas=2",
                 "kubectl expose deployment web --port=80",
                 "kubectl rollout status deployment/web"):
        assert (await run_line(other, line))[-2]["status"] == 0
    started = seconds((await run_line(loop, "IP=$(kubectl get svc web -o jsonpath={.spec.clusterIP})"))[-2]["clock"])
    await loop.send_json_to({"type": "input",
                             "line": "while true; do curl -s $IP | grep -c 'It works'; sleep 1; done"})
    assert await receive(loop) == {"type": "output", "stream": "out", "text": "0\n"}

    # The other terminal works while the loop runs.
    assert output(await run_line(other, "kubectl scale deployment web --replicas=3")) == [
        ("out", "deployment.apps/web scaled\n")]
    assert output(await run_line(other, "kubectl set image deployment/web nginx=httpd")) == [
        ("out", "deployment.apps/web image updated\n")]

    # The loop goes on printing, and httpd's answers come in as its Pods take over.
    lines: list[str] = []
    while lines[-3:] != ["1", "1", "1"]:
        message = await receive(loop)
        assert message["type"] == "output", message
        lines.extend(message["text"].splitlines())
    await loop.send_json_to({"type": "interrupt"})
    messages = await until_prompt(loop)
    lines.extend(text for _, run in output(messages) for text in run.splitlines())
    result = messages[-2]
    assert result["type"] == "result" and result["status"] == 130
    assert set(lines) == {"0", "1"} and lines[0] == "0"
    # One answer per virtual second: the loop ran as long as it printed.
    assert abs((seconds(result["clock"]) - started) - (len(lines) + 1)) <= 1.0
    assert output(await run_line(other, "kubectl get deployment web -o jsonpath='{.spec.replicas}'")) == [
        ("out", "3")]
    await loop.disconnect()
    await other.disconnect()


async def test_kubectl_edit_opens_the_file_in_the_page_and_applies_it_on_save_while_the_other_terminal_works():
    key = await new_session_lab()
    term, other = communicator(key), communicator(key)
    await opened(term)
    await opened(other)
    await clock_control(await lab_id(), "speed", speed=20)
    await run_line(term, "kubectl create deployment web --image=nginx --replicas=2")
    await term.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    edit = await receive(term)
    assert edit["type"] == "edit" and edit["path"].startswith("/tmp/kubectl-edit-") and edit["path"].endswith(".yaml")
    assert "  - image: nginx\n" in edit["text"] and edit["text"].startswith("# Please edit the object below.")
    # While the file is open in the page, the other terminal goes on.
    assert output(await run_line(other, "kubectl get deployment web -o name")) == [("out", "deployment.apps/web\n")]
    await term.send_json_to({"type": "edit-save", "id": edit["id"],
                             "text": edit["text"].replace("  - image: nginx\n", "  - image: httpd\n")})
    messages = await until_prompt(term)
    assert output(messages) == [("out", "deployment.apps/web edited\n")]
    assert messages[-2]["status"] == 0
    assert output(await run_line(other, "kubectl get deployment web -o jsonpath='{..image}'")) == [("out", "httpd")]

    await term.send_json_to({"type": "input", "line": "kubectl edit deployment web"})
    edit = await receive(term)
    await term.send_json_to({"type": "edit-cancel", "id": edit["id"]})
    messages = await until_prompt(term)
    assert output(messages) == [("err", "Edit cancelled, no changes made.\n")]
    await term.disconnect()
    await other.disconnect()


async def test_a_save_from_outside_reloads_the_lab_and_says_the_command_was_not_kept():
    from lab.labs.persistence import run_command
    from tests.test_live_protocol import Page, live

    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = Page(live(key))
    assert (await page.comm.connect(timeout=30))[0]
    await page.next(("snapshot",))
    # Someone else stores the lab (as another process would).
    lab = await sync_to_async(Lab.objects.get)()
    assert (await sync_to_async(run_command)(lab, "kubectl create namespace outside")).status == 0
    messages = await run_line(term, "kubectl create namespace inside")
    assert output(messages) == [("out", "namespace/inside created\n")]
    assert [m for m in messages if m["type"] == "error"] == [
        {"type": "error", "code": "conflict",
         "message": "the lab was changed elsewhere while this command ran; its changes were not kept "
                    "and the lab is as stored: run the command again"}]
    # The runner now holds the stored lab: the outside change is there, the lost one is not.
    assert output(await run_line(term, "kubectl get namespace inside outside -o name")) == [
        ("out", "namespace/outside\n"), ("err", 'Error from server (NotFound): namespaces "inside" not found\n')]
    # The live page is brought to the stored lab too.
    await page.next(("snapshot",))
    assert "Namespace//outside" in page.objects and "Namespace//inside" not in page.objects
    await page.comm.disconnect()
    await term.disconnect()


async def test_ctrl_c_stops_a_rollout_status_that_waits_on_the_clock():
    comm = communicator(await new_session_lab())
    await opened(comm)
    await clock_control(await lab_id(), "speed", speed=10)
    await run_line(comm, "kubectl create deployment bad --image=nginx:no-such-tag")
    await comm.send_json_to({"type": "input", "line": "kubectl rollout status deployment/bad"})
    first = await receive(comm)
    assert first == {"type": "output", "stream": "out",
                     "text": 'Waiting for deployment "bad" rollout to finish: 0 of 1 updated replicas are available...\n'}
    await comm.send_json_to({"type": "interrupt"})
    messages = await until_prompt(comm)
    assert messages[-2]["type"] == "result" and messages[-2]["status"] == 130
    assert output(messages) == []
    await comm.disconnect()
