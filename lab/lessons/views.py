"""The lessons' JSON for the lab page: the lesson index and a lab's lesson panel.

    GET  /lessons/                    every lesson, with this visitor's progress per lesson
    GET  /lab/<name>/lesson/          the lesson the visitor's lab follows: steps, texts, live checks
    POST /lab/<name>/lesson/reset/    a fresh cluster for the lesson, progress from the start
"""
from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from lab.labs import broadcast, lease
from lab.labs.models import Lab
from lab.labs.ownership import owned_labs
from lab.sim import lessons as engine

from .models import LessonProgress
from .progress import lesson_of, lesson_state, lesson_summary, restart_lesson


def visitor_labs(request: HttpRequest):
    """The visitor's labs: a signed-in user's, else this browser session's."""
    return owned_labs(getattr(request, "user", None), request.session.session_key)


def _lab(request: HttpRequest, name: str) -> Lab:
    lab = visitor_labs(request).filter(name=name).first()
    if lab is None:
        raise Http404(f"no lab {name!r} in this session")
    return lab


def with_hints(lab: Lab, state: dict) -> dict:
    """The panel's state with the instructors' hints for the lab (top-level
    "hints"; steps[].hints are the lesson's own)."""
    from lab.classrooms.hints import hints_for_lab

    return {**state, "hints": hints_for_lab(lab)}


@require_GET
def lesson_index(request: HttpRequest) -> JsonResponse:
    """Each lesson with the visitor's labs that follow it and how far they got."""
    progress = {}
    for p in LessonProgress.objects.filter(lab__in=visitor_labs(request)).select_related("lab"):
        progress.setdefault(p.lesson, []).append({
            "lab": p.lab.name, "passed": p.steps.count(),
            "completed": p.completed.isoformat() if p.completed else None})
    return JsonResponse({"lessons": [
        {**lesson_summary(lesson), "url": f"/lab/{lesson.slug}/?lesson={lesson.slug}",
         "labs": progress.get(lesson.slug, [])}
        for lesson in engine.load_all()]})


@require_GET
def lab_lesson(request: HttpRequest, name: str) -> JsonResponse:
    lab = _lab(request, name)
    # While a runner holds the lab its World is the live one: the next
    # step's set-up runs there (after its next command), not in the stored lab.
    state = lesson_state(lab, prepare=lease.holder_of(lab.pk) is None)
    if state is None:
        raise Http404(f"lab {name!r} follows no lesson (open /lab/{name}/?lesson=SLUG)")
    return JsonResponse(with_hints(lab, state))


@require_POST
def reset_lesson(request: HttpRequest, name: str) -> JsonResponse:
    lab = _lab(request, name)
    found = lesson_of(lab)
    if found is None:
        raise Http404(f"lab {name!r} follows no lesson")
    restart_lesson(lab, found[1])
    if lease.holder_of(lab.pk) is not None:
        # the runner's World is the old cluster: it loads the fresh one and tells its pages
        async_to_sync(get_channel_layer().group_send)(broadcast.runner_group(lab.pk), {"type": "runner.reload"})
    return JsonResponse(with_hints(lab, lesson_state(lab)))
