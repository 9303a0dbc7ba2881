from django.apps import AppConfig


class K8sApiConfig(AppConfig):
    """The per-lab Kubernetes REST API (discovery, OpenAPI, CRUD, watch)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.k8sapi"
    label = "k8sapi"
    verbose_name = "Kubernetes API"

    def ready(self) -> None:
        _status_phrases()


def _status_phrases() -> None:
    """Give daphne's HTTP layer (Twisted) the reason phrases it lacks.

    ASGI carries no reason phrase, and Twisted writes `422 Unknown` for the
    codes its table misses, where kube-apiserver (Go net/http) writes
    `422 Unprocessable Entity`; clients print it (the Python client's
    `Reason: Unprocessable Entity`).
    """
    try:
        from twisted.web import http as twisted_http
    except ImportError:  # not served by daphne
        return
    import http

    for status in http.HTTPStatus:
        twisted_http.RESPONSES.setdefault(status.value, status.phrase.encode())
