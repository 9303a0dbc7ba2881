"""Reading lessons/<slug>/lesson.yaml: schema validation, then the checks a
schema cannot make, with errors that name the file, the step and the field.

    load_lesson(Path("lessons/01-service-intro"))   -> Lesson (raises LessonError)
    load_all()                                       -> every lesson under lessons/, in order
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..api.resources import resolve
from ..profiles import available_profiles, load_profile
from . import fields, templates
from .model import Check, Command, Lesson, LessonFile, Step
from .schema import CHECK_KINDS, LESSON

LESSONS_DIR = Path(__file__).resolve().parents[3] / "lessons"
LESSON_FILE = "lesson.yaml"
_VALIDATOR = Draft202012Validator(LESSON)


@dataclass(frozen=True)
class Problem:
    file: str
    step: str       # "" for the lesson's own fields; else "step 3 (create-pods)"
    field: str      # "checks[0].object.kind"
    message: str

    def __str__(self) -> str:
        where = ": ".join(x for x in (self.file, self.step, self.field) if x)
        return f"{where}: {self.message}"


class LessonError(Exception):
    """One or more problems in a lesson; str() lists them, one a line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def _field(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Problems:
    """Collects problems, naming the step an error path falls in."""

    def __init__(self, file: str, doc: Any):
        self.file = file
        self.doc = doc
        self.items: list[Problem] = []

    def step_name(self, index: int) -> str:
        steps = self.doc.get("steps") if isinstance(self.doc, dict) else None
        step = steps[index] if isinstance(steps, list) and index < len(steps) else None
        sid = step.get("id") if isinstance(step, dict) else None
        return f"step {index + 1} ({sid})" if isinstance(sid, str) else f"step {index + 1}"

    def add(self, path: list[Any], message: str) -> None:
        if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
            self.items.append(Problem(self.file, self.step_name(path[1]), _field(path[2:]), message))
        else:
            self.items.append(Problem(self.file, "", _field(path), message))


def _schema_message(error: ValidationError) -> tuple[list[Any], str]:
    """The most telling message for one schema error (a check with an unknown
    kind says so instead of "not valid under any of the given schemas")."""
    path = list(error.absolute_path)
    inst = error.instance
    if isinstance(inst, dict) and len(path) == 4 and path[0] == "steps" and path[2] == "checks":
        kinds = [k for k in inst if k in CHECK_KINDS]
        unknown = [k for k in inst if k not in CHECK_KINDS and k != "label"]
        if unknown:
            return path, f"unknown check {unknown[0]!r} (one of: {', '.join(CHECK_KINDS)})"
        if len(kinds) != 1:
            return path, f"a check has exactly one kind, found {len(kinds)} ({', '.join(kinds) or 'none'})"
    if len(path) == 5 and path[4] == "doctor" and isinstance(inst, dict) and error.validator == "oneOf":
        return path, "a doctor check names either a finding (and its status) or healthy"
    parent = path[-2] if len(path) >= 2 else None
    if parent in ("commands", "solution", "setup") and isinstance(inst, dict) and "run" not in inst:
        return path, (f"a command is a string or a mapping with run (and host, stdin); got the mapping {inst!r}: "
                      "quote a command line that contains ': '")
    best = best_match([error])
    return list(best.absolute_path), best.message


def _commands(items: list[Any] | None) -> tuple[Command, ...]:
    out = []
    for item in items or ():
        if isinstance(item, str):
            out.append(Command(item))
        else:
            out.append(Command(item["run"], item.get("host"), item.get("stdin", "")))
    return tuple(out)


def _regexes(spec: dict[str, Any], key: str) -> list[str]:
    value = spec.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class _Semantics:
    """What the schema cannot say: names that must exist, texts that must compile."""

    def __init__(self, doc: dict[str, Any], folder: Path, problems: _Problems):
        self.doc = doc
        self.folder = folder
        self.p = problems
        self.hosts: set[str] = set()
        self.nodes: set[str] = set()

    def run(self) -> None:
        doc = self.doc
        if doc["slug"] != self.folder.name.split("-", 1)[-1] and doc["slug"] != self.folder.name:
            self.p.add(["slug"], f"{doc['slug']!r} does not match the folder name {self.folder.name!r} "
                                 "(NN-SLUG or SLUG)")
        if doc["profile"] not in available_profiles():
            self.p.add(["profile"], f"unknown cluster profile {doc['profile']!r} "
                                    f"(one of: {', '.join(available_profiles())})")
            return
        profile = load_profile(doc["profile"])
        self.nodes = {n.name for n in profile.nodes}
        self.hosts = self.nodes | {profile.external_name}
        if "host" in doc:
            self.host(["host"], doc["host"])
        for i, f in enumerate(doc.get("files", [])):
            self.host(["files", i, "host"], f["host"])
            src = (self.folder / f["source"]).resolve()
            if not src.is_file() or self.folder.resolve() not in src.parents:
                self.p.add(["files", i, "source"], f"no file {f['source']!r} in {self.folder.name}/")
        for i, c in enumerate(doc.get("setup", [])):
            self.command(["setup", i], c)
        seen: dict[str, int] = {}
        for i, step in enumerate(doc["steps"]):
            if step["id"] in seen:
                self.p.add(["steps", i, "id"], f"duplicate step id {step['id']!r} (also step {seen[step['id']] + 1})")
            seen.setdefault(step["id"], i)
            for key in ("commands", "solution", "setup"):
                for j, c in enumerate(step.get(key, [])):
                    self.command(["steps", i, key, j], c)
            for j, check in enumerate(step.get("checks", [])):
                kind = next(k for k in check if k != "label")
                getattr(self, "check_" + kind)(["steps", i, "checks", j, kind], check[kind])

    # -- names ---------------------------------------------------------------------------
    def host(self, path: list[Any], name: str, extra: tuple[str, ...] = ()) -> None:
        if name not in self.hosts and name not in extra:
            allowed = sorted(self.hosts) + list(extra)
            self.p.add(path, f"no host {name!r} in the {self.doc['profile']} profile (one of: {', '.join(allowed)})")

    def command(self, path: list[Any], c: Any) -> None:
        if isinstance(c, dict) and "host" in c:
            self.host(path + ["host"], c["host"])

    def regex(self, path: list[Any], pattern: str) -> None:
        try:
            self.template(path, pattern)
            re.compile(templates.sample(pattern, re.escape))
        except re.error as e:
            self.p.add(path, f"bad regular expression {pattern!r}: {e}")

    def template(self, path: list[Any], text: str) -> None:
        for ref in templates.refs(text):
            try:
                templates.parse(ref)
            except ValueError as e:
                self.p.add(path, str(e))

    def kind(self, path: list[Any], kind: str) -> None:
        if resolve(kind) is None:
            self.p.add(path, f"the lab serves no resource {kind!r}")

    def selector(self, path: list[Any], text: str) -> None:
        from ..api.labels import parse_selector

        try:
            parse_selector(text)
        except Exception as e:  # the selector parser's own error text
            self.p.add(path, f"bad label selector {text!r}: {e}")

    # -- checks ----------------------------------------------------------------------------
    def check_object(self, path: list[Any], spec: dict[str, Any]) -> None:
        self.kind(path + ["kind"], spec["kind"])
        if "selector" in spec:
            self.selector(path + ["selector"], spec["selector"])
        if "name" in spec and "selector" in spec:
            self.p.add(path, "give a name or a selector, not both")
        for key, want in (spec.get("fields") or {}).items():
            try:
                fields.parse_path(key)
            except fields.PathError as e:
                self.p.add(path + ["fields", key], str(e))
            if isinstance(want, dict) and "regex" in want:
                self.regex(path + ["fields", key, "regex"], want["regex"])

    def check_command(self, path: list[Any], spec: dict[str, Any]) -> None:
        if "host" in spec:
            self.host(path + ["host"], spec["host"])
        for i, r in enumerate(_regexes(spec, "regex")):
            self.regex(path + ["regex"] + ([i] if isinstance(spec["regex"], list) else []), r)

    def check_connection(self, path: list[Any], spec: dict[str, Any]) -> None:
        src = spec.get("from")
        if src and not src.startswith("pod:"):
            self.host(path + ["from"], src, ("node",))
        if "to" in spec:
            self.template(path + ["to"], spec["to"])
        for key in ("to_pods", "backend_pods"):
            if key in spec:
                self.selector(path + [key], spec[key])
        if "seen" in spec:
            self.template(path + ["seen"], spec["seen"])
        if "via" in spec and "service" not in spec:
            self.p.add(path + ["via"], "via needs a service")

    def check_dns(self, path: list[Any], spec: dict[str, Any]) -> None:
        self.template(path + ["name"], spec["name"])
        for i, r in enumerate(spec.get("records", [])):
            self.template(path + ["records", i], r)
        if "pods" in spec:
            self.selector(path + ["pods"], spec["pods"])

    def check_rule(self, path: list[Any], spec: dict[str, Any]) -> None:
        if "node" in spec:
            self.host(path + ["node"], spec["node"], ("all", "any"))
            if spec["node"] in self.hosts and spec["node"] not in self.nodes:
                self.p.add(path + ["node"], f"{spec['node']!r} is not a node: kube-proxy writes no rules there")
        self.regex(path + ["regex"], spec["regex"])

    def check_error(self, path: list[Any], spec: dict[str, Any]) -> None:
        if "host" in spec:
            self.host(path + ["host"], spec["host"])
        for key in ("regex", "line"):
            if key in spec:
                self.regex(path + [key], spec[key])

    def check_file(self, path: list[Any], spec: dict[str, Any]) -> None:
        self.host(path + ["host"], spec["host"])
        if "regex" in spec:
            self.regex(path + ["regex"], spec["regex"])


    def check_doctor(self, path: list[Any], spec: dict[str, Any]) -> None:
        self.template(path + ["service"], spec["service"])
        src = spec.get("from")
        if src in ("node", "all", "any"):
            self.p.add(path + ["from"], f"from names a host or a Pod (pod/NAME, NAMESPACE/NAME), not {src!r}")


def _build(doc: dict[str, Any], folder: Path) -> Lesson:
    profile = load_profile(doc["profile"])
    steps = []
    for s in doc["steps"]:
        checks = tuple(Check(next(k for k in c if k != "label"), c[next(k for k in c if k != "label")], c.get("label"))
                       for c in s.get("checks", []))
        commands = _commands(s.get("commands"))
        solution = _commands(s["solution"]) if "solution" in s else commands
        steps.append(Step(s["id"], s["title"], s["text"], commands, tuple(s.get("hints", [])), s.get("explain"),
                          tuple(s.get("focus", [])), checks, solution, _commands(s.get("setup"))))
    files = tuple(LessonFile(f["host"], f["path"], (folder / f["source"]).read_text(encoding="utf-8"))
                  for f in doc.get("files", []))
    return Lesson(doc["slug"], doc["title"], doc["summary"], doc["level"], doc["profile"], doc["minutes"],
                  doc.get("host") or profile.control_plane, tuple(steps), doc.get("order", 0), doc.get("source", ""),
                  files, _commands(doc.get("setup")), folder)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(LESSONS_DIR.parent))
    except ValueError:
        return str(path)


