"""Threat assessment cases on the dashboard. Every view is behind the staff gate; every view
of one case starts with ``get_visible_case`` (404 for anyone not on the team and not a
coordinator: SECURITY.md 47); changes need a seat on the team (or a coordinator)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework import cases as services
from casework import cstag
from casework.access import (
    can_mark_for_state_report,
    can_open_case,
    get_visible_case,
    is_coordinator,
    record,
    require_case_actor,
    schools_for_new_case,
    team_candidates,
)
from casework.csvsafe import csv_lines
from casework.forms import (
    ActionForm,
    CaseExportForm,
    CloseForm,
    LinkTipForm,
    MemberForm,
    OpenCaseForm,
    ReviewForm,
    StateReportMarkForm,
    StepForm,
)
from casework.models import CaseMember, SafetyAction, ThreatCase
from casework.views.common import run_form, staff_page
from partners.models import Membership
from reports.models import Tip
from safeschools.models import AuditEvent


def _listed_cases(user):
    today = timezone.localdate()
    return (
        ThreatCase.objects.visible_to(user)
        .defer("student_name", "outcome_note")
        .select_related("school__district")
        .annotate(
            open_actions=Count("actions", filter=Q(actions__done_at=None)),
            overdue_actions=Count("actions", filter=Q(actions__done_at=None, actions__due_on__lt=today)),
        )
    )


@staff_page
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    cases = _listed_cases(request.user)
    if show in ThreatCase.Status.values:
        cases = cases.filter(status=show)
    mine = (
        SafetyAction.objects.filter(owner=request.user, done_at=None, case__status=ThreatCase.Status.OPEN)
        .select_related("case")
        .defer("details", "case__student_name", "case__outcome_note")
    )
    context = {
        "cases": cases,
        "show": show,
        "my_actions": mine,
        "today": timezone.localdate(),
        "can_open": can_open_case(request.user),
        "export_form": CaseExportForm(),
    }
    return render(request, "casework/case_list.html", context)


@staff_page
@require_http_methods(["GET", "POST"])
def case_export(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    """CSV of the cases the user may see. Students' names only by POST with a reason, which
    goes into the audit log with the export."""
    form = CaseExportForm(request.POST) if request.method == "POST" else None
    if form is not None and not form.is_valid():
        return render(request, "casework/case_export.html", {"form": form}, status=400)
    with_names = form is not None
    cases = _listed_cases(request.user).order_by("-opened_at", "-id")
    if with_names:
        cases = cases.defer(None).defer("outcome_note")
    record(
        AuditEvent.Action.EXPORT,
        actor=request.user,
        reference="",
        export="threat assessment cases",
        rows=cases.count(),
        with_student_names=with_names,
        **({"reason": form.cleaned_data["reason"]} if with_names else {}),
    )
    header = ["case", "school", "district", "opened", "status", "classification", "follow-up review", "open actions"]
    header += ["overdue actions", "state report"] + (["student"] if with_names else [])
    rows = (
        [c.reference, c.school.name, c.school.district.name, timezone.localdate(c.opened_at), c.status]
        + [c.classification, c.review_on or "", c.open_actions, c.overdue_actions, c.state_report_kind]
        + ([c.student_name] if with_names else [])
        for c in cases.iterator(chunk_size=500)
    )
    response = StreamingHttpResponse(csv_lines([header, *rows]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    if not can_open_case(request.user):
        raise PermissionDenied("school administrators and coordinators open cases")
    schools = schools_for_new_case(request.user)
    tip = _starting_tip(request)
    initial = {"school": tip.school_id, "tip_references": tip.reference} if tip else {}
    form = OpenCaseForm(request.POST or None, initial=initial, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tips = list(Tip.objects.visible_to(request.user).filter(reference__in=data["tip_references"]))
        missing = set(data["tip_references"]) - {t.reference for t in tips}
        if missing:
            form.add_error("tip_references", "No tip you can see has the reference " + ", ".join(sorted(missing)) + ".")
        else:
            case = services.open_case(
                actor=request.user,
                agency=_opening_agency(request.user, data["school"]),
                school=data["school"],
                student_name=data["student_name"],
                account=data["account"],
                tips=tips,
            )
            return redirect("casework:case", case_id=case.pk)
    return render(request, "casework/case_new.html", {"form": form, "tip": tip}, status=400 if form.errors else 200)


def _starting_tip(request: HttpRequest) -> Tip | None:
    tip_id = request.GET.get("tip", "")
    return Tip.objects.visible_to(request.user).filter(pk=tip_id).first() if tip_id.isdigit() else None


def _opening_agency(user, school):
    membership = Membership.objects.filter(user=user, agency_id=school.district_id).first()
    membership = membership or Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).first()
    return membership.agency


def _case_context(request: HttpRequest, case: ThreatCase, **bound) -> dict:
    user = request.user
    steps = list(case.steps.select_related("decided_by"))
    latest = cstag.latest_by_step(steps)
    try:
        require_case_actor(user, case)
        can_act = True
    except PermissionDenied:
        can_act = False
    chosen = request.GET.get("step") if request.GET.get("step") in cstag.RULES else cstag.next_step(latest)
    if "step" in bound:
        chosen = bound["step"].step_name
    members = list(case.members.select_related("user", "agency"))
    tips = list(case.tips.only("reference", "received_at"))
    visible = set(Tip.objects.visible_to(user).filter(pk__in=[t.pk for t in tips]).values_list("pk", flat=True))
    return {
        "case": case,
        "can_act": can_act and case.is_open,
        "coordinator": is_coordinator(user),
        "steps": steps,
        "latest": latest,
        "guide": [(step, cstag.RULES[step], latest.get(step)) for step in cstag.applicable_steps(latest)],
        "next_step": cstag.next_step(latest),
        "chosen_step": chosen,
        "chosen_label": cstag.Step(chosen).label if chosen else "",
        "members": members,
        "actions": list(case.actions.select_related("owner", "done_by")),
        "today": timezone.localdate(),
        "tips": [(t, t.pk in visible) for t in tips],
        "notices": list(
            case.notices.select_related("sender_agency", "recipient_agency").defer("pupil_name", "conduct")
        ),
        "can_mark": can_mark_for_state_report(user, case.school.district_id),
        "forms": {
            "step": bound.get("step") or (StepForm(step=chosen) if chosen else None),
            "member": bound.get("member") or MemberForm(candidates=team_candidates(case)),
            "action": bound.get("action") or ActionForm(team=_team_users(case)),
            "review": bound.get("review") or ReviewForm(initial={"review_on": case.review_on}),
            "close": bound.get("close") or CloseForm(),
            "link": bound.get("link") or LinkTipForm(),
            "statemark": bound.get("statemark") or StateReportMarkForm(initial={"kind": case.state_report_kind}),
        },
    }


def _team_users(case: ThreatCase):
    return get_user_model().objects.filter(case_memberships__case=case).order_by("last_name", "username")


@staff_page
@require_safe
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_visible_case(request.user, case_id, path=request.path)
    record(AuditEvent.Action.CASE_VIEWED, actor=request.user, reference=case.reference)
    return render(request, "casework/case_detail.html", _case_context(request, case))


def _acting(request: HttpRequest, case_id: int) -> ThreatCase:
    case = get_visible_case(request.user, case_id, path=request.path)
    require_case_actor(request.user, case)
    return case


def _case_form(request: HttpRequest, case: ThreatCase, name: str, form, action, done: str) -> HttpResponse:
    def failed(bound) -> HttpResponse:
        return render(request, "casework/case_detail.html", _case_context(request, case, **{name: bound}), status=400)

    url = reverse("casework:case", args=[case.pk]) + f"#{name}"
    return run_form(request, form, action, done=done, success_url=url, failed=failed)


@staff_page
@require_POST
def case_member_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    form = MemberForm(request.POST, candidates=team_candidates(case))
    return _case_form(
        request,
        case,
        "member",
        form,
        lambda d: services.add_member(case=case, actor=request.user, membership=d["membership"]),
        "Added to the team.",
    )


@staff_page
@require_POST
def case_member_remove(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    member = get_object_or_404(CaseMember.objects.select_related("user"), case=case, pk=member_id)
    try:
        services.remove_member(case=case, actor=request.user, member=member)
    except services.CaseworkError as error:
        messages.error(request, str(error))
    return redirect(reverse("casework:case", args=[case.pk]) + "#team")


@staff_page
@require_POST
def case_step(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    step = request.POST.get("step-step", "")
    if step not in cstag.RULES:
        return redirect("casework:case", case_id=case.pk)
    form = StepForm(request.POST, step=step)
    return _case_form(
        request,
        case,
        "step",
        form,
        lambda d: services.record_step(
            case=case,
            actor=request.user,
            step=step,
            decision=d["decision"],
            checks=list(d.get("checks") or []),
            note=d["note"],
            override_reason=d["override_reason"],
        ),
        "Step recorded.",
    )


@staff_page
@require_POST
def case_action_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    form = ActionForm(request.POST, team=_team_users(case))
    return _case_form(
        request,
        case,
        "action",
        form,
        lambda d: services.add_action(
            case=case, actor=request.user, kind=d["kind"], details=d["details"], owner=d["owner"], due_on=d["due_on"]
        ),
        "Action added to the safety plan.",
    )


@staff_page
@require_POST
def case_action_done(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    action = get_object_or_404(SafetyAction, case=case, pk=action_id)
    try:
        services.complete_action(case=case, actor=request.user, action=action)
    except services.CaseworkError as error:
        messages.error(request, str(error))
    return redirect(reverse("casework:case", args=[case.pk]) + "#plan")


@staff_page
@require_POST
def case_review(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    return _case_form(
        request,
        case,
        "review",
        ReviewForm(request.POST),
        lambda d: services.set_review(case=case, actor=request.user, review_on=d["review_on"]),
        "Follow-up review date saved.",
    )


@staff_page
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)
    return _case_form(
        request,
        case,
        "close",
        CloseForm(request.POST),
        lambda d: services.close_case(case=case, actor=request.user, outcome=d["outcome"], note=d["note"]),
        "Case closed.",
    )


@staff_page
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_visible_case(request.user, case_id, path=request.path)
    if not is_coordinator(request.user):
        raise PermissionDenied("coordinators reopen cases")
    try:
        services.reopen_case(case=case, actor=request.user)
    except services.CaseworkError as error:
        messages.error(request, str(error))
    return redirect("casework:case", case_id=case.pk)


@staff_page
@require_POST
def case_link_tip(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _acting(request, case_id)

    def link(data: dict) -> None:
        tip = Tip.objects.visible_to(request.user).filter(reference=data["reference"].strip().upper()).first()
        if tip is None:
            raise services.CaseworkError("No tip you can see has that reference.")
        services.link_tip(case=case, actor=request.user, tip=tip)

    return _case_form(request, case, "link", LinkTipForm(request.POST), link, "Tip linked to the case.")


@staff_page
@require_POST
def case_state_mark(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_visible_case(request.user, case_id, path=request.path)
    if not can_mark_for_state_report(request.user, case.school.district_id):
        raise PermissionDenied("the district's school administrators decide what it reports")
    return _case_form(
        request,
        case,
        "statemark",
        StateReportMarkForm(request.POST),
        lambda d: services.set_state_report_kind(case=case, actor=request.user, kind=d["kind"]),
        "State report choice saved.",
    )
