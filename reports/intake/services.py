"""Workflows across the reports models. Each is one transaction: a tip, its routing, its
images, its receipt hash, its outbox rows and its audit event are written together or not
at all (SECURITY.md 29-32)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from partners.models import School
from reports import case_state, search
from reports.intake import receipts, reference, routing
from reports.intake.told import Told, told_after_submit
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
    # Set by a channel that cannot ask the danger question itself (text-a-tip) when the
    # tip reads like one: it then alerts and escalates as a life-safety tip.
    life_safety: bool = False
    channel: str = "web"


@dataclass(frozen=True)
class SubmittedTip:
    tip: Tip
    receipt: str
    created: bool
    # Who was told, worked out from what this submission wrote (None for a replay: ask
    # ``told.who_was_told``).
    told: Told | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit_tip(*, report: TipReport, receipt: str, form_token: str) -> SubmittedTip:
    """Store a tip with everything that must exist with it, in one transaction.

    ``receipt`` is chosen by the caller (derived from the form token, so that a replay of
    the same POST shows the same receipt); only its HMAC is stored. A second submit with
    the same ``form_token`` returns the tip of the first with ``created=False``.

    The random reference is unique; should it collide with another tip's (about once in
    20,000 submissions at a million tips), the whole transaction is tried again with a new
    one, rather than paying a savepoint on every submission for the rare case.
    """
    token_hash = _token_hash(form_token)
    for _ in range(5):
        reference = Tip.new_reference()
        try:
            return _submit_tip(report=report, receipt=receipt, token_hash=token_hash, reference=reference)
        except (_Replayed, IntegrityError) as error:
            # A replay: another submission holds the token (committed: the claim, or the
            # tip's receipt, which a replay of the form repeats, waited for it).
            winner = SubmissionToken.objects.select_related("tip").filter(token_hash=token_hash).first()
            if winner is not None:
                return SubmittedTip(tip=winner.tip, receipt=receipt, created=False)
            if isinstance(error, _Replayed) or not Tip.objects.filter(reference=reference).exists():
                raise
    raise IntegrityError("could not find a free tip reference")


class _Replayed(Exception):
    """The form token was already used: undo this transaction's tip (``_submit_tip``)."""


@transaction.atomic
def _submit_tip(*, report: TipReport, receipt: str, token_hash: str, reference: str) -> SubmittedTip:
    category = report.category
    is_life_safety = report.danger_now or category.is_life_safety or report.life_safety
    tip = Tip(
        reference=reference,
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
    tip.save(force_insert=True)
    # The token is claimed with the tip's id in one statement; a replay (rare: a double tap,
    # a resent POST) has inserted a tip for nothing, which the rollback undoes.
    if not _claim(token_hash, tip.pk):
        raise _Replayed
    routings = _routings(tip)
    # The alerts are decided before the routings are written, so that each routing's INSERT
    # carries the alert ladder's fields (no UPDATE after it).
    written = alerts.alert_routed(tip=tip, routings=routings, by_tipster=True, only_routings=True)
    Routing.objects.bulk_create(routings)
    case_state.refresh_tip_state(tip, routings)
    # A new tip has no index rows yet: add its words without reading or deleting any.
    search.add_words(tip, "\n".join([report.description, report.location, report.people_involved]))
    for image in report.images:
        _attach(tip, image)
    audit.record(
        AuditEvent.Action.TIP_SUBMITTED,
        tip=tip,
        at=tip.received_at,
        category=category.name,
        life_safety=is_life_safety,
        images=len(report.images),
        **({"via": report.channel} if report.channel != "web" else {}),
    )
    return SubmittedTip(tip=tip, receipt=receipt, created=True, told=told_after_submit(tip, routings, written))


def _claim(token_hash: str, tip_id: int) -> bool:
    """Claim a form token for ``tip_id``: False when another submission holds it.

    One ``INSERT … ON CONFLICT DO NOTHING``: a concurrent request with the same token waits
    on the unique index until the first commits, then inserts nothing (and its caller reads
    the winner's tip); no savepoint, and no aborted statement, on a replay."""
    table = SubmissionToken._meta.db_table
    created_at = SubmissionToken._meta.get_field("created_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_hash, tip_id, created_at) VALUES (%s, %s, %s) "  # noqa: S608 — the model's table
            "ON CONFLICT (token_hash) DO NOTHING RETURNING id",
            [token_hash, tip_id, created_at.get_db_prep_save(this_hour(), connection)],
        )
        return cursor.fetchone() is not None


def _routings(tip: Tip) -> list[Routing]:
    """The tip's routings, not saved yet."""
    school = tip.school
    rules = [
        # An agency that cannot act is routed for information only, whatever an old rule says.
        routing.Rule(
            agency_id=r.agency_id,
            role=r.role if r.agency_can_act else RoutingRole.INFO_ONLY,
            category_name=tip.category.name,
        )
        for r in reference.routing_rules(tip.category_id)
    ]
    routes = routing.route(
        school=routing.SchoolFacts(school.district_id, school.police_agency_id) if school else None,
        rules=rules,
        coordinating_agency_id=reference.coordinating_agency_id(),
    )
    # The alert ladder sets each responsible routing's escalation clock (alerts.alert_routed).
    return [
        Routing(tip=tip, agency_id=r.agency_id, role=r.role, reason=r.reason, **case_state.copies_of(tip))
        for r in routes
    ]


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
    page. Staff see it as unread and someone is alerted (``alerts.alert_tipster_message``);
    on a closed tip it is new information after closing, pinned above the queue until
    someone acknowledges it (the tip stays closed until an agency reopens its part).

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
    after_closing = tip.state == Tip.State.DONE
    if after_closing:
        changes["new_info_after_closing"] = True
    Tip.objects.filter(pk=tip.pk).update(**changes)
    case_state.copy_attention(tip)
    alerts.alert_tipster_message(tip, at=message.created_at)
    action = AuditEvent.Action.CLOSE_REQUESTED if close_request else AuditEvent.Action.MESSAGE_FROM_TIPSTER
    audit.record(
        action,
        tip=tip,
        at=message.created_at,
        message_id=message.pk,
        images=len(images),
        after_closing=after_closing,
    )
    return message
