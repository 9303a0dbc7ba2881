from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-up, log-in and the instructor and learner roles."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lab.accounts"
    label = "accounts"
    verbose_name = "Accounts"
