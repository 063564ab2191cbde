"""A tip's life: categories and routing rules, the tip, the agencies it is routed to, its
images, the conversation with the tipster, internal notes, the audit log and the outbox of
staff alerts.

What the tipster typed is encrypted at rest (``EncryptedTextField``); what the database
can search and sort on (category, school, state, priority, the hour it arrived) is not
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
from safeschools.cache import cached, forget
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
    def visible_to(self, user, *, below: int | None = None) -> TipQuerySet:
        """The one door to tips for staff (SECURITY.md 20): coordinators see every tip;
        everyone else sees the tips routed to an agency they belong to.

        ``below``: only the tips with a smaller id, for reading newest first a page at a time
        (the CSV export). The bound is put on the routings too: PostgreSQL does not carry
        ``id < below`` into the subquery, so each page would walk the agency's routings from
        its newest one down to the page (at a million tips, 10 ms a page near the end)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        tips = self if below is None else self.filter(id__lt=below)
        memberships = memberships_of(user)
        if any(m.role == Membership.Role.COORDINATOR for m in memberships):
            return tips.all()
        routings = Routing.objects.filter(agency_id__in=[m.agency_id for m in memberships])
        if below is not None:
            routings = routings.filter(tip_id__lt=below)
        return tips.filter(pk__in=routings.values("tip_id"))


class TipState(models.TextChoices):
    """The whole tip's state, derived from its responsible routings (``reports.case_state``)."""

    NEW = "new", _("New")
    OPEN = "open", _("In progress")
    DONE = "done", _("Closed")


class RoutingState(models.TextChoices):
    """One agency's part of the work on a tip."""

    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    WORKING = "working", _("Working")
    DONE = "done", _("Done")


class Disposition(models.TextChoices):
    """How an agency finished its part. Required to be done."""

    RESOLVED = "resolved", _("Resolved")
    UNFOUNDED = "unfounded", _("Unfounded — false report")
    REFERRED = "referred", _("Referred")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_ACTION = "no_action", _("No action needed")


