"""The staff dashboard. Every view is behind ``staff_required`` (password + second factor,
member of an agency); every view that touches a tip starts with ``get_visible_tip``, which
answers 404 for a tip not routed to the user's agencies (SECURITY.md 18-20)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.access import staff_required
from partners.models import Membership, memberships_of
from reports.models import Attachment, Routing, Tip
from reports.triage import access, actions, case_actions, detail, permissions, queue
from reports.triage.access import assignable_users, get_visible_tip, require_actor
from reports.triage.forms import (
    AcknowledgeForForm,
    AcknowledgeForm,
    LinkForm,
    MessageForm,
    NoteForm,
    PartAssignForm,
    PartForm,
    PriorityForm,
    QueueFilterForm,
    RerouteForm,
    blank_queue_filters,
)
from reports.triage.permissions import is_coordinator
from reports.triage.preferences import membership_forms, preferences_page
from safeschools import audit
from safeschools.models import AuditEvent


def staff_page(view):
    """Staff pages hold tip content: never cached by the browser or a proxy."""
    return staff_required(never_cache(view))


@staff_page
@require_safe
def queue_page(request: HttpRequest) -> HttpResponse:
    coordinator = is_coordinator(request.user)
    # A page further on (``cursor``) of the unfiltered queue shows the blank form too.
    filtering = any(key != "cursor" for key in request.GET)
    form = QueueFilterForm(request.GET if filtering else None, coordinator=coordinator)
    filters = form.filters()
    agency_ids = None if coordinator else [m.agency_id for m in memberships_of(request.user)]
    tips = queue.filtered(request.user, filters)
    routings = queue.own_routings(request.user, filters)
    page = queue.page(
        queue.for_rows(tips),
        sort=form.sort_order,
        cursor=request.GET.get("cursor", ""),
        size=form.page_size,
        routings=routings,
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    tabs, unread = queue.tabs_and_unread(request.user, filters, tips, routings, coordinator=coordinator)
    context = {
        "form": form,
        "page": page,
        "rows": queue.rows(page.items, timezone.now(), agency_ids=agency_ids),
        "tabs": tabs,
        "matching": next((tab.count for tab in tabs if tab.active), None) or queue.bounded_count(tips),
        "unread": unread,
        "query": query.urlencode(),
        "filters": filters,
        "coordinator": coordinator,
        "reopened": queue.new_info_after_closing(request.user),
        "filtering": filtering,
        "blank_filters": "" if filtering else blank_queue_filters(coordinator=coordinator),
    }
    if coordinator:
        context["red_targets"] = queue.cached_red_targets()
    return render(request, "dashboard/queue.html", context)


def _detail_context(request: HttpRequest, tip: Tip, **bound) -> dict:
    return detail.page_context(request.user, tip, bound, csrf_token=get_token(request))


@staff_page
@require_safe
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(
        request.user,
        tip_id,
        path=request.path,
        also=("texting_tipster",),
        annotate=detail.page_annotations(request.user),
    )
    audit.record(AuditEvent.Action.TIP_VIEWED, actor=request.user, tip=tip)
    # Reading changes nothing: the unread count goes only by a POST (SECURITY.md 22), so a
    # prefetching browser or a colleague's glance does not hide a tipster's new message.
    return render(request, "dashboard/tip_detail.html", _detail_context(request, tip))


@staff_page
@require_POST
def tip_mark_read(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, _ = _acting(request, tip_id)
    actions.mark_tipster_messages_read(tip=tip, actor=request.user)
    return redirect("dashboard:tip-detail", tip_id=tip.pk)


def _act(
    request: HttpRequest,
    tip: Tip,
    name: str,
    form,
    action: Callable[[dict], object],
    done: str | Callable[[object], str],
) -> HttpResponse:
    """Run a triage action from a bound form; on a problem, show the tip again with the
    form and what was typed, and say what to do. ``done`` may word the success from what
    the action returned."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except actions.Conflict as conflict:
            messages.error(request, str(conflict))
            tip.refresh_from_db()
            return render(request, "dashboard/tip_detail.html", _detail_context(request, tip), status=409)
        except actions.TriageError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect("dashboard:tip-detail", tip_id=tip.pk)
    return render(request, "dashboard/tip_detail.html", _detail_context(request, tip, **{name: form}), status=400)


def _as_coordinator(request: HttpRequest, tip_id: int) -> Tip:
    """The tip, for a coordinator's action (re-route, acknowledge for an agency): 404 as
    ever for a tip the user cannot see, 403 for anyone else (``permissions``)."""
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    if not permissions.may_reroute(permissions.Staff.of(request.user)):
        raise PermissionDenied("coordinators only")
    return tip


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
    form = AcknowledgeForm(request.POST, tip=tip)
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
def tip_acknowledge_for(request: HttpRequest, tip_id: int) -> HttpResponse:
    """A coordinator acknowledges for an agency they have reached another way."""
    tip = _as_coordinator(request, tip_id)
    form = AcknowledgeForForm(request.POST, tip=tip)
    return _act(
        request,
        tip,
        "acknowledge_for",
        form,
        lambda d: actions.acknowledge_for(tip=tip, actor=request.user, agency=d["agency"], note=d["note"]),
        "Acknowledged for the agency; its escalation has stopped.",
    )


