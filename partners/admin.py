from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, OnCallShift, Page, Resource, School, SiteSettings, StaffMobile


class HttpsLinks:
    """Addresses typed without a scheme become https:// links."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class OnCallShiftInline(admin.TabularInline):
    """The agency's weekly on-call rota, in local time (America/Chicago). The person on call
    is alerted first about a life-safety tip (the alert ladder; see the coverage page)."""

    model = OnCallShift
    extra = 1
    verbose_name_plural = _("on-call rota (local time; a night shift past midnight is two rows)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            agency_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(memberships__agency_id=agency_id, is_active=True)
                .exclude(memberships__role=Membership.Role.VIEWER)
                .distinct()
                if agency_id
                else get_user_model().objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Agency)
class AgencyAdmin(HttpsLinks, admin.ModelAdmin):
    list_display = ["name", "kind", "can_act", "is_partner", "is_coordinating", "phone", "display_order"]
    list_filter = ["kind", "can_act", "is_partner"]
    list_editable = ["display_order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OnCallShiftInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "police_agency", "grade_band", "active"]
    list_filter = ["active", "grade_band", "district", "police_agency"]
    list_select_related = ["district", "police_agency"]
    search_fields = ["name", "district__name", "police_agency__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "agency",
        "role",
        "new_tip_alerts",
        "is_escalation_contact",
        "is_safe_schools_designee",
        "textable",
        "created_at",
    ]
    list_filter = ["role", "is_safe_schools_designee", "agency__kind", "agency"]
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
