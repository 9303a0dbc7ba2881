"""Pages: the home page, the lab page and the health check."""
from django.db import IntegrityError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lab.labs.models import Lab
from lab.labs.persistence import DEFAULT_PROFILE, create_lab, load_world
from lab.lessons.progress import LessonMismatch, lesson_for, start_lesson
from lab.sim.profiles import available_profiles

DEFAULT_LAB = "default"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "labs/home.html")


def session_lab_for(request: HttpRequest, name: str, profile: str) -> Lab:
    """The visitor's lab `name`, created from `profile` on the first visit.

    An anonymous visitor is their browser session: the session is saved
    (and its cookie set) so the terminal's websocket finds the same lab."""
    labs = request.session.get("labs", [])
    if name not in labs:
        request.session["labs"] = sorted({*labs, name})
    if request.session.session_key is None:
        request.session.save()
    key = request.session.session_key
    owned = Lab.objects.filter(owner_kind=Lab.OwnerKind.SESSION, session_key=key, name=name)
    lab = owned.first()
    if lab is None:
        try:
            with transaction.atomic():
                lab = create_lab(name, profile, session_key=key)
        except IntegrityError:  # the same visitor's other request created it first
            lab = owned.get()
    return lab


@require_GET
def lab_page(request: HttpRequest, name: str = DEFAULT_LAB) -> HttpResponse:
    """/lab/ and /lab/<name>/: the visitor's lab with a terminal on its
    control plane. `?profile=` picks the cluster of a lab not created yet;
    `?lesson=SLUG` makes the lab follow a lesson (its profile, its files)."""
    if len(name) > Lab._meta.get_field("name").max_length:
        raise Http404("lab name too long")
    lesson = lesson_for(request.GET.get("lesson"))
    profile = lesson.profile if lesson else request.GET.get("profile") or DEFAULT_PROFILE
    if profile not in available_profiles():
        raise Http404(f"unknown cluster profile {profile!r}")
    lab = session_lab_for(request, name, profile)
    if lesson is not None:
        try:
            start_lesson(lab, lesson)
        except LessonMismatch as e:
            return HttpResponse(f"{e}\n", status=409, content_type="text/plain; charset=utf-8")
    world = load_world(lab)
    return render(request, "labs/lab.html", {
        "lab": lab,
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
