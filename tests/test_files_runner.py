"""Saving a file while the lab's runner holds it: the write goes into the
runner's World (which the terminal's next command reads), not around it."""
from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from lab.labs.hub import hub
from tests.runner_support import runners  # noqa: F401  (fixture)
from tests.test_lab_ws import communicator, opened, output, run_line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("runners")]

POD = """apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  containers:
  - name: nginx-container
    image: nginx
"""


@sync_to_async
def visitor() -> tuple[Client, str]:
    client = Client()
    assert client.get("/lab/").status_code == 200
    return client, client.session.session_key


async def test_a_save_reaches_the_running_lab_and_apply_reads_it():
    client, key = await visitor()
    comm = communicator(key)
    await opened(comm)  # the terminal's lab is now held by a runner
    assert output(await run_line(comm, "echo $((1+1))")) == [("out", "2\n")]
    [hosted] = hub().hosted.values()
    incarnation = hosted.runner.id
    answer = await sync_to_async(client.put)(
        "/lab/default/files/k8s-master/?path=/root/pod_nginx.yml", data=json.dumps({"content": POD}),
        content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert output(await run_line(comm, "cat pod_nginx.yml")) == [("out", POD)]
    # Written into the runner's World: it did not have to reload the lab (which stops running commands).
    assert hosted.runner.id == incarnation
    assert output(await run_line(comm, "kubectl apply -f pod_nginx.yml")) == [("out", "pod/nginx-pod created\n")]
    # The shell state survived: no reload of the lab came between.
    assert output(await run_line(comm, "history | tail -n 1")) == [("out", "    4  history | tail -n 1\n")]
    await comm.disconnect()
