"""Pages: the home page, the lab page and the health check."""
import re

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from lab.labs.models import Lab
from lab.labs.ownership import lab_for_request
from lab.labs.persistence import DEFAULT_PROFILE, load_world
from lab.lessons.progress import LessonMismatch, lesson_for, lesson_of, start_lesson
from lab.sim.profiles import available_profiles

DEFAULT_LAB = "default"


def _inline_code(text: str) -> str:
    """A lesson summary's Markdown `code` spans as <code>, the rest escaped."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front door: the guided lessons (each starts a lab of its own) and
    a free lab."""
    from lab.sim import lessons as engine

    lessons = [{"slug": lesson.slug, "title": lesson.title["en"], "title_zh": lesson.title["zh-CN"],
                "summary": _inline_code(lesson.summary["en"]), "level": lesson.level,
                "profile": lesson.profile, "minutes": lesson.minutes, "steps": len(lesson.steps),
                "url": f"/lab/{lesson.slug}/?lesson={lesson.slug}"} for lesson in engine.load_all()]
    return render(request, "labs/home.html", {"lessons": lessons})


@require_GET
@ensure_csrf_cookie
def lab_page(request: HttpRequest, name: str = DEFAULT_LAB) -> HttpResponse:
    """/lab/ and /lab/<name>/: the visitor's own lab (lab.labs.ownership) with a
    terminal on its control plane. `?profile=` picks the cluster of a lab not
    created yet; `?lesson=SLUG` makes the lab follow a lesson (its profile,
    its files)."""
    if len(name) > Lab._meta.get_field("name").max_length:
        raise Http404("lab name too long")
    lesson = lesson_for(request.GET.get("lesson"))
    profile = lesson.profile if lesson else request.GET.get("profile") or DEFAULT_PROFILE
    if profile not in available_profiles():
        raise Http404(f"unknown cluster profile {profile!r}")
    lab = lab_for_request(request, name, profile)
    if lesson is not None:
        try:
            start_lesson(lab, lesson)
        except LessonMismatch as e:
            return HttpResponse(f"{e}\n", status=409, content_type="text/plain; charset=utf-8")
    world = load_world(lab)
    followed = lesson_of(lab)
    return render(request, "labs/lab.html", {
        "lab": lab,
        "lesson": followed[1].slug if followed else "",
        "hosts": list(world.hosts),
        "host": world.default_host,
        "clock": world.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ws_path": f"/ws/lab/{lab.name}/terminal/",
    })


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
