"""Lesson progress in Django: starting a lab on a lesson, the panel's JSON, recorded steps, reset."""
from __future__ import annotations

import pytest

from lab.labs.models import HostFile, Lab
from lab.labs.persistence import run_command
from lab.lessons.models import LessonProgress, StepProgress
from lab.lessons.progress import update_progress

pytestmark = pytest.mark.django_db

LESSON = "service-intro"


def _start(client, name: str = "one"):
    response = client.get(f"/lab/{name}/?lesson={LESSON}")
    assert response.status_code == 200
    return Lab.objects.get(name=name)


def test_lesson_param_picks_the_profile_and_places_the_files(client):
    lab = _start(client)
    assert lab.profile == "binary"
    assert LessonProgress.objects.get(lab=lab).lesson == LESSON
    paths = set(HostFile.objects.filter(lab=lab, host="kube-node01", path__startswith="/root/yaml/")
                .values_list("path", flat=True))
    assert {"/root/yaml/pod_nginx.yml", "/root/yaml/service_nginx.yml",
            "/root/yaml/deployment_python_http.yaml"} <= paths
    # opening it again resumes: no second progress row, files not placed again
    revision = Lab.objects.get(pk=lab.pk).revision
    _start(client)
    assert LessonProgress.objects.count() == 1 and Lab.objects.get(pk=lab.pk).revision == revision


def test_the_panel_json_has_both_languages_and_live_checks(client):
    lab = _start(client)
    data = client.get("/lab/one/lesson/").json()
    assert data["lesson"]["slug"] == LESSON and data["lesson"]["profile"] == "binary"
    first = data["steps"][0]
    assert first["id"] == "two-pods" and set(first["title"]) == {"en", "zh-CN"}
    assert first["commands"][0] == {"run": "cd ~/yaml", "host": "kube-node01"}
    assert [c["passed"] for c in first["checks"]] == [False, False]
    assert first["checks"][0]["text"]["en"] == "Pod nginx-pod exists (status.phase = Running)"
    assert (first["passed"], first["live"], data["current"], data["completed"]) == (False, False, "two-pods", None)
    assert data["steps"][0]["solution"][-1] == {"run": "kubectl get pod -o wide", "host": "kube-node01"}

    for line in ("cd ~/yaml && kubectl create -f pod_nginx.yml -f pod_busybox.yml",
                 "kubectl wait --for=condition=Ready pod/nginx-pod pod/busybox-pod"):
        run_command(lab, line, "kube-node01")
    statuses = update_progress(lab)
    assert statuses[0].passed is True and statuses[1].passed is False
    assert list(StepProgress.objects.values_list("step", flat=True)) == ["two-pods"]

    # the step stays passed after what it checked is gone
    run_command(lab, "kubectl delete pod nginx-pod busybox-pod", "kube-node01")
    data = client.get("/lab/one/lesson/").json()
    first = data["steps"][0]
    assert (first["passed"], first["live"]) == (True, False)
    assert first["labTime"].startswith("2026-12-01T09:0") and first["passedAt"]
    assert data["current"] == "reach-pods"


def test_unknown_lesson_other_profile_and_someone_elses_lab(client, django_user_model):
    assert client.get(f"/lab/x/?lesson=nope").status_code == 404
    assert client.get("/lab/k/?profile=kubeadm").status_code == 200
    response = client.get(f"/lab/k/?lesson={LESSON}")
    assert response.status_code == 409
    assert response.content.decode() == ("lab 'k' runs the kubeadm cluster and the lesson 'service-intro' needs "
                                         "binary; open it in another lab or reset this one\n")
    assert client.get("/lab/k/lesson/").status_code == 404          # follows no lesson
    assert client.get("/lab/nolab/lesson/").status_code == 404      # not this visitor's
    assert not LessonProgress.objects.exists()


def test_reset_gives_a_fresh_cluster_and_starts_over(client):
    lab = _start(client)
    run_command(lab, "kubectl create -f /root/yaml/pod_nginx.yml", "kube-node01")
    run_command(lab, "kubectl wait --for=condition=Ready pod/nginx-pod", "kube-node01")
    run_command(lab, "kubectl create -f /root/yaml/pod_busybox.yml", "kube-node01")
    run_command(lab, "kubectl wait --for=condition=Ready pod/busybox-pod", "kube-node01")
    assert client.get("/lab/one/lesson/").json()["current"] == "reach-pods"
    assert client.get("/lab/one/lesson/reset/").status_code == 405
    data = client.post("/lab/one/lesson/reset/").json()
    assert data["current"] == "two-pods" and not StepProgress.objects.exists()
    assert HostFile.objects.filter(lab=lab, path="/root/yaml/pod_nginx.yml").exists()
    out = run_command(lab, "kubectl get pods", "kube-node01")
    assert out.stderr == "No resources found in default namespace.\n"


