from django.contrib import admin

from reports.models import AuditEvent, CannedReply, Category, RoutingRule


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 1
    autocomplete_fields = ["agency"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_es",
        "default_priority",
        "is_life_safety",
        "escalation_minutes",
        "display_order",
        "active",
    ]
    list_filter = ["is_life_safety", "active", "default_priority"]
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

    list_display = ["at", "action", "actor_label", "tip_reference"]
    list_filter = ["action"]
    search_fields = ["actor_label", "tip_reference"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
