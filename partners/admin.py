from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from partners.models import (
    Agency,
    Membership,
    NetworkRange,
    OnCallShift,
    Page,
    Resource,
    School,
    SiteSettings,
    StaffMobile,
)
from partners.services import reset_sign_in
from safeschools import audit
from safeschools.models import AuditEvent


class HttpsLinks:
    """Addresses typed without a scheme become https:// links."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


if TYPE_CHECKING:
    _NetworkRangeInline = admin.TabularInline[NetworkRange, Agency]
    _NetworkRangeAdmin = admin.ModelAdmin[NetworkRange]
else:
    _NetworkRangeInline, _NetworkRangeAdmin = admin.TabularInline, admin.ModelAdmin


class NetworkRangeInline(_NetworkRangeInline):
    """A district's own network addresses: tip pages opened from them say that school
    networks and devices may be monitored."""

    model = NetworkRange
    extra = 0
    fields = ["network", "note"]
    verbose_name_plural = _("school network ranges (tip pages opened from these say school networks may be monitored)")


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

    def get_inlines(self, request: HttpRequest, obj: Agency | None) -> list[type[InlineModelAdmin[Any, Any]]]:
        district = obj is not None and obj.kind == Agency.Kind.DISTRICT
        return [*self.inlines, NetworkRangeInline] if district else list(self.inlines)


@admin.register(NetworkRange)
class NetworkRangeAdmin(_NetworkRangeAdmin):
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


# --- Staff accounts (SECURITY.md 40) ---------------------------------------------------

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Staff accounts. Superusers get Django's full form. Everyone else (the coordinators)
    manages people, not privileges: names, e-mail, active or not, and resets. Superuser,
    staff flag, groups and raw permissions are neither shown nor accepted from a POST, and
    superuser accounts are out of their reach, their passwords included. What someone may
    do follows from their memberships (roles in agencies), edited under Memberships."""

    staff_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    staff_add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["username", "first_name", "last_name", "email", "password1", "password2"]},
        ),
    ]
    actions = ["reset_authenticator"]

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.staff_add_fieldsets if obj is None else self.staff_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def get_list_display(self, request):
        if request.user.is_superuser:
            return super().get_list_display(request)
        return ["username", "first_name", "last_name", "email", "is_active", "last_login"]

    def get_list_filter(self, request):
        return super().get_list_filter(request) if request.user.is_superuser else ["is_active"]

    def get_queryset(self, request):
        """Superuser accounts are invisible below a superuser: nobody else may change one,
        or its password, or reset it."""
        accounts = super().get_queryset(request)
        return accounts if request.user.is_superuser else accounts.filter(is_superuser=False)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        action = AuditEvent.Action.ACCOUNT_CHANGED if change else AuditEvent.Action.ACCOUNT_CREATED
        changed = sorted(f for f in form.changed_data if f not in ("password1", "password2", "password"))
        audit.record(action, actor=request.user, account=obj.get_username(), fields=changed)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        """Django's set-a-password page, audited, and the person must enrol a new
        authenticator: a password someone else chose is not a second factor's worth."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                account = self.get_object(request, unquote(id))
                if account != request.user:
                    reset_sign_in(user=account, by=request.user, password_set=True)
        return response

    @admin.action(description=_("Reset the authenticator (they enrol a new one at next sign-in)"))
    def reset_authenticator(self, request, queryset) -> None:
        people = [account for account in queryset if account != request.user]
        for account in people:
            reset_sign_in(user=account, by=request.user, password_set=False)
        self.message_user(
            request,
            ngettext(
                "%d person must enrol a new authenticator at their next sign-in.",
                "%d people must enrol a new authenticator at their next sign-in.",
                len(people),
            )
            % len(people),
            messages.SUCCESS,
        )