def test_the_index_lists_lessons_with_this_visitors_progress(client):
    data = client.get("/lessons/").json()
    first = data["lessons"][0]
    assert first["slug"] == LESSON and first["labs"] == [] and first["url"] == f"/lab/{LESSON}/?lesson={LESSON}"
    _start(client, LESSON)
    data = client.get("/lessons/").json()
    assert data["lessons"][0]["labs"] == [{"lab": LESSON, "passed": 0, "completed": None}]


STAGED = """slug: staged
title: {en: Staged, zh-CN: 分步}
summary: {en: Two steps., zh-CN: 两步。}
level: beginner
profile: minikube
minutes: 5
steps:
  - id: web
    title: {en: Web, zh-CN: Web}
    text: {en: Make it., zh-CN: 创建。}
    commands: ["kubectl create deployment web --image=nginx"]
    checks:
      - object: {kind: deploy, name: web}
  - id: read
    title: {en: Read, zh-CN: 阅读}
    text: {en: Nothing to do., zh-CN: 无事可做。}
  - id: fix
    title: {en: Fix, zh-CN: 修复}
    text: {en: Something broke., zh-CN: 出问题了。}
    setup: ["kubectl create namespace broken"]
    checks:
      - object: {kind: namespace, name: broken, absent: true}
      - command: {regex: "delete (ns|namespace) broken"}
"""


@pytest.fixture
def staged(tmp_path, monkeypatch):
    from lab.lessons import progress as progress_module
    from lab.sim.lessons import load_lesson

    (tmp_path / "01-staged").mkdir()
    (tmp_path / "01-staged" / "lesson.yaml").write_text(STAGED, encoding="utf-8")
    lesson = load_lesson(tmp_path / "01-staged")
    monkeypatch.setattr(progress_module.engine, "get", lambda slug, *a: lesson if slug == "staged" else None)
    return lesson


def test_a_steps_set_up_runs_when_it_becomes_current_and_reading_steps_pass_with_the_next(client, staged):
    from lab.labs.persistence import load_world
    from lab.sim.shell import journal

    assert client.get("/lab/s/?lesson=staged").status_code == 200
    lab = Lab.objects.get(name="s")
    progress = LessonProgress.objects.get(lab=lab)
    assert progress.prepared == ["web"]
    assert not run_command(lab, "kubectl get ns broken").status == 0         # not broken yet
    run_command(lab, "kubectl create deployment web --image=nginx")
    statuses = update_progress(lab)
    assert [s.passed for s in statuses] == [True, None, False]
    progress.refresh_from_db()
    # the reading step is passed only once a later step passes; "fix" is current and prepared
    assert list(StepProgress.objects.values_list("step", flat=True)) == ["web"]
    assert progress.prepared == ["web", "read", "fix"]
    world = load_world(lab)
    assert world.store.peek("namespaces", "", "broken") is not None
    assert "kubectl create namespace broken" not in [e["line"] for e in journal.entries(world)]
    run_command(lab, "kubectl delete namespace broken")
    run_command(lab, "sleep 10")
    data = client.get("/lab/s/lesson/").json()
    assert [s["passed"] for s in data["steps"]] == [True, True, True]
    assert data["completed"] and data["current"] is None


def test_a_set_up_that_meets_a_concurrent_save_runs_again(client, staged, monkeypatch):
    from lab.labs import persistence
    from lab.lessons import progress as progress_module

    client.get("/lab/s/?lesson=staged")
    lab = Lab.objects.get(name="s")
    real_save = progress_module.save_world
    calls = []

    def save_once_late(lab_, world, expected_revision):
        calls.append(expected_revision)
        if len(calls) == 1:  # as if another process had saved the lab first (its transaction rolls back)
            raise persistence.LabConflict(lab_, expected_revision, expected_revision + 1)
        return real_save(lab_, world, expected_revision)

    monkeypatch.setattr(progress_module, "save_world", save_once_late)
    # the step passes with this command: progress is recorded after its save (command_finished)
    run_command(lab, "kubectl create deployment web --image=nginx")
    update_progress(lab)
    world = persistence.load_world(lab)
    assert len(calls) == 2
    assert world.store.peek("namespaces", "", "broken") is not None
    assert LessonProgress.objects.get(lab=lab).prepared == ["web", "read", "fix"]
