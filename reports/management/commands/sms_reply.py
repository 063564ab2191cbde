"""manage.py sms_reply: play a text sent to the site's number, for trying replies and
text-a-tip locally."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import sms_inbound


class Command(BaseCommand):
    help = (
        "Act on a text as if a phone had sent it to the site's number, and print the answer it "
        "would get: e.g. sms_reply --from '(314) 555-0123' 'ACK 4821' from a staff member's "
        "number, or sms_reply --from '+13145550199' 'someone has a knife' from any other number "
        "(text-a-tip). For local runs, where "
        "the console backend prints texts instead of sending them and no provider calls the "
        "webhook. Refuses to run with DEBUG off: on a real site, replies come only through the "
        "signed webhook."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="sender", required=True, help="the sender's number")
        parser.add_argument("body", help="the text, e.g. 'ACK 4821', STOP, START, HELP, ES, or a report")

    def handle(self, *args, sender: str, body: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("sms_reply is for local runs (DEBUG=true) only; real replies come through the webhook.")
        number = sender if sender.startswith("+") else _e164(sender)
        answer = sms_inbound.handle(message_sid=f"local-{uuid.uuid4().hex}", sender=number, body=body)
        self.stdout.write(f"[{answer.outcome}] {answer.text or '(no answer)'}")


def _e164(typed: str) -> str:
    """Providers give numbers in E.164; a typed US number is put in that form."""
    from partners.mobiles import MobileError, normalise

    try:
        return normalise(typed)
    except MobileError as exc:
        raise CommandError(str(exc)) from None
