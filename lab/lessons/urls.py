"""URLs of the lessons' JSON (included from lab/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    path("lessons/", views.lesson_index, name="lesson-index"),
    path("lab/<slug:name>/lesson/", views.lab_lesson, name="lab-lesson"),
    path("lab/<slug:name>/lesson/reset/", views.reset_lesson, name="lab-lesson-reset"),
]
