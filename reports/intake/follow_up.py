"""What the follow-up page shows a tipster, in plain words: where their report stands,
the conversation oldest first, and when each message was written, no finer than a part of
the day ("in the morning of Nov 29"): a tipster's messages are kept only to the hour
(SECURITY.md 37), and staff replies are shown the same way.

Used for real reports and for decoy conversations alike (``reports.intake.decoy``), so the
two render through the same template from the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import Message, Tip

# The tipster's view of a status: a short label and a sentence that explains it.
RECEIVED = (
    gettext_lazy("Received"),
    gettext_lazy("Your report reached the staff who handle it. They will read it soon."),
)
WORKING = (
    gettext_lazy("Being looked at"),
    gettext_lazy("Staff are working on your report. If they have a question, it will be here."),
)
FINISHED = (gettext_lazy("Closed"), gettext_lazy("Staff finished their work on this. Thank you."))


@dataclass(frozen=True)
class Status:
    label: str
    explanation: str
    finished: bool


@dataclass(frozen=True)
class Entry:
    """One message of the conversation as the tipster sees it."""

    from_staff: bool
    body: str
    at: datetime
    pictures: int = 0
    # The tipster asked staff to close the report ("I was wrong").
    close_request: bool = False

    @property
    def when(self) -> str:
        return part_of_day(self.at)


def status(tip: Tip) -> Status:
    """One coarse status for the whole tip, derived from every agency's part
    (``reports.case_state``): no detail of who is doing what (SECURITY.md)."""
    if tip.state == Tip.State.NEW:
        label, explanation = RECEIVED
    elif tip.state == Tip.State.DONE:
        label, explanation = FINISHED
    else:
        label, explanation = WORKING
    return Status(str(label), str(explanation), finished=tip.state == Tip.State.DONE)


def entries(tip: Tip) -> list[Entry]:
    """The conversation in the order it was written. Ordered by id, not by time: a
    tipster's message carries only its hour, so by time an answer could show before the
    question it answers."""
    messages = Message.objects.filter(tip=tip).prefetch_related("attachments").order_by("id")
    return [
        Entry(
            from_staff=m.direction == Message.Direction.TO_TIPSTER,
            body=m.body,
            at=m.created_at,
            pictures=len(m.attachments.all()),
            close_request=m.kind == Message.Kind.CLOSE_REQUEST,
        )
        for m in messages
    ]


def part_of_day(at: datetime) -> str:
    """'in the morning of Nov 29': how a tipster is told when something was written."""
    local = timezone.localtime(at)
    day = formats.date_format(local, _("M j"))
    hour = local.hour
    if hour < 5:
        phrase = _("early in the morning of %(day)s")
    elif hour < 12:
        phrase = _("in the morning of %(day)s")
    elif hour < 17:
        phrase = _("in the afternoon of %(day)s")
    elif hour < 21:
        phrase = _("in the evening of %(day)s")
    else:
        phrase = _("at night on %(day)s")
    return phrase % {"day": day}
