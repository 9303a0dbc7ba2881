"""The live socket ws/lab/<name>/live/ (docs/protocol.md): snapshot then
diffs, resume after reconnect without loss or duplicates, clock ticks and
time controls, finished commands, node actions, traces and rules pushes."""
from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from lab.asgi import application
from lab.labs.hub import hub
from lab.labs.models import Lab
from lab.labs.persistence import load_world
from tests.runner_support import runners  # noqa: F401  (fixture)
from tests.test_lab_ws import ORIGIN, communicator, new_session_lab, opened, output, receive, run_line

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("runners")]

TIMEOUT = 30


def live(session_key: str, query: str = "", name: str = "default", origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000"), (b"cookie", f"sessionid={session_key}".encode())]
    return WebsocketCommunicator(application, f"/ws/lab/{name}/live/{query}", headers=headers)


def key_of(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


class Page:
    """What a page keeps: the objects by key, applied from snapshot and diffs."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm
        self.objects: dict[str, dict] = {}
        self.rv = ""
        self.runner = ""
        self.seen: list[int] = []   # every event's resourceVersion, in the order applied
        self.others: list[dict] = []

    async def next(self, kinds=None) -> dict:
        """The next message (of one of `kinds`), applying watch diffs on the way."""
        while True:
            message = await self.comm.receive_json_from(timeout=TIMEOUT)
            self.apply(message)
            if kinds is None or message["type"] in kinds:
                return message
            self.others.append(message)

    def apply(self, message: dict) -> None:
        kind = message["type"]
        if kind == "snapshot":
            self.objects = {key_of(o): o for o in message["objects"]}
        if kind in ("watch", "resumed"):
            for event in message["events"]:
                rv = int(event["resourceVersion"])
                assert not self.seen or rv > self.seen[-1], "an update came twice or out of order"
                self.seen.append(rv)
                if event["type"] == "DELETED":
                    self.objects.pop(key_of(event["object"]), None)
                else:
                    self.objects[key_of(event["object"])] = event["object"]
        if kind in ("snapshot", "watch", "resumed"):
            self.rv = message["resourceVersion"]
        if kind in ("snapshot", "resumed"):
            self.runner = message["runner"]

    async def until_rv(self, rv: str) -> None:
        while int(self.rv or 0) < int(rv):
            await self.next(("watch",))


async def connected(comm: WebsocketCommunicator) -> Page:
    ok, _ = await comm.connect(timeout=TIMEOUT)
    assert ok
    page = Page(comm)
    first = await page.next()
    assert first["type"] in ("snapshot", "resumed"), first
    return page


async def stored_objects() -> dict[str, dict]:
    def read():
        world = load_world(Lab.objects.get())
        return {key_of(obj): obj for _, obj in world.store.all_items()}
    return await sync_to_async(read)()


async def runner_of_lab():
    lab_id = await sync_to_async(lambda: Lab.objects.get().pk)()
    return hub().hosted[lab_id].runner


async def test_snapshot_then_diffs_add_up_to_the_objects_the_lab_stores():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    snapshot_rv = page.rv
    assert "Node//k8s-master" in page.objects and "Service/default/kubernetes" in page.objects
    node = page.objects["Node//k8s-master"]
    assert node["apiVersion"] == "v1" and node["metadata"]["resourceVersion"]
    assert await page.next(("clock",)) == {"type": "clock", "now": "2026-12-01T09:00:00Z", "playing": False,
                                           "speed": 1.0}

    assert output(await run_line(term, "kubectl create namespace dev")) == [("out", "namespace/dev created\n")]
    message = await page.next(("watch",))
    # the namespace, then what its controllers put in it (root-ca-cert-publisher, serviceaccount)
    assert [(e["type"], e["object"]["kind"], e["object"]["metadata"]["name"]) for e in message["events"]] == [
        ("ADDED", "Namespace", "dev"), ("ADDED", "ConfigMap", "kube-root-ca.crt"),
        ("ADDED", "ServiceAccount", "default")]
    assert int(message["events"][0]["resourceVersion"]) > int(snapshot_rv)
    finished = await page.next(("command",))
    assert finished == {"type": "command", "host": "k8s-master", "line": "kubectl create namespace dev",
                        "status": 0, "terminal": finished["terminal"]}

    await run_line(term, "kubectl create deployment web --image=nginx --replicas=2")
    await run_line(term, "kubectl rollout status deployment/web")
    runner = await runner_of_lab()
    await page.until_rv(str(runner.published_rv))
    # The page's objects are now exactly what the lab stores.
    assert page.objects == await stored_objects()
    assert any(k.startswith("Pod/default/web-") for k in page.objects)
    await page.comm.disconnect()
    await term.disconnect()


async def test_resume_after_a_reconnect_sends_exactly_the_updates_missed():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await page.comm.disconnect()
    # While the page is away: a Deployment comes up (dozens of updates).
    await run_line(term, "kubectl create deployment web --image=nginx --replicas=3")
    await run_line(term, "kubectl rollout status deployment/web")
    await run_line(term, "kubectl delete namespace default --dry-run=server")

    page.comm = live(key, f"?resourceVersion={page.rv}&runner={page.runner}")
    ok, _ = await page.comm.connect(timeout=TIMEOUT)
    assert ok
    before = len(page.seen)
    message = await page.next(("resumed", "snapshot"))
    assert message["type"] == "resumed"
    missed = page.seen[before:]
    assert len(missed) > 20 and missed == sorted(set(missed))
    assert page.objects == await stored_objects()
    await page.comm.disconnect()
    await term.disconnect()


async def test_resume_from_another_runner_uses_what_was_saved_and_a_snapshot_when_too_old():
    key = await new_session_lab()
    page = await connected(live(key))
    old_rv, old_runner = page.rv, page.runner
    await page.comm.disconnect()
    await hub().maintain_once()          # nobody watches: the runner saves and stops
    assert not hub().hosted

    # A new runner: what the page saw was saved, so it can resume.
    again = live(key, f"?resourceVersion={old_rv}&runner={old_runner}")
    ok, _ = await again.connect(timeout=TIMEOUT)
    assert ok
    message = await again.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == "resumed" and message["events"] == [] and message["runner"] != old_runner

    # Far more updates than the saved watch history keeps: a snapshot instead.
    term = communicator(key)
    await opened(term)
    await run_line(term, "kubectl create deployment big --image=nginx --replicas=30")
    await run_line(term, "kubectl rollout status deployment/big")
    await again.disconnect()
    await term.disconnect()
    await hub().maintain_once()
    assert not hub().hosted
    late = Page(live(key, f"?resourceVersion={old_rv}&runner={old_runner}"))
    ok, _ = await late.comm.connect(timeout=TIMEOUT)
    assert ok
    assert (await late.next(("snapshot", "resumed")))["type"] == "snapshot"
    assert late.objects == await stored_objects()
    await late.comm.disconnect()


async def test_an_update_already_sent_is_not_sent_again_and_a_gap_brings_a_resync():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    runner = await runner_of_lab()
    # A watch message the page already has (as when it arrives after the snapshot that covered it).
    lab_id = await sync_to_async(lambda: Lab.objects.get().pk)()
    from channels.layers import get_channel_layer
    from lab.labs.broadcast import live_group
    layer = get_channel_layer()
    rv = int(page.rv)
    await layer.group_send(live_group(lab_id), {"type": "live.watch", "from": rv - 1, "to": rv,
                                                "runner": runner.id, "text": '{"type": "watch", "bogus": 1}'})
    await run_line(term, "kubectl create namespace one")
    message = await page.next(("watch",))
    assert [e["object"]["metadata"]["name"] for e in message["events"]] == ["one", "kube-root-ca.crt", "default"]
    # A message that skips versions: the page is resynced instead of being sent a hole.
    await layer.group_send(live_group(lab_id), {"type": "live.watch", "from": int(page.rv) + 5,
                                                "to": int(page.rv) + 6, "runner": runner.id,
                                                "text": '{"type": "watch", "bogus": 2}'})
    message = await page.next(("watch", "resumed", "snapshot"))
    assert message["type"] == "resumed" and message["events"] == []
    await page.comm.disconnect()
    await term.disconnect()


async def test_time_controls_play_pause_speed_and_step():
    key = await new_session_lab()
    page = await connected(live(key))
    assert (await page.next(("clock",)))["playing"] is False
    await page.comm.send_json_to({"type": "speed", "speed": 20})
    assert await page.next(("clock",)) == {"type": "clock", "now": "2026-12-01T09:00:00Z", "playing": False,
                                           "speed": 20.0}
    await page.comm.send_json_to({"type": "play"})
    assert (await page.next(("clock",)))["playing"] is True
    tick = await page.next(("clock",))
    while tick["now"] < "2026-12-01T09:00:30Z":   # ticks come while it plays; the Nodes' heartbeats with them
        tick = await page.next(("clock",))
    assert tick["playing"] is True and tick["speed"] == 20.0
    await page.comm.send_json_to({"type": "pause"})
    paused = await page.next(("clock",))
    while paused["playing"]:
        paused = await page.next(("clock",))
    runner = await runner_of_lab()
    assert paused["now"] == clock_of(runner)
    due = runner.world.clock.next_due()
    await page.comm.send_json_to({"type": "step"})
    stepped = await page.next(("clock",))
    assert runner.world.clock.elapsed == due and stepped["now"] == clock_of(runner)
    await page.comm.send_json_to({"type": "speed", "speed": 0})
    assert await page.next(("error",)) == {"type": "error", "code": "bad-message",
                                           "message": "speed must be a number from 0.1 to 100"}
    await page.comm.disconnect()


def clock_of(runner) -> str:
    return runner.world.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_node_actions_cordon_uncordon_drain_stop_and_start():
    key = await new_session_lab()
    page = await connected(live(key))
    await page.comm.send_json_to({"type": "node", "node": "k8s-node1", "action": "cordon", "id": "a1"})
    assert await page.next(("action",)) == {"type": "action", "id": "a1", "node": "k8s-node1", "action": "cordon",
                                            "status": 0, "output": "node/k8s-node1 cordoned\n"}
    assert page.objects["Node//k8s-node1"]["spec"]["unschedulable"] is True
    await page.comm.send_json_to({"type": "node", "node": "k8s-node1", "action": "uncordon", "id": "a2"})
    assert (await page.next(("action",)))["output"] == "node/k8s-node1 uncordoned\n"
    assert "unschedulable" not in page.objects["Node//k8s-node1"]["spec"]

    await page.comm.send_json_to({"type": "node", "node": "k8s-node2", "action": "drain", "id": "a3"})
    drained = await page.next(("action",))
    assert drained["status"] == 0 and drained["output"].startswith("node/k8s-node2 cordoned\n")
    assert drained["output"].endswith("node/k8s-node2 drained\n")

    await page.comm.send_json_to({"type": "node", "node": "k8s-node2", "action": "stop", "id": "a4"})
    assert (await page.next(("action",)))["status"] == 0
    runner = await runner_of_lab()
    assert runner.world.hosts["k8s-node2"].powered is False
    await page.comm.send_json_to({"type": "node", "node": "k8s-node2", "action": "start", "id": "a5"})
    assert (await page.next(("action",))) == {"type": "action", "id": "a5", "node": "k8s-node2", "action": "start",
                                              "status": 0, "output": ""}
    await page.comm.send_json_to({"type": "speed", "speed": 50})
    term = communicator(key)
    await opened(term)
    await run_line(term, "sleep 60")            # the machine boots
    assert runner.world.hosts["k8s-node2"].powered is True
    await page.comm.send_json_to({"type": "node", "node": "k8s-node2", "action": "explode"})
    assert (await page.next(("error",)))["code"] == "bad-message"
    await page.comm.disconnect()
    await term.disconnect()


async def test_traces_of_a_terminal_curl_and_of_a_send_request():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await page.comm.send_json_to({"type": "speed", "speed": 50})
    for line in ("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deployment web --port=80",
                 "kubectl rollout status deployment/web"):
        await run_line(term, line)
    await page.until_rv(str((await runner_of_lab()).published_rv))
    ip = page.objects["Service/default/web"]["spec"]["clusterIP"]
    await run_line(term, f"curl -s -o /dev/null {ip}")
    trace = await page.next(("trace",))
    assert trace["host"] == "k8s-master" and trace["line"] == f"curl -s -o /dev/null {ip}"
    [one] = trace["traces"]
    assert one["target"] == f"{ip}:80" and one["result"] == "connected" and one["server"].startswith("pod default/web-")
    assert any(rule["chain"].startswith("KUBE-SVC-") for hop in one["hops"] for rule in hop["rules"])

    await page.comm.send_json_to({"type": "request", "from": "k8s-node1", "url": f"http://{ip}/", "id": "r1"})
    trace = await page.next(("trace",))
    assert trace["host"] == "k8s-node1" and trace["line"] == f"curl -s http://{ip}/"
    answer = await page.next(("action",))
    assert answer["id"] == "r1" and answer["status"] == 0 and "Welcome to nginx!" in answer["output"]
    await page.comm.disconnect()
    await term.disconnect()


async def test_rules_pushes_for_the_watched_node_with_added_removed_and_matched_lines():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await page.comm.send_json_to({"type": "speed", "speed": 50})
    await page.comm.send_json_to({"type": "watch-rules", "node": "k8s-node1"})
    first = await page.next(("rules",))
    assert first["node"] == "k8s-node1" and first["mode"] == "iptables"
    assert first["text"].startswith("# Generated by iptables-save v1.8.") and "*nat" in first["text"]
    assert first["added"] == [] and first["removed"] == []

    for line in ("kubectl create deployment web --image=nginx --replicas=2", "kubectl expose deployment web --port=80",
                 "kubectl rollout status deployment/web"):
        await run_line(term, line)
    # Pushes follow the Service and its endpoints; some push adds the Service's dispatch rule.
    rules, pushes = first, []
    while not any(line.startswith("-A KUBE-SERVICES ") and "default/web" in line and "-j KUBE-SVC-" in line
                  for line in added_lines(rules)):
        rules = await page.next(("rules",))
        pushes.append(rules)
    assert all(set(p["added"]) <= set(range(1, len(p["text"].splitlines()) + 1)) for p in pushes)
    assert not any("default/web" in line for line in first["text"].splitlines())

    await page.until_rv(str((await runner_of_lab()).published_rv))
    ip = page.objects["Service/default/web"]["spec"]["clusterIP"]
    node1 = communicator_on(key, "k8s-node1")
    await opened(node1)
    await run_line(node1, f"curl -s -o /dev/null {ip}")
    while True:
        rules = await page.next(("rules",))
        if rules["matched"]:
            break
    lines = rules["text"].splitlines()
    matched = [lines[n - 1] for n in rules["matched"]]
    assert any(line.startswith("-A KUBE-SERVICES -d " + ip) for line in matched)
    assert any(line.startswith("-A KUBE-SVC-") for line in matched)
    assert any("-j DNAT" in line for line in matched)
    # What the page shows is what iptables-save prints on the node, line for line past the date.
    printed = output(await run_line(node1, "iptables-save"))[0][1].splitlines()
    assert [line for line in printed if not line.startswith("# ")] == [
        line for line in lines if not line.startswith("# ")]
    await page.comm.disconnect()
    await term.disconnect()
    await node1.disconnect()


def added_lines(rules: dict) -> list[str]:
    lines = rules["text"].splitlines()
    return [lines[n - 1] for n in rules["added"]]


def communicator_on(key: str, host: str):
    return communicator(key, path=f"/ws/lab/default/terminal/?host={host}")


async def test_the_live_socket_is_for_the_owner_from_our_own_origin():
    await new_session_lab("mine")
    stranger = await sync_to_async(lambda: (lambda s: (s.create(), s.session_key)[1])(
        __import__("django.contrib.sessions.backends.db", fromlist=["SessionStore"]).SessionStore()))()
    comm = live(stranger, name="mine")
    assert (await comm.connect(timeout=TIMEOUT))[0]
    assert await comm.receive_json_from(timeout=TIMEOUT) == {
        "type": "error", "code": "no-lab", "message": "you have no lab named 'mine'; open /lab/mine/ first"}
    assert await comm.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    key = await sync_to_async(lambda: Lab.objects.get().session_key)()
    bad = live(key, name="mine", origin=b"http://evil.example")
    assert not (await bad.connect(timeout=TIMEOUT))[0]


async def test_a_trace_belongs_to_the_command_that_connected_not_to_one_waiting_meanwhile():
    key = await new_session_lab()
    waiting, curling = communicator(key), communicator(key)
    await opened(waiting)
    await opened(curling)
    page = await connected(live(key))
    await page.comm.send_json_to({"type": "speed", "speed": 2})
    await waiting.send_json_to({"type": "input", "line": "sleep 3"})
    await run_line(curling, "curl -s -o /dev/null 10.96.0.1:443")
    trace = await page.next(("trace",))
    assert trace["line"] == "curl -s -o /dev/null 10.96.0.1:443" and len(trace["traces"]) == 1
    messages = []
    while not messages or messages[-1]["type"] != "prompt":
        messages.append(await receive(waiting))
    finished = await page.next(("command",))
    while finished["line"] != "sleep 3":
        finished = await page.next(("command",))
    # The sleeping command made no connection, so no trace names it.
    assert not any(m["type"] == "trace" and m["line"] == "sleep 3" for m in page.others)
    await page.comm.disconnect()
    await waiting.disconnect()
    await curling.disconnect()
