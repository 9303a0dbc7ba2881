"""Every lesson's solution path passes every step (`manage.py lesson verify`), and a broken one fails."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lab.sim.lessons import load_all, verify
from lab.sim.lessons.loader import lesson_folders

SLUGS = [lesson.slug for lesson in load_all()]


def test_there_are_five_lessons():
    assert len(lesson_folders()) == len(SLUGS) == 5


@pytest.mark.parametrize("slug", SLUGS)
def test_solution_path_passes_every_step(slug):
    lesson = next(l for l in load_all() if l.slug == slug)
    report = verify(lesson)
    failed = [(s.number, s.step, [c.text["en"] + ": " + c.detail for c in s.status.checks if not c.passed],
               [(l.line, l.status, (l.stdout + l.stderr)[-300:]) for l in s.lines]) for s in report.steps if not s.ok]
    assert not failed, failed
    assert len(report.steps) == len(lesson.steps)


def test_lesson_4_broken_labs_are_diagnosed_with_labdoctor():
    """Each broken-lab step: labdoctor's finding fails after the step's set-up and passes after the fix,
    and the learner's labdoctor line (exit 1 while a check fails) is what the command check sees."""
    lesson = next(l for l in load_all() if l.slug == "outside-and-debugging")
    report = verify(lesson)
    wanted = {"debug-dns": "dns.coredns", "debug-endpoints": "endpoints.selector",
              "debug-kube-proxy": "endpoints.targetPort"}
    for item in report.steps:
        if item.step not in wanted:
            continue
        step = lesson.step(item.step)
        kinds = [c.kind for c in step.checks]
        doctor = [i for i, c in enumerate(step.checks) if c.kind == "doctor"]
        assert wanted[item.step] in [step.checks[i].spec.get("finding") for i in doctor]
        assert all(not item.before.checks[i].passed and item.status.checks[i].passed for i in doctor), item.step
        asked = [i for i, c in enumerate(step.checks) if c.kind == "command" and "labdoctor" in str(c.spec["regex"])]
        assert len(asked) == 1 and "doctor" in kinds
        assert not item.before.checks[asked[0]].passed and item.status.checks[asked[0]].passed
        runs = [l.status for l in item.lines if l.line.startswith("labdoctor ")]
        assert runs == [1, 0], (item.step, runs)


def _lesson(tmp_path: Path, check: str) -> Path:
    folder = tmp_path / "01-broken"
    folder.mkdir()
    (folder / "lesson.yaml").write_text(f"""slug: broken
title: {{en: Broken, zh-CN: 坏的}}
summary: {{en: Broken., zh-CN: 坏的。}}
level: beginner
profile: minikube
minutes: 1
steps:
  - id: web
    title: {{en: Web, zh-CN: Web}}
    text: {{en: Make it., zh-CN: 做。}}
    commands: ["kubectl create deployment web --image=nginx", "kubectl rollout status deploy web"]
    checks:
      - object: {{kind: deploy, name: web, fields: {{status.availableReplicas: 1}}}}
      - {check}
""", encoding="utf-8")
    return tmp_path


def test_the_command_reports_each_step(tmp_path):
    out = StringIO()
    call_command("lesson", "verify", "--dir", str(_lesson(tmp_path, "command: {line: kubectl rollout status deploy web}")),
                 stdout=out)
    assert out.getvalue() == ("broken (minikube, 1 steps)\n"
                              "  ok    1 web\n"
                              "  1/1 steps passed\n"
                              "1 of 1 lessons passed\n")


def test_a_failing_step_exits_non_zero_with_the_check_and_the_output(tmp_path):
    out = StringIO()
    root = _lesson(tmp_path, "connection: {service: web}")
    with pytest.raises(CommandError) as info:
        call_command("lesson", "verify", "--dir", str(root), stdout=out)
    assert str(info.value) == "1 of 1 lessons failed: broken"
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["broken (minikube, 1 steps)", "  FAIL  1 web",
                         "         - a connection to Service web succeeded: waiting for service web"]
    assert lines[3] == "         [minikube]$ kubectl create deployment web --image=nginx  (exit 0)"
    assert lines[-1] == "  0/1 steps passed"


def test_list_and_unknown_slug():
    out = StringIO()
    call_command("lesson", "list", stdout=out)
    assert [line.split()[0] for line in out.getvalue().splitlines()] == SLUGS
    with pytest.raises(CommandError, match="no lesson 'nope'"):
        call_command("lesson", "verify", "nope")


def test_a_step_whose_checks_hold_before_its_solution_fails(tmp_path):
    out = StringIO()
    root = _lesson(tmp_path, "object: {kind: ns, name: default}")
    text = (root / "01-broken" / "lesson.yaml").read_text(encoding="utf-8")
    # a second step that checks only what the first already did
    text += """  - id: again
    title: {en: Again, zh-CN: 再来}
    text: {en: Nothing new., zh-CN: 没有新内容。}
    commands: ["kubectl get deploy"]
    checks:
      - object: {kind: deploy, name: web}
"""
    (root / "01-broken" / "lesson.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("lesson", "verify", "--dir", str(root), stdout=out)
    assert "  FAIL  2 again: its checks held before its solution ran" in out.getvalue().splitlines()


def test_the_lessons_benchmark_prints_figures(capsys):
    import json

    from lab.sim.bench.__main__ import main

    assert main(["lessons", "expose-app", "--repeat", "1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["figure"], r["unit"], r["lesson"]) for r in rows] == [
        ("verify", "s", "expose-app"), ("evaluate", "ms", "expose-app"), ("journal_bytes", "bytes", "expose-app")]
    assert rows[0]["ok"] is True and rows[2]["lines"] == 15
