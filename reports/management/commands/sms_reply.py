"""manage.py sms_reply: play a text sent to the alert number, for trying replies locally."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.triage import sms_replies


class Command(BaseCommand):
    help = (
        "Act on a text as if a phone had sent it to the alert number, and print the answer it "
        "would get: e.g. sms_reply --from '(314) 555-0123' 'ACK 4821'. For local runs, where "
        "the console backend prints texts instead of sending them and no provider calls the "
        "webhook. Refuses to run with DEBUG off: on a real site, replies come only through the "
        "signed webhook."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="sender", required=True, help="the sender's number")
        parser.add_argument("body", help="the text, e.g. 'ACK 4821', STOP, START, HELP")

    def handle(self, *args, sender: str, body: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("sms_reply is for local runs (DEBUG=true) only; real replies come through the webhook.")
        answer = sms_replies.handle(message_sid=f"local-{uuid.uuid4().hex}", sender=sender, body=body)
        self.stdout.write(f"[{answer.outcome}] {answer.text or '(no answer)'}")
