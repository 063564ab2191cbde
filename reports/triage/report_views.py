"""Export, statistics and the audit log: reading many tips at once, always through
``Tip.objects.visible_to`` (SECURITY.md 19-20), and audited."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners.models import Membership, memberships_of
from reports.models import Routing
from reports.triage import events as sentences
from reports.triage import queue, stats
from reports.triage.access import is_coordinator
from reports.triage.forms import ExportForm, QueueFilterForm
from reports.triage.views import staff_page
from safeschools import audit
from safeschools.models import AuditEvent

CONTACT_ROLES = {Membership.Role.OFFICER, Membership.Role.COORDINATOR}
EXPORT_COLUMNS = [
    "reference",
    "received (hour)",
    "category",
    "school",
    "state",
    "priority",
    "life safety",
    "awaiting acknowledgement",
    "agencies' parts",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _part(routing: Routing) -> str:
    """ "Clayton Police Department (responsible): done, unfounded, assigned to olsen". No
    disposition note or "referred to" text: those stay with the agency (and are free text)."""
    outcome = f", {routing.disposition}" if routing.disposition else ""
    assignee = f", assigned to {routing.assigned_to.get_username()}" if routing.assigned_to else ""
    return f"{routing.agency.name} ({routing.role}): {routing.state}{outcome}{assignee}"


@staff_page
@require_safe
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    form = ExportForm(request.GET or None)
    filters = form.filters()
    with_contact = (
        bool(form.is_valid() and form.cleaned_data.get("include_contact"))
        and Membership.objects.filter(user=request.user, role__in=CONTACT_ROLES).exists()
    )
    tips = (
        queue.filtered(request.user, filters)
        .select_related("category", "school")
        .prefetch_related(Prefetch("routings", Routing.objects.select_related("agency", "assigned_to")))
        .order_by("-received_at", "-id")
    )
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=request.user,
        rows=tips.count(),
        with_contact=with_contact,
        filters={k: str(v) for k, v in filters.__dict__.items() if v},
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS + (["contact details"] if with_contact else []))
        for tip in tips.iterator(chunk_size=1000):
            row = [
                tip.reference,
                tip.received_at.isoformat(),
                tip.category.name,
                tip.school.name if tip.school else "",
                tip.state,
                tip.priority,
                tip.is_life_safety,
                tip.awaiting_acknowledgement,
                "; ".join(_part(r) for r in tip.routings.all()),
            ]
            yield writer.writerow(row + ([tip.contact_details] if with_contact else []))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tips.csv"'
    response["Cache-Control"] = "no-store"
    return response


@staff_page
@require_safe
def stats_page(request: HttpRequest) -> HttpResponse:
    months = 12
    tips = queue.filtered(request.user, QueueFilterForm().filters()).filter(received_at__gte=stats.since(months))
    context = {
        "months": months,
        "total": tips.count(),
        "by_category": stats.by_category(tips),
        "by_school": stats.by_school(tips),
        "by_month": stats.by_month(tips),
        "by_state": stats.by_state(tips),
        "by_disposition": stats.by_disposition(
            tips, None if is_coordinator(request.user) else [m.agency_id for m in memberships_of(request.user)]
        ),
        "median_hours": stats.median_hours_to_acknowledge(tips),
        "life_safety": stats.life_safety_within_target(tips),
    }
    return render(request, "dashboard/stats.html", context)


@staff_page
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    if not is_coordinator(request.user):
        raise PermissionDenied("coordinators only")
    events = AuditEvent.objects.all()
    action, actor, reference = (request.GET.get(k, "").strip() for k in ("action", "actor", "tip"))
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__iexact=actor)
    if reference:
        events = events.filter(tip_reference__iexact=reference)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    page = list(events.order_by("-id")[:101])
    names = sentences.names_for(page[:100])
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "rows": [(event, sentences.describe(event, names)) for event in page[:100]],
        "more": len(page) > 100,
        "oldest": page[99].pk if len(page) > 100 else None,
        "actions": AuditEvent.Action.choices,
        "action": action,
        "actor": actor,
        "reference": reference,
        "query": query.urlencode(),
    }
    return render(request, "dashboard/audit.html", context)
