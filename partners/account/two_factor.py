"""The second factor: TOTP devices, recovery codes, and finishing a sign-in.

Codes are always checked through django-otp's ``verify_token``, which locks the device row
and refuses a code at or before the device's ``last_t``: a code that has been used once
cannot be replayed, in this session or any other.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from safeschools import audit
from safeschools.middleware import mark_signed_in
from safeschools.models import AuditEvent

RECOVERY_CODE_COUNT = 10
PENDING_KEY_SESSION_KEY = "account_pending_totp_key"
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def pending_device(request: HttpRequest) -> TOTPDevice:
    """An unsaved, unconfirmed device for enrolment. Its key lives in the session until the
    user proves, with a code, that the app has it; reloading the page keeps the same key."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = request.session[PENDING_KEY_SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=request.user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app's "enter a setup key" screen expects it."""
    return b32encode(unhexlify(device.key)).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> SafeString:
    """The ``otpauth://`` URI as an inline SVG: no external service, no data: URL, and no
    style attribute (the CSP allows none)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, title="QR code"
    )
    # segno's output is its own markup around our URI; nothing user-typed reaches it.
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1))  # noqa: S308


def format_recovery_code(code: str) -> SafeString:
    return format_html("{}-{}", code[:4], code[4:])


@transaction.atomic
def confirm_enrolment(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Save ``device`` if ``code`` matches it, with a fresh set of recovery codes (returned,
    to be shown once). ``None``, and nothing saved, if the code is wrong."""
    device.save()
    if not django_otp.verify_token(request.user, device.persistent_id, code):
        transaction.set_rollback(True)
        return None
    # verify_token saved last_t on its own copy of the row: update, do not save this one.
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.refresh_from_db()
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    return issue_recovery_codes(request.user)


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify_second_factor(user, *, code: str = "", recovery_code: str = ""):
    """The device that accepts the code (consuming it), or ``None``."""
    device = confirmed_totp_device(user) if code else recovery_device(user)
    if device is None:
        return None
    return django_otp.verify_token(user, device.persistent_id, code or recovery_code)


def is_throttled(user, *, code: str = "", recovery_code: str = "") -> bool:
    """Whether django-otp is making the user wait after wrong codes."""
    device = confirmed_totp_device(user) if code else recovery_device(user)
    return device is not None and not device.verify_is_allowed()[0]


def complete_sign_in(request: HttpRequest, device, *, method: str) -> None:
    """Mark the session verified by ``device``, under a new session key."""
    request.session.cycle_key()
    django_otp.login(request, device)
    mark_signed_in(request)
    audit.record(AuditEvent.Action.SIGN_IN, actor=request.user, method=method)
