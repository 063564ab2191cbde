"""What every casework view shares: the staff gate, and running a service from a bound form."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from casework.cases import CaseworkError
from reports.triage.views import staff_page

__all__ = ["staff_page", "run_form", "form_errors_message"]


def form_errors_message(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def run_form(
    request: HttpRequest,
    form,
    action: Callable[[dict], object],
    *,
    done: str,
    success_url: str,
    failed: Callable[[object], HttpResponse],
) -> HttpResponse:
    """Validate, run the service, then redirect with ``done``; on invalid input or a
    refused change, ``failed(form)`` shows the page again with the form as typed."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect(success_url)
    return failed(form)
