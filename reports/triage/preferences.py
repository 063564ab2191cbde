"""The "My alerts" page (``dashboard:preferences``, whose view is ``views.alert_preferences``)
and its "Text messages" card: add a mobile number, confirm it with the code texted to it,
choose which alerts come by text, remove it. The work is done by ``partners.mobiles``;
every change there is audited."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partners import mobiles
from partners.access import staff_required
from partners.models import Membership, StaffMobile
from reports.triage.forms import AlertPreferencesForm, MobileCodeForm, MobileNumberForm, MobileOptionsForm
from safeschools import sms


def membership_forms(memberships: list[Membership], data=None) -> list[AlertPreferencesForm]:
    return [
        AlertPreferencesForm(
            data,
            prefix=f"m{m.pk}",
            initial={"new_tip_alerts": m.new_tip_alerts, "tipster_message_alerts": m.tipster_message_alerts},
        )
        for m in memberships
    ]


def preferences_page(request: HttpRequest, *, memberships=None, forms=None, status: int = 200, **bound) -> HttpResponse:
    """The "My alerts" page: alert choices per membership, and the mobile number for texts
    (``bound``: a submitted mobile form to show again with its errors)."""
    if memberships is None:
        memberships = list(Membership.objects.filter(user=request.user).select_related("agency"))
        forms = membership_forms(memberships)
    context = {"rows": list(zip(memberships, forms, strict=True)), **mobile_context(request.user, **bound)}
    return render(request, "dashboard/preferences.html", context, status=status)


def mobile_context(user, **bound) -> dict:
    """What the page's "Text messages" card shows, with any submitted form in ``bound``."""
    mobile = StaffMobile.objects.filter(user=user).first()
    pending = mobiles.pending(user)
    options = MobileOptionsForm(initial={"sms_for_all_alerts": mobile.sms_for_all_alerts if mobile else False})
    return {
        "sms_enabled": sms.enabled(),
        "mobile": mobile,
        "mobile_display": mobiles.display(mobile.number) if mobile else "",
        "pending": pending,
        "pending_display": mobiles.display(pending.number) if pending else "",
        "number_form": bound.get("number_form") or MobileNumberForm(),
        "code_form": bound.get("code_form") or MobileCodeForm(),
        "options_form": options,
        "sms_from": mobiles.display(settings.SMS_FROM_NUMBER) if settings.SMS_FROM_NUMBER else "",
    }


def _post_view(view):
    return staff_required(never_cache(require_POST(view)))


def _submit(request: HttpRequest, name: str, form, field: str, change: Callable[[str], str]) -> HttpResponse:
    """Run ``change`` on the form's one field; on success say what it returns, otherwise
    show the page again with the form (``name`` in the page) and the problem under it."""
    if form.is_valid():
        try:
            done = change(form.cleaned_data[field])
        except mobiles.MobileError as error:
            form.add_error(field, str(error))
        else:
            messages.success(request, done)
            return redirect("dashboard:preferences")
    return preferences_page(request, status=400, **{name: form})


@_post_view
def mobile_send_code(request: HttpRequest) -> HttpResponse:
    def send(number: str) -> str:
        pending = mobiles.send_code(user=request.user, typed_number=number)
        return f"We texted a 6-digit code to {mobiles.display(pending.number)}."

    return _submit(request, "number_form", MobileNumberForm(request.POST), "number", send)


@_post_view
def mobile_confirm(request: HttpRequest) -> HttpResponse:
    def confirm(code: str) -> str:
        mobile = mobiles.confirm(user=request.user, code=code)
        return f"{mobiles.display(mobile.number)} is confirmed: urgent alerts now come by text."

    return _submit(request, "code_form", MobileCodeForm(request.POST), "code", confirm)


@_post_view
def mobile_cancel(request: HttpRequest) -> HttpResponse:
    mobiles.cancel(user=request.user)
    return redirect("dashboard:preferences")


@_post_view
def mobile_options(request: HttpRequest) -> HttpResponse:
    form = MobileOptionsForm(request.POST)
    form.is_valid()  # a single checkbox: always valid
    mobiles.set_sms_for_all_alerts(user=request.user, value=form.cleaned_data["sms_for_all_alerts"])
    messages.success(request, "Text message choice saved.")
    return redirect("dashboard:preferences")


@_post_view
def mobile_remove(request: HttpRequest) -> HttpResponse:
    if mobiles.remove(user=request.user):
        messages.success(request, "Your mobile number is removed. Alerts come by e-mail only.")
    return redirect("dashboard:preferences")
