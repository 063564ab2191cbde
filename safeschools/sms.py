"""Sending text messages, and checking that an inbound one really came from the provider.

The transport only, like Django's e-mail backends: what a message says is decided above
(``reports.notifications.sms`` for alerts, ``partners.mobiles`` for verification codes).
``settings.SMS_BACKEND`` (from ``SMS_URL``, see ``safeschools.env.sms_settings``) picks:

- "" — text messages are off: ``enabled()`` is False and ``send`` refuses.
- "console" — printed on standard output, clearly labelled as not sent (``make run``).
- "twilio" — Twilio's official SDK: ``twilio.rest.Client(...).messages.create(...)``.

A failure is ``SmsError`` when trying again later may work (a timeout, no connection, an
HTTP 5xx or 429 from Twilio) and ``SmsRejected`` when it cannot (any other 4xx: a number
that is not a mobile, one that has texted STOP, bad credentials). Error texts carry the
provider's code and message with phone numbers redacted.
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from safeschools.logging import scrub

logger = logging.getLogger(__name__)

# Statuses that say "not now" rather than "never": request timeout, conflict, too many requests.
TRANSIENT_STATUSES = {408, 409, 429}
# Twilio: the recipient has replied STOP to our sender (carrier-level opt-out).
UNSUBSCRIBED = 21610

_console_lock = threading.Lock()


class SmsError(Exception):
    """A text message was not sent; trying again later may work."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SmsRejected(SmsError):
    """A text message was refused in a way that trying again cannot fix."""


def enabled() -> bool:
    """Whether text messages go anywhere at all (a provider, or the console)."""
    return settings.SMS_BACKEND in {"console", "twilio"}


def send(*, to: str, body: str) -> str:
    """Send ``body`` to the E.164 number ``to``; returns the provider's message id."""
    backend = settings.SMS_BACKEND
    if backend == "twilio":
        return _send_twilio(to, body)
    if backend == "console":
        return _send_console(to, body)
    raise SmsRejected("Text messages are switched off on this site (SMS_URL is not set).")


def http_client() -> TwilioHttpClient:
    """The SDK's HTTP client, with our timeout. Tests point it at a local fake Twilio."""
    return TwilioHttpClient(timeout=settings.SMS_TIMEOUT_SECONDS, pool_connections=False)


def _send_twilio(to: str, body: str) -> str:
    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client())
    try:
        message = client.messages.create(to=to, from_=settings.SMS_FROM_NUMBER, body=body)
    except TwilioRestException as exc:
        detail = f"Twilio error {exc.code} (HTTP {exc.status}): {scrub(str(exc.msg))}"
        if exc.status >= 500 or exc.status in TRANSIENT_STATUSES:
            raise SmsError(detail, code=exc.code) from None
        raise SmsRejected(detail, code=exc.code) from None
    except requests.Timeout:
        raise SmsError(f"Twilio did not answer within {settings.SMS_TIMEOUT_SECONDS} s.") from None
    except requests.RequestException as exc:
        raise SmsError(f"Could not reach Twilio ({type(exc).__name__}).") from None
    except TwilioException as exc:
        raise SmsError(f"Twilio SDK error: {scrub(str(exc))}") from None
    return message.sid


def _send_console(to: str, body: str) -> str:
    sid = f"console-{uuid.uuid4().hex[:16]}"
    rule = "-" * 72
    text = (
        f"{rule}\nSMS (console backend: printed here, NOT sent to any phone)\n"
        f"To: {to}\nFrom: {settings.SMS_FROM_NUMBER or '(the site number)'}\nId: {sid}\n\n{body}\n{rule}\n"
    )
    with _console_lock:
        sys.stdout.write(text)
        sys.stdout.flush()
    return sid


def signature_is_valid(*, url: str, params, signature: str) -> bool:
    """Whether an inbound webhook carries Twilio's signature over ``url`` and ``params``
    under our auth token. ``url`` must be the public address Twilio called."""
    if settings.SMS_BACKEND != "twilio" or not signature:
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)
