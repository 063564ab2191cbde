"""The staff dashboard. Every view is behind ``staff_required`` (password + second factor,
member of an agency); every view that touches a tip starts with ``get_visible_tip``, which
answers 404 for a tip not routed to the user's agencies (SECURITY.md 18-20)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.access import staff_required
from partners.models import Membership, memberships_of
from reports.models import Attachment, CannedReply, Routing, TextingTipster, Tip
from reports.notifications import coverage, ladder
from reports.selectors import with_overdue, with_unowned
from reports.triage import actions, permissions, queue
from reports.triage.access import assignable_users, get_visible_tip, require_actor
from reports.triage.forms import (
    AcknowledgeForForm,
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
    form = QueueFilterForm(request.GET or None, coordinator=coordinator)
    filters = form.filters()
    tips = queue.with_my_acknowledgement(queue.filtered(request.user, filters), request.user)
    my_agencies = None if coordinator else [m.agency_id for m in memberships_of(request.user)]
    tips = with_overdue(tips, agency_ids=my_agencies)
    if my_agencies is None:  # coordinators: which tips nobody has
        tips = with_unowned(tips)
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
    context["reopened"] = queue.new_info_after_closing(request.user)
    if my_agencies is None:
        context["red_targets"] = queue.cached_red_targets()
    return render(request, "dashboard/queue.html", context)


def _detail_context(request: HttpRequest, tip: Tip, **bound) -> dict:
    routings = list(Routing.objects.filter(tip=tip).select_related("agency", "acknowledged_by"))
    allowed = permissions.for_tip(
        permissions.Staff.of(request.user), routings, new_info_after_closing=tip.new_info_after_closing
    )
    # None for read-only staff: the page shows, the forms do not.
    acting = permissions.acting_memberships(request.user, tip, routed={r.agency_id for r in routings})
    version = {"version": tip.version}
    attachments = list(tip.attachments.defer("content"))
    canned = list(CannedReply.objects.filter(active=True))
    reach = coverage.agency_reach() if allowed.reroute else None
    timeline = actions.timeline(tip, viewer=request.user, attachments=attachments, with_notes=allowed.see_notes)
    decoy_used = [
        e["at"] for e in timeline if e["kind"] == "event" and e["event"].action == AuditEvent.Action.DECOY_USED
    ]
    return {
        "tip": tip,
        "routings": routings,
        "ladders": ladder.tip_ladders(tip, routings),
        "can_act": allowed.act,
        "coordinator": allowed.reroute,
        "can_acknowledge": allowed.acknowledge,
        "can_acknowledge_for": allowed.acknowledge_for,
        "attachments": attachments,
        "timeline": timeline,
        # Links only to tips this person may open: another agency's reference is not theirs.
        "duplicate_of": next(iter(permissions.openable(request.user, [tip.duplicate_of])), None),
        "related": permissions.openable(request.user, tip.related.all()),
        "show_contact": bool(tip.contact_details) and allowed.see_contact,
        "canned_texts": {str(c.pk): c.body for c in canned},
        # Text-a-tip: "texting tipster #7" (never the number); a decoy code used (SECURITY.md 46).
        "texting_tipster": TextingTipster.objects.filter(tip=tip).first(),
        "decoy_used_at": decoy_used[-1] if decoy_used else None,
        "forms": {
            "acknowledge": AcknowledgeForm(initial=version, tip=tip),
            "assign": bound.get("assign")
            or AssignForm(
                initial={**version, "assignee": tip.assigned_to_id}, assignable=assignable_users(tip, acting), tip=tip
            ),
            "priority": bound.get("priority") or PriorityForm(initial={**version, "priority": tip.priority}, tip=tip),
            "status": bound.get("status") or StatusForm(initial=version, tip=tip),
            "note": bound.get("note") or NoteForm(tip=tip),
            "message": bound.get("message") or MessageForm(canned=canned, tip=tip),
            "link": bound.get("link") or LinkForm(initial=version, tip=tip),
            "reroute": bound.get("reroute") or RerouteForm(initial=version, tip=tip, reach=reach),
            "acknowledge_for": bound.get("acknowledge_for")
            or (AcknowledgeForForm(initial=version, tip=tip) if allowed.acknowledge_for else None),
        },
    }


@staff_page
@require_safe
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
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
        lambda d: actions.acknowledge(tip=tip, actor=request.user, memberships=memberships, version=d["version"]),
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
        lambda d: actions.acknowledge_for(
            tip=tip, actor=request.user, agency=d["agency"], note=d["note"], version=d["version"]
        ),
        "Acknowledged for the agency; its escalation has stopped.",
    )


@staff_page
@require_POST
def tip_assign(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip, memberships = _acting(request, tip_id)
    form = AssignForm(request.POST, assignable=assignable_users(tip, memberships), tip=tip)
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
    form = NoteForm(request.POST, tip=tip)
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
