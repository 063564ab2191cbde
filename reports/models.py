"""A tip's life: categories and routing rules, the tip, the agencies it is routed to, its
images, the conversation with the tipster, internal notes, the audit log and the outbox of
staff alerts.

What the tipster typed is encrypted at rest (``EncryptedTextField``); what the database
can search and sort on (category, school, status, priority, the hour it arrived) is not
sensitive on its own. The exact time a tip arrived is not kept: ``received_at`` is
truncated to the hour (SECURITY.md 1), and so is every other time a tipster's act writes:
``updated_at``, the tipster's messages, and the alerts that follow (SECURITY.md 37).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, School, memberships_of
from safeschools import hours
from safeschools.crypto import EncryptedBinaryField, EncryptedTextField


def this_hour() -> datetime:
    """Now, truncated to the hour: the only precision kept for anything a tipster does."""
    return hours.this_hour()


class HourStampField(models.DateTimeField):
    """``auto_now`` to the hour: when a row was last saved, no finer. A tip is saved by the
    tipster's submission, so an exact time here would date it (SECURITY.md 37)."""

    def pre_save(self, model_instance, add):
        value = this_hour()
        setattr(model_instance, self.attname, value)
        return value


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Card(models.TextChoices):
    """The cards a student chooses from on the tip form: one obvious card for each
    situation. Several categories may share a card (the student then picks the one that
    fits best); routing stays by category. The words students read are in
    ``reports.intake.cards``."""

    THREAT = "threat", _("A weapon, or a threat to hurt people")
    SELF_HARM = "self_harm", _("Someone may hurt themselves")
    FIGHT = "fight", _("A fight, or someone was hurt")
    BULLYING = "bullying", _("Bullying, in person or online")
    SEXUAL = "sexual", _("Sexual harm")
    ABUSE = "abuse", _("Abuse, neglect or trafficking")
    DRUGS = "drugs", _("Drugs, vaping or alcohol")
    SOMETHING_ELSE = "something_else", _("Something else")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)
    description = models.CharField(_("description shown to students"), max_length=300)
    description_es = models.CharField(_("description (Spanish)"), max_length=300, blank=True)
    default_priority = models.PositiveSmallIntegerField(
        _("default priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    is_life_safety = models.BooleanField(
        _("life safety"),
        default=False,
        help_text=_("Tips in this category alert every recipient at once, overriding opt-outs, and escalate."),
    )
    escalation_minutes = models.PositiveSmallIntegerField(
        _("escalate after (minutes)"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Life-safety tips: minutes between the steps of the alert ladder. A responsible agency that "
            "has not acknowledged within this time is escalated to the next step."
        ),
    )
    on_call_first_minutes = models.PositiveSmallIntegerField(
        _("on-call person alone first (minutes)"),
        default=0,
        help_text=_(
            "Life-safety tips: minutes the agency's on-call person has to acknowledge before every member "
            "of the agency is alerted too. 0: the on-call person and every member are alerted at once."
        ),
    )
    retention_days = models.PositiveIntegerField(
        _("retention after closing (days)"),
        null=True,
        blank=True,
        help_text=_("Closed tips are deleted after this many days. Blank: the site-wide default."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    card = models.CharField(
        _("card on the tip form"),
        max_length=20,
        choices=Card.choices,
        default=Card.SOMETHING_ELSE,
        blank=True,
        help_text=_(
            "The card students tap for this category. Categories sharing a card are offered as a short "
            "second question. Blank: not offered on the form (staff can still re-route to it)."
        ),
    )

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str) -> str:
        return self.name_es if language == "es" and self.name_es else self.name

    def localized_description(self, language: str) -> str:
        return self.description_es if language == "es" and self.description_es else self.description


class RoutingRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible")
    INFO_ONLY = "info_only", _("Information only")


class RoutingRule(models.Model):
    """For a category, an agency that also receives every such tip."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="routing_rules")
    role = models.CharField(_("role"), max_length=20, choices=RoutingRole.choices, default=RoutingRole.RESPONSIBLE)

    class Meta:
        ordering = ["category", "agency__name"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "agency"], name="reports_routingrule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.agency} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.role == RoutingRole.RESPONSIBLE and self.agency_id and not self.agency.can_act:
            raise ValidationError(
                {
                    "role": _("%(agency)s cannot act on tips: it can receive them for information only.")
                    % {"agency": self.agency}
                }
            )


class TipQuerySet(models.QuerySet):
    def visible_to(self, user) -> TipQuerySet:
        """The one door to tips for staff (SECURITY.md 20): coordinators see every tip;
        everyone else sees the tips routed to an agency they belong to."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        memberships = memberships_of(user)
        if any(m.role == Membership.Role.COORDINATOR for m in memberships):
            return self.all()
        agency_ids = [m.agency_id for m in memberships]
        return self.filter(pk__in=Routing.objects.filter(agency_id__in=agency_ids).values("tip_id"))


class Tip(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLVED = "resolved", _("Resolved")
        UNFOUNDED = "unfounded", _("Unfounded")
        REFERRED = "referred", _("Referred")
        DUPLICATE = "duplicate", _("Duplicate")
        CLOSED = "closed", _("Closed")

    class When(models.TextChoices):
        NOW = "now", _("It is happening now")
        TODAY = "today", _("Earlier today")
        DATE = "date", _("On a date")
        UPCOMING = "upcoming", _("It is planned for later")
        UNKNOWN = "unknown", _("I am not sure")

    # Statuses that end a tip's escalation: nobody needs waking for it any more.
    ESCALATION_STOPS = frozenset({Status.UNFOUNDED, Status.CLOSED, Status.DUPLICATE})

    # Coarse status the tipster sees (SECURITY: no detail of the investigation).
    TIPSTER_STATUS = {
        Status.NEW: _("Received"),
        Status.ACKNOWLEDGED: _("Being looked at"),
        Status.INVESTIGATING: _("Being looked at"),
        Status.RESOLVED: _("Being looked at"),
        Status.UNFOUNDED: _("Being looked at"),
        Status.REFERRED: _("Being looked at"),
        Status.DUPLICATE: _("Being looked at"),
        Status.CLOSED: _("Closed"),
    }

    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    # HMAC of the receipt; never shown to staff and never settable by them (SECURITY.md 12).
    receipt_hash = models.CharField(max_length=64, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tips")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="tips")
    description = EncryptedTextField(_("what is happening"))
    location = EncryptedTextField(_("where"), blank=True)
    people_involved = EncryptedTextField(_("who is involved"), blank=True)
    when = models.CharField(_("when"), max_length=10, choices=When.choices, default=When.UNKNOWN)
    when_date = models.DateField(_("date"), null=True, blank=True)
    danger_now = models.BooleanField(_("someone in danger right now"), default=False)
    is_life_safety = models.BooleanField(_("life safety"), default=False, db_index=True)
    contact_details = EncryptedTextField(_("how to reach the tipster"), blank=True)
    language = models.CharField(_("language of the form"), max_length=8, default="en")

    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_tips"
    )
    disposition = EncryptedTextField(_("disposition note"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    received_at = models.DateTimeField(_("received (hour)"), default=this_hour, db_index=True)
    updated_at = HourStampField(_("last saved (hour)"), default=this_hour)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: every staff change names the version it saw (SECURITY.md 33).
    version = models.PositiveIntegerField(default=1)
    # Unread messages from the tipster, kept here so the queue can show a badge cheaply.
    unread_tipster_messages = models.PositiveSmallIntegerField(default=0)
    # True until a responsible agency acknowledges: the queue's first sort key, so that
    # "unacknowledged first" is an index scan even at a million tips.
    awaiting_acknowledgement = models.BooleanField(default=True)
    first_acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The tipster wrote after the tip was closed: back at the top of the queue until
    # someone acknowledges the new information.
    new_info_after_closing = models.BooleanField(default=False)

    objects = TipQuerySet.as_manager()

    class Meta:
        ordering = ["-is_life_safety", "-received_at", "-id"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["status", "-received_at", "-id"], name="reports_tip_status_recent"),
            models.Index(fields=["-received_at", "-id"], name="reports_tip_recent"),
            models.Index(
                fields=["-awaiting_acknowledgement", "-is_life_safety", "-received_at", "-id"],
                name="reports_tip_attention",
            ),
            models.Index(fields=["-priority", "-received_at", "-id"], name="reports_tip_priority"),
            # The few tips a tipster wrote on after they were closed, pinned above the queue.
            models.Index(fields=["-id"], condition=Q(new_info_after_closing=True), name="reports_tip_new_info"),
        ]
        # "Closed needs a disposition" is enforced by the triage service: an encrypted
        # column cannot take part in a CHECK constraint.

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def new_reference() -> str:
        """A short reference for staff and e-mails; random, so it reveals no tip count."""
        alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
        return "T-" + "".join(secrets.choice(alphabet) for _ in range(7))

    @property
    def tipster_status(self) -> str:
        return self.TIPSTER_STATUS[self.Status(self.status)]


class LadderRung(models.IntegerChoices):
    """The steps of a life-safety tip's alert ladder, per responsible agency, in order
    (reports.notifications.ladder)."""

    ON_CALL = 1, _("On call now")
    MEMBERS = 2, _("Every member of the agency")
    CONTACTS = 3, _("Escalation contacts")
    COORDINATORS = 4, _("Partnership coordinators")
    FALLBACK = 5, _("24/7 fallback")


class Routing(models.Model):
    """One agency a tip is routed to, with its own acknowledgement."""

    Rung = LadderRung

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="routings")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="routings")
    role = models.CharField(_("role"), max_length=20, choices=RoutingRole.choices)
    reason = models.CharField(_("reason"), max_length=200)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Life-safety tips: when this agency's silence escalates. Cleared on acknowledgement.
    escalation_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Life-safety tips: whether the acknowledgement came before the escalation deadline.
    acknowledged_within_target = models.BooleanField(null=True, blank=True)
    # A coordinator acknowledged for the agency (after phoning it, say): see the tip's notes.
    acknowledged_on_behalf = models.BooleanField(default=False)
    # Life-safety tips: the last step of the alert ladder taken for this agency
    # (a LadderRung; 0 = none yet).
    ladder_rung = models.PositiveSmallIntegerField(default=0)
    # Nobody at the agency could be reached when the tip was routed there: the
    # coordinators were told instead (SECURITY.md 44).
    unreachable = models.BooleanField(default=False)

    class Meta:
        ordering = ["role", "agency__name"]
        verbose_name = _("routing")
        verbose_name_plural = _("routings")
        constraints = [models.UniqueConstraint(fields=["tip", "agency"], name="reports_routing_unique")]
        indexes = [
            models.Index(fields=["agency", "tip"], name="reports_routing_agency_tip"),
            # "Awaiting my acknowledgement" (the queue's badge and filter): only the few
            # unacknowledged rows, instead of a scan of every routing ever made.
            models.Index(
                fields=["agency", "tip"], condition=models.Q(acknowledged_at=None), name="reports_routing_unacked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tip} → {self.agency}"

    def acknowledge(self, *, by, on_behalf: bool = False) -> bool:
        """Record that a person at this agency has seen the tip (or, ``on_behalf``, that a
        coordinator has made sure the agency has); stops this agency's escalation.
        Returns False if it was already acknowledged (the first acknowledgement stands)."""
        if self.acknowledged_at is not None:
            return False
        self.acknowledged_at = timezone.now()
        self.acknowledged_by = by
        self.acknowledged_on_behalf = on_behalf
        if self.escalation_due_at is not None:
            # In time: before the ladder went past the agency's own people.
            self.acknowledged_within_target = self.ladder_rung <= LadderRung.MEMBERS
        self.escalation_due_at = None
        self.save(
            update_fields=[
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_on_behalf",
                "escalation_due_at",
                "acknowledged_within_target",
            ]
        )
        return True

    def stop_clock(self) -> None:
        """This agency's escalation ends without an acknowledgement (the tip was closed,
        found unfounded or a duplicate, or the agency made information only)."""
        if self.escalation_due_at is not None:
            self.escalation_due_at = None
            self.save(update_fields=["escalation_due_at"])


class Message(models.Model):
    """The conversation between staff and the anonymous tipster."""

    class Direction(models.TextChoices):
        FROM_TIPSTER = "from_tipster", _("From the tipster")
        TO_TIPSTER = "to_tipster", _("To the tipster")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    body = EncryptedTextField(_("message"))
    # Not stored: set by reports.triage.actions.message_tipster on the message it returns
    # (whether the reply was also texted to a texting tipster).
    texted: bool = False
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Tipster messages carry only the hour; staff messages the exact time. So the order of
    # a conversation is the order of the rows, not of the times.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.tip} {self.direction} {self.pk}"


class Attachment(models.Model):
    """An image, re-encoded without metadata and encrypted. Only reachable through the
    authorised download view, by a random identifier (SECURITY.md 25)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    content = EncryptedBinaryField()
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=this_hour)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(self.content_type, "bin")


class Note(models.Model):
    """An internal note: visible to the agencies the tip is routed to, never to the tipster."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.tip_id}"


class CannedReply(models.Model):
    """A reply staff can start from, kept by the coordinators."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["display_order", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """One staff alert in the outbox. Written in the same transaction as the change that
    causes it; delivered by the background worker, exactly once (SECURITY.md 31).

    While a worker holds a row it is ``sending`` and ``next_attempt_at`` is the end of the
    worker's lease: past it, another worker may take the row over (see reports.notifications.delivery).

    An alert about a tip follows a tipster's act, so its times are the hour of that act
    (SECURITY.md 37): ``created_at`` is the tip's (or the tipster message's) hour, and once
    the row is settled its ``next_attempt_at`` and ``sent_at`` are that hour too. Only while
    a worker holds it or waits to retry it does ``next_attempt_at`` carry a real time.
    """

    class Kind(models.TextChoices):
        NEW_TIP = "new_tip", _("New tip")
        REROUTED = "rerouted", _("Re-routed to the agency")
        UNREACHABLE = "unreachable", _("Nobody reachable at an agency")
        ESCALATION = "escalation", _("Escalation")
        TIPSTER_MESSAGE = "tipster_message", _("Message from a tipster")
        DIGEST = "digest", _("Daily digest")
        TO_TIPSTER = "to_tipster", _("Staff reply texted to a tipster")
        # Written by casework (rendered by the renderer it registers in notifications.emails).
        CASE_REMINDER = "case_reminder", _("Case reminder")
        NOTICE = "notice", _("Safe Schools Act notice")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A staff member, or a plain address (the 24/7 fallback's e-mail or phone number from
    # the settings: never a tipster's). Exactly one of the two. A staff reply texted to a
    # texting tipster (kind TO_TIPSTER) names them by their label ("texting tipster #7"):
    # their number is read when the text is sent, never written here.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    address = models.CharField(max_length=254, blank=True)
    # The staff message a TO_TIPSTER row texts.
    message = models.ForeignKey("Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Why this person or address: a step of the ladder, "assignee", "re-routed", …
    reason = models.CharField(max_length=60, blank=True)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=this_hour, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=this_hour)
    sent_at = models.DateTimeField(_("sent (for an alert about a tip: its hour)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reports_notification_due")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(recipient__isnull=False) & Q(address="")) | (Q(recipient__isnull=True) & ~Q(address="")),
                name="reports_notification_recipient_or_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_label} ({self.status})"

    @property
    def recipient_label(self) -> str:
        """Whom the alert is for, for logs and the audit log: a username or the address."""
        return self.recipient.get_username() if self.recipient_id else self.address


class SmsReplyCode(models.Model):
    """The code a staff member texts back to acknowledge a tip ("ACK 4821"), one per person
    and tip, shared by every text about that tip. A person's codes are all different, so a
    reply names one tip; codes are forgotten after ``reports.notifications.sms.CODE_DAYS``
    and may then be given again (see ``reports.notifications.sms.reply_code``)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=4)
    created_at = models.DateTimeField(default=this_hour)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "tip"], name="reports_smsreplycode_one_per_tip"),
            models.UniqueConstraint(fields=["recipient", "code"], name="reports_smsreplycode_unique_code"),
        ]

    def __str__(self) -> str:
        return f"reply code for {self.tip_id}"


