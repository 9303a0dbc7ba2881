"""URLs of the classrooms (included from lab/urls.py); websockets in routing.py."""
from django.urls import path

from . import views

urlpatterns = [
    path("classrooms/", views.classroom_list, name="classroom-list"),
    path("classrooms/new/", views.classroom_new, name="classroom-new"),
    path("classrooms/join/", views.join, name="classroom-join"),
    path("classrooms/join/<str:code>/", views.join, name="classroom-join-code"),
    path("classrooms/<int:pk>/", views.classroom_detail, name="classroom-detail"),
    path("classrooms/<int:pk>/dashboard/", views.dashboard, name="classroom-dashboard"),
    path("classrooms/<int:pk>/progress.csv", views.export_csv, name="classroom-csv"),
    path("classrooms/<int:pk>/hints/", views.hint, name="classroom-hint"),
    path("classrooms/<int:pk>/learners/<int:user_id>/reset/", views.reset_learner, name="classroom-reset"),
    path("classrooms/labs/<int:pk>/", views.lab_view, name="classroom-lab-view"),
    path("classrooms/labs/<int:pk>/state.json", views.lab_view_json, name="classroom-lab-state"),
]
