"""The staff dashboard. Every view is behind ``staff_required`` (password + second factor,
member of an agency); every view that touches a tip starts with ``get_visible_tip``, which
answers 404 for a tip not routed to the user's agencies (SECURITY.md 18-20)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.access import staff_required
from partners.models import Membership
from reports.models import Attachment, CannedReply, Routing, TextingTipster, Tip
from reports.notifications import tipster_texts
from reports.selectors import with_overdue
from reports.triage import actions, queue
from reports.triage.access import assignable_users, get_visible_tip, is_coordinator, require_actor
from reports.triage.forms import (
    AcknowledgeForm,
    AssignForm,
    LinkForm,
    MessageForm,
    NoteForm,
    PriorityForm,
    QueueFilterForm,
    RerouteForm,
    StatusForm,
)
from reports.triage.preferences import membership_forms, preferences_page
from safeschools import audit
from safeschools.models import AuditEvent


def staff_page(view):
    """Staff pages hold tip content: never cached by the browser or a proxy."""
    return staff_required(never_cache(view))


@staff_page
@require_safe
def queue_page(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    tips = queue.with_my_acknowledgement(queue.filtered(request.user, filters), request.user)
    my_agencies = None if is_coordinator(request.user) else request.user.memberships.values_list("agency_id", flat=True)
    tips = with_overdue(tips, agency_ids=my_agencies)
    page = queue.page(
        tips.select_related("category", "school", "assigned_to"),
        sort=form.sort_order,
        cursor=request.GET.get("cursor", ""),
        size=form.page_size,
    )
    counts = queue.cached_status_counts(request.user, filters)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"form": form, "page": page, "counts": counts, "query": query.urlencode(), "filters": filters}
    return render(request, "dashboard/queue.html", context)


def _detail_context(request: HttpRequest, tip: Tip, **bound) -> dict:
    coordinator = is_coordinator(request.user)
    try:
        acting = require_actor(request.user, tip)
    except PermissionDenied:  # read-only staff: the page shows, the forms do not
        acting = []
    version = {"version": tip.version}
    mine = {m.agency_id for m in acting}
    routings = list(Routing.objects.filter(tip=tip).select_related("agency", "acknowledged_by"))
    return {
        "tip": tip,
        "routings": routings,
        "can_act": bool(acting),
        "coordinator": coordinator,
        "can_acknowledge": any(r.agency_id in mine and r.acknowledged_at is None for r in routings),
        "attachments": tip.attachments.defer("content"),
        "timeline": actions.timeline(tip),
        "related": tip.related.all(),
        "show_contact": bool(tip.contact_details) and bool(acting or coordinator),
        "texting_tipster": TextingTipster.objects.filter(tip=tip).first(),
        "decoy_used_at": AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.DECOY_USED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first(),
        "canned_texts": {str(c.pk): c.body for c in CannedReply.objects.filter(active=True)},
        "forms": {
            "acknowledge": AcknowledgeForm(initial=version),
            "assign": bound.get("assign")
            or AssignForm(
                initial={**version, "assignee": tip.assigned_to_id}, assignable=assignable_users(tip, acting)
            ),
            "priority": bound.get("priority") or PriorityForm(initial={**version, "priority": tip.priority}),
            "status": bound.get("status") or StatusForm(initial=version, tip=tip),
            "note": bound.get("note") or NoteForm(),
            "message": bound.get("message") or MessageForm(),
            "link": bound.get("link") or LinkForm(initial=version),
            "reroute": bound.get("reroute") or RerouteForm(initial=version, tip=tip),
        },
    }


@staff_page
@require_safe
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    audit.record(AuditEvent.Action.TIP_VIEWED, actor=request.user, tip=tip)
    actions.mark_tipster_messages_read(tip)
    return render(request, "dashboard/tip_detail.html", _detail_context(request, tip))


def _act(request: HttpRequest, tip: Tip, name: str, form, action: Callable[[dict], object], done: str) -> HttpResponse:
    """Run a triage action from a bound form; on a problem, show the tip again with the
    form and what was typed, and say what to do."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except actions.Conflict as conflict:
            messages.error(request, str(conflict))
            tip.refresh_from_db()
            return render(request, "dashboard/tip_detail.html", _detail_context(request, tip), status=409)
        except actions.TriageError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("dashboard:tip-detail", tip_id=tip.pk)
    return render(request, "dashboard/tip_detail.html", _detail_context(request, tip, **{name: form}), status=400)


def _acting(request: HttpRequest, tip_id: int) -> tuple[Tip, list[Membership]]:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    return tip, require_actor(request.user, tip)


