"""Export, statistics and the audit log: reading many tips at once, always through
``Tip.objects.visible_to`` (SECURITY.md 19-20), and audited."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from partners.models import memberships_of
from reports.notifications import coverage
from reports.triage import events as sentences
from reports.triage import export, permissions, queue, stats
from reports.triage.forms import AuditFilterForm, ExportForm, QueueFilterForm
from reports.triage.views import staff_page
from safeschools import audit
from safeschools.models import AuditEvent


@staff_page
@require_safe
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    staff = permissions.Staff.of(request.user)
    if not permissions.may_export(staff):
        raise PermissionDenied("no agency")
    form = ExportForm(request.GET or None)
    filters = form.filters()
    with_contact = bool(form.is_valid() and form.cleaned_data.get("include_contact"))
    audit.record(
        AuditEvent.Action.EXPORT,
        actor=request.user,
        rows=queue.count(request.user, filters),
        with_contact=with_contact,
        filters={k: str(v) for k, v in filters.__dict__.items() if v},
    )
    lines = export.lines(request.user, filters, staff=staff, with_contact=with_contact)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tips.csv"'
    response["Cache-Control"] = "no-store"
    return response


@staff_page
@require_safe
def stats_page(request: HttpRequest) -> HttpResponse:
    months = 12
    tips = queue.filtered(request.user, QueueFilterForm().filters()).filter(received_at__gte=stats.since(months))
    agency_ids = (
        None if permissions.is_coordinator(request.user) else [m.agency_id for m in memberships_of(request.user)]
    )
    figures, counted_at = stats.for_page(tips, agency_ids, months)
    context = {
        "months": months,
        "figures": figures,
        "counted_at": counted_at,
        "fresh_minutes": settings.STATS_FRESH_SECONDS // 60,
    }
    return render(request, "dashboard/stats.html", context)


@staff_page
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    if not permissions.may_read_audit_log(permissions.Staff.of(request.user)):
        raise PermissionDenied("coordinators only")
    form = AuditFilterForm(request.GET)
    action, actor, reference, before = (form.value(k) for k in ("action", "actor", "tip", "before"))
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__iexact=actor)
    if reference:
        events = events.filter(tip_reference__iexact=reference)
    if before:
        events = events.filter(id__lt=before)
    page = list(events.order_by("-id")[:101])
    names = sentences.names_for(page[:100])
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "rows": [(event, sentences.describe(event, names)) for event in page[:100]],
        "more": len(page) > 100,
        "oldest": page[99].pk if len(page) > 100 else None,
        "form": AuditFilterForm(query),  # the filters shown again, without the page
        "query": query.urlencode(),
    }
    return render(request, "dashboard/audit.html", context)


@staff_page
@require_safe
def coverage_page(request: HttpRequest) -> HttpResponse:
    """Coordinators: every agency and school, and whether a life-safety tip sent there now
    would reach a person who can act."""
    if not permissions.is_coordinator(request.user):
        raise PermissionDenied("coordinators only")
    return render(request, "dashboard/coverage.html", {"coverage": coverage.coverage()})
