from django.contrib import admin
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, NetworkRange, Page, Resource, School, SiteSettings, StaffMobile


class HttpsLinks:
    """Addresses typed without a scheme become https:// links."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class NetworkRangeInline(admin.TabularInline):
    """A district's own network addresses: tip pages opened from them say that school
    networks and devices may be monitored."""

    model = NetworkRange
    extra = 0
    fields = ["network", "note"]
    verbose_name_plural = _("school network ranges (tip pages opened from these say school networks may be monitored)")


@admin.register(Agency)
class AgencyAdmin(HttpsLinks, admin.ModelAdmin):
    list_display = ["name", "kind", "is_partner", "is_coordinating", "phone", "display_order"]
    list_filter = ["kind", "is_partner"]
    list_editable = ["display_order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_inlines(self, request, obj):
        return [NetworkRangeInline] if obj is not None and obj.kind == Agency.Kind.DISTRICT else []


@admin.register(NetworkRange)
class NetworkRangeAdmin(admin.ModelAdmin):
    list_display = ["network", "district", "note"]
    list_select_related = ["district"]
    search_fields = ["network", "district__name", "note"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "police_agency", "grade_band", "active"]
    list_filter = ["active", "grade_band", "district", "police_agency"]
    list_select_related = ["district", "police_agency"]
    search_fields = ["name", "district__name", "police_agency__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "is_escalation_contact", "textable", "created_at"]
    list_filter = ["role", "agency__kind", "agency"]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__email", "agency__name"]

    def get_queryset(self, request):
        textable = StaffMobile.objects.textable().filter(user_id=OuterRef("user_id"))
        return super().get_queryset(request).annotate(has_textable_mobile=Exists(textable))

    @admin.display(boolean=True, description=_("texts"), ordering="has_textable_mobile")
    def textable(self, membership: Membership) -> bool:
        """A confirmed mobile that alerts can be texted to (the number itself is not shown)."""
        return membership.has_textable_mobile


@admin.register(StaffMobile)
class StaffMobileAdmin(admin.ModelAdmin):
    """Who has confirmed a mobile for text alerts: for coverage, without the numbers. Staff
    add, confirm and remove their own number on their "My alerts" page."""

    list_display = ["user", "verified_at", "sms_for_all_alerts", "stopped_at"]
    list_filter = ["sms_for_all_alerts", ("stopped_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "verified_at", "sms_for_all_alerts", "stopped_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # removing a number is audited; the owner does it on their page


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
