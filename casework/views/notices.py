"""Safe Schools Act notices on the dashboard. One door, ``get_visible_notice``: the sender
agency, the receiving agency's designees, a linked case's team and coordinators see a
notice; everyone else, other staff of the same district included, gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import notices as services
from casework.access import (
    get_visible_case,
    get_visible_notice,
    is_designee,
    record,
    schools_for_new_case,
    sender_memberships,
)
from casework.cases import CaseworkError
from casework.forms import AcknowledgeForForm, LinkCaseForm, NoticeForm
from casework.models import Notice, ThreatCase, is_coordinator
from casework.views.common import run_form, staff_page
from partners.models import Membership, School
from safeschools.models import AuditEvent

Direction = Notice.Direction


def _listed(user):
    return (
        Notice.objects.visible_to(user)
        .defer("pupil_name", "conduct")
        .select_related("school", "sender_agency", "recipient_agency", "case")
    )


@staff_page
@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(_listed(request.user))
    designee_of = set(
        Membership.objects.filter(user=request.user, is_safe_schools_designee=True)
        .exclude(role=Membership.Role.VIEWER)
        .values_list("agency_id", flat=True)
    )
    context = {
        "to_acknowledge": [n for n in notices if n.recipient_agency_id in designee_of and not n.acknowledged_at],
        "notices": notices,
        "can_send": {d: bool(sender_memberships(request.user, d)) for d in Direction.values},
    }
    return render(request, "casework/notice_list.html", context)


def _form(request: HttpRequest, direction: str, senders) -> NoticeForm:
    if direction == Direction.TO_COURT:
        schools = schools_for_new_case(request.user).filter(district__in=[m.agency_id for m in senders])
    else:
        schools = School.objects.filter(active=True).select_related("district")
    cases = ThreatCase.objects.visible_to(request.user).filter(status=ThreatCase.Status.OPEN).select_related("school")
    return NoticeForm(
        request.POST or None, direction=direction, senders=senders, schools=schools, cases=cases.defer("student_name")
    )


@staff_page
@sensitive_post_parameters("victim_name", "pupil_name", "conduct")
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction", Direction.TO_DISTRICT)
    if direction not in Direction.values:
        direction = Direction.TO_DISTRICT
    senders = sender_memberships(request.user, direction)
    if not senders:
        raise PermissionDenied("not a sender of this kind of notice")
    form = _form(request, direction, senders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sender = next(m for m in senders if m.agency_id == data["sender"].pk)
        recipient = data["court"] if direction == Direction.TO_COURT else data["school"].district
        draft = services.NoticeDraft(
            direction=direction,
            school=data["school"],
            recipient=recipient,
            pupil_name=data["pupil_name"],
            conduct=data["conduct"],
            conduct_on=data["conduct_on"],
            filed_on=data["filed_on"],
            offences=tuple(data.get("offences") or ()),
            action=data.get("action", ""),
            action_days=data.get("action_days"),
            case=data.get("case"),
        )
        try:
            notice = services.send_notice(
                actor=request.user, sender=sender, draft=draft, victim_name=data["victim_name"]
            )
        except CaseworkError as error:
            form.add_error("conduct" if isinstance(error, services.VictimNamed) else None, str(error))
        else:
            messages.success(request, f"Notice {notice.reference} sent to {recipient.name}.")
            return redirect("casework:notice", notice_id=notice.pk)
    context = {"form": form, "direction": direction, "direction_label": Direction(direction).label}
    return render(request, "casework/notice_new.html", context, status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, notice: Notice, **bound) -> dict:
    cases = ThreatCase.objects.visible_to(request.user).filter(status=ThreatCase.Status.OPEN).select_related("school")
    linkable = cases.exclude(pk=notice.case_id or 0).defer("student_name")
    can_acknowledge = notice.acknowledged_at is None and is_designee(request.user, notice.recipient_agency_id)
    return {
        "notice": notice,
        "offences": list(notice.offences.all()),
        "can_acknowledge": can_acknowledge,
        # A coordinator who is also a designee there acknowledges as the designee.
        "can_acknowledge_for": notice.acknowledged_at is None and not can_acknowledge and is_coordinator(request.user),
        "acknowledge_for_form": bound.get("acknowledge_for") or AcknowledgeForForm(),
        "link_form": bound.get("link") or LinkCaseForm(cases=linkable),
        "can_link": linkable.exists(),
        "case_visible": bool(notice.case_id)
        and ThreatCase.objects.visible_to(request.user).filter(pk=notice.case_id).exists(),
    }


@staff_page
@require_safe
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_visible_notice(request.user, notice_id, path=request.path)
    record(AuditEvent.Action.NOTICE_VIEWED, actor=request.user, reference=notice.reference)
    return render(request, "casework/notice_detail.html", _detail_context(request, notice))


@staff_page
@require_POST
def notice_acknowledge(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_visible_notice(request.user, notice_id, path=request.path)
    if not is_designee(request.user, notice.recipient_agency_id):
        raise PermissionDenied("only the receiving agency's designees acknowledge")
    try:
        services.acknowledge(notice=notice, actor=request.user)
    except CaseworkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Acknowledged. The sender can see that you have the notice.")
    return redirect("casework:notice", notice_id=notice.pk)


@staff_page
@require_POST
def notice_acknowledge_for(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_visible_notice(request.user, notice_id, path=request.path)
    if not is_coordinator(request.user):
        raise PermissionDenied("only coordinators acknowledge for the receiving agency")

    def failed(bound) -> HttpResponse:
        context = _detail_context(request, notice, acknowledge_for=bound)
        return render(request, "casework/notice_detail.html", context, status=400)

    return run_form(
        request,
        AcknowledgeForForm(request.POST),
        lambda data: services.acknowledge_for(notice=notice, actor=request.user, note=data["note"]),
        done=f"Acknowledged for {notice.recipient_agency.name}. The overdue alerts stop.",
        success_url=reverse("casework:notice", args=[notice.pk]),
        failed=failed,
    )


@staff_page
@require_POST
def notice_link_case(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_visible_notice(request.user, notice_id, path=request.path)
    cases = ThreatCase.objects.visible_to(request.user).filter(status=ThreatCase.Status.OPEN)
    if not cases.exists():
        raise PermissionDenied("only a case's team links notices to it")
    form = LinkCaseForm(request.POST, cases=cases.exclude(pk=notice.case_id or 0))

    def link(data: dict) -> None:
        case = get_visible_case(request.user, data["case"].pk, path=request.path)
        services.link_to_case(notice=notice, case=case, actor=request.user)

    def failed(bound) -> HttpResponse:
        return render(request, "casework/notice_detail.html", _detail_context(request, notice, link=bound), status=400)

    url = reverse("casework:notice", args=[notice.pk])
    return run_form(request, form, link, done="Notice linked to the case.", success_url=url, failed=failed)