def load_lesson(folder: Path) -> Lesson:
    """The lesson in `folder` (its lesson.yaml), validated; raises LessonError."""
    file = folder / LESSON_FILE
    name = _display(file)
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LessonError([Problem(name, "", "", "no such file")]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise LessonError([Problem(name, "", where, f"not valid YAML: {getattr(e, 'problem', e)}")]) from None
    problems = _Problems(name, doc)
    seen: set[tuple[str, str]] = set()
    for error in sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path, message = _schema_message(error)
        if (str(path), message) not in seen:
            seen.add((str(path), message))
            problems.add(path, message)
    if not problems.items:
        _Semantics(doc, folder, problems).run()
    if problems.items:
        raise LessonError(problems.items)
    return _build(doc, folder)


def lesson_folders(root: Path = LESSONS_DIR) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / LESSON_FILE).is_file())


@lru_cache(maxsize=4)
def _load_all(root: Path) -> tuple[Lesson, ...]:
    lessons = [load_lesson(folder) for folder in lesson_folders(root)]
    return tuple(sorted(lessons, key=lambda l: (l.order or 999, l.slug)))


def load_all(root: Path = LESSONS_DIR) -> tuple[Lesson, ...]:
    """Every lesson under `root`, by their `order` (cached: lessons are read once per process)."""
    return _load_all(root.resolve())


def get(slug: str, root: Path = LESSONS_DIR) -> Lesson | None:
    return next((l for l in load_all(root) if l.slug == slug), None)


__all__ = ["load_lesson", "load_all", "get", "LessonError", "Problem", "LESSONS_DIR"]
