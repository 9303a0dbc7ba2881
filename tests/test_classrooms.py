"""Classrooms over HTTP: creating, joining, the dashboard's data, hints,
reset, CSV, the read-only lab view, and who may reach each page."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from lab.classrooms.board import learner_row
from lab.classrooms.models import Classroom, Hint, Membership
from lab.labs.models import Lab
from lab.labs.ownership import can_view_lab
from lab.labs.persistence import load_world, run_command
from lab.lessons.models import LessonProgress, StepProgress
from lab.sim import lessons as engine
from tests.classroom_helpers import (HOST, LESSON, client_for, instructor, learner, lesson_lab, make_class,
                                     pass_first_step)

pytestmark = pytest.mark.django_db


# ---- creating and joining ----------------------------------------------------------

def test_an_instructor_creates_a_classroom_with_lessons_in_lesson_order():
    tina = instructor("tina")
    response = client_for(tina).post("/classrooms/new/", {
        "name": "Services 101", "lessons": ["service-discovery", "service-intro"], "stuck_minutes": 7})
    classroom = Classroom.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/classrooms/{classroom.pk}/"
    assert (classroom.name, classroom.instructor, classroom.lessons, classroom.stuck_minutes) == \
        ("Services 101", tina, ["service-intro", "service-discovery"], 7)
    assert len(classroom.code) == 8 and classroom.code.isalnum() and classroom.code.isupper()
    page = client_for(tina).get(f"/classrooms/{classroom.pk}/").content.decode()
    assert classroom.code in page and f"http://testserver/classrooms/join/{classroom.code}/" in page


def test_the_classroom_form_refuses_bad_input_and_creates_nothing():
    tina = instructor("tina")
    response = client_for(tina).post("/classrooms/new/", {"name": "", "lessons": ["no-such-lesson"],
                                                           "stuck_minutes": 0})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert errors["lessons"] == ["Select a valid choice. no-such-lesson is not one of the available choices."]
    assert errors["stuck_minutes"] == ["Ensure this value is greater than or equal to 1."]
    assert not Classroom.objects.exists()


def test_only_instructors_create_classrooms():
    ann = learner("ann")
    assert client_for(ann).get("/classrooms/new/").status_code == 403
    assert client_for(ann).post("/classrooms/new/", {"name": "x", "lessons": [LESSON],
                                                      "stuck_minutes": 5}).status_code == 403
    anonymous = Client().get("/classrooms/new/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/accounts/login/?next=/classrooms/new/"
    assert not Classroom.objects.exists()


def test_forms_need_the_csrf_token():
    tina = instructor("tina")
    client = Client(enforce_csrf_checks=True)
    client.force_login(tina)
    assert client.post("/classrooms/new/", {"name": "x", "lessons": [LESSON], "stuck_minutes": 5}).status_code == 403
    assert not Classroom.objects.exists()


def test_a_learner_joins_with_the_link_or_the_typed_code():
    c = make_class(with_labs=False)
    carl = learner("carl")
    client = client_for(carl)
    page = client.get(f"/classrooms/join/{c.classroom.code}/")
    assert page.status_code == 200 and "Services 101" in page.content.decode()
    assert not Membership.objects.filter(learner=carl).exists()       # a GET joins nobody
    typed = f"{c.classroom.code[:4].lower()}-{c.classroom.code[4:].lower()}"
    response = client.post("/classrooms/join/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/classrooms/{c.classroom.pk}/"
    client.post("/classrooms/join/", {"code": c.classroom.code})      # again: still one membership
    assert list(Membership.objects.filter(learner=carl).values_list("classroom", flat=True)) == [c.classroom.pk]
    detail = client.get(f"/classrooms/{c.classroom.pk}/").content.decode()
    assert f'href="/lab/{LESSON}/?lesson={LESSON}"' in detail and "not started" in detail


def test_an_unknown_code_is_refused_in_words():
    ann = learner("ann")
    response = client_for(ann).post("/classrooms/join/", {"code": "NOPE2345"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["No classroom has this join code."]
    assert client_for(ann).get("/classrooms/join/NOPE2345/").status_code == 400
    assert not Membership.objects.exists()


def test_an_anonymous_visitor_signs_in_first_and_comes_back_to_join():
    c = make_class(with_labs=False)
    path = f"/classrooms/join/{c.classroom.code}/"
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/classrooms/join/{c.classroom.code}/"
    client = Client()
    after = client.post("/accounts/signup/", {"username": "carl", "password1": "kube-proxy-rules-42",
                                              "password2": "kube-proxy-rules-42", "next": path})
    assert after.status_code == 302 and after["Location"] == path
    assert "Join Services 101" in client.get(path).content.decode()


# ---- permissions of every page ------------------------------------------------------

VISITORS = ["ann", "bob", "tina", "otto", "anonymous"]


def _pages(c) -> dict[str, tuple[str, str, dict]]:
    pk, ann = c.classroom.pk, c.ann.pk
    return {
        "detail": ("get", f"/classrooms/{pk}/", {}),
        "dashboard": ("get", f"/classrooms/{pk}/dashboard/", {}),
        "csv": ("get", f"/classrooms/{pk}/progress.csv", {}),
        "hint": ("post", f"/classrooms/{pk}/hints/", {"lesson": LESSON, "text": "look at the selector"}),
        "reset": ("post", f"/classrooms/{pk}/learners/{ann}/reset/", {"lesson": LESSON}),
        "lab-view": ("get", f"/classrooms/labs/{c.ann_lab.pk}/", {}),
        "lab-state": ("get", f"/classrooms/labs/{c.ann_lab.pk}/state.json", {}),
    }


#: page -> the status each visitor gets (ann: the learner in tina's classroom, owner of the lab)
EXPECTED = {
    "detail":    {"ann": 200, "bob": 404, "tina": 200, "otto": 404, "anonymous": 302},
    "dashboard": {"ann": 404, "bob": 404, "tina": 200, "otto": 404, "anonymous": 302},
    "csv":       {"ann": 404, "bob": 404, "tina": 200, "otto": 404, "anonymous": 302},
    "hint":      {"ann": 404, "bob": 404, "tina": 200, "otto": 404, "anonymous": 302},
    "reset":     {"ann": 404, "bob": 404, "tina": 200, "otto": 404, "anonymous": 302},
    "lab-view":  {"ann": 200, "bob": 404, "tina": 200, "otto": 404, "anonymous": 404},
    "lab-state": {"ann": 200, "bob": 404, "tina": 200, "otto": 404, "anonymous": 404},
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_who_reaches_each_classroom_page(page):
    c = make_class()
    method, path, data = _pages(c)[page]
    users = {"ann": c.ann, "bob": c.bob, "tina": c.tina, "otto": c.otto, "anonymous": None}
    for visitor in VISITORS:
        response = getattr(client_for(users[visitor]), method)(path, data)
        assert response.status_code == EXPECTED[page][visitor], (page, visitor)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_a_forbidden_page_answers_like_a_missing_one(page):
    """otto (another classroom's instructor) gets for tina's classroom exactly what
    he gets for a classroom, learner or lab that does not exist."""
    c = make_class()
    method, path, data = _pages(c)[page]
    missing = (path.replace(f"/classrooms/{c.classroom.pk}/", "/classrooms/99999/")
               .replace(f"/labs/{c.ann_lab.pk}/", "/labs/99999/"))
    otto = client_for(c.otto)
    forbidden, absent = getattr(otto, method)(path, data), getattr(otto, method)(missing, data)
    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.content == absent.content


def test_nothing_changes_for_the_refused():
    c = make_class()
    pass_first_step(c.ann_lab)
    revision = Lab.objects.get(pk=c.ann_lab.pk).revision
    for user in (c.bob, c.otto, c.ann):
        client_for(user).post(f"/classrooms/{c.classroom.pk}/learners/{c.ann.pk}/reset/", {"lesson": LESSON})
        client_for(user).post(f"/classrooms/{c.classroom.pk}/hints/", {"lesson": LESSON, "text": "x"})
    assert Lab.objects.get(pk=c.ann_lab.pk).revision == revision
    assert StepProgress.objects.filter(progress__lab=c.ann_lab).count() == 1
    assert not Hint.objects.exists()


def test_can_view_lab():
    c = make_class()
    assert can_view_lab(c.ann, c.ann_lab) and can_view_lab(c.tina, c.ann_lab)
    assert not can_view_lab(c.bob, c.ann_lab) and not can_view_lab(c.otto, c.ann_lab)
    assert can_view_lab(c.otto, c.bob_lab) and not can_view_lab(c.tina, c.bob_lab)
    from django.contrib.auth.models import AnonymousUser
    assert not can_view_lab(AnonymousUser(), c.ann_lab)
    # ann's labs outside the classroom's lessons stay hers alone
    lesson_lab(c.ann, "service-discovery")
    other_lab = Lab.objects.get(user=c.ann, name="service-discovery")
    assert can_view_lab(c.ann, other_lab) and not can_view_lab(c.tina, other_lab)
    # an instructor who lost the role sees no learner's lab
    c.tina.groups.clear()
    from django.contrib.auth.models import User
    assert not can_view_lab(User.objects.get(pk=c.tina.pk), c.ann_lab)


# ---- progress, the dashboard's rows ---------------------------------------------------

def test_every_stored_command_records_lesson_progress():
    c = make_class()
    pass_first_step(c.ann_lab)      # run_command alone: the command_finished receiver records it
    assert list(StepProgress.objects.filter(progress__lab=c.ann_lab).values_list("step", flat=True)) == ["two-pods"]


def test_a_learner_row_has_the_current_step_latest_commands_and_last_error():
    c = make_class()
    pass_first_step(c.ann_lab)
    run_command(c.ann_lab, "kubectl get pod nope", HOST)
    run_command(c.ann_lab, "kubectl get pods -o name", HOST)
    lesson = engine.get(LESSON)
    row = learner_row(c.classroom, lesson, c.ann)
    assert (row["lab"], row["labId"], row["current"], row["stuck"]) == (LESSON, c.ann_lab.pk, "reach-pods", False)
    assert list(row["passed"]) == ["two-pods"]
    assert row["since"] == row["passed"]["two-pods"]
    assert [(e["line"], e["status"]) for e in row["commands"]] == [
        ("cd ~/yaml && kubectl create -f pod_nginx.yml -f pod_busybox.yml", 0),
        ("kubectl wait --for=condition=Ready pod/nginx-pod pod/busybox-pod", 0),
        ("kubectl get pod nope", 1),
        ("kubectl get pods -o name", 0)]
    assert row["lastError"] == {"seq": row["commands"][2]["seq"], "line": "kubectl get pod nope", "status": 1,
                                "stderr": 'Error from server (NotFound): pods "nope" not found', "host": HOST}
    # bob is in another classroom; carl joined but opened no lab yet
    carl = learner("carl")
    Membership.objects.create(classroom=c.classroom, learner=carl)
    empty = learner_row(c.classroom, lesson, carl)
    assert (empty["lab"], empty["passed"], empty["current"], empty["commands"]) == (None, {}, None, [])


def test_a_learner_without_progress_for_the_threshold_is_stuck():
    c = make_class()
    lesson = engine.get(LESSON)
    c.classroom.stuck_minutes = 3
    started = LessonProgress.objects.get(lab=c.ann_lab).started
    assert not learner_row(c.classroom, lesson, c.ann, now=started + timedelta(minutes=2, seconds=59))["stuck"]
    assert learner_row(c.classroom, lesson, c.ann, now=started + timedelta(minutes=3))["stuck"]
    pass_first_step(c.ann_lab)      # progress: the clock starts again from the pass
    passed = StepProgress.objects.get(progress__lab=c.ann_lab).passed
    assert not learner_row(c.classroom, lesson, c.ann, now=passed + timedelta(minutes=2))["stuck"]
    assert learner_row(c.classroom, lesson, c.ann, now=passed + timedelta(minutes=4))["stuck"]


def test_the_dashboard_page_embeds_the_snapshot():
    c = make_class()
    pass_first_step(c.ann_lab)
    response = client_for(c.tina).get(f"/classrooms/{c.classroom.pk}/dashboard/?lesson={LESSON}")
    snap = response.context["snapshot"]
    assert [r["learner"]["username"] for r in snap["learners"]] == ["ann"]       # not bob
    lesson = engine.get(LESSON)
    assert snap["lesson"]["steps"][0] == {"id": "two-pods", "title": lesson.steps[0].title["en"], "checked": True}
    assert snap["learners"][0]["passed"] == {"two-pods": StepProgress.objects.get().passed.isoformat()
                                             .replace("+00:00", "Z")}
    assert 'id="dashboard-snapshot"' in response.content.decode()
    assert client_for(c.tina).get(f"/classrooms/{c.classroom.pk}/dashboard/?lesson=service-discovery").status_code == 404


# ---- hints ---------------------------------------------------------------------------

def test_hints_are_stored_and_listed_in_the_learners_lesson_json():
    c = make_class()
    carl = learner("carl")
    Membership.objects.create(classroom=c.classroom, learner=carl)
    carl_lab = lesson_lab(carl)
    tina = client_for(c.tina)
    to_class = tina.post(f"/classrooms/{c.classroom.pk}/hints/", {"lesson": LESSON, "text": "Read the Pod's IP."})
    assert to_class.status_code == 200 and to_class.json()["labs"] == 2
    to_ann = tina.post(f"/classrooms/{c.classroom.pk}/hints/",
                       {"lesson": LESSON, "text": "ann: try curl from node02", "learner": c.ann.pk}).json()
    assert (to_ann["hint"]["to"], to_ann["hint"]["from"], to_ann["labs"]) == ("learner", "tina", 1)
    texts = lambda user: [h["text"] for h in client_for(user).get(f"/lab/{LESSON}/lesson/").json()["hints"]]
    assert texts(c.ann) == ["Read the Pod's IP.", "ann: try curl from node02"]
    assert texts(carl) == ["Read the Pod's IP."]
    assert texts(c.bob) == []                  # another classroom's learner
    first = client_for(c.ann).get(f"/lab/{LESSON}/lesson/").json()["hints"][0]
    assert set(first) == {"type", "id", "classroom", "lesson", "to", "from", "text", "sent"}
    assert (first["type"], first["classroom"], first["lesson"], first["to"]) == ("hint", c.classroom.pk, LESSON, "class")
    assert carl_lab.pk != c.ann_lab.pk


def test_a_hint_needs_text_and_a_learner_of_the_classroom():
    c = make_class()
    tina = client_for(c.tina)
    empty = tina.post(f"/classrooms/{c.classroom.pk}/hints/", {"lesson": LESSON, "text": "  "})
    assert empty.status_code == 400 and empty.json()["errors"]["text"][0]["message"] == "This field is required."
    assert tina.post(f"/classrooms/{c.classroom.pk}/hints/",
                     {"lesson": LESSON, "text": "x", "learner": c.bob.pk}).status_code == 404
    assert tina.post(f"/classrooms/{c.classroom.pk}/hints/",
                     {"lesson": "service-discovery", "text": "x"}).status_code == 404
    assert not Hint.objects.exists()


def test_a_hint_is_sent_to_the_labs_live_group():
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    c = make_class()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"lab.{c.ann_lab.pk}.live", channel)
    client_for(c.tina).post(f"/classrooms/{c.classroom.pk}/hints/", {"lesson": LESSON, "text": "Check the labels."})
    message = async_to_sync(layer.receive)(channel)
    hint = Hint.objects.get()
    assert message == {"type": "hint", "id": hint.pk, "classroom": c.classroom.pk, "lesson": LESSON, "to": "class",
                       "from": "tina", "text": "Check the labels.",
                       "sent": hint.sent.isoformat().replace("+00:00", "Z")}


# ---- reset, CSV, the read-only lab ---------------------------------------------------------

def test_the_instructor_resets_a_learners_lab():
    c = make_class()
    pass_first_step(c.ann_lab)
    run_command(c.ann_lab, "kubectl create namespace mine", HOST)
    response = client_for(c.tina).post(f"/classrooms/{c.classroom.pk}/learners/{c.ann.pk}/reset/", {"lesson": LESSON})
    assert response.status_code == 200
    row = response.json()["row"]
    assert (row["passed"], row["current"], row["commands"]) == ({}, "two-pods", [])
    world = load_world(Lab.objects.get(pk=c.ann_lab.pk))
    assert world.store.peek("namespaces", "", "mine") is None
    assert world.store.peek("pods", "default", "nginx-pod") is None
    lab = Lab.objects.get(pk=c.ann_lab.pk)
    assert (lab.user, lab.name) == (c.ann, LESSON)       # the ownership is all that is kept
    assert not StepProgress.objects.filter(progress__lab=lab).exists()


def test_the_progress_csv():
    c = make_class()
    pass_first_step(c.ann_lab)
    passed = StepProgress.objects.get().passed.isoformat().replace("+00:00", "Z")
    response = client_for(c.tina).get(f"/classrooms/{c.classroom.pk}/progress.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="classroom-{c.classroom.pk}-progress.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    lesson = engine.get(LESSON)
    assert rows[0] == ["learner", "lesson", "lab", "step", "step_title", "passed_at", "lesson_completed_at", "stuck"]
    assert rows[1] == ["ann", LESSON, LESSON, "two-pods", lesson.steps[0].title["en"], passed, "", "no"]
    assert rows[2][:6] == ["ann", LESSON, LESSON, "reach-pods", lesson.steps[1].title["en"], ""]
    assert len(rows) == 1 + len(lesson.steps)          # ann only: bob is otto's


def test_the_read_only_view_lists_objects_as_kubectl_does_and_changes_nothing():
    c = make_class()
    pass_first_step(c.ann_lab)
    run_command(c.ann_lab, "kubectl get pod nope", HOST)
    before = Lab.objects.filter(pk=c.ann_lab.pk).values("revision", "extra_state").get()
    state = client_for(c.tina).get(f"/classrooms/labs/{c.ann_lab.pk}/state.json").json()
    expected = load_world(Lab.objects.get(pk=c.ann_lab.pk)).run("kubectl get all -A")
    assert state["objects"]["stdout"] == expected.stdout
    assert "default       pod/nginx-pod" in state["objects"]["stdout"]
    assert state["objects"]["stdout"].startswith("NAMESPACE     NAME ")
    assert [e["line"] for e in state["commands"]][-1] == "kubectl get pod nope"
    assert state["lastError"]["stderr"] == 'Error from server (NotFound): pods "nope" not found'
    assert (state["steps"][0]["id"], bool(state["steps"][0]["passed"]), state["current"]) == \
        ("two-pods", True, "reach-pods")
    assert state["lab"]["owner"] == "ann"
    assert Lab.objects.filter(pk=c.ann_lab.pk).values("revision", "extra_state").get() == before
    page = client_for(c.tina).get(f"/classrooms/labs/{c.ann_lab.pk}/")
    assert "read-only" in page.content.decode()
    for method in ("post", "put", "delete"):
        assert getattr(client_for(c.tina), method)(f"/classrooms/labs/{c.ann_lab.pk}/").status_code == 405


def test_the_classroom_list_shows_each_visitor_their_own():
    c = make_class(with_labs=False)
    tina = client_for(c.tina).get("/classrooms/").content.decode()
    ann = client_for(c.ann).get("/classrooms/").content.decode()
    assert "Services 101" in tina and "Other class" not in tina and "New classroom" in tina
    assert "Services 101" in ann and "Other class" not in ann and "New classroom" not in ann


def test_the_learners_classroom_page_resumes_and_resets_their_lesson_lab():
    c = make_class()
    pass_first_step(c.ann_lab)
    page = client_for(c.ann).get(f"/classrooms/{c.classroom.pk}/").content.decode()
    assert f'href="/lab/{LESSON}/?lesson={LESSON}">Resume</a>' in page
    assert "1 of 14 steps" in page
    assert f'action="/lab/{LESSON}/lesson/reset/"' in page
    # the form posts to the lessons' own reset: a fresh cluster, the same lab row
    state = client_for(c.ann).post(f"/lab/{LESSON}/lesson/reset/").json()
    assert state["current"] == "two-pods"
    assert Lab.objects.get(pk=c.ann_lab.pk).user == c.ann
    assert load_world(Lab.objects.get(pk=c.ann_lab.pk)).store.peek("pods", "default", "nginx-pod") is None
