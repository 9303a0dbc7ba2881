from django.apps import AppConfig


class K8sApiConfig(AppConfig):
    """The per-lab Kubernetes REST API (discovery, OpenAPI, CRUD, watch)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.k8sapi"
    label = "k8sapi"
    verbose_name = "Kubernetes API"
