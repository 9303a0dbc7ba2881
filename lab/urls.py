"""Top-level URLs."""
from django.contrib import admin
from django.urls import path

from lab.labs import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
