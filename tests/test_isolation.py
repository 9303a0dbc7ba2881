"""Who may reach what: every page and the terminal websocket, for the
lab's owner, another learner and an anonymous visitor.

A lab is found only among the asking visitor's own labs, so another
visitor's lab answers exactly like a lab that does not exist."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from lab.asgi import application
from lab.labs.models import Lab

PASSWORD = "kube-proxy-rules-42"
ORIGIN = b"http://127.0.0.1:8000"
TIMEOUT = 30


def websocket_test(fn):
    return pytest.mark.django_db(transaction=True)(pytest.mark.asyncio(fn))


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.create_user(username, password=PASSWORD))
    return client


def lab_row(lab: Lab) -> dict:
    return Lab.objects.filter(pk=lab.pk).values("name", "owner_kind", "user", "session_key", "revision").get()


# ---- HTTP ----------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/lab/", "/lab/web/"])
def test_the_lab_page_shows_each_visitor_only_their_own_lab(path):
    owner, other, anonymous = signed_in("ann"), signed_in("bob"), Client()
    owners = owner.get(path).context["lab"]
    before = lab_row(owners)
    for visitor in (other, anonymous):
        response = visitor.get(path)
        assert response.status_code == 200
        assert response.context["lab"].pk != owners.pk
    assert owner.get(path).context["lab"].pk == owners.pk
    assert lab_row(owners) == before
    assert sorted(Lab.objects.values_list("owner_kind", flat=True)) == ["session", "user", "user"]


@pytest.mark.django_db
def test_the_lab_page_only_reads():
    owner = signed_in("ann")
    lab = owner.get("/lab/").context["lab"]
    before = lab_row(lab)
    for method in (owner.post, owner.put, owner.delete):
        assert method("/lab/").status_code == 405
    assert lab_row(lab) == before


@pytest.mark.django_db
@pytest.mark.parametrize("path, anonymous, learner", [
    ("/", 200, 200),
    ("/healthz", 200, 200),
    ("/accounts/login/", 200, 302),            # a signed-in visitor goes on to their lab
    ("/accounts/signup/", 200, 302),
    ("/accounts/password/", 302, 200),         # anonymous: to the login page
    ("/accounts/password/done/", 302, 200),
    ("/admin/", 302, 302),                     # staff only: to the admin's login page
    ("/admin/labs/lab/", 302, 302),
])
def test_every_page_for_anonymous_visitors_and_learners(path, anonymous, learner):
    assert Client().get(path).status_code == anonymous
    assert signed_in("ann").get(path).status_code == learner


# ---- websockets ------------------------------------------------------------------

@sync_to_async
def signed_in_session(username: str, lab_name: str | None = None) -> tuple[str, int | None]:
    """A browser session of a new user (and their lab, if named): its session key and the lab's pk."""
    client = signed_in(username)
    pk = client.get(f"/lab/{lab_name}/").context["lab"].pk if lab_name else None
    return client.cookies["sessionid"].value, pk


@sync_to_async
def anonymous_session(lab_name: str | None = None) -> tuple[str, int | None]:
    """An anonymous browser session (with its lab, if named): its key and the lab's pk."""
    if lab_name is None:
        store = SessionStore()
        store.create()
        return store.session_key, None
    client = Client()
    pk = client.get(f"/lab/{lab_name}/").context["lab"].pk
    return client.cookies["sessionid"].value, pk


def communicator(session_key: str | None, name: str) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/lab/{name}/terminal/", headers=headers)


async def first_message(comm: WebsocketCommunicator) -> dict:
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    return await comm.receive_json_from(timeout=TIMEOUT)


async def refused(session_key: str | None, name: str) -> dict:
    """What a visitor gets for a lab they do not own (the error), after checking the 4404 close."""
    comm = communicator(session_key, name)
    message = await first_message(comm)
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    return message


@websocket_test
async def test_a_signed_in_owner_opens_their_lab_terminal_and_nobody_else_can():
    owner_key, lab_pk = await signed_in_session("ann", "web")
    comm = communicator(owner_key, "web")
    hello = await first_message(comm)
    assert (hello["type"], hello["lab"]) == ("hello", "web")
    await comm.disconnect()

    other_key, _ = await signed_in_session("bob")
    anon_key, _ = await anonymous_session()
    missing = {"type": "error", "code": "no-lab", "message": "you have no lab named 'web'; open /lab/web/ first"}
    # Another learner, an anonymous visitor and a visitor with no cookie all
    # get the answer a nonexistent lab gets: nothing says "web" exists.
    assert await refused(other_key, "web") == missing
    assert await refused(anon_key, "web") == missing
    assert await refused(None, "web") == missing
    assert (await refused(owner_key, "nothere"))["message"] == \
        "you have no lab named 'nothere'; open /lab/nothere/ first"
    assert await sync_to_async(Lab.objects.count)() == 1