class Tip(models.Model):
    State = TipState

    class When(models.TextChoices):
        NOW = "now", _("It is happening now")
        TODAY = "today", _("Earlier today")
        DATE = "date", _("On a date")
        UPCOMING = "upcoming", _("It is planned for later")
        UNKNOWN = "unknown", _("I am not sure")

    # Coarse status the tipster sees (SECURITY: no detail of the investigation).
    TIPSTER_STATUS = {
        TipState.NEW: _("Received"),
        TipState.OPEN: _("Being looked at"),
        TipState.DONE: _("Closed"),
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
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    # Indexed by ``reports_tip_recent`` (received_at, id), which a range of hours reads too.
    received_at = models.DateTimeField(_("received (hour)"), default=this_hour)
    updated_at = HourStampField(_("last saved (hour)"), default=this_hour)
    # Optimistic locking of what the agencies share (priority, links, routing): every such
    # change names the version it saw (SECURITY.md 33). Each routing has its own version.
    version = models.PositiveIntegerField(default=1)
    # Unread messages from the tipster, kept here so the queue can show a badge cheaply.
    unread_tipster_messages = models.PositiveSmallIntegerField(default=0)
    # The tipster asked to close the report ("I was wrong"); staff decide.
    close_requested = models.BooleanField(default=False)

    # Derived from the routings by ``reports.case_state.refresh_tip_state``, in the
    # transaction that changes them, and only there; kept on the tip for the queue's indexes.
    state = models.CharField(_("state"), max_length=10, choices=TipState.choices, default=TipState.NEW)
    # True while a responsible agency has not acknowledged (and the tip is not closed).
    awaiting_acknowledgement = models.BooleanField(default=True)
    first_acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The tipster wrote after the tip was closed: pinned above the queue until someone
    # acknowledges the new information (the tip stays closed; an agency may reopen its part).
    new_info_after_closing = models.BooleanField(default=False)
    # When the last responsible agency finished its part; None while any is not done.
    closed_at = models.DateTimeField(null=True, blank=True)
    # The queue's first sort key, computed by the database from the columns above, so that
    # nobody who changes them can forget it: 3 = life safety not acknowledged by every
    # responsible agency, 2 = new information from the tipster, 1 = open, 0 = closed.
    attention = models.GeneratedField(
        expression=models.Case(
            models.When(is_life_safety=True, awaiting_acknowledgement=True, then=models.Value(3)),
            models.When(unread_tipster_messages__gt=0, then=models.Value(2)),
            models.When(new_info_after_closing=True, then=models.Value(2)),
            models.When(state=TipState.DONE, then=models.Value(0)),
            default=models.Value(1),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    objects = TipQuerySet.as_manager()

    class Meta:
        ordering = ["-is_life_safety", "-received_at", "-id"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        indexes = [
            models.Index(fields=["state", "-received_at", "-id"], name="reports_tip_state_recent"),
            models.Index(fields=["-received_at", "-id"], name="reports_tip_recent"),
            models.Index(fields=["-attention", "-received_at", "-id"], name="reports_tip_queue_order"),
            # A coordinator's "not acknowledged by every responsible agency": the few open ones.
            models.Index(
                fields=["-received_at", "-id"],
                condition=models.Q(awaiting_acknowledgement=True),
                name="reports_tip_awaiting",
            ),
            models.Index(fields=["-priority", "-received_at", "-id"], name="reports_tip_priority"),
            # The few tips a tipster wrote on after they were closed, pinned above the queue.
            models.Index(fields=["-id"], condition=Q(new_info_after_closing=True), name="reports_tip_new_info"),
            # The few tips with tipster messages nobody has read yet (the queue's "new
            # information" count): read from this index alone, attention included.
            models.Index(
                fields=["-attention", "-id"],
                condition=Q(unread_tipster_messages__gt=0),
                name="reports_tip_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def new_reference() -> str:
        """A short reference for staff and e-mails; random, so it reveals no tip count."""
        alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
        return "T-" + "".join(secrets.choice(alphabet) for _ in range(7))

    @property
    def tipster_status(self) -> str:
        return self.TIPSTER_STATUS[TipState(self.state)]


class RoutingError(Exception):
    """A change to an agency's part that its state does not allow; the message is for staff."""


class LadderRung(models.IntegerChoices):
    """The steps of a life-safety tip's alert ladder, per responsible agency, in order
    (reports.notifications.ladder)."""

    ON_CALL = 1, _("On call now")
    MEMBERS = 2, _("Every member of the agency")
    CONTACTS = 3, _("Escalation contacts")
    COORDINATORS = 4, _("Partnership coordinators")
    FALLBACK = 5, _("24/7 fallback")


class Routing(models.Model):
    """One agency's part of the work on a tip: its own acknowledgement, state, assignee,
    disposition and escalation clock. An agency changes only its own routing; the tip's
    state is derived from the responsible ones (``reports.case_state``)."""

    State = RoutingState
    Disposition = Disposition

    Rung = LadderRung

    # No index of their own: the unique (tip, agency) leads with the tip, and each index
    # of ``Meta.indexes`` leads with the agency (migration 0017).
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="routings", db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="routings", db_index=False)
    role = models.CharField(_("role"), max_length=20, choices=RoutingRole.choices)
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(_("state"), max_length=20, choices=RoutingState.choices, default=RoutingState.NEW)
    # The whole tip's state, copied here by ``case_state.refresh_tip_state`` (which is the
    # only writer of ``Tip.state``) so that the queue's tabs count one agency's tips by
    # state from this table's index alone, without visiting the tips.
    tip_state = models.CharField(max_length=10, choices=TipState.choices, default=TipState.NEW, editable=False)
    # The tip's place in the queue's default order (``Tip.attention`` and ``received_at``),
    # copied by ``case_state`` wherever a column that ``attention`` is computed from changes,
    # so that an agency's queue is read in order from this table's index alone.
    tip_attention = models.PositiveSmallIntegerField(default=1, editable=False)
    tip_received_at = models.DateTimeField(default=this_hour, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_routings"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A coordinator acknowledged for the agency (an unstaffed agency, a night with nobody on call).
    acknowledged_on_behalf = models.BooleanField(default=False)
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    referred_to = EncryptedTextField(_("referred to"), blank=True)
    disposition_note = EncryptedTextField(_("disposition note"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Optimistic locking of this agency's part (SECURITY.md 33).
    version = models.PositiveIntegerField(default=1)
    # Life-safety tips: when this agency's silence escalates. Cleared on acknowledgement.
    escalation_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Life-safety tips: whether the acknowledgement came before the escalation deadline.
    acknowledged_within_target = models.BooleanField(null=True, blank=True)
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
        constraints = [
            models.UniqueConstraint(fields=["tip", "agency"], name="reports_routing_unique"),
            models.CheckConstraint(
                condition=~models.Q(state=RoutingState.DONE) | ~models.Q(disposition=""),
                name="reports_routing_done_has_disposition",
            ),
            models.CheckConstraint(
                condition=models.Q(state=RoutingState.NEW) | models.Q(acknowledged_at__isnull=False),
                name="reports_routing_worked_is_acknowledged",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "tip"], name="reports_routing_agency_tip"),
            # "Awaiting my acknowledgement" (the queue's badge and filter): only the few
            # unacknowledged rows, instead of a scan of every routing ever made.
            models.Index(
                fields=["agency", "tip"], condition=models.Q(acknowledged_at=None), name="reports_routing_unacked"
            ),
            # The queue's tab counts: one agency's tips in one state, read from the index.
            models.Index(fields=["agency", "tip_state", "tip"], name="reports_routing_agency_state"),
            # One agency's queue in its default order ("needs attention first").
            models.Index(
                fields=["agency", "-tip_attention", "-tip_received_at", "-tip"], name="reports_routing_queue_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tip} → {self.agency}"

    @property
    def is_responsible(self) -> bool:
        return self.role == RoutingRole.RESPONSIBLE

    @property
    def is_settled(self) -> bool:
        """Nothing more to chase this agency for: a person there (or a coordinator for it)
        has acknowledged, or its part is done. Escalation and the queue's highlight stop."""
        return self.acknowledged_at is not None or self.state == RoutingState.DONE

    @property
    def is_done(self) -> bool:
        return self.state == RoutingState.DONE

    def acknowledge(self, *, by, on_behalf: bool = False) -> bool:
        """Record that a person at this agency (or a coordinator for it, ``on_behalf``) has
        seen the tip; stops its escalation. Returns False if it was already acknowledged
        (the first acknowledgement stands)."""
        if self.acknowledged_at is not None:
            return False
        self.acknowledged_at = timezone.now()
        self.acknowledged_by = by
        self.acknowledged_on_behalf = on_behalf
        if self.escalation_due_at is not None:
            # In time: before the ladder went past the agency's own people.
            self.acknowledged_within_target = self.ladder_rung <= LadderRung.MEMBERS
        self.escalation_due_at = None
        fields = [
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_on_behalf",
            "escalation_due_at",
            "acknowledged_within_target",
        ]
        if self.state == RoutingState.NEW:
            self.state = RoutingState.ACKNOWLEDGED
            fields.append("state")
        self.save(update_fields=fields)
        return True

    def start_work(self, *, by, on_behalf: bool = False) -> None:
        """The agency is working on its part (acknowledging it first if nobody had)."""
        if self.state == RoutingState.WORKING:
            raise RoutingError("This part is already being worked on.")
        if self.state == RoutingState.DONE:
            raise RoutingError("This part is done: reopen it to work on it again.")
        self.acknowledge(by=by, on_behalf=on_behalf)
        self.state = RoutingState.WORKING
        self.save(update_fields=["state"])

    def finish(self, *, by, disposition: str, note: str, referred_to: str = "", on_behalf: bool = False) -> None:
        """The agency's part is done, with how it ended: one step from any open state.
        Finishing acknowledges too (nobody finishes what they have not seen), so it stops
        this agency's escalation."""
        if self.state == RoutingState.DONE:
            raise RoutingError("This part is already done.")
        if disposition not in Disposition.values:
            raise RoutingError("Choose how this part ended.")
        if disposition == Disposition.REFERRED and not referred_to.strip():
            raise RoutingError("Say to whom it was referred.")
        self.acknowledge(by=by, on_behalf=on_behalf)
        self.state = RoutingState.DONE
        self.disposition = disposition
        self.disposition_note = note.strip()
        self.referred_to = referred_to.strip() if disposition == Disposition.REFERRED else ""
        self.closed_at = timezone.now()
        self.closed_by = by
        self.escalation_due_at = None
        self.save(
            update_fields=[
                "state",
                "disposition",
                "disposition_note",
                "referred_to",
                "closed_at",
                "closed_by",
                "escalation_due_at",
            ]
        )

    def reopen(self) -> None:
        """Work on a finished part again (new information, a wrong call). Its disposition
        goes; the note and the history stay in the audit log and the timeline."""
        if self.state != RoutingState.DONE:
            raise RoutingError("Only a finished part can be reopened.")
        self.state = RoutingState.WORKING
        self.disposition = ""
        self.closed_at = None
        self.closed_by = None
        self.save(update_fields=["state", "disposition", "closed_at", "closed_by"])

    def assign(self, user) -> None:
        """Who at this agency carries its part (or nobody)."""
        self.assigned_to = user
        self.save(update_fields=["assigned_to"])

    def stop_clock(self) -> None:
        """This agency's escalation ends without an acknowledgement (it was made
        information only)."""
        if self.escalation_due_at is not None:
            self.escalation_due_at = None
            self.save(update_fields=["escalation_due_at"])


class Message(models.Model):
    """The conversation between staff and the anonymous tipster."""

    class Direction(models.TextChoices):
        FROM_TIPSTER = "from_tipster", _("From the tipster")
        TO_TIPSTER = "to_tipster", _("To the tipster")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        CLOSE_REQUEST = "close_request", _("Asks to close the report")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
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
    """An internal note, never shown to the tipster. Its audience is every agency the tip
    is routed to, or only the author's agency; coordinators read all notes. Who may read
    which note is decided in one place: ``reports.triage.access.readable_notes``."""

    class Audience(models.TextChoices):
        ALL_AGENCIES = "all", _("All agencies on this tip")
        AGENCY = "agency", _("Only my agency")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The author's agency: the whole audience of an agency-only note.
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.ALL_AGENCIES)
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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget(CANNED_REPLIES_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget(CANNED_REPLIES_CACHE_KEY)
        return result


CANNED_REPLIES_CACHE_KEY = "reports:canned-replies"


def active_canned_replies() -> list[tuple[int, str, str]]:
    """(id, title, text) of the replies staff can start from, in order: every tip page
    shows them, so they come from the cache until a coordinator saves one."""
    return cached(
        CANNED_REPLIES_CACHE_KEY,
        lambda: list(CannedReply.objects.filter(active=True).values_list("pk", "title", "body")),
    )


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
    # Both indexed by ``reports_notification_due`` (status, next_attempt_at) alone.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=this_hour)
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
