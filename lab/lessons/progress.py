"""Lesson progress of a stored lab: starting a lesson, recording passed steps, the panel's JSON.

    start_lesson(lab, lesson)          put the lesson's files on the lab's hosts, follow it
    update_progress(lab, world)        evaluate the checks after a command; record new passes
    lesson_state(lab, world)           what GET /lab/<name>/lesson/ returns

The lab's runner (lab.labs.runner), which holds the World in memory while
someone watches the lab, calls `runner_progress(lab, world, save)` after
every command and file save: the checks are evaluated on its World, a
step's hidden set-up runs in that World (and `save` stores it), and the
step marks it returns are pushed to the page. Without a runner (labsh, the
HTTP views when nobody watches) set-up runs in the stored lab.
"""
from __future__ import annotations

from typing import Any, Callable

from django.db import transaction
from django.utils import timezone

from lab.labs.models import Lab
from lab.labs.persistence import LabConflict, load_world, reset_lab, save_world
from lab.sim import lessons as engine
from lab.sim.lessons import play
from lab.sim.lessons.evaluate import StepStatus
from lab.sim.lessons.model import Lesson

from .models import LessonProgress, StepProgress


#: how often a step's set-up is retried when another save of the lab came first
SETUP_RETRIES = 3


class LessonMismatch(Exception):
    """The lab cannot follow this lesson as it is (another lesson, another profile)."""


def lesson_of(lab: Lab) -> tuple[LessonProgress, Lesson] | None:
    """The lab's progress row and its lesson, or None when it follows none (or a lesson since removed)."""
    progress = LessonProgress.objects.filter(lab=lab).first()
    if progress is None:
        return None
    lesson = engine.get(progress.lesson)
    return (progress, lesson) if lesson is not None else None


def lesson_for(slug: str | None) -> Lesson | None:
    """The lesson `slug` names (None for no slug); an unknown slug is a 404."""
    if not slug:
        return None
    lesson = engine.get(slug)
    if lesson is None:
        from django.http import Http404

        raise Http404(f"no lesson {slug!r}")
    return lesson


def start_lesson(lab: Lab, lesson: Lesson) -> LessonProgress:
    """Make `lab` follow `lesson`: place its files, run its set-up, forget earlier progress.

    A lab already following `lesson` is left as it is (the learner resumes).
    A lab of another profile, or following another lesson, raises LessonMismatch.
    """
    current = LessonProgress.objects.filter(lab=lab).first()
    if current is not None and current.lesson == lesson.slug:
        return current
    if current is not None:
        raise LessonMismatch(f"lab {lab.name!r} follows the lesson {current.lesson!r}; "
                             f"open {lesson.slug!r} in another lab or reset this one")
    if lab.profile != lesson.profile:
        raise LessonMismatch(f"lab {lab.name!r} runs the {lab.profile} cluster and the lesson {lesson.slug!r} "
                             f"needs {lesson.profile}; open it in another lab or reset this one")
    with transaction.atomic():
        world = load_world(lab)
        engine.start(world, lesson)
        save_world(lab, world, expected_revision=lab.revision)
        return LessonProgress.objects.create(lab=lab, lesson=lesson.slug, prepared=[lesson.steps[0].id])


def restart_lesson(lab: Lab, lesson: Lesson) -> LessonProgress:
    """A fresh cluster for the lesson (the page's "reset lab"): progress starts over."""
    with transaction.atomic():
        LessonProgress.objects.filter(lab=lab).delete()
        reset_lab(lab, profile=lesson.profile)
        return start_lesson(lab, lesson)


def _record(progress: LessonProgress, lesson: Lesson, statuses: list[StepStatus], lab_time: Any) -> set[str]:
    """Store the steps that pass now, in lesson order: a step counts only once
    every step before it has passed (so a later step whose checks happen to
    hold on a fresh cluster waits its turn), and a reading step (no checks)
    passes with the next step that does. Returns every passed step id."""
    done = set(progress.steps.values_list("step", flat=True))
    live = {s.step: s.passed for s in statuses}
    new: list[str] = []
    reading: list[str] = []
    for step in lesson.steps:
        if step.id in done:
            reading = []
        elif not step.checks:
            reading.append(step.id)
        elif live.get(step.id):
            new += reading + [step.id]
            reading = []
        else:
            break
    else:
        new += reading  # the lesson ends with reading steps: done with the last checked one
    now = timezone.now()
    for step_id in new:
        StepProgress.objects.get_or_create(progress=progress, step=step_id,
                                           defaults={"passed": now, "lab_time": lab_time})
    done |= set(new)
    if progress.completed is None and all(s.id in done for s in lesson.steps):
        progress.completed = now
        progress.save(update_fields=["completed"])
    return done


def _to_prepare(lesson: Lesson, done: set[str]) -> list[Any]:
    """The steps up to the learner's next checked step: the reading steps in
    between are read while that step is worked on, so its set-up runs now."""
    out = []
    for step in lesson.steps:
        if step.id in done:
            continue
        out.append(step)
        if step.checks:
            break
    return out


#: runs the given steps' set-up somewhere; returns the world as it is afterwards
SetUp = Callable[[Lesson, list[Any], Any], Any]


def setup_in_stored_lab(lab: Lab) -> SetUp:
    """Set-up in the stored lab: load it, run the lines, save under the
    revision guard (retried when a command saved the lab meanwhile)."""

    def run(lesson: Lesson, todo: list[Any], world: Any) -> Any:
        for attempt in range(SETUP_RETRIES + 1):
            try:
                with transaction.atomic():
                    world = load_world(lab)
                    for step in todo:
                        play.prepare_step(world, lesson, step.id)
                    save_world(lab, world, expected_revision=lab.revision)
                return world
            except LabConflict:  # a command saved the lab meanwhile: set up on its state
                if attempt == SETUP_RETRIES:
                    raise
        return world

    return run


