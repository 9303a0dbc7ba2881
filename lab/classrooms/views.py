"""Classroom pages: list, create, join, the learner's classroom page, and the
instructor's dashboard with its actions (hint, reset, CSV, read-only lab).

Every lookup goes through lab.classrooms.access: a classroom, learner or
lab the visitor may not see is a 404, exactly as one that does not exist.
Creating a classroom needs the instructor role (403 for a learner).
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lab.accounts.roles import is_instructor
from lab.labs.models import Lab
from lab.labs.ownership import can_view_lab
from lab.lessons.progress import restart_lesson

from . import access
from .board import classroom_lessons, learner_row, snapshot
from .export import progress_csv
from .forms import ClassroomForm, HintForm, JoinForm
from .hints import hint_message, send_hint
from .labview import lab_view_state
from .models import Classroom, Membership
from .updates import push_learner, push_member


def lesson_url(slug: str) -> str:
    """A learner's lab for a lesson: named after it (one lab per lesson), resumed on every visit."""
    return f"/lab/{slug}/?lesson={slug}"


def join_url(request: HttpRequest, classroom: Classroom) -> str:
    return request.build_absolute_uri(reverse("classroom-join-code", args=[classroom.code]))


@login_required
@require_GET
def classroom_list(request: HttpRequest) -> HttpResponse:
    return render(request, "classrooms/list.html", {
        "taught": access.taught(request.user), "joined": access.joined(request.user),
        "instructor": is_instructor(request.user), "join_form": JoinForm()})


@login_required
@require_http_methods(["GET", "POST"])
def classroom_new(request: HttpRequest) -> HttpResponse:
    if not is_instructor(request.user):
        raise PermissionDenied("only instructors create classrooms")
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = form.save(commit=False)
        classroom.instructor = request.user
        classroom.save()
        return redirect("classroom-detail", pk=classroom.pk)
    return render(request, "classrooms/new.html", {"form": form})


@login_required
@require_GET
def classroom_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The instructor's overview (join code and link, lessons, dashboards) or a learner's
    page (their lab per lesson: open, resume, reset)."""
    classroom = access.visible_or_404(request.user, pk)
    lessons = classroom_lessons(classroom)
    teaching = classroom.instructor_id == request.user.pk
    entries = []
    for lesson in lessons:
        entry = {"lesson": lesson, "title": lesson.title.get("en", lesson.slug), "url": lesson_url(lesson.slug),
                 "steps": len(lesson.steps)}
        if teaching:
            entry["dashboard"] = reverse("classroom-dashboard", args=[classroom.pk]) + f"?lesson={lesson.slug}"
        else:
            row = learner_row(classroom, lesson, request.user)
            entry.update(lab=row["lab"], passed=len(row["passed"]), completed=row["completed"])
        entries.append(entry)
    return render(request, "classrooms/detail.html", {
        "classroom": classroom, "teaching": teaching, "entries": entries,
        "join_url": join_url(request, classroom) if teaching else "",
        "learners": classroom.memberships.select_related("learner") if teaching else None})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """Join with a code (typed, or in the shared link). An anonymous visitor
    signs up or logs in first and comes back here."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = JoinForm(request.POST or ({"code": code} if code else None))
    if form.is_bound and form.is_valid():
        classroom = Classroom.objects.get(code=form.cleaned_data["code"])
        if request.method == "POST":
            if classroom.instructor_id != request.user.pk:
                try:
                    with transaction.atomic():
                        Membership.objects.create(classroom=classroom, learner=request.user)
                    push_member(classroom, request.user)
                except IntegrityError:
                    pass  # already in it
            return redirect("classroom-detail", pk=classroom.pk)
        return render(request, "classrooms/join.html", {"form": form, "classroom": classroom,
                                                         "member": access.visible_or_none(request.user, classroom)})
    return render(request, "classrooms/join.html", {"form": form, "classroom": None},
                  status=400 if request.method == "POST" or code else 200)


def _lesson_or_404(classroom: Classroom, slug: str | None):
    lessons = classroom_lessons(classroom)
    if not lessons:
        raise Http404("this classroom has no lessons")
    if not slug:
        return lessons[0]
    lesson = next((l for l in lessons if l.slug == slug), None)
    if lesson is None:
        raise Http404("this classroom does not follow that lesson")
    return lesson


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = access.taught_or_404(request.user, pk)
    lesson = _lesson_or_404(classroom, request.GET.get("lesson"))
    return render(request, "classrooms/dashboard.html", {
        "classroom": classroom, "lesson": lesson, "lessons": classroom_lessons(classroom),
        "snapshot": snapshot(classroom, lesson),
        "ws_path": f"/ws/classrooms/{classroom.pk}/dashboard/?lesson={lesson.slug}"})


@login_required
@require_GET
def export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = access.taught_or_404(request.user, pk)
    response = HttpResponse(progress_csv(classroom), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="classroom-{classroom.pk}-progress.csv"'
    return response


@login_required
@require_POST
def hint(request: HttpRequest, pk: int) -> JsonResponse:
    """{"hint": the message sent, "labs": how many open labs' groups got it}."""
    classroom = access.taught_or_404(request.user, pk)
    form = HintForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    lesson = _lesson_or_404(classroom, form.cleaned_data["lesson"])
    learner_id = form.cleaned_data["learner"]
    learner = access.learner_or_404(classroom, learner_id) if learner_id is not None else None
    sent, reached = send_hint(classroom, lesson.slug, form.cleaned_data["text"], learner)
    return JsonResponse({"hint": hint_message(sent), "labs": reached})


@login_required
@require_POST
def reset_learner(request: HttpRequest, pk: int, user_id: int) -> JsonResponse:
    """A fresh cluster for a learner's lab of one lesson (progress starts over)."""
    classroom = access.taught_or_404(request.user, pk)
    learner = access.learner_or_404(classroom, user_id)
    lesson = _lesson_or_404(classroom, request.POST.get("lesson"))
    lab = access.lesson_lab(learner, lesson.slug)
    if lab is None:
        raise Http404("this learner has no lab for the lesson yet")
    restart_lesson(lab, lesson)
    push_learner(lab, slug=lesson.slug)
    return JsonResponse({"row": learner_row(classroom, lesson, learner, lab=lab)})


def _viewable_lab(request: HttpRequest, pk: int) -> Lab:
    lab = Lab.objects.filter(pk=pk).first()
    if lab is None or not can_view_lab(request.user, lab, request.session.session_key):
        raise Http404("no such lab")
    return lab


@require_GET
def lab_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A lab, read-only: its objects, latest commands and lesson progress, live."""
    lab = _viewable_lab(request, pk)
    return render(request, "classrooms/lab_view.html", {
        "lab": lab, "state": lab_view_state(lab), "ws_path": f"/ws/classrooms/labs/{lab.pk}/"})


@require_GET
def lab_view_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(lab_view_state(_viewable_lab(request, pk)))


__all__ = ["classroom_list", "classroom_new", "classroom_detail", "join", "dashboard", "export_csv",
           "hint", "reset_learner", "lab_view", "lab_view_json"]
