from django.apps import AppConfig


class ClassroomsConfig(AppConfig):
    """Classrooms, joining them, and the instructor's live dashboard."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.classrooms"
    label = "classrooms"
    verbose_name = "Classrooms"

    def ready(self) -> None:
        """Listen for finished commands (lab.labs.signals.command_finished)."""
        from lab.classrooms import receivers  # noqa: F401