@websocket_test
async def test_an_anonymous_owner_keeps_their_terminal_and_a_learner_cannot_reach_it():
    anon_key, lab_pk = await anonymous_session("try")
    comm = communicator(anon_key, "try")
    assert (await first_message(comm))["type"] == "hello"
    await comm.disconnect()
    other_key, _ = await signed_in_session("bob")
    assert (await refused(other_key, "try"))["code"] == "no-lab"


@websocket_test
async def test_after_sign_up_the_terminal_finds_the_adopted_lab_through_the_account():
    @sync_to_async
    def try_then_sign_up() -> tuple[str, str, int]:
        client = Client()
        lab = client.get("/lab/").context["lab"]
        anonymous_key = client.cookies["sessionid"].value
        client.post("/accounts/signup/", {"username": "ann", "password1": PASSWORD, "password2": PASSWORD})
        return anonymous_key, client.cookies["sessionid"].value, lab.pk

    old_key, new_key, lab_pk = await try_then_sign_up()
    assert old_key != new_key                         # login() gave the browser a new session
    assert (await refused(old_key, "default"))["code"] == "no-lab"
    comm = communicator(new_key, "default")
    hello = await first_message(comm)
    assert hello["type"] == "hello"
    await comm.disconnect()
    lab = await sync_to_async(Lab.objects.get)()
    assert (lab.pk, lab.owner_kind) == (lab_pk, "user")


@sync_to_async
def learner_with_lab() -> Client:
    client = signed_in("ann")
    client.get("/lab/")
    return client


async def open_terminal(client: Client) -> WebsocketCommunicator:
    comm = communicator(client.cookies["sessionid"].value, "default")
    assert (await first_message(comm))["type"] == "hello"
    assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "prompt"
    return comm


async def assert_terminal_ended(comm: WebsocketCommunicator) -> None:
    """The next command is refused as for a lab the visitor does not own, and not run."""
    await comm.send_json_to({"type": "input", "line": "kubectl create namespace after"})
    assert await comm.receive_json_from(timeout=TIMEOUT) == {
        "type": "error", "code": "no-lab", "message": "you have no lab named 'default'; open /lab/default/ first"}
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    from lab.labs.persistence import load_world
    world = await sync_to_async(load_world)(await sync_to_async(Lab.objects.get)())
    assert world.store.peek("namespaces", "", "after") is None


@websocket_test
async def test_an_open_terminal_ends_when_its_browser_logs_out():
    client = await learner_with_lab()
    comm = await open_terminal(client)
    await sync_to_async(client.post)("/accounts/logout/")
    await assert_terminal_ended(comm)


@websocket_test
async def test_an_open_terminal_ends_when_the_password_is_changed_in_another_browser():
    client = await learner_with_lab()
    comm = await open_terminal(client)
    other = Client()
    await sync_to_async(other.post)("/accounts/login/", {"username": "ann", "password": PASSWORD})
    await sync_to_async(other.post)("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "x-new-Pass-77", "new_password2": "x-new-Pass-77"})
    await assert_terminal_ended(comm)


@websocket_test
async def test_an_anonymous_terminal_ends_when_its_browser_signs_up():
    @sync_to_async
    def anonymous_with_lab() -> Client:
        client = Client()
        client.get("/lab/")
        return client

    client = await anonymous_with_lab()
    comm = communicator(client.cookies["sessionid"].value, "default")
    assert (await first_message(comm))["type"] == "hello"
    assert (await comm.receive_json_from(timeout=TIMEOUT))["type"] == "prompt"
    await sync_to_async(client.post)("/accounts/signup/", {"username": "ann", "password1": PASSWORD,
                                                           "password2": PASSWORD})
    await comm.send_json_to({"type": "input", "line": "true"})
    assert (await comm.receive_json_from(timeout=TIMEOUT))["code"] == "no-lab"
    # The page's new connection (with the new cookie) finds the lab through the account.
    again = communicator(client.cookies["sessionid"].value, "default")
    assert (await first_message(again))["type"] == "hello"
    await again.disconnect()
