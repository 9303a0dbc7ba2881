from django.apps import AppConfig


class LessonsConfig(AppConfig):
    """Which lesson a lab follows and which of its steps have passed (the lesson content is in lessons/)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.lessons"
    label = "lessons"
    verbose_name = "Lessons"
