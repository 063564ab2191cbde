"""The provider's webhook for texts sent to the alert number (``sms:inbound``).

Public and CSRF-exempt, because Twilio calls it; accepted only with a valid
``X-Twilio-Signature`` (SECURITY.md 45), checked with the SDK's ``RequestValidator`` over
the address Twilio was given: ``SITE_URL`` + path, never the Host header of the request,
which the proxy or a forger decides. A request without a valid signature gets 403 and a
log line without the sender's number or text. The answer is TwiML.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from reports.triage import sms_replies
from safeschools import sms

logger = logging.getLogger(__name__)


@csrf_exempt
@sensitive_post_parameters("From", "To", "Body")
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
    if not message_sid:
        return HttpResponse(str(MessagingResponse()), content_type="text/xml")
    answer = sms_replies.handle(
        message_sid=message_sid, sender=request.POST.get("From", ""), body=request.POST.get("Body", "")
    )
    twiml = MessagingResponse()
    if answer.text:
        twiml.message(answer.text)
    return HttpResponse(str(twiml), content_type="text/xml")
