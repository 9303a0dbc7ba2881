"""The classroom forms: create (instructor), join (learner), hint (instructor)."""
from __future__ import annotations

from django import forms

from lab.sim import lessons as engine

from .codes import normalize
from .models import Classroom, Hint


def lesson_choices() -> list[tuple[str, str]]:
    return [(lesson.slug, lesson.title.get("en", lesson.slug)) for lesson in engine.load_all()]


class ClassroomForm(forms.ModelForm):
    """Name, lessons (in the lessons' own order) and the stuck threshold."""

    lessons = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple,
                                        help_text="The lessons this class follows.")

    class Meta:
        model = Classroom
        fields = ["name", "lessons", "stuck_minutes"]
        labels = {"stuck_minutes": "Stuck after (minutes)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lessons"].choices = lesson_choices()

    def clean_lessons(self) -> list[str]:
        picked = set(self.cleaned_data["lessons"])
        return [slug for slug, _ in lesson_choices() if slug in picked]


class JoinForm(forms.Form):
    code = forms.CharField(max_length=20, label="Join code",
                           help_text="The code your instructor shared, e.g. K7QXM2PA.")

    def clean_code(self) -> str:
        code = normalize(self.cleaned_data["code"])
        if not Classroom.objects.filter(code=code).exists():
            raise forms.ValidationError("No classroom has this join code.", code="unknown")
        return code


class HintForm(forms.Form):
    """A hint for one lesson; `learner` empty sends it to the whole class."""

    lesson = forms.SlugField(max_length=64)
    learner = forms.IntegerField(required=False)
    text = forms.CharField(max_length=Hint._meta.get_field("text").max_length, strip=True)
