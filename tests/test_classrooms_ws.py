"""The classroom websockets: a learner's passing step reaches the
instructor's dashboard; only that instructor may open it; the read-only
lab view's socket follows can_view_lab; other origins are refused."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from lab.asgi import application
from lab.labs.persistence import run_command
from tests.classroom_helpers import FIRST_STEP, HOST, LESSON, make_class

ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 60


def websocket_test(fn):
    return pytest.mark.django_db(transaction=True)(pytest.mark.asyncio(fn))


def session_of(user) -> str | None:
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(path: str, session_key: str | None, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def opened(comm: WebsocketCommunicator) -> dict:
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    return await comm.receive_json_from(timeout=TIMEOUT)


@websocket_test
async def test_a_learners_passing_step_reaches_the_dashboard():
    c = await sync_to_async(make_class)()
    tina = await sync_to_async(session_of)(c.tina)
    dash = socket(f"/ws/classrooms/{c.classroom.pk}/dashboard/?lesson={LESSON}", tina)
    snap = await opened(dash)
    assert snap["type"] == "snapshot" and snap["lesson"]["slug"] == LESSON
    [ann] = snap["learners"]
    assert (ann["learner"]["username"], ann["passed"], ann["current"]) == ("ann", {}, "two-pods")

    await sync_to_async(run_command)(c.ann_lab, FIRST_STEP[0], HOST)
    update = await dash.receive_json_from(timeout=TIMEOUT)
    assert (update["type"], update["lesson"], update["learner"]["learner"]["username"]) == ("learner", LESSON, "ann")
    assert update["learner"]["passed"] == {} and update["learner"]["commands"][-1]["line"] == FIRST_STEP[0]

    await sync_to_async(run_command)(c.ann_lab, FIRST_STEP[1], HOST)
    update = await dash.receive_json_from(timeout=TIMEOUT)
    assert list(update["learner"]["passed"]) == ["two-pods"]
    assert update["learner"]["current"] == "reach-pods"

    # bob is otto's learner: his commands never reach tina's dashboard
    await sync_to_async(run_command)(c.bob_lab, "kubectl get pods", HOST)
    assert await dash.receive_nothing(timeout=1)
    await dash.disconnect()


@websocket_test
async def test_only_the_classrooms_instructor_opens_its_dashboard():
    c = await sync_to_async(make_class)(with_labs=False)
    path = f"/ws/classrooms/{c.classroom.pk}/dashboard/"
    refusal = {"type": "error", "code": "not-found", "message": f"no classroom {c.classroom.pk} of yours"}
    for user in (c.ann, c.bob, c.otto, None):
        comm = socket(path, await sync_to_async(session_of)(user))
        assert await opened(comm) == refusal
        assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    # a classroom that does not exist answers the same way
    comm = socket("/ws/classrooms/99999/dashboard/", await sync_to_async(session_of)(c.otto))
    assert (await opened(comm))["message"] == "no classroom 99999 of yours"
    # an unknown lesson of the classroom too
    comm = socket(path + "?lesson=service-discovery", await sync_to_async(session_of)(c.tina))
    assert (await opened(comm))["code"] == "not-found"
    comm = socket(path, await sync_to_async(session_of)(c.tina))
    assert (await opened(comm))["type"] == "snapshot"
    await comm.disconnect()


@websocket_test
async def test_pages_of_other_origins_cannot_open_the_dashboard():
    c = await sync_to_async(make_class)(with_labs=False)
    comm = socket(f"/ws/classrooms/{c.classroom.pk}/dashboard/", await sync_to_async(session_of)(c.tina),
                  origin=b"http://evil.example")
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert not connected


@websocket_test
async def test_the_read_only_view_socket_follows_can_view_lab():
    c = await sync_to_async(make_class)()
    path = f"/ws/classrooms/labs/{c.ann_lab.pk}/"
    for user in (c.bob, c.otto, None):
        comm = socket(path, await sync_to_async(session_of)(user))
        assert await opened(comm) == {"type": "error", "code": "not-found",
                                      "message": f"no lab {c.ann_lab.pk} you can see"}
        assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    for user in (c.ann, c.tina):
        comm = socket(path, await sync_to_async(session_of)(user))
        assert await opened(comm) == {"type": "hello", "lab": c.ann_lab.pk}
        await sync_to_async(run_command)(c.ann_lab, "kubectl get pods", HOST)
        assert await comm.receive_json_from(timeout=TIMEOUT) == {"type": "changed", "lab": c.ann_lab.pk}
        await comm.disconnect()
