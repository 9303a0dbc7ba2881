"""Top-level URLs (the lab page's websockets are in lab/labs/routing.py)."""
from django.contrib import admin
from django.urls import include, path

from lab.labs import files, inspect, views

urlpatterns = [
    path("", views.home, name="home"),
    path("lab/", views.lab_page, name="lab"),
    path("lab/<slug:name>/", views.lab_page, name="lab-named"),
    path("lab/<slug:name>/inspect/", inspect.inspect_object, name="lab-inspect"),
    path("lab/<slug:name>/inspect/objects/", inspect.list_objects, name="lab-objects"),
    path("lab/<slug:name>/files/", files.tree, name="lab-files"),
    path("lab/<slug:name>/files/<str:host>/", files.host_file, name="lab-file"),
    path("lab/<slug:name>/lint/", files.lint, name="lab-lint"),
    path("", include("lab.lessons.urls")),
    path("", include("lab.classrooms.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("lab.accounts.urls")),
    path("admin/", admin.site.urls),
    path("k8s/", include("lab.k8sapi.urls")),
]
