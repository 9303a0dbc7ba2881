from django.apps import AppConfig


class LabsConfig(AppConfig):
    """Persistence of labs (simulated clusters) and the pages around them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.labs"
    label = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        """Every World this process loads gets the limits of settings.LAB_LIMITS."""
        from django.conf import settings

        from lab.sim.limits import LabLimits, set_default_limits

        set_default_limits(LabLimits.from_mapping(settings.LAB_LIMITS))
