"""The state report (RSMo 160.261): a district's aggregate counts by school for a period,
as a printable page and as CSV. Read by the district's own staff and the coordinators;
anyone else gets 404 for a district's report."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from casework import state_report
from casework.access import get_report_district, record, report_districts
from casework.csvsafe import csv_lines
from casework.forms import StateReportPeriodForm
from casework.views.common import staff_page
from safeschools.models import AuditEvent


def _period(request: HttpRequest) -> tuple[StateReportPeriodForm, tuple]:
    start, end = state_report.school_year()
    form = StateReportPeriodForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        return form, (form.cleaned_data["start"], form.cleaned_data["end"])
    return form, (start, end)


@staff_page
@require_safe
def report_index(request: HttpRequest) -> HttpResponse:
    districts = list(report_districts(request.user).order_by("name"))
    form, (start, end) = _period(request)
    return render(
        request, "casework/state_report_index.html", {"districts": districts, "form": form, "start": start, "end": end}
    )


def _report(request: HttpRequest, district_id: int) -> tuple[StateReportPeriodForm, state_report.StateReport]:
    district = get_report_district(request.user, district_id, path=request.path)
    form, (start, end) = _period(request)
    return form, state_report.build(district, start, end)


@staff_page
@require_safe
def report_page(request: HttpRequest, district_id: int) -> HttpResponse:
    form, report = _report(request, district_id)
    return render(request, "casework/state_report.html", {"report": report, "form": form})


@staff_page
@require_safe
def report_csv(request: HttpRequest, district_id: int) -> StreamingHttpResponse:
    _, report = _report(request, district_id)
    district, start, end = report.district, report.start, report.end
    record(
        AuditEvent.Action.EXPORT,
        actor=request.user,
        reference="",
        export="state report",
        district=district.name,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    response = StreamingHttpResponse(csv_lines(state_report.csv_rows(report)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="state-report-{district.slug}-{start}-{end}.csv"'
    return response