@staff_page
@require_POST
def tip_acknowledge(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = AcknowledgeForm(request.POST)
    return _act(
        request,
        tip,
        "acknowledge",
        form,
        lambda d: actions.acknowledge(tip=tip, actor=request.user, memberships=memberships, version=d["version"]),
        "Acknowledged for your agency.",
    )


@staff_page
@require_POST
def tip_assign(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = AssignForm(request.POST, assignable=assignable_users(tip, memberships))
    return _act(
        request,
        tip,
        "assign",
        form,
        lambda d: actions.assign(tip=tip, actor=request.user, assignee=d["assignee"], version=d["version"]),
        "Assignment saved.",
    )


@staff_page
@require_POST
def tip_priority(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, _ = _acting(request, tip_id)
    form = PriorityForm(request.POST)
    return _act(
        request,
        tip,
        "priority",
        form,
        lambda d: actions.set_priority(tip=tip, actor=request.user, priority=d["priority"], version=d["version"]),
        "Priority saved.",
    )


@staff_page
@require_POST
def tip_status(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    coordinator = any(m.role == Membership.Role.COORDINATOR for m in memberships)
    form = StatusForm(request.POST, tip=tip)
    return _act(
        request,
        tip,
        "status",
        form,
        lambda d: actions.set_status(
            tip=tip,
            actor=request.user,
            status=d["status"],
            disposition=d["disposition"],
            version=d["version"],
            coordinator=coordinator,
        ),
        "Status saved.",
    )


@staff_page
@require_POST
def tip_note(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = NoteForm(request.POST)
    return _act(
        request,
        tip,
        "note",
        form,
        lambda d: actions.add_note(tip=tip, actor=request.user, agency=memberships[0].agency, body=d["body"]),
        "Note added.",
    )


@staff_page
@require_POST
def tip_message(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = MessageForm(request.POST)
    texting = tipster_texts.textable_thread(tip.pk) is not None
    return _act(
        request,
        tip,
        "message",
        form,
        lambda d: actions.message_tipster(tip=tip, author=request.user, agency=memberships[0].agency, body=d["body"]),
        "Message sent. It is being texted to the tipster."
        if texting
        else "Message sent. The tipster sees it when they check with their receipt.",
    )


@staff_page
@require_POST
def tip_link(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, _ = _acting(request, tip_id)
    form = LinkForm(request.POST)

    def link(data: dict) -> None:
        other = Tip.objects.visible_to(request.user).filter(reference=data["reference"].strip().upper()).first()
        if other is None:
            raise actions.TriageError("No tip you can see has that reference.")
        actions.link(tip=tip, actor=request.user, other=other, kind=data["kind"], version=data["version"])

    return _act(request, tip, "link", form, link, "Link saved.")


@staff_page
@require_POST
def tip_reroute(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    if not is_coordinator(request.user):
        raise PermissionDenied("coordinators only")
    form = RerouteForm(request.POST, tip=tip)

    def reroute(data: dict) -> None:
        add = [(data["add_agency"], data["role"])] if data.get("add_agency") else []
        actions.reroute(tip=tip, actor=request.user, add=add, remove=list(data["remove"]), version=data["version"])

    return _act(request, tip, "reroute", form, reroute, "Routing changed.")


@staff_page
@require_safe
def tip_image(request: HttpRequest, tip_id: int, attachment_id) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    attachment = get_object_or_404(Attachment, tip=tip, public_id=attachment_id)
    download = request.GET.get("download") == "1"
    audit.record(
        AuditEvent.Action.ATTACHMENT_VIEWED,
        actor=request.user,
        tip=tip,
        attachment=str(attachment.public_id),
        download=download,
    )
    response = HttpResponse(attachment.content, content_type=attachment.content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{tip.reference}-{attachment.pk}.{attachment.extension}"'
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def alert_preferences(request: HttpRequest) -> HttpResponse:
    """Each of my memberships with its alert choices. Life-safety tips always alert."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("agency"))
    forms = membership_forms(memberships, request.POST if request.method == "POST" else None)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        for membership, form in zip(memberships, forms, strict=True):
            membership.new_tip_alerts = form.cleaned_data["new_tip_alerts"]
            membership.tipster_message_alerts = form.cleaned_data["tipster_message_alerts"]
            membership.save(update_fields=["new_tip_alerts", "tipster_message_alerts"])
        messages.success(request, "Alert preferences saved.")
        return redirect("dashboard:preferences")
    return preferences_page(request, memberships=memberships, forms=forms)
