"""/k8s/<lab id>/...: every path below is the lab's apiserver; /k8s/kubeconfig/<lab name>/ the
visitor's kubeconfig for it."""
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("kubeconfig/<slug:name>/", views.lab_kubeconfig, name="lab-kubeconfig"),
    path("<int:lab_id>/", views.api),
    re_path(r"^(?P<lab_id>[0-9]+)/(?P<path>.*)$", views.api),
]
