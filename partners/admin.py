from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, Page, Resource, School, SiteSettings


class HttpsLinks:
    """Addresses typed without a scheme become https:// links."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Agency)
class AgencyAdmin(HttpsLinks, admin.ModelAdmin):
    list_display = ["name", "kind", "is_partner", "is_coordinating", "phone", "display_order"]
    list_filter = ["kind", "is_partner"]
    list_editable = ["display_order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "police_agency", "grade_band", "active"]
    list_filter = ["active", "grade_band", "district", "police_agency"]
    list_select_related = ["district", "police_agency"]
    search_fields = ["name", "district__name", "police_agency__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "is_safe_schools_designee", "created_at"]
    list_filter = ["role", "is_safe_schools_designee", "agency__kind", "agency"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__email", "agency__name"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "show_in_nav", "display_order", "updated_at"]
    list_filter = ["published", "show_in_nav"]
    list_editable = ["published", "show_in_nav", "display_order"]
    search_fields = ["title", "summary", "body", "title_es", "summary_es", "body_es"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (
            _("Spanish version"),
            {
                "fields": ["title_es", "summary_es", "body_es"],
                "description": _("Shown on the Spanish site (/es/). Leave a field empty to show the English."),
            },
        ),
        (_("Publishing"), {"fields": ["published", "show_in_nav", "display_order"]}),
    ]


@admin.register(Resource)
class ResourceAdmin(HttpsLinks, admin.ModelAdmin):
    list_display = ["title", "kind", "effective_date", "published", "display_order"]
    list_filter = ["kind", "published"]
    list_editable = ["published", "display_order"]
    search_fields = ["title", "description", "url", "title_es", "description_es"]
    fieldsets = [
        (None, {"fields": ["title", "description", "kind", "file", "url", "effective_date"]}),
        (
            _("Spanish version"),
            {
                "fields": ["title_es", "description_es"],
                "description": _("Shown on the Spanish site (/es/). Leave a field empty to show the English."),
            },
        ),
        (_("Publishing"), {"fields": ["published", "display_order"]}),
    ]


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One record; it can be changed but not added twice or deleted."""

    fieldsets = [
        (None, {"fields": ["organisation_name", "hotline_display", "hotline_number"]}),
        (_("Shown on every page"), {"fields": ["emergency_text", "crisis_text"]}),
        (
            _("Contact page"),
            {"fields": ["non_emergency_number", "tdd_number", "address", "contact_email", "statewide_line"]},
        ),
    ]

    def has_add_permission(self, request):
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
