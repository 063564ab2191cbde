"""Cross-cutting middleware: response headers, and the limits of a staff session.

Django's SecurityMiddleware, XFrameOptionsMiddleware and django-csp cover nosniff,
Referrer-Policy, framing and CSP; ``security_headers`` adds the headers they do not, on
every response, error pages included.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return middleware


# --- Staff session limits (SECURITY.md 16) -------------------------------------------
SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
LAST_SEEN_PRECISION_SECONDS = 60


def mark_signed_in(request: HttpRequest) -> None:
    """Start the absolute and idle clocks of a staff session (called at each sign-in step)."""
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def staff_session_limits(get_response: Callable[[HttpRequest], HttpResponse]):
    """End a signed-in session after ``STAFF_IDLE_TIMEOUT`` without a request or
    ``STAFF_SESSION_MAX_AGE`` in all, and a session whose account was deactivated (or
    deleted, or whose password changed) since sign-in.

    Runs after the authentication, OTP and message middleware. Sessions without a signed-in
    user (every tipster) are not touched: no session is loaded from the database and no
    cookie is set.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        session = request.session
        user_id = session.get(SESSION_KEY)
        if user_id is None:
            return get_response(request)
        user = request.user
        now = timezone.now().timestamp()
        if not (user.is_authenticated and user.is_active):
            # Deactivated or deleted since sign-in, or the password changed in another session.
            return _end_session(request, user_id, "", _("Your session has ended. Please sign in again."))
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        idle = settings.STAFF_IDLE_TIMEOUT
        if now - last_seen_at > idle.total_seconds():
            minutes = int(idle.total_seconds() // 60)
            message = ngettext(
                "You were signed out after %(minutes)d minute without activity.",
                "You were signed out after %(minutes)d minutes without activity.",
                minutes,
            ) % {"minutes": minutes}
            return _end_session(request, user_id, "idle", message)
        if now - signed_in_at > settings.STAFF_SESSION_MAX_AGE.total_seconds():
            hours = round(settings.STAFF_SESSION_MAX_AGE.total_seconds() / 3600, 1)
            message = _("You were signed out because a staff session lasts at most %(hours)s hours.") % {
                "hours": f"{hours:g}"
            }
            return _end_session(request, user_id, "session_limit", message)
        if now - last_seen_at >= LAST_SEEN_PRECISION_SECONDS or LAST_SEEN_AT not in session:
            # Written at most once a minute: a session row UPDATE on every staff request
            # would buy the idle limit a precision nobody needs.
            session[LAST_SEEN_AT] = now
        return get_response(request)

    return middleware


def _end_session(request: HttpRequest, user_id, reason: str, message: str) -> HttpResponse:
    """Audit, sign out and send to the sign-in page (back to this page after a GET)."""
    from safeschools import audit
    from safeschools.models import AuditEvent

    actor = request.user if request.user.is_authenticated else get_user_model().objects.filter(pk=user_id).first()
    if not reason:
        reason = "account_inactive" if actor is not None and not actor.is_active else "session_invalid"
    audit.record(AuditEvent.Action.SIGN_OUT, actor=actor, reason=reason)
    logout(request)
    messages.info(request, message)
    next_url = request.get_full_path() if request.method in ("GET", "HEAD") else None
    return redirect_to_login(next_url) if next_url else redirect(settings.LOGIN_URL)
