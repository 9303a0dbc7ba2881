"""The live socket's lesson marks and diagnose requests (docs/protocol.md):
step marks pushed after each command with the next step's set-up run in the
runner's World; labdoctor run as a command for a Service or a failed trace."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from lab.labs.models import Lab
from lab.labs.persistence import load_world
from lab.lessons.models import LessonProgress, StepProgress
from lab.lessons.progress import start_lesson
from lab.sim.shell import journal
from tests.runner_support import clock_control, runners  # noqa: F401  (fixture)
from tests.test_lab_ws import communicator, new_session_lab, opened, run_line
from tests.test_lessons_web import staged  # noqa: F401  (fixture)
from tests.test_live_protocol import connected, live, runner_of_lab

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.usefixtures("runners")]

SELECTOR_FIX = "kubectl patch service web -n default -p '{\"spec\":{\"selector\":{\"app\":\"nginx\"}}}'"


@sync_to_async
def follow(lesson) -> None:
    start_lesson(Lab.objects.get(), lesson)


@sync_to_async
def recorded() -> list[str]:
    return list(StepProgress.objects.values_list("step", flat=True))


@sync_to_async
def stored_world():
    return load_world(Lab.objects.get())


def marks(message: dict) -> list[tuple[str, object, bool]]:
    return [(s["id"], s["live"], s["passed"]) for s in message["steps"]]


async def test_step_marks_are_pushed_after_each_command_and_set_up_runs_in_the_runners_world(staged):
    key = await new_session_lab(profile="minikube")
    await follow(staged)
    term = communicator(key, "/ws/lab/default/terminal/")
    await opened(term)
    page = await connected(live(key))
    first = await page.next(("lesson",))      # a page that connects gets the marks at once
    assert first == {"type": "lesson", "lesson": "staged", "current": "web", "completed": None, "steps": [
        {"id": "web", "live": False, "passed": False, "passedAt": None, "labTime": None,
         "checks": [{"passed": False, "text": {"en": "deploy web exists", "zh-CN": "deploy web 存在"},
                     "detail": "not found"}]},
        {"id": "read", "live": None, "passed": False, "passedAt": None, "labTime": None, "checks": []},
        {"id": "fix", "live": False, "passed": False, "passedAt": None, "labTime": None,
         "checks": first["steps"][2]["checks"]}]}

    await run_line(term, "kubectl get pods")
    assert marks(await page.next(("lesson",))) == [("web", False, False), ("read", None, False),
                                                   ("fix", False, False)]
    await run_line(term, "kubectl create deployment web --image=nginx")
    after = await page.next(("lesson",))
    assert marks(after) == [("web", True, True), ("read", None, False), ("fix", False, False)]
    assert after["current"] == "read" and after["steps"][0]["passedAt"] and after["steps"][0]["labTime"]
    assert await recorded() == ["web"]
    # The next checked step's set-up ran in the runner's World, which pages see and the lab stores,
    # and it is not the learner's work.
    assert "Namespace//broken" in page.objects
    runner = await runner_of_lab()
    assert runner.world.store.peek("namespaces", "", "broken") is not None
    assert (await stored_world()).store.peek("namespaces", "", "broken") is not None
    assert "kubectl create namespace broken" not in [e["line"] for e in journal.entries(runner.world)]
    progress = await sync_to_async(LessonProgress.objects.get)()
    assert progress.prepared == ["web", "read", "fix"]

    await run_line(term, "kubectl delete namespace broken")
    done = await page.next(("lesson",))
    assert marks(done) == [("web", True, True), ("read", None, True), ("fix", True, True)]
    assert done["current"] is None
    assert await recorded() == ["web", "read", "fix"]
    await page.comm.disconnect()
    await term.disconnect()


CLOCKED = """slug: clocked
title: {en: Clocked, zh-CN: 计时}
summary: {en: A Pod comes up., zh-CN: Pod 启动。}
level: beginner
profile: minikube
minutes: 5
steps:
  - id: up
    title: {en: Up, zh-CN: 启动}
    text: {en: Run it., zh-CN: 运行。}
    commands: ["kubectl run web --image=nginx"]
    checks:
      - object: {kind: Pod, name: web, fields: {status.phase: Running}}
