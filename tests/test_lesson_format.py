"""Lesson files are validated on load, with errors naming the file, the step and the field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab.sim.lessons import LessonError, load_all, load_lesson
from lab.sim.lessons.loader import lesson_folders

GOOD = {
    "slug": "demo",
    "title": {"en": "Demo", "zh-CN": "演示"},
    "summary": {"en": "A demo.", "zh-CN": "一个演示。"},
    "level": "beginner",
    "profile": "kubeadm",
    "minutes": 5,
    "files": [{"host": "k8s-master", "path": "/root/web.yaml", "source": "files/web.yaml"}],
    "steps": [
        {"id": "create", "title": {"en": "Create", "zh-CN": "创建"}, "text": {"en": "Create it.", "zh-CN": "创建它。"},
         "commands": ["kubectl create deployment web --image=nginx"],
         "checks": [{"object": {"kind": "deploy", "name": "web", "fields": {"status.availableReplicas": 1}}}]},
        {"id": "look", "title": {"en": "Look", "zh-CN": "看"}, "text": {"en": "Look.", "zh-CN": "看。"}},
    ],
}


def _write(tmp_path: Path, doc, name: str = "01-demo") -> Path:
    folder = tmp_path / name
    (folder / "files").mkdir(parents=True, exist_ok=True)
    (folder / "files" / "web.yaml").write_text("kind: Deployment\n")
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / "lesson.yaml").write_text(text, encoding="utf-8")
    return folder


def _errors(tmp_path: Path, doc) -> list[str]:
    with pytest.raises(LessonError) as info:
        load_lesson(_write(tmp_path, doc))
    return str(info.value).splitlines()


def _with(path: list, value, doc=None) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(doc or GOOD))
    cur = doc
    for key in path[:-1]:
        cur = cur[key]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return doc


def test_a_good_lesson_loads(tmp_path):
    lesson = load_lesson(_write(tmp_path, GOOD))
    assert lesson.slug == "demo" and lesson.host == "k8s-master"
    assert [s.id for s in lesson.steps] == ["create", "look"]
    # no solution given: the commands to try are the solution
    assert [c.run for c in lesson.steps[0].solution] == ["kubectl create deployment web --image=nginx"]
    assert lesson.files[0].content == "kind: Deployment\n"


def test_broken_yaml_names_the_line(tmp_path):
    assert _errors(tmp_path, "slug: demo\nsteps: [\n  - x: 1\n") == [
        f"{tmp_path}/01-demo/lesson.yaml: line 3, column 3: not valid YAML: expected the node content, but found '-'"]


def test_missing_language_names_the_step_and_field(tmp_path):
    doc = _with(["steps", 0, "text", "zh-CN"], KeyError)
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): text: "
                                      "'zh-CN' is a required property"]


def test_unknown_check_kind_and_two_kinds(tmp_path):
    doc = _with(["steps", 0, "checks", 0], {"objekt": {"kind": "pod"}})
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): checks[0]: unknown check "
                                      "'objekt' (one of: object, command, connection, dns, rule, error, file, doctor)"]
    doc = _with(["steps", 0, "checks", 0], {"object": {"kind": "pod"}, "command": {"line": "ls"}})
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): checks[0]: "
                                      "a check has exactly one kind, found 2 (object, command)"]


def test_doctor_check_names_a_known_finding(tmp_path):
    good = _with(["steps", 0, "checks", 0], {"doctor": {"service": "web", "finding": "endpoints.selector",
                                                        "status": "fail", "from": "pod/bb"}})
    assert load_lesson(_write(tmp_path, good)).steps[0].checks[0].kind == "doctor"
    for spec in ({"service": "web", "finding": "endpoints.selektor"}, {"service": "web"},
                 {"service": "web", "healthy": True, "status": "pass"},
                 {"service": "web", "finding": "dns.name", "healthy": True}):
        doc = _with(["steps", 0, "checks", 0], {"doctor": spec})
        errors = _errors(tmp_path, doc)
        assert len(errors) == 1 and errors[0].startswith(
            f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): checks[0].doctor"), errors
    either = "a doctor check names either a finding (and its status) or healthy"
    for spec in ({"service": "web"}, {"service": "web", "finding": "dns.name", "healthy": True}):
        doc = _with(["steps", 0, "checks", 0], {"doctor": spec})
        assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): checks[0].doctor: {either}"]
    doc = _with(["steps", 0, "checks", 0], {"doctor": {"service": "web", "healthy": True, "from": "node"}})
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): checks[0].doctor.from: "
                                      "from names a host or a Pod (pod/NAME, NAMESPACE/NAME), not 'node'"]


def test_wrong_types_and_unknown_fields(tmp_path):
    doc = _with(["minutes"], "ten")
    doc = _with(["steps", 1, "hint"], [], doc)
    assert _errors(tmp_path, doc) == [
        f"{tmp_path}/01-demo/lesson.yaml: minutes: 'ten' is not of type 'integer'",
        f"{tmp_path}/01-demo/lesson.yaml: step 2 (look): Additional properties are not allowed ('hint' was unexpected)",
    ]


def test_semantic_errors_name_step_and_field(tmp_path):
    doc = _with(["steps", 1, "id"], "create")
    doc = _with(["steps", 0, "checks"], [
        {"object": {"kind": "Podz", "name": "x"}},
        {"rule": {"node": "k8s-node9", "regex": "KUBE-(SVC"}},
        {"connection": {"from": "k8s-node1", "to": "{{svc/web}}:80"}},
        {"command": {"line": "ls", "host": "external"}},
    ], doc)
    doc = _with(["files", 0, "source"], "files/missing.yaml", doc)
    f = f"{tmp_path}/01-demo/lesson.yaml"
    assert _errors(tmp_path, doc) == [
        f"{f}: files[0].source: no file 'files/missing.yaml' in 01-demo/",
        f"{f}: step 1 (create): checks[0].object.kind: the lab serves no resource 'Podz'",
        f"{f}: step 1 (create): checks[1].rule.node: no host 'k8s-node9' in the kubeadm profile "
        "(one of: external, k8s-master, k8s-node1, k8s-node2, all, any)",
        f"{f}: step 1 (create): checks[1].rule.regex: bad regular expression 'KUBE-(SVC': "
        "missing ), unterminated subpattern at position 5",
        f"{f}: step 1 (create): checks[2].connection.to: {{{{svc/web}}}}: write {{{{RESOURCE/NAME:FIELD}}}} "
        "or {{RESOURCE/NAMESPACE/NAME:FIELD}}",
        f"{f}: step 2 (create): id: duplicate step id 'create' (also step 1)",
    ]


def test_an_unquoted_command_with_a_colon(tmp_path):
    doc = _write(tmp_path, GOOD)
    text = (doc / "lesson.yaml").read_text(encoding="utf-8").replace(
        "- kubectl create deployment web --image=nginx", '- echo "Name: web"')
    with pytest.raises(LessonError) as info:
        load_lesson(_write(tmp_path, text))
    assert str(info.value) == (f"{tmp_path}/01-demo/lesson.yaml: step 1 (create): commands[0]: a command is a string "
                               "or a mapping with run (and host, stdin); got the mapping {'echo \"Name': 'web\"'}: "
                               "quote a command line that contains ': '")


def test_profile_and_slug(tmp_path):
    doc = _with(["profile"], "k3s")
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: profile: unknown cluster profile 'k3s' "
                                      "(one of: binary, kubeadm, minikube)"]
    doc = _with(["slug"], "other")
    assert _errors(tmp_path, doc) == [f"{tmp_path}/01-demo/lesson.yaml: slug: 'other' does not match the folder "
                                      "name '01-demo' (NN-SLUG or SLUG)"]


def test_every_shipped_lesson_loads_and_has_both_languages():
    lessons = load_all()
    assert len(lessons) == len(lesson_folders())
    for lesson in lessons:
        for step in lesson.steps:
            assert step.title["en"] and step.title["zh-CN"] and step.text["zh-CN"]
            assert step.checks or not step.solution, f"{lesson.slug}/{step.id}: a solution but no checks"
