"""Casework on a tip's page: hand-offs and the state report mark. Both start with the tip
door (``get_visible_tip``: 404 for a tip of another agency) and need an acting role."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework import tip_work
from casework.access import can_mark_for_state_report
from casework.cases import CaseworkError
from casework.forms import HandOffForm, StateReportMarkForm
from casework.views.common import form_errors_message, staff_page
from reports.triage.access import get_visible_tip, require_actor


def _back(tip_id: int) -> HttpResponse:
    return redirect(reverse("dashboard:tip-detail", args=[tip_id]) + "#casework")


@staff_page
@require_POST
def tip_hand_off(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    memberships = require_actor(request.user, tip)
    form = HandOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The hand-off was not recorded. " + form_errors_message(form))
        return _back(tip.pk)
    data = form.cleaned_data
    try:
        tip_work.record_hand_off(tip=tip, actor=request.user, agency=memberships[0].agency, **data)
    except CaseworkError as error:
        messages.error(request, f"The hand-off was not recorded. {error}")
    else:
        messages.success(request, "Hand-off recorded.")
    return _back(tip.pk)


@staff_page
@require_POST
def tip_state_mark(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = get_visible_tip(request.user, tip_id, path=request.path)
    if not can_mark_for_state_report(request.user, tip.school.district_id if tip.school_id else None):
        raise PermissionDenied("the district's school administrators decide what it reports")
    form = StateReportMarkForm(request.POST)
    if form.is_valid():
        try:
            tip_work.mark_for_state_report(tip=tip, actor=request.user, kind=form.cleaned_data["kind"])
        except CaseworkError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "State report choice saved.")
    else:
        messages.error(request, form_errors_message(form))
    return _back(tip.pk)
