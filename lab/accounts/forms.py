"""The sign-up form: Django's UserCreationForm with an optional e-mail."""
from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    """Username, optional e-mail and the password twice (Django's validators)."""

    email = forms.EmailField(required=False, help_text="Optional. Only used if you forget your password.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