def setup_in_world(save: Callable[[], Any]) -> SetUp:
    """Set-up in the World a runner holds: the lines run there, then `save` stores it."""

    def run(lesson: Lesson, todo: list[Any], world: Any) -> Any:
        for step in todo:
            play.prepare_step(world, lesson, step.id)
        save()
        return world

    return run


def _advance(progress: LessonProgress, lesson: Lesson, world: Any,
             setup: SetUp | None) -> tuple[Any, list[StepStatus], set[str]]:
    """Evaluate, record new passes, and prepare the step the learner works on
    next (its hidden set-up runs through `setup`; None: not now, a runner
    holds the lab and prepares it after its next command). Returns the
    world as it is now, the statuses and the passed step ids."""
    while True:
        statuses = engine.evaluate(world, lesson)
        done = _record(progress, lesson, statuses, world.clock.now)
        todo = [s for s in _to_prepare(lesson, done) if s.id not in progress.prepared]
        if not todo or setup is None:
            return world, statuses, done
        if any(s.setup for s in todo):
            world = setup(lesson, todo, world)
        progress.prepared = [*progress.prepared, *(s.id for s in todo)]
        progress.save(update_fields=["prepared"])


def update_progress(lab: Lab, world: Any = None) -> list[StepStatus] | None:
    """Evaluate the lab's lesson against `world` (default: the stored one),
    record the steps that pass for the first time, and run the hidden set-up
    of the step that becomes current. None: the lab follows no lesson.

    The terminal path calls this with the world it has just saved, after
    every command; when a set-up ran, the lab was saved again (reload it)."""
    found = lesson_of(lab)
    if found is None:
        return None
    progress, lesson = found
    world = world if world is not None else load_world(lab)
    return _advance(progress, lesson, world, setup_in_stored_lab(lab))[1]


def runner_progress(lab: Lab, world: Any, save: Callable[[], Any]) -> dict[str, Any] | None:
    """The runner's path: evaluate on its in-memory `world`, record new
    passes, run the next step's set-up in that World (then `save()`), and
    return the step marks the live socket pushes (`lesson_marks`). None:
    the lab follows no lesson."""
    found = lesson_of(lab)
    if found is None:
        return None
    progress, lesson = found
    world, statuses, done = _advance(progress, lesson, world, setup_in_world(save))
    return lesson_marks(progress, lesson, statuses, done)


def lesson_marks(progress: LessonProgress, lesson: Lesson, statuses: list[StepStatus],
                 done: set[str]) -> dict[str, Any]:
    """Each step's live checks and recorded pass: what changes as the learner
    works (the texts stay in GET /lab/<name>/lesson/)."""
    by_step = {s.step: s for s in statuses}
    when = {p.step: p for p in progress.steps.all()}
    steps = []
    for step in lesson.steps:
        status = by_step[step.id]
        record = when.get(step.id)
        steps.append({
            "id": step.id,
            "checks": [c.to_dict() for c in status.checks],
            "live": status.passed,
            "passed": step.id in done,
            "passedAt": record.passed.isoformat() if record else None,
            "labTime": record.lab_time.strftime("%Y-%m-%dT%H:%M:%SZ") if record else None,
        })
    current = next((s["id"] for s in steps if not s["passed"]), None)
    return {"lesson": lesson.slug, "steps": steps, "current": current,
            "completed": progress.completed.isoformat() if progress.completed else None}


def _text(cmds: Any, lesson: Lesson) -> list[dict[str, Any]]:
    return [{"run": c.run, "host": c.host or lesson.host} for c in cmds]


def lesson_summary(lesson: Lesson) -> dict[str, Any]:
    return {"slug": lesson.slug, "title": lesson.title, "summary": lesson.summary, "level": lesson.level,
            "profile": lesson.profile, "minutes": lesson.minutes, "host": lesson.host, "steps": len(lesson.steps)}


def lesson_state(lab: Lab, world: Any = None, *, prepare: bool = True) -> dict[str, Any] | None:
    """The lesson panel's data: the lesson, every step with its texts in both
    languages, commands, hints, explanation, solution, live check results and
    whether (and when) it passed; `current` is the first step not passed.
    `prepare=False` leaves the next step's set-up to the runner that holds
    the lab (it must not run in the stored lab behind the runner's back)."""
    found = lesson_of(lab)
    if found is None:
        return None
    progress, lesson = found
    world = world if world is not None else load_world(lab)
    world, evaluated, done = _advance(progress, lesson, world, setup_in_stored_lab(lab) if prepare else None)
    marks = {m["id"]: m for m in lesson_marks(progress, lesson, evaluated, done)["steps"]}
    steps = []
    for step in lesson.steps:
        steps.append({
            "id": step.id, "title": step.title, "text": step.text,
            "commands": _text(step.commands, lesson), "hints": list(step.hints), "explain": step.explain,
            "focus": list(step.focus), "solution": _text(step.solution, lesson),
            **{k: v for k, v in marks[step.id].items() if k != "id"},
        })
    current = next((s["id"] for s in steps if not s["passed"]), None)
    return {"lab": lab.name, "lesson": lesson_summary(lesson), "steps": steps, "current": current,
            "completed": progress.completed.isoformat() if progress.completed else None}
