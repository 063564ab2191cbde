"""Sending text messages, and checking that an inbound one really came from the provider.

The transport only, like Django's e-mail backends: what a message says is decided above
(``reports.notifications.sms`` for alerts, ``partners.mobiles`` for verification codes).
``settings.SMS_BACKEND`` (from ``SMS_URL``, see ``safeschools.env.sms_settings``) picks:

- "" — text messages are off: ``enabled()`` is False and ``send`` refuses.
- "console" — printed on standard output, clearly labelled as not sent (``make run``).
- "twilio" — Twilio's official SDK: ``twilio.rest.Client(...).messages.create(...)``.

Also here: the keywords carriers require every sender to honour (STOP, START, HELP), the
shape of an answer to an inbound text (``Reply``), and fetching a picture sent by MMS
(``fetch_media``).

A failure is ``SmsError`` when trying again later may work (a timeout, no connection, an
HTTP 5xx or 429 from Twilio) and ``SmsRejected`` when it cannot (any other 4xx: a number
that is not a mobile, one that has texted STOP, bad credentials). Error texts carry the
provider's code and message with phone numbers redacted.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

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

# Carrier keywords (CTIA; Twilio's defaults): a text that is only one of these words.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def keyword(body: str) -> str:
    """A text reduced to its letters, upper case ("Stop." → "STOP"), to compare with the
    keyword sets; accents are kept ("Español" → "ESPAÑOL")."""
    return re.sub(r"[^A-ZÁÉÍÑÓÚÜ]", "", (body or "").upper())


@dataclass(frozen=True)
class Reply:
    """What an inbound text caused (``outcome``, a few words kept with its provider id) and
    the text to answer it with (None: answer nothing)."""

    outcome: str
    text: str | None


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


def fetch_media(url: str, *, max_bytes: int) -> tuple[bytes, str]:
    """A picture sent to us by MMS: its bytes and declared type, fetched with our account's
    credentials through the SDK's own HTTP client (Twilio answers with a redirect to its
    storage, which is followed). Only media of our own account on Twilio's API are fetched:
    the address comes from a signed webhook, and is checked all the same, so that this can
    never be made to fetch anything else. Raises ``SmsError`` when the picture cannot be
    had (too big, gone, no answer)."""
    if settings.SMS_BACKEND != "twilio":
        raise SmsRejected("Pictures are fetched only from Twilio.")
    parts = urlsplit(url or "")
    own = f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages/"
    if parts.scheme != "https" or parts.hostname != "api.twilio.com" or not parts.path.startswith(own):
        raise SmsRejected("Not an address of this account's media on Twilio's API.")
    final = []

    def keep(response: requests.Response, *args: object, **kwargs: object) -> None:
        # A response hook runs before the body is read: refuse a big one unread, and make
        # the SDK's text decoding of the (binary) body cheap.
        if response.is_redirect:
            return
        if int(response.headers.get("Content-Length") or 0) > max_bytes:
            raise SmsRejected(f"The picture is larger than {max_bytes} bytes.")
        response.encoding = "latin-1"
        final.append(response)

    client = TwilioHttpClient(
        timeout=settings.SMS_TIMEOUT_SECONDS, pool_connections=False, request_hooks={"response": [keep]}
    )
    try:
        answer = client.request(
            "GET", url, auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN), allow_redirects=True
        )
    except requests.Timeout:
        raise SmsError(f"Twilio did not send the picture within {settings.SMS_TIMEOUT_SECONDS} s.") from None
    except requests.RequestException as exc:
        raise SmsError(f"Could not fetch the picture ({type(exc).__name__}).") from None
    if answer.status_code != 200 or not final:
        raise SmsError(f"Twilio answered HTTP {answer.status_code} for the picture.")
    content = final[-1].content
    if len(content) > max_bytes:
        raise SmsRejected(f"The picture is larger than {max_bytes} bytes.")
    return content, final[-1].headers.get("Content-Type", "")


def signature_is_valid(*, url: str, params, signature: str) -> bool:
    """Whether an inbound webhook carries Twilio's signature over ``url`` and ``params``
    under our auth token. ``url`` must be the public address Twilio called."""
    if settings.SMS_BACKEND != "twilio" or not signature:
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature)
