"""Who may use the staff side, and the one gate in front of it (SECURITY.md 13).

Every dashboard view carries ``@staff_required``; the Django admin is the
``VerifiedAdminSite`` below. Both send a visitor without a session to the sign-in page and
a visitor who has given only a password to the second-factor step, so that no staff page
is ever shown to a password alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper, wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp.admin import OTPAdminSite

from partners.models import memberships_of

View = Callable[..., HttpResponse]


def has_staff_access(user) -> bool:
    """Active superusers, and active users who belong to at least one agency."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or bool(memberships_of(user))


def with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter if it stays on this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def sign_in_redirect(request: HttpRequest, next_url: str) -> HttpResponse | None:
    """Where a visitor must go before any staff page: the sign-in page without a session,
    the second-factor step with a password-only session; ``None`` once verified."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url)
    if not user.is_verified():
        return HttpResponseRedirect(with_next("account:verify", next_url))
    return None


def staff_required(view: View) -> View:
    """Signed in with both factors, and a member of an agency (or a superuser)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = sign_in_redirect(request, request.get_full_path())
        if response is not None:
            return response
        # Read once here, used by every access check of this request (memberships_of).
        request.user._request_memberships = memberships_of(request.user)
        if not has_staff_access(request.user):
            from safeschools import audit
            from safeschools.models import AuditEvent

            audit.record(AuditEvent.Action.ACCESS_DENIED, actor=request.user, path=request.path)
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


class VerifiedAdminSite(OTPAdminSite):
    """The Django admin behind the staff sign-in: django-otp's ``OTPAdminSite`` (only users
    verified by a device are staff here), with our sign-in pages instead of its own form."""

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return sign_in_redirect(request, request.get_full_path()) or inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        next_url = safe_next(request, index)
        if next_url.startswith(request.path):
            next_url = index
        response = sign_in_redirect(request, next_url)
        if response is not None:
            return response
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        # Verified, but not admin staff: the dashboard is theirs, the admin is not.
        raise PermissionDenied

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from partners.account.views import logout

        return logout(request)
