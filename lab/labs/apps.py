from django.apps import AppConfig


class LabsConfig(AppConfig):
    """Persistence of labs (simulated clusters) and the pages around them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.labs"
    label = "labs"
    verbose_name = "Labs"
