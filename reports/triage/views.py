"""The staff dashboard. Every view is behind ``staff_required`` (password + second factor,
member of an agency); every view that touches a tip starts with ``get_visible_tip``, which
answers 404 for a tip not routed to the user's agencies (SECURITY.md 18-20)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.access import staff_required
from partners.models import Membership, memberships_of
from reports.models import Attachment, Routing, Tip
from reports.triage import access, actions, case_actions, detail, queue
from reports.triage.access import assignable_users, get_visible_tip, is_coordinator, require_actor
from reports.triage.forms import (
    AcknowledgeForm,
    AlertPreferencesForm,
    LinkForm,
    MessageForm,
    NoteForm,
    PartAssignForm,
    PartForm,
    PriorityForm,
    QueueFilterForm,
    RerouteForm,
)
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
    coordinator = is_coordinator(request.user)
    agency_ids = None if coordinator else [m.agency_id for m in memberships_of(request.user)]
    tips = queue.filtered(request.user, filters)
    page = queue.page(
        queue.for_rows(tips, agency_ids=agency_ids),
        sort=form.sort_order,
        cursor=request.GET.get("cursor", ""),
        size=form.page_size,
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    tabs = queue.tabs(request.user, filters, coordinator=coordinator)
    context = {
        "form": form,
        "page": page,
        "rows": queue.rows(page.items, timezone.now()),
        "tabs": tabs,
        "matching": next((tab.count for tab in tabs if tab.active), None) or queue.bounded_count(tips),
        "unread": queue.unread_count(tips),
        "query": query.urlencode(),
        "filters": filters,
        "coordinator": coordinator,
    }
    return render(request, "dashboard/queue.html", context)


def _detail_context(request: HttpRequest, tip: Tip, **bound) -> dict:
    return detail.page_context(request.user, tip, bound)


@staff_page
@require_safe
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    audit.record(AuditEvent.Action.TIP_VIEWED, actor=request.user, tip=tip)
    actions.mark_tipster_messages_read(tip)
    return render(request, "dashboard/tip_detail.html", _detail_context(request, tip))


def _act(request: HttpRequest, tip: Tip, name: str, form, action: Callable[[dict], object], done: str) -> HttpResponse:
    """Run a triage action from a bound form; on a problem, show the tip again with the
    form and what was typed, and say what to do at the top of the page."""
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


def _part(request: HttpRequest, tip_id: int, routing_id: int) -> tuple[Tip, access.PartAccess]:
    """The tip (404 if not visible) and one agency's part of it, if the user may change
    it: a member of that agency, or a coordinator acting on its behalf (else 403)."""
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    routing = get_object_or_404(Routing.objects.select_related("agency"), tip=tip, pk=routing_id)
    part = access.part_access(memberships_of(request.user), routing)
    if part is None:
        raise PermissionDenied("not your agency's part")
    return tip, part


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
        lambda d: actions.acknowledge(tip=tip, actor=request.user, memberships=memberships),
        "Acknowledged for your agency.",
    )


@staff_page
@require_POST
def part_step(request: HttpRequest, tip_id: int, routing_id: int) -> HttpResponse:
    """One step of an agency's part: acknowledge, start work, done (with how it ended), reopen."""
    tip, part = _part(request, tip_id, routing_id)
    form = PartForm(request.POST, prefix=f"part{routing_id}")
    step = request.POST.get(f"part{routing_id}-step", "")
    return _act(
        request,
        tip,
        f"part{routing_id}",
        form,
        lambda d: detail.take_step(tip, request.user, part, d),
        detail.DONE_MESSAGES.get(step, "Saved."),
    )


@staff_page
@require_POST
def part_assign(request: HttpRequest, tip_id: int, routing_id: int) -> HttpResponse:
    tip, part = _part(request, tip_id, routing_id)
    form = PartAssignForm(request.POST, prefix=f"assign{routing_id}", assignable=assignable_users(part.routing))
    return _act(
        request,
        tip,
        f"assign{routing_id}",
        form,
        lambda d: case_actions.assign(
            tip=tip, actor=request.user, part=part, assignee=d["assignee"], version=d["version"]
        ),
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
def tip_note(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    routings = list(Routing.objects.filter(tip=tip))
    form = NoteForm(request.POST, audiences=access.note_audiences(memberships, routings))

    def add(data: dict) -> None:
        audience, agency_id = form.audience_and_agency()
        agency = next((m.agency for m in memberships if m.agency_id == agency_id), None)
        actions.add_note(
            tip=tip, actor=request.user, agency=agency or memberships[0].agency, audience=audience, body=data["body"]
        )

    return _act(request, tip, "note", form, add, "Note added.")


@staff_page
@require_POST
def tip_message(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = MessageForm(request.POST)
    return _act(
        request,
        tip,
        "message",
        form,
        lambda d: actions.message_tipster(tip=tip, author=request.user, agency=memberships[0].agency, body=d["body"]),
        "Message sent. The tipster sees it when they check with their receipt.",
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
    forms = [
        AlertPreferencesForm(
            request.POST if request.method == "POST" else None,
            prefix=f"m{m.pk}",
            initial={"new_tip_alerts": m.new_tip_alerts, "tipster_message_alerts": m.tipster_message_alerts},
        )
        for m in memberships
    ]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        for membership, form in zip(memberships, forms, strict=True):
            membership.new_tip_alerts = form.cleaned_data["new_tip_alerts"]
            membership.tipster_message_alerts = form.cleaned_data["tipster_message_alerts"]
            membership.save(update_fields=["new_tip_alerts", "tipster_message_alerts"])
        messages.success(request, "Alert preferences saved.")
        return redirect("dashboard:preferences")
    rows = list(zip(memberships, forms, strict=True))
    return render(request, "dashboard/preferences.html", {"rows": rows})
