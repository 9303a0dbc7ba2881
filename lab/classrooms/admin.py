"""Classrooms in the admin site: staff can see and fix classrooms, members and hints."""
from django.contrib import admin

from .models import Classroom, Hint, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["learner"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "instructor", "code", "stuck_minutes", "created"]
    search_fields = ["name", "code", "instructor__username"]
    raw_id_fields = ["instructor"]
    inlines = [MembershipInline]


@admin.register(Hint)
class HintAdmin(admin.ModelAdmin):
    list_display = ["classroom", "lesson", "learner", "sent"]
    list_filter = ["lesson"]
    raw_id_fields = ["classroom", "learner"]
