"""A tip's life: categories and routing rules, the tip, the agencies it is routed to, its
images, the conversation with the tipster, internal notes, the audit log and the outbox of
staff alerts.

What the tipster typed is encrypted at rest (``EncryptedTextField``); what the database
can search and sort on (category, school, status, priority, the hour it arrived) is not
sensitive on its own. The exact time a tip arrived is not kept: ``received_at`` is
truncated to the hour (SECURITY.md 1).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, School
from safeschools.crypto import EncryptedBinaryField, EncryptedTextField


def this_hour() -> datetime:
    """Now, truncated to the hour: the only precision kept for anything a tipster does."""
    return timezone.now().replace(minute=0, second=0, microsecond=0)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


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
        help_text=_("A life-safety tip not acknowledged by a responsible agency within this time escalates."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention after closing (days)"),
        null=True,
        blank=True,
        help_text=_("Closed tips are deleted after this many days. Blank: the site-wide default."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    active = models.BooleanField(_("active"), default=True)

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


class TipQuerySet(models.QuerySet):
    def visible_to(self, user) -> TipQuerySet:
        """The one door to tips for staff (SECURITY.md 20): coordinators see every tip;
        everyone else sees the tips routed to an agency they belong to."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        memberships = Membership.objects.filter(user=user)
        if memberships.filter(role=Membership.Role.COORDINATOR).exists():
            return self.all()
        agency_ids = memberships.values("agency_id")
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
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: every staff change names the version it saw (SECURITY.md 33).
    version = models.PositiveIntegerField(default=1)
    # Unread messages from the tipster, kept here so the queue can show a badge cheaply.
    unread_tipster_messages = models.PositiveSmallIntegerField(default=0)
    # True until a responsible agency acknowledges: the queue's first sort key, so that
    # "unacknowledged first" is an index scan even at a million tips.
    awaiting_acknowledgement = models.BooleanField(default=True)
    first_acknowledged_at = models.DateTimeField(null=True, blank=True)

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


class Routing(models.Model):
    """One agency a tip is routed to, with its own acknowledgement."""

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

    def acknowledge(self, *, by) -> bool:
        """Record that a person at this agency has seen the tip; stops its escalation.
        Returns False if it was already acknowledged (the first acknowledgement stands)."""
        if self.acknowledged_at is not None:
            return False
        self.acknowledged_at = timezone.now()
        self.acknowledged_by = by
        if self.escalation_due_at is not None:
            self.acknowledged_within_target = self.acknowledged_at <= self.escalation_due_at
        self.escalation_due_at = None
        self.save(
            update_fields=["acknowledged_at", "acknowledged_by", "escalation_due_at", "acknowledged_within_target"]
        )
        return True


class Message(models.Model):
    """The conversation between staff and the anonymous tipster."""

    class Direction(models.TextChoices):
        FROM_TIPSTER = "from_tipster", _("From the tipster")
        TO_TIPSTER = "to_tipster", _("To the tipster")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    body = EncryptedTextField(_("message"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Tipster messages carry only the hour; staff messages the exact time.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

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
    """

    class Kind(models.TextChoices):
        NEW_TIP = "new_tip", _("New tip")
        ESCALATION = "escalation", _("Escalation")
        TIPSTER_MESSAGE = "tipster_message", _("Message from a tipster")
        DIGEST = "digest", _("Daily digest")
        TO_TIPSTER = "to_tipster", _("Staff reply texted to a tipster")

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
    # A staff member; none for a staff reply texted to a texting tipster (kind TO_TIPSTER).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # The staff message a TO_TIPSTER row texts.
    message = models.ForeignKey("Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="reports_notification_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_label} ({self.status})"

    @property
    def recipient_label(self) -> str:
        """Who the row goes to, as the outbox and the timeline name them."""
        if self.recipient_id is None:
            return "the texting tipster"
        return self.recipient.get_username()


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
