"""The provider's webhook for texts sent to the site's number (``sms:inbound``), and the one
place that decides who handles a text.

Public and CSRF-exempt, because Twilio calls it; accepted only with a valid
``X-Twilio-Signature`` (SECURITY.md 45), checked with the SDK's ``RequestValidator`` over
the address Twilio was given: ``SITE_URL`` + path, never the Host header of the request,
which the proxy or a forger decides. A request without a valid signature gets 403 and a
log line without the sender's number or text. The answer is TwiML.

Each message is acted on once: its provider id (``MessageSid``) is stored in the same
transaction as what it causes, so a webhook delivered twice finds the id and does nothing.
Then a text from a staff member's confirmed number goes to the staff replies
(``reports.triage.sms_replies``: ACK, STOP, START, HELP); any other text is text-a-tip
(``reports.intake.sms_tips``), unless ``SMS_TIPS`` is off, in which case the staff replies
answer it with how to report on the web. This module sits above intake and triage, which
do not know each other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from partners import mobiles
from reports.intake import sms_tips
from reports.models import InboundSms
from reports.triage import sms_replies
from safeschools import sms

logger = logging.getLogger(__name__)


@csrf_exempt
@sensitive_post_parameters()
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    if settings.SMS_BACKEND != "twilio":
        raise Http404("text messages are not received on this site")
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.SITE_URL + request.get_full_path()
    if not sms.signature_is_valid(url=url, params=request.POST, signature=signature):
        logger.warning("Inbound SMS refused: %s signature.", "invalid" if signature else "no")
        return HttpResponseForbidden("Forbidden: this address takes only signed requests from the SMS provider.")
    message_sid = request.POST.get("MessageSid", "")
    twiml = MessagingResponse()
    if message_sid:
        reply = handle(
            message_sid=message_sid,
            sender=request.POST.get("From", ""),
            body=request.POST.get("Body", ""),
            media=_media(request.POST),
        )
        if reply.text:
            twiml.message(reply.text)
    return HttpResponse(str(twiml), content_type="text/xml")


def _media(post: QueryDict) -> list[sms_tips.Media]:
    """The pictures of an MMS: Twilio sends their count and, for each, an address and type."""
    try:
        count = min(int(post.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    return [
        sms_tips.Media(url=post.get(f"MediaUrl{i}", ""), content_type=post.get(f"MediaContentType{i}", ""))
        for i in range(count)
    ]


def handle(*, message_sid: str, sender: str, body: str, media: Sequence[sms_tips.Media] = ()) -> sms.Reply:
    """Act on one inbound text, once per ``message_sid``. Pictures are fetched and cleaned
    before the transaction, so no database lock waits on the network."""
    if InboundSms.objects.filter(message_sid=message_sid).exists():
        return _replayed(message_sid)
    from_staff = mobiles.find_sender(sender) is not None or not settings.SMS_TIPS
    pictures = sms_tips.Pictures() if from_staff else sms_tips.fetch_pictures(list(media))
    try:
        with transaction.atomic():
            record = InboundSms.objects.create(message_sid=message_sid)
            if from_staff:
                reply = sms_replies.answer(sender=sender, body=body)
            else:
                reply = sms_tips.receive(sender=sender, body=body, pictures=pictures)
            record.outcome = reply.outcome
            record.save(update_fields=["outcome"])
    except IntegrityError:
        if InboundSms.objects.filter(message_sid=message_sid).exists():
            return _replayed(message_sid)
        raise
    logger.info("Inbound SMS %s: %s.", message_sid, reply.outcome)
    return reply


def _replayed(message_sid: str) -> sms.Reply:
    logger.info("Inbound SMS %s was already handled; ignored.", message_sid)
    return sms.Reply("replay", None)