"""


@pytest.fixture
def clocked(tmp_path, monkeypatch):
    from lab.lessons import progress as progress_module
    from lab.sim.lessons import load_lesson

    (tmp_path / "01-clocked").mkdir()
    (tmp_path / "01-clocked" / "lesson.yaml").write_text(CLOCKED, encoding="utf-8")
    lesson = load_lesson(tmp_path / "01-clocked")
    monkeypatch.setattr(progress_module.engine, "get", lambda slug, *a: lesson if slug == "clocked" else None)
    return lesson


async def test_a_step_that_the_clock_completes_is_pushed_with_no_further_command(clocked):
    key = await new_session_lab(profile="minikube")
    await follow(clocked)
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await page.next(("lesson",))
    await run_line(term, "kubectl run web --image=nginx")
    assert marks(await page.next(("lesson",))) == [("up", False, False)]   # the image is still being pulled
    lab_id = await sync_to_async(lambda: Lab.objects.get().pk)()
    await clock_control(lab_id, "speed", speed=20.0)
    await clock_control(lab_id, "play")
    done = await page.next(("lesson",))
    await clock_control(lab_id, "pause")
    assert marks(done) == [("up", True, True)] and done["completed"]
    assert await recorded() == ["up"]
    await page.comm.disconnect()
    await term.disconnect()


async def test_a_lab_without_a_lesson_gets_no_marks():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await run_line(term, "kubectl get ns")
    await page.next(("command",))
    await run_line(term, "true")
    await page.next(("command",))
    assert not [m for m in page.others if m["type"] == "lesson"]
    await page.comm.disconnect()
    await term.disconnect()


async def broken_selector(term) -> None:
    """A Deployment nginx (app=nginx) and a Service web selecting app=web: nothing."""
    await run_line(term, "kubectl create deployment nginx --image=nginx --replicas=2")
    await run_line(term, "kubectl rollout status deployment/nginx")
    await run_line(term, "kubectl create service clusterip web --tcp=80:80")


async def test_diagnose_a_service_runs_labdoctor_as_a_command_and_answers_with_the_findings():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    await broken_selector(term)
    page = await connected(live(key))
    await page.comm.send_json_to({"type": "diagnose", "namespace": "default", "name": "web", "id": "d1"})
    answer = await page.next(("diagnosis",))
    line = "labdoctor svc/web -n default --from k8s-master -o json --lang en"
    assert {k: answer[k] for k in ("id", "status", "line", "service", "source", "message")} == {
        "id": "d1", "status": 1, "line": line, "service": {"namespace": "default", "name": "web"},
        "source": "k8s-master", "message": ""}
    diagnosis = answer["diagnosis"]
    assert diagnosis["healthy"] is False and diagnosis["source"] == "k8s-master (node)"
    selector = next(f for f in diagnosis["findings"] if f["check"] == "endpoints.selector")
    assert selector["status"] == "fail" and selector["summary"] == "selector app=web matches no Pod"
    assert selector["fix"]["commands"] == [SELECTOR_FIX]
    edges = [m for m in selector["marks"] if m["kind"] == "Edge"]
    assert len(edges) == 2 and all(m["from"] == {"kind": "Service", "name": "web", "namespace": "default"}
                                   and m["to"]["name"].startswith("nginx-") for m in edges)
    # It ran as any command does: every page is told, the journal has it.
    finished = next(m for m in [*page.others, await page.next(("command",))] if m["type"] == "command")
    assert (finished["line"], finished["status"], finished["terminal"]) == (line, 1, "page")
    runner = await runner_of_lab()
    assert journal.entries(runner.world)[-1]["line"] == line

    # In Chinese, and after the fix the Service is healthy.
    await run_line(term, SELECTOR_FIX)
    await page.comm.send_json_to({"type": "diagnose", "name": "web", "lang": "zh", "id": "d2"})
    answer = await page.next(("diagnosis",))
    assert answer["id"] == "d2" and answer["status"] == 0 and answer["diagnosis"]["healthy"] is True
    assert answer["diagnosis"]["lang"] == "zh"
    await page.comm.disconnect()
    await term.disconnect()


async def test_diagnose_a_failed_trace_finds_the_service_it_dialled():
    key = await new_session_lab()
    term = communicator(key)
    await opened(term)
    await broken_selector(term)
    page = await connected(live(key))
    runner = await runner_of_lab()
    ip = runner.world.store.peek("services", "default", "web")["spec"]["clusterIP"]
    await run_line(term, f"curl -s {ip}")
    trace = (await page.next(("trace",)))["traces"][0]
    assert trace["result"] == "refused"
    await page.comm.send_json_to({"type": "diagnose", "trace": trace, "id": "t1"})
    answer = await page.next(("diagnosis",))
    assert answer["service"] == {"namespace": "default", "name": "web"} and answer["source"] == "k8s-master"
    assert answer["line"] == "labdoctor svc/web -n default --from k8s-master -o json --lang en"
    assert next(f["status"] for f in answer["diagnosis"]["findings"] if f["check"] == "endpoints.selector") == "fail"

    # A connection to a Pod's own address dialled no Service: said so, nothing runs.
    before = len(journal.entries(runner.world))
    await page.comm.send_json_to({"type": "diagnose", "id": "t2",
                                  "trace": {"source": "k8s-master (node)", "target": "10.244.1.2:80"}})
    answer = await page.next(("diagnosis",))
    assert answer == {"type": "diagnosis", "id": "t2", "status": 1, "line": "", "service": None, "source": "",
                      "diagnosis": None, "message": "the connection to 10.244.1.2:80 dialled no Service\n"}
    assert len(journal.entries(runner.world)) == before
    await page.comm.disconnect()
    await term.disconnect()


async def test_a_malformed_diagnose_request_is_refused_and_runs_nothing():
    key = await new_session_lab()
    page = await connected(live(key))
    for message, text in [
        ({"type": "diagnose"}, 'diagnose needs a Service "name" (and optionally "namespace", "from") or a "trace"'),
        ({"type": "diagnose", "name": "web", "lang": "fr"}, 'diagnose "lang" must be one of en, zh'),
        ({"type": "diagnose", "trace": {"target": 3}},
         'diagnose "trace" must be a trace with its "source" and "target"'),
    ]:
        await page.comm.send_json_to(message)
        assert await page.next(("error",)) == {"type": "error", "code": "bad-message", "message": text}
    runner = await runner_of_lab()
    assert journal.entries(runner.world) == []
    await page.comm.disconnect()


async def test_reset_lab_while_a_runner_holds_it_reloads_the_runners_world(staged):
    from django.test import Client

    key = await new_session_lab(profile="minikube")
    await follow(staged)
    term = communicator(key)
    await opened(term)
    page = await connected(live(key))
    await page.next(("lesson",))
    await run_line(term, "kubectl create deployment web --image=nginx")
    assert marks(await page.next(("lesson",)))[0] == ("web", True, True)

    def reset() -> dict:
        client = Client()
        client.cookies["sessionid"] = key
        return client.post("/lab/default/lesson/reset/").json()

    state = await sync_to_async(reset)()
    assert state["current"] == "web" and not any(s["passed"] for s in state["steps"])
    fresh = await page.next(("lesson",))   # the runner loaded the fresh cluster and told its pages
    assert marks(fresh) == [("web", False, False), ("read", None, False), ("fix", False, False)]
    runner = await runner_of_lab()
    assert runner.world.store.peek("deployments", "default", "web") is None
    assert (await page.next(("snapshot", "resumed")))["type"] == "snapshot"   # the page resyncs: a new cluster
    assert "Deployment/default/web" not in page.objects
    assert await recorded() == []
    await page.comm.disconnect()
    await term.disconnect()