class InboundSms(models.Model):
    """A text received on the provider's webhook, by its provider id only (no number, no
    text), so that a webhook delivered twice is acted on once (SECURITY.md 45)."""

    message_sid = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(default=this_hour, db_index=True)

    class Meta:
        verbose_name = _("inbound text message")

    def __str__(self) -> str:
        return self.message_sid


class TextingTipster(models.Model):
    """The person who sent a tip by text message (text-a-tip; SECURITY.md 45).

    Their number is kept only to text them what staff write: encrypted (``number``), found
    again by a keyed hash (``number_index``) when they text again, never shown to staff,
    who see "texting tipster #7" (``label``), and erased ``SMS_TIPSTER_GRACE_DAYS`` after
    the tip is closed (``reports.retention.erase_texting_numbers``). A number has one
    thread at a time: once erased, a new text from it starts a new tip.
    """

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, related_name="texting_tipster")
    number = EncryptedTextField(blank=True)
    # HMAC-SHA256(PHONE_INDEX_KEY, "tipster:" + number); NULL once the number is erased.
    number_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    language = models.CharField(max_length=8, default="en")
    # The tipster texted STOP: nothing is texted to them until they text START.
    stopped = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=this_hour)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("texting tipster")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"texting tipster #{self.pk}"

    @property
    def can_be_texted(self) -> bool:
        return bool(self.number) and not self.stopped


class DecoyCode(models.Model):
    """A second code for a tip, for a tipster who may be forced to show their reports
    (SECURITY.md 46): entered like a receipt, it opens a harmless conversation that looks
    like a real one, and quietly marks this tip's timeline. Kept like a receipt: only its
    HMAC under ``RECEIPT_PEPPER``; it goes with the tip at purge."""

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=this_hour)

    def __str__(self) -> str:
        return f"decoy code of {self.tip_id}"


class TipWord(models.Model):
    """The blind search index: a keyed hash of each word of a tip's text, so staff can
    search tips whose text is encrypted (see ``reports.search``)."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest", "tip"], name="reports_tipword_unique")]

    def __str__(self) -> str:
        return f"word of {self.tip_id}"


class SubmissionToken(models.Model):
    """A form token already used to create a tip, so that a double submit or a replayed
    POST returns the same tip instead of a second one (SECURITY.md 32). Holds only a hash
    of the token; rows older than the token's lifetime are deleted."""

    token_hash = models.CharField(max_length=64, unique=True)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=this_hour, db_index=True)

    def __str__(self) -> str:
        return f"token for tip {self.tip_id}"
