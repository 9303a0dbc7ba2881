"""A lab seen read-only (the instructor's view of a learner's lab).

Nothing here stores anything: the lab's World is loaded, `kubectl get all
-A` runs in that copy (so the objects are listed exactly as kubectl prints
them) and the copy is dropped. Lesson progress is read from its rows, not
re-evaluated (evaluating may run a step's set-up, which writes).
"""
from __future__ import annotations

from typing import Any

from lab.labs.models import Lab
from lab.labs.persistence import load_world
from lab.lessons.models import LessonProgress
from lab.sim import lessons as engine

from .board import iso, journal_entries, last_error

OBJECTS_COMMAND = "kubectl get all -A"
#: how many of the latest command lines the view lists
HISTORY = 30


def lab_view_state(lab: Lab) -> dict[str, Any]:
    world = load_world(lab)  # refreshes `lab`: its stored journal is the one read below
    entries = journal_entries(lab)
    listing = world.run(OBJECTS_COMMAND, host=world.default_host)
    progress = LessonProgress.objects.filter(lab=lab).first()
    lesson = engine.get(progress.lesson) if progress else None
    steps = []
    if lesson is not None:
        passed = {p.step: p.passed for p in progress.steps.all()}
        steps = [{"id": s.id, "title": s.title.get("en", s.id), "passed": iso(passed.get(s.id))}
                 for s in lesson.steps]
    owner = lab.user.get_username() if lab.user_id else ("anonymous" if lab.session_key else "command line")
    return {
        "lab": {"id": lab.pk, "name": lab.name, "owner": owner, "profile": lab.profile,
                "clock": world.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "host": world.default_host},
        "objects": {"command": OBJECTS_COMMAND, "stdout": listing.stdout, "stderr": listing.stderr},
        "commands": entries[-HISTORY:],
        "lastError": last_error(entries),
        "lesson": {"slug": lesson.slug, "title": lesson.title.get("en", lesson.slug)} if lesson else None,
        "steps": steps,
        "current": next((s["id"] for s in steps if not s["passed"]), None),
    }
