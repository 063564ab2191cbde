"""Staff sign-in views: password → second factor (or enrolment) → the dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from partners.access import safe_next, staff_required, with_next
from partners.account import two_factor
from partners.account.forms import CodeForm, SecondFactorForm, StaffAuthenticationForm
from safeschools import audit
from safeschools.middleware import mark_signed_in
from safeschools.models import AuditEvent

GET_POST = ["GET", "HEAD", "POST"]
WRONG_CODE = _lazy(
    "That code did not work. A code changes every 30 seconds and works only once: wait for the next one and try again."
)
TOO_MANY_CODES = _lazy("Too many wrong codes. Wait a few seconds, then try the newest code.")


def _next(request: HttpRequest) -> str:
    return safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))


@sensitive_post_parameters("password")
@require_http_methods(GET_POST)
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next(request)
    if request.user.is_authenticated:
        return redirect(with_next("account:verify", next_url))
    # ``request`` goes to authenticate(), so django-axes sees who is trying from where.
    form = StaffAuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_bound:
        if form.is_valid():
            # A shared browser: nothing a tipster left in this session comes along into the
            # staff session (SECURITY.md 42). auth.login alone would keep it under a new key.
            request.session.flush()
            auth.login(request, form.get_user())
            mark_signed_in(request)
            return redirect(with_next("account:verify", next_url))
        _record_failed_password(request, form)
    return render(request, "account/login.html", {"form": form, "next": next_url})


def _record_failed_password(request: HttpRequest, form: StaffAuthenticationForm) -> None:
    errors = form.non_field_errors().as_data()
    if getattr(request, "axes_locked_out", False):
        reason = "locked_out"
    elif errors:
        reason = errors[0].code or "invalid_login"
    else:
        return  # a blank field: nothing was tried
    audit.record(
        AuditEvent.Action.SIGN_IN_FAILED,
        actor=form.get_user(),
        stage="password",
        reason=reason,
        username=form.cleaned_data.get("username", "")[:150],
    )


@sensitive_post_parameters("code", "recovery_code")
@require_http_methods(GET_POST)
@csrf_protect
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    if not user.is_authenticated:
        return redirect_to_login(next_url)
    if user.is_verified():
        return redirect(next_url)
    if two_factor.confirmed_totp_device(user) is None:
        return redirect(with_next("account:setup", next_url))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        codes = {"code": form.cleaned_data["code"], "recovery_code": form.cleaned_data["recovery_code"]}
        # Checked before trying: after a wrong code django-otp makes the next one wait.
        throttled = two_factor.is_throttled(user, **codes)
        device = None if throttled else two_factor.verify_second_factor(user, **codes)
        if device is not None:
            method = "recovery_code" if codes["recovery_code"] else "totp"
            two_factor.complete_sign_in(request, device, method=method)
            return redirect(next_url)
        audit.record(AuditEvent.Action.SIGN_IN_FAILED, actor=user, stage="second_factor")
        form.add_error(None, TOO_MANY_CODES if throttled else WRONG_CODE)
    return render(request, "account/verify.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@require_http_methods(GET_POST)
@csrf_protect
@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next(request)
    if not user.is_authenticated:
        return redirect_to_login(next_url)
    if user.is_verified() or two_factor.confirmed_totp_device(user) is not None:
        return redirect(with_next("account:verify", next_url))
    device = two_factor.pending_device(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        codes = two_factor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            two_factor.complete_sign_in(request, device, method="enrolment")
            context = {"codes": [two_factor.format_recovery_code(c) for c in codes], "next": next_url}
            return render(request, "account/recovery_codes.html", context)
        form.add_error(
            "code", _("That code does not match. Check the app shows this account, then try the newest code.")
        )
    context = {"form": form, "next": next_url, "qr_svg": two_factor.qr_svg(device)}
    context["secret"] = two_factor.base32_secret(device)
    return render(request, "account/setup.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(AuditEvent.Action.SIGN_OUT, actor=request.user, reason="user")
    auth.logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("account:login")


# Django's views with our templates. The change keeps this session and ends every other
# session of the user (their stored password hash no longer matches).
password_change = staff_required(
    auth_views.PasswordChangeView.as_view(
        template_name="account/password_change.html", success_url=reverse_lazy("account:password-change-done")
    )
)
password_change_done = staff_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="account/password_change_done.html")
)