@staff_page
@require_POST
def part_step(request: HttpRequest, tip_id: int, routing_id: int) -> HttpResponse:
    """One step of an agency's part: acknowledge, start work, done (with how it ended), reopen."""
    tip, part = _part(request, tip_id, routing_id)
    form = PartForm(request.POST, tip=tip, routing=part.routing, own=not part.on_behalf)
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
    form = PartAssignForm(request.POST, tip=tip, routing=part.routing, assignable=assignable_users(part.routing))
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
    form = PriorityForm(request.POST, tip=tip)
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
    routings = list(Routing.objects.filter(tip=tip).only("agency_id"))
    form = NoteForm(request.POST, tip=tip, audiences=access.note_audiences(memberships, routings))

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
    form = MessageForm(request.POST, tip=tip)
    return _act(
        request,
        tip,
        "message",
        form,
        lambda d: actions.message_tipster(tip=tip, author=request.user, agency=memberships[0].agency, body=d["body"]),
        lambda message: "Message sent. It is being texted to the tipster."
        if getattr(message, "texted", False)
        else "Message sent. The tipster sees it when they check with their receipt.",
    )


@staff_page
@require_POST
def tip_link(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, _ = _acting(request, tip_id)
    form = LinkForm(request.POST, tip=tip)

    def link(data: dict) -> None:
        other = Tip.objects.visible_to(request.user).filter(reference=data["reference"].strip().upper()).first()
        if other is None:
            raise actions.TriageError("No tip you can see has that reference.")
        actions.link(tip=tip, actor=request.user, other=other, kind=data["kind"], version=data["version"])

    return _act(request, tip, "link", form, link, "Link saved.")


@staff_page
@require_POST
def tip_reroute(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = _as_coordinator(request, tip_id)
    form = RerouteForm(request.POST, tip=tip)

    def reroute(data: dict) -> None:
        add = [(data["add_agency"], data["role"])] if data.get("add_agency") else []
        actions.reroute(tip=tip, actor=request.user, add=add, remove=list(data["remove"]), version=data["version"])

    return _act(request, tip, "reroute", form, reroute, "Routing changed.")


# A picture a tipster sent is shown only inside a page of ours that runs nothing, and the
# file itself only ever downloads (SECURITY.md 25): even a file that fooled the sanitizer
# could not run in the site's origin.
IMAGE_PAGE_POLICY = (
    "sandbox allow-downloads; default-src 'none'; img-src data:; style-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
IMAGE_FILE_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _attachment(request: HttpRequest, tip_id: int, attachment_id, *, download: bool) -> tuple[Tip, Attachment]:
    """The picture, if its tip is visible; every look at it is audited (SECURITY.md 25)."""
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    attachment = get_object_or_404(Attachment, tip=tip, public_id=attachment_id)
    audit.record(
        AuditEvent.Action.ATTACHMENT_VIEWED,
        actor=request.user,
        tip=tip,
        attachment=str(attachment.public_id),
        download=download,
    )
    return tip, attachment


@staff_page
@require_safe
def tip_image(request: HttpRequest, tip_id: int, attachment_id) -> HttpResponse:
    """The picture in a page of its own: the bytes inline as a ``data:`` URL (one request,
    one audit event), under a sandbox policy that allows no script, form or plugin."""
    tip, attachment = _attachment(request, tip_id, attachment_id, download=False)
    data_url = f"data:{attachment.content_type};base64,{base64.b64encode(attachment.content).decode()}"
    response = render(request, "dashboard/image.html", {"tip": tip, "attachment": attachment, "data_url": data_url})
    response["Content-Security-Policy"] = IMAGE_PAGE_POLICY
    return response


@staff_page
@require_safe
def tip_image_file(request: HttpRequest, tip_id: int, attachment_id) -> HttpResponse:
    """The file itself: always a download, never shown by the browser in the site's origin."""
    tip, attachment = _attachment(request, tip_id, attachment_id, download=True)
    response = HttpResponse(attachment.content, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{tip.reference}-{attachment.pk}.{attachment.extension}"'
    response["Content-Security-Policy"] = IMAGE_FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def alert_preferences(request: HttpRequest) -> HttpResponse:
    """Each of my memberships with its alert choices. Life-safety tips always alert."""
    memberships = memberships_of(request.user)
    forms = membership_forms(memberships, request.POST if request.method == "POST" else None)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        for membership, form in zip(memberships, forms, strict=True):
            membership.new_tip_alerts = form.cleaned_data["new_tip_alerts"]
            membership.tipster_message_alerts = form.cleaned_data["tipster_message_alerts"]
            membership.save(update_fields=["new_tip_alerts", "tipster_message_alerts"])
        messages.success(request, "Alert preferences saved.")
        return redirect("dashboard:preferences")
    return preferences_page(request, memberships=memberships, forms=forms)
