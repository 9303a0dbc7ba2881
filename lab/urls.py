"""Top-level URLs (the lab page's websockets are in lab/labs/routing.py)."""
from django.contrib import admin
from django.urls import include, path

from lab.labs import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lab/", views.lab_page, name="lab"),
    path("lab/<slug:name>/", views.lab_page, name="lab-named"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("k8s/", include("lab.k8sapi.urls")),
]
