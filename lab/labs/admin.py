"""The admin site's view of labs, for staff.

A lab's World is changed only by running commands (or resetting it), so
the stored state is shown read-only here: an edit by hand could leave the
objects, their resourceVersions and the watch stream disagreeing. Staff
can rename a lab, give it to another owner, or delete it."""
from __future__ import annotations

from django.contrib import admin

from lab.labs.models import ApiObject, HostFile, Lab, LabEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the engine writes: viewable and searchable, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ("name", "owner_kind", "user", "short_session", "profile", "revision", "updated")
    list_filter = ("owner_kind", "profile")
    search_fields = ("name", "user__username", "session_key")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("profile", "seed", "clock", "rng_state", "extra_state", "revision", "created", "updated")
    fieldsets = [
        (None, {"fields": ("name", "owner_kind", "user", "session_key")}),
        ("Stored world", {"classes": ["collapse"], "fields": readonly_fields}),
    ]

    @admin.display(description="session")
    def short_session(self, lab: Lab) -> str:
        return lab.session_key[:8]


@admin.register(ApiObject)
class ApiObjectAdmin(ReadOnlyAdmin):
    list_display = ("kind", "namespace", "name", "resource_version", "lab")
    list_filter = ("kind",)
    search_fields = ("name", "namespace", "lab__name")
    list_select_related = ("lab",)


@admin.register(LabEvent)
class LabEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "lab")
    search_fields = ("lab__name",)
    list_select_related = ("lab",)


@admin.register(HostFile)
class HostFileAdmin(ReadOnlyAdmin):
    list_display = ("host", "path", "lab")
    search_fields = ("path", "host", "lab__name")
    list_select_related = ("lab",)
