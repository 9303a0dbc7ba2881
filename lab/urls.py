"""Top-level URLs (the lab page's websockets are in lab/labs/routing.py)."""
from django.contrib import admin
from django.urls import include, path

from lab.labs import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lab/", views.lab_page, name="lab"),
    path("lab/<slug:name>/", views.lab_page, name="lab-named"),
    path("", include("lab.lessons.urls")),
    path("", include("lab.classrooms.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("lab.accounts.urls")),
    path("admin/", admin.site.urls),
]
