"""The Partnership's own work after a tip: behavioural threat assessment cases, Safe Schools
Act notices (RSMo 167.115), hand-offs recorded on a tip, the marks that feed the state
report (RSMo 160.261) and the quarterly public figures.

Access (SECURITY.md 47): a case is seen by its team and the coordinators; a notice by its
sender agency, the recipient agency's designees, the team of a case it is linked to, and
the coordinators. Everyone else gets 404, exactly as for a tip of another agency. Names of
students and pupils, and every text staff write here, are encrypted at rest and never put
in an alert.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Agency, Membership, School
from reports.models import Notification, Tip
from reports.triage import permissions
from safeschools.crypto import EncryptedTextField


def new_reference(prefix: str) -> str:
    """A short random reference ("C-…", "N-…"): random, so it reveals no count."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(7))


def is_coordinator(user) -> bool:
    """Whether the user is a coordinator: the tips' rule (``reports.triage.permissions``),
    from the memberships read once per request."""
    return permissions.is_coordinator(user)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class Offence(models.Model):
    """One act listed in RSMo 167.115.1. Kept as data so coordinators can follow the statute
    when it changes; a notice names one or more of them."""

    name = models.CharField(_("act"), max_length=200, unique=True)
    statute = models.CharField(_("statute reference"), max_length=200, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    active = models.BooleanField(_("offered on new notices"), default=True)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("Safe Schools Act offence")
        verbose_name_plural = _("Safe Schools Act offences")

    def __str__(self) -> str:
        return f"{self.name} ({self.statute})" if self.statute else self.name


class StateReportKind(models.TextChoices):
    """The two things RSMo 160.261 asks districts to count for the state."""

    CREDIBLE_THREAT = "credible_threat", _("Credible school safety threat")
    INCIDENT = "incident", _("School safety incident")


# --- Threat assessment cases -------------------------------------------------------------


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """The one door to cases: coordinators see every case, everyone else the cases whose
        team they are on."""
        if not _signed_in(user):
            return self.none()
        if is_coordinator(user):
            return self.all()
        return self.filter(members__user=user)


class ThreatCase(models.Model):
    """A behavioural threat assessment (CSTAG) about one student at one school."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Classification(models.TextChoices):
        UNDECIDED = "", _("Not yet classified")
        TRANSIENT = "transient", _("Transient")
        SUBSTANTIVE = "substantive", _("Substantive (level not decided)")
        SERIOUS = "serious", _("Serious substantive")
        VERY_SERIOUS = "very_serious", _("Very serious substantive")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved: the safety plan was carried out")
        NO_THREAT = "no_threat", _("No threat found after assessment")
        REFERRED = "referred", _("Referred to another service, which leads now")
        LEFT = "left", _("The student left the school or district")

    reference = models.CharField(max_length=12, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="threat_cases")
    tips = models.ManyToManyField(Tip, blank=True, related_name="threat_cases")
    student_name = EncryptedTextField(_("student of concern"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    classification = models.CharField(max_length=20, choices=Classification.choices, blank=True, default="")
    review_on = models.DateField(_("follow-up review"), null=True, blank=True)
    review_reminded_on = models.DateField(null=True, blank=True)
    state_report_kind = models.CharField(
        _("state report"), max_length=20, choices=StateReportKind.choices, blank=True, default=""
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_note = EncryptedTextField(_("outcome note"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["status", "-opened_at", "-id"]
        verbose_name = _("threat assessment case")
        verbose_name_plural = _("threat assessment cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at=None) | (Q(status="closed") & ~Q(closed_at=None) & ~Q(outcome="")),
                name="casework_case_closed_has_outcome",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def review_passed(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.review_on is not None and self.review_on <= today


class CaseMember(models.Model):
    """A named staff member on a case's team, for one of their agencies."""

    case = models.ForeignKey(ThreatCase, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="casework_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} on {self.case}"


class DecisionStep(models.Model):
    """One recorded step of the CSTAG decision tree, with who and when. Rows are never
    changed: a later decision on the same step is a new row, with a written reason."""

    class Step(models.TextChoices):
        ACCOUNT = "account", _("1. The threat and its context")
        TRANSIENT = "transient", _("2. Transient or substantive?")
        SERIOUSNESS = "seriousness", _("3. Serious or very serious?")
        PROTECTIVE = "protective", _("4. Protective actions and notifications")
        SAFETY_EVALUATION = "safety_evaluation", _("5. Safety evaluation")

    class Decision(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        TRANSIENT = "transient", _("Transient: resolved")
        SUBSTANTIVE = "substantive", _("Substantive")
        SERIOUS = "serious", _("Serious substantive")
        VERY_SERIOUS = "very_serious", _("Very serious substantive")
        DONE = "done", _("Done")

    case = models.ForeignKey(ThreatCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=20, choices=Step.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    checks = models.JSONField(default=list, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    override_reason = EncryptedTextField(_("reason for the override"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.step}: {self.decision}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)


class SafetyAction(models.Model):
    """One action of a case's safety plan, owned by a team member, due on a day."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision")
        COUNSELLING = "counselling", _("Counselling referral")
        PARENT_MEETING = "parent_meeting", _("Parent meeting")
        SCHEDULE_CHANGE = "schedule_change", _("Schedule change")
        CHECK_IN = "check_in", _("Check-ins")
        OTHER = "other", _("Other")

    case = models.ForeignKey(ThreatCase, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=20, choices=Kind.choices)
    details = EncryptedTextField(_("details"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_actions")
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reminded_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on"], condition=Q(done_at=None), name="casework_action_open_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case}"

    def is_overdue(self, today: date | None = None) -> bool:
        return self.done_at is None and self.due_on < (today or timezone.localdate())

    def mark_done(self, *, by) -> bool:
        """Record that the action was carried out; the first record stands."""
        if self.done_at is not None:
            return False
        self.done_at = timezone.now()
        self.done_by = by
        self.save(update_fields=["done_at", "done_by"])
        return True


# --- Safe Schools Act notices ---------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> NoticeQuerySet:
        """The one door to notices: the sender agency's members, the recipient agency's
        designees, the team of a linked case, and coordinators. Not other district staff."""
        if not _signed_in(user):
            return self.none()
        if is_coordinator(user):
            return self.all()
        mine = Membership.objects.filter(user=user)
        designee_of = mine.filter(is_safe_schools_designee=True).exclude(role=Membership.Role.VIEWER)
        return self.filter(
            Q(sender_agency__in=mine.values("agency_id"))
            | Q(recipient_agency__in=designee_of.values("agency_id"))
            | Q(case__in=CaseMember.objects.filter(user=user).values("case_id"))
        )


class Notice(models.Model):
    """A notice under RSMo 167.115: police or the juvenile office tell a district's
    superintendent (through the designee) that a petition alleges a pupil committed a listed
    act; or, the other way, a district tells the juvenile court of a long suspension or an
    expulsion. The victim's name never appears in it (the form checks)."""

    class Direction(models.TextChoices):
        TO_DISTRICT = "to_district", _("To a school district (petition filed)")
        TO_COURT = "to_court", _("To the juvenile court (suspension or expulsion)")

    class Action(models.TextChoices):
        SUSPENSION = "suspension", _("Suspension of more than 10 school days")
        EXPULSION = "expulsion", _("Expulsion")

    reference = models.CharField(max_length=12, unique=True, editable=False)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    sender_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notices_sent")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recipient_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notices_received")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="notices")
    pupil_name = EncryptedTextField(_("pupil"))
    offences = models.ManyToManyField(Offence, blank=True, related_name="notices")
    action = models.CharField(_("school action"), max_length=20, choices=Action.choices, blank=True)
    action_days = models.PositiveSmallIntegerField(_("length of the suspension (school days)"), null=True, blank=True)
    conduct = EncryptedTextField(_("description of the conduct"))
    conduct_on = models.DateField(_("date of the conduct"))
    filed_on = models.DateField(_("date of the petition or of the school's decision"))
    case = models.ForeignKey(ThreatCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices")
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when a coordinator acknowledged for the receiving agency after reaching it another
    # way (no designee enrolled, or none answering): who was reached and how, encrypted.
    acknowledgement_note = EncryptedTextField(_("whom the Partnership office reached, and how"), blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("Safe Schools Act notice")
        verbose_name_plural = _("Safe Schools Act notices")

    def __str__(self) -> str:
        return self.reference

    @property
    def due_by(self):
        return self.sent_at + timedelta(days=settings.NOTICE_ACK_DAYS)

    @property
    def acknowledged_on_behalf(self) -> bool:
        """A coordinator acknowledged for the receiving agency (only they write a note)."""
        return bool(self.acknowledgement_note)

    def is_overdue(self, now=None) -> bool:
        return self.acknowledged_at is None and (now or timezone.now()) > self.due_by

    def acknowledge(self, *, by, on_behalf_note: str = "") -> bool:
        """A designee records that the district (or court) has the notice, or a coordinator
        does for it (``on_behalf_note``: whom they reached, and how); the first
        acknowledgement stands, also against one made at the same moment (one conditional
        UPDATE)."""
        if self.acknowledged_at is not None:
            return False
        values = {
            "acknowledged_at": timezone.now(),
            "acknowledged_by": by,
            "acknowledgement_note": on_behalf_note,
        }
        if not Notice.objects.filter(pk=self.pk, acknowledged_at=None).update(**values):
            return False
        for name, value in values.items():
            setattr(self, name, value)
        return True


# --- On a tip: hand-offs and the state report mark -------------------------------------


class HandOff(models.Model):
    """Staff passed the matter on outside the tip line: 911, Courage2Report, the Children's
    Division hotline, a mental-health partner. Goes with the tip when it is purged."""

    class Kind(models.TextChoices):
        CALLED_911 = "911", _("911 called")
        COURAGE2REPORT = "c2r", _("Referred to Courage2Report")
        CHILDRENS_DIVISION = "cd_hotline", _("Children's Division hotline report (mandated report)")
        MENTAL_HEALTH = "mental_health", _("Referred to a mental-health partner")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="hand_offs")
    kind = models.CharField(_("hand-off"), max_length=20, choices=Kind.choices)
    happened_at = models.DateTimeField(_("when"))
    external_reference = models.CharField(_("their reference"), max_length=60, blank=True)
    partner = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    note = EncryptedTextField(_("note"), blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.tip_id}"


class StateReportEntry(models.Model):
    """A tip or case that a district counts for the state under RSMo 160.261. Keeps only
    what the aggregate needs (district, school, kind, day), so the count survives the
    tip's or case's retention purge."""

    district = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=StateReportKind.choices)
    occurred_on = models.DateField()
    tip = models.ForeignKey(Tip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    case = models.ForeignKey(ThreatCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "tip"], name="casework_state_entry_tip_once"),
            models.UniqueConstraint(fields=["district", "case"], name="casework_state_entry_case_once"),
        ]
        indexes = [models.Index(fields=["district", "occurred_on"], name="casework_state_entry_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.school_id} on {self.occurred_on}"

    @classmethod
    def mark(cls, *, district_id: int, kind: str, school: School, occurred_on: date, by, **subject) -> None:
        """Count the tip or case (``subject``: ``tip=`` or ``case=``) as ``kind`` in its
        district's report, or stop counting it when ``kind`` is empty."""
        if not kind:
            cls.objects.filter(district_id=district_id, **subject).delete()
            return
        cls.objects.update_or_create(
            district_id=district_id,
            **subject,
            defaults={"school": school, "kind": kind, "occurred_on": occurred_on, "marked_by": by},
        )


# --- Alerts and public figures -----------------------------------------------------------


class CaseworkAlert(models.Model):
    """What a casework row in the outbox is about, so its e-mail can name a reference and
    link (and nothing else): ``reports`` never imports casework."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(ThreatCase, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    action = models.ForeignKey(SafetyAction, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=30)

    def __str__(self) -> str:
        return f"{self.reason} ({self.notification_id})"


class FiguresQuarter(models.Model):
    """The public figures of one calendar quarter, computed once after it ended and never
    again (SECURITY.md 48): the page shows stored cells, already suppressed, never live
    counts. Holds no count under the threshold."""

    starts_on = models.DateField(unique=True)
    computed_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField()

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.label

    @property
    def number(self) -> int:
        return (self.starts_on.month - 1) // 3 + 1

    @property
    def label(self) -> str:
        return f"{self.starts_on.year} Q{self.number}"
