"""Workflows across the reports models. Each is one transaction: a tip, its routing, its
images, its receipt hash, its outbox rows and its audit event are written together or not
at all (SECURITY.md 29-32)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Agency, School
from reports import case_state, search
from reports.intake import receipts, routing
from reports.models import (
    Attachment,
    Category,
    Message,
    Priority,
    Routing,
    RoutingRole,
    SubmissionToken,
    Tip,
    this_hour,
)
from reports.notifications import alerts
from safeschools import audit
from safeschools.models import AuditEvent


@dataclass(frozen=True)
class CleanImage:
    """An image already decoded, stripped and re-encoded by ``reports.intake.images``."""

    content: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class TipReport:
    """What the tipster told us, validated by the form."""

    category: Category
    school: School | None
    description: str
    location: str = ""
    people_involved: str = ""
    when: str = Tip.When.UNKNOWN
    when_date: date | None = None
    danger_now: bool = False
    contact_details: str = ""
    language: str = "en"
    images: list[CleanImage] = field(default_factory=list)


@dataclass(frozen=True)
class SubmittedTip:
    tip: Tip
    receipt: str
    created: bool


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def submit_tip(*, report: TipReport, receipt: str, form_token: str) -> SubmittedTip:
    """Store a tip with everything that must exist with it.

    ``receipt`` is chosen by the caller (derived from the form token, so that a replay of
    the same POST shows the same receipt); only its HMAC is stored. A second submit with
    the same ``form_token`` returns the tip of the first with ``created=False``.
    """
    token_hash = _token_hash(form_token)
    try:
        # Claim the token first: a concurrent request with the same token waits here on the
        # unique index, then finds the winner's tip.
        with transaction.atomic():
            claim = SubmissionToken.objects.create(token_hash=token_hash)
    except IntegrityError:
        winner = SubmissionToken.objects.select_related("tip").get(token_hash=token_hash)
        return SubmittedTip(tip=winner.tip, receipt=receipt, created=False)

    category = report.category
    is_life_safety = report.danger_now or category.is_life_safety
    tip = Tip(
        reference=Tip.new_reference(),
        receipt_hash=receipts.receipt_hash(receipt),
        category=category,
        school=report.school,
        description=report.description,
        location=report.location,
        people_involved=report.people_involved,
        when=report.when,
        when_date=report.when_date if report.when == Tip.When.DATE else None,
        danger_now=report.danger_now,
        is_life_safety=is_life_safety,
        contact_details=report.contact_details,
        language=report.language,
        priority=Priority.URGENT if is_life_safety else category.default_priority,
    )
    _save_with_unique_reference(tip)
    claim.tip = tip
    claim.save(update_fields=["tip"])
    case_state.refresh_tip_state(tip, _create_routings(tip))
    # A new tip has no index rows yet: add its words without reading or deleting any.
    search.add_words(tip, "\n".join([report.description, report.location, report.people_involved]))
    for image in report.images:
        _attach(tip, image)
    alerts.queue_new_tip_alerts(tip)
    audit.record(
        AuditEvent.Action.TIP_SUBMITTED,
        tip=tip,
        category=category.name,
        life_safety=is_life_safety,
        images=len(report.images),
    )
    return SubmittedTip(tip=tip, receipt=receipt, created=True)


def _save_with_unique_reference(tip: Tip) -> None:
    for _ in range(5):
        try:
            with transaction.atomic():
                tip.save()
            return
        except IntegrityError:
            if Tip.objects.filter(reference=tip.reference).exists():
                tip.reference = Tip.new_reference()
                continue
            raise
    raise IntegrityError("could not find a free tip reference")


def _create_routings(tip: Tip) -> list[Routing]:
    school = tip.school
    coordinating = Agency.objects.filter(is_coordinating=True).values_list("pk", flat=True).first()
    rules = [
        routing.Rule(agency_id=r.agency_id, role=r.role, category_name=tip.category.name)
        for r in tip.category.routing_rules.all()
    ]
    routes = routing.route(
        school=routing.SchoolFacts(school.district_id, school.police_agency_id) if school else None,
        rules=rules,
        coordinating_agency_id=coordinating,
    )
    due = timezone.now() + timedelta(minutes=tip.category.escalation_minutes) if tip.is_life_safety else None
    return Routing.objects.bulk_create(
        Routing(
            tip=tip,
            agency_id=r.agency_id,
            role=r.role,
            reason=r.reason,
            escalation_due_at=due if r.role == RoutingRole.RESPONSIBLE else None,
        )
        for r in routes
    )


def _attach(tip: Tip, image: CleanImage, message: Message | None = None) -> Attachment:
    return Attachment.objects.create(
        tip=tip,
        message=message,
        content=image.content,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        size=len(image.content),
    )


def find_tip_by_receipt(receipt: str) -> Tip | None:
    """The tip a receipt opens, or None: wrong, malformed and purged receipts alike."""
    digest = receipts.receipt_hash(receipt)
    if digest is None:
        return None
    return Tip.objects.filter(receipt_hash=digest).first()


@transaction.atomic
def add_tipster_message(
    *, tip: Tip, body: str, images: list[CleanImage] = (), kind: str = Message.Kind.MESSAGE
) -> Message:
    """The tipster writes back or adds information (with more images) from the follow-up
    page. Staff see it as unread; an alert is queued for the staff carrying the tip.

    ``kind=CLOSE_REQUEST``: the tipster asks to close the report ("I was wrong"). It is a
    request, shown on the tip; each agency still decides on its own part."""
    message = Message.objects.create(
        tip=tip, direction=Message.Direction.FROM_TIPSTER, kind=kind, body=body, created_at=this_hour()
    )
    for image in images:
        _attach(tip, image, message)
    search.add_words(tip, body)
    close_request = kind == Message.Kind.CLOSE_REQUEST
    changes = {"unread_tipster_messages": F("unread_tipster_messages") + 1}
    if close_request:
        changes["close_requested"] = True
    Tip.objects.filter(pk=tip.pk).update(**changes)
    alerts.queue_tipster_message_alert(tip)
    action = AuditEvent.Action.CLOSE_REQUESTED if close_request else AuditEvent.Action.MESSAGE_FROM_TIPSTER
    audit.record(action, tip=tip, message_id=message.pk, images=len(images))
    return message
