from django.contrib import admin, messages
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.models import Membership
from reports.models import CannedReply, Category, Notification, RoutingRule
from reports.notifications import delivery
from reports.triage import events
from safeschools.models import AuditEvent


def is_coordinator(user) -> bool:
    """Superusers, members of the Coordinators group, and coordinators by membership."""
    if not (user.is_active and user.is_staff):
        return False
    return (
        user.is_superuser
        or user.groups.filter(name="Coordinators").exists()
        or Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists()
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, for coordinators: what is pending, sent or failed (with the error).
    Read-only; the one change allowed is to retry failed alerts (SECURITY.md 31)."""

    list_display = [
        "created_at",
        "kind",
        "tip_reference",
        "recipient",
        "address",
        "reason",
        "agency",
        "channel",
        "urgent",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind", "urgent", "channel"]
    list_select_related = ["recipient", "agency"]
    search_fields = ["tip__reference", "recipient__username", "address", "agency__name"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "tip_reference",
        "recipient",
        "address",
        "reason",
        "agency",
        "channel",
        "urgent",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = ["tip_reference"]
    actions = ["retry"]

    def get_queryset(self, request):
        # The tip's reference only: showing the outbox must not load (and decrypt) tips.
        return super().get_queryset(request).annotate(reference=F("tip__reference"))

    @admin.display(description=_("tip"), ordering="reference")
    def tip_reference(self, notification: Notification) -> str:
        return notification.reference or "—"

    def has_module_permission(self, request) -> bool:
        return is_coordinator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_coordinator(request.user)

    def has_retry_permission(self, request) -> bool:
        return is_coordinator(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed alerts"), permissions=["retry"])
    def retry(self, request, queryset) -> None:
        count = delivery.retry_failed(queryset, by=request.user)
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("%d failed alert queued again.", "%d failed alerts queued again.", count) % count,
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d selected alert was not failed and was left alone.",
                    "%d selected alerts were not failed and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 1
    autocomplete_fields = ["agency"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_es",
        "card",
        "default_priority",
        "is_life_safety",
        "escalation_minutes",
        "on_call_first_minutes",
        "display_order",
        "active",
    ]
    list_filter = ["card", "is_life_safety", "active", "default_priority"]
    list_editable = ["display_order", "active"]
    search_fields = ["name", "name_es", "description"]
    inlines = [RoutingRuleInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "agency", "role"]
    list_filter = ["role", "category"]
    list_select_related = ["category", "agency"]
    search_fields = ["category__name", "agency__name"]
    autocomplete_fields = ["agency"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "display_order", "active"]
    list_editable = ["display_order", "active"]
    search_fields = ["title", "body"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (SECURITY.md 27)."""

    list_display = ["at", "action", "summary", "actor_label", "tip_reference"]
    list_filter = ["action"]
    search_fields = ["actor_label", "tip_reference"]
    date_hierarchy = "at"

    @admin.display(description=_("what happened"))
    def summary(self, event: AuditEvent) -> str:
        # Staff by user name here (no query per row); the dashboard's audit log names them in full.
        return events.describe(event, events.Names())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
