"""Staff replies to a texting tipster (text-a-tip), sent by text through the outbox.

Why the outbox and not a send from the staff member's request: a reply may matter as much
as an alert (a question to a student in danger), and the outbox already gives it what a
direct send would not: retries with backoff while the provider is down, a visible failed
row for coordinators, and the send taken out of the staff member's request. The staff
member is told the reply will be texted; the timeline shows when it was.

A row (``Notification`` of kind ``TO_TIPSTER``, channel "sms", no staff recipient) names
the staff message. The number is read at send time, so a reply is never texted to a number
erased or stopped meanwhile: such a row is cancelled, with the reason, instead.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from partners.models import SiteSettings
from reports.models import Message, Notification, TextingTipster
from reports.notifications.emails import NothingToSend
from safeschools import sms

# Twilio takes at most 1,600 characters in a text; the greeting around the reply fits in the rest.
TEXT_MAX = 1500


class TextRefused(Exception):
    """The provider refused the text for good."""


def text(*, language: str, body: str) -> str:
    """A staff message as the tipster's phone shows it, in the thread's language."""
    with translation.override(language):
        org = SiteSettings.current().organisation_name
        return _("%(org)s: %(message)s (Reply to answer. STOP to stop texts.)") % {"org": org, "message": body}


def textable_thread(tip_id: int) -> TextingTipster | None:
    """The tip's texting tipster if a reply can be texted to them now."""
    thread = TextingTipster.objects.filter(tip_id=tip_id).first()
    return thread if thread is not None and thread.can_be_texted and sms.enabled() else None


def send(notification: Notification) -> str:
    """Text the staff message of one outbox row to the tip's texting tipster."""
    thread = TextingTipster.objects.filter(tip_id=notification.tip_id).first() if notification.tip_id else None
    if thread is None or not thread.number:
        raise NothingToSend("the texting tipster's number has been erased")
    if thread.stopped:
        raise NothingToSend("the texting tipster texted STOP")
    message = Message.objects.filter(pk=notification.message_id).first() if notification.message_id else None
    if message is None:
        raise NothingToSend("the message no longer exists")
    try:
        return sms.send(to=thread.number, body=text(language=thread.language, body=message.body))
    except sms.SmsRejected as exc:
        if exc.code == sms.UNSUBSCRIBED:
            TextingTipster.objects.filter(pk=thread.pk).update(stopped=True)
        raise TextRefused(str(exc)) from None
