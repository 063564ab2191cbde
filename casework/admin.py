"""Casework in the admin: only the statute's list of acts, which coordinators keep current.
Cases and notices are never in the admin: their pages on the dashboard are the one door,
with its access rules and audit (SECURITY.md 47)."""

from django.contrib import admin

from casework.models import Offence


@admin.register(Offence)
class OffenceAdmin(admin.ModelAdmin):
    list_display = ["name", "statute", "active", "display_order"]
    list_editable = ["active", "display_order"]
    search_fields = ["name", "statute"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Older notices name the act; switch it off instead.
        return False
