"""Casework alerts through the existing outbox (``reports.Notification``): safety-plan
reminders, follow-up reviews and Safe Schools Act notices. Each outbox row gets a
``CaseworkAlert`` saying what it is about; the e-mail names a reference, a date and a link,
never a student, pupil, school, offence or anything staff wrote (SECURITY.md 47)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone

from casework.models import CaseMember, CaseworkAlert, Notice, SafetyAction, ThreatCase
from partners.models import Membership
from reports.models import Notification
from reports.notifications.delivery import request_delivery
from reports.notifications.emails import Alert, NothingToSend, register_renderer

Kind = Notification.Kind


def _queue(kind: str, *, recipient_id: int, agency_id: int | None, reason: str, urgent: bool = False, **about):
    notification = Notification.objects.create(kind=kind, recipient_id=recipient_id, agency_id=agency_id, urgent=urgent)
    CaseworkAlert.objects.create(notification=notification, reason=reason, **about)
    return notification


def queue_action_reminders(*, today: date) -> int:
    """Remind owners of open actions due tomorrow, due today or overdue: once a day each."""
    due = (
        SafetyAction.objects.filter(done_at=None, case__status=ThreatCase.Status.OPEN, due_on__lte=today + timedelta(1))
        .filter(Q(reminded_on=None) | Q(reminded_on__lt=today))
        .filter(owner__is_active=True)
    )
    queued = 0
    for action in due.select_related("case"):
        # Claim the day's reminder first: a second run the same day finds nothing to claim.
        if not SafetyAction.objects.filter(pk=action.pk).exclude(reminded_on=today).update(reminded_on=today):
            continue
        seat = CaseMember.objects.filter(case=action.case, user_id=action.owner_id).values_list("agency_id", flat=True)
        reason = "action_overdue" if action.due_on < today else "action_due"
        _queue(
            Kind.CASE_REMINDER,
            recipient_id=action.owner_id,
            agency_id=seat.first(),
            reason=reason,
            urgent=reason == "action_overdue",
            case=action.case,
            action=action,
        )
        queued += 1
    if queued:
        request_delivery()
    return queued


def queue_review_reminders(*, today: date) -> int:
    """Tell each team member once when an open case's follow-up review date has come."""
    queued = 0
    for case in ThreatCase.objects.filter(status=ThreatCase.Status.OPEN, review_on__lte=today, review_reminded_on=None):
        if not ThreatCase.objects.filter(pk=case.pk, review_reminded_on=None).update(review_reminded_on=today):
            continue
        for user_id, agency_id in case.members.filter(user__is_active=True).values_list("user_id", "agency_id"):
            _queue(Kind.CASE_REMINDER, recipient_id=user_id, agency_id=agency_id, reason="review_due", case=case)
            queued += 1
    if queued:
        request_delivery()
    return queued


def notice_recipients(notice: Notice) -> tuple[list[tuple[int, int]], bool]:
    """(user id, agency id) of the recipient agency's designees; when it has none, the
    coordinators instead (a notice must reach a person). The flag says which it was."""
    designees = (
        Membership.objects.filter(agency=notice.recipient_agency, is_safe_schools_designee=True, user__is_active=True)
        .exclude(role=Membership.Role.VIEWER)
        .values_list("user_id", "agency_id")
    )
    found = list(designees)
    if found:
        return found, True
    coordinators = Membership.objects.filter(role=Membership.Role.COORDINATOR, user__is_active=True)
    return list(coordinators.values_list("user_id", "agency_id")), False


def queue_notice_alerts(notice: Notice, *, reason: str) -> list[int]:
    """Alert whoever must acknowledge the notice. Overdue notices also alert coordinators."""
    recipients, designated = notice_recipients(notice)
    if not designated and reason == "notice_new":
        reason = "no_designee"
    if reason == "notice_overdue":
        coordinators = Membership.objects.filter(role=Membership.Role.COORDINATOR, user__is_active=True)
        recipients += list(coordinators.values_list("user_id", "agency_id"))
    seen: set[int] = set()
    for user_id, agency_id in recipients:
        if user_id in seen:
            continue
        seen.add(user_id)
        _queue(Kind.NOTICE, recipient_id=user_id, agency_id=agency_id, reason=reason, urgent=True, notice=notice)
    if seen:
        request_delivery()
    return sorted(seen)


def queue_overdue_notice_alerts(*, now) -> int:
    """Once per notice: designees and coordinators hear that it is still unacknowledged."""
    cutoff = now - timedelta(days=settings.NOTICE_ACK_DAYS)
    count = 0
    for notice in Notice.objects.filter(acknowledged_at=None, overdue_alerted_at=None, sent_at__lt=cutoff):
        if Notice.objects.filter(pk=notice.pk, overdue_alerted_at=None).update(overdue_alerted_at=now):
            queue_notice_alerts(notice, reason="notice_overdue")
            count += 1
    return count


# --- Wording (registered with reports.notifications.emails) ------------------------------


def _link(name: str, pk: int) -> str:
    return settings.SITE_URL + reverse(name, args=[pk])


def _about(notification: Notification) -> CaseworkAlert:
    about = (
        CaseworkAlert.objects.filter(notification_id=notification.pk)
        .select_related("case", "action", "notice")
        # Only what the e-mail says: no encrypted column is even loaded.
        .only("reason", "case__reference", "case__status", "action__due_on", "action__done_at", "notice__reference")
        .first()
    )
    if about is None:
        raise NothingToSend("what this alert was about no longer exists")
    return about


@register_renderer(Kind.CASE_REMINDER)
def render_case_reminder(notification: Notification) -> Alert:
    about = _about(notification)
    case = about.case
    if case is None or case.status != ThreatCase.Status.OPEN:
        raise NothingToSend("the case is closed or gone")
    if about.action_id and about.action.done_at is not None:
        raise NothingToSend("the action was done meanwhile")
    due = formats.date_format(about.action.due_on, "F j, Y") if about.action_id else ""
    subjects = {
        "action_overdue": f"Overdue: a safety-plan action on case {case.reference}",
        "action_due": f"Due soon: a safety-plan action on case {case.reference}",
        "review_due": f"Follow-up review due: case {case.reference}",
    }
    return Alert(
        subject=subjects[about.reason],
        template="case_reminder",
        context={
            "reference": case.reference,
            "reason": about.reason,
            "due": due,
            "link": _link("casework:case", case.pk),
        },
        urgent=notification.urgent,
    )


@register_renderer(Kind.NOTICE)
def render_notice(notification: Notification) -> Alert:
    about = _about(notification)
    notice = about.notice
    if notice is None:
        raise NothingToSend("the notice no longer exists")
    fresh = Notice.objects.filter(pk=notice.pk).values_list("acknowledged_at", "sent_at").first()
    if fresh[0] is not None:
        raise NothingToSend("the notice was acknowledged meanwhile")
    due = timezone.localtime(fresh[1] + timedelta(days=settings.NOTICE_ACK_DAYS))
    return Alert(
        subject=f"URGENT: Safe Schools Act notice {notice.reference} to acknowledge",
        template="notice",
        context={
            "reference": notice.reference,
            "reason": about.reason,
            "due": formats.date_format(due, "F j, Y, g:i A"),
            "link": _link("casework:notice", notice.pk),
        },
        urgent=True,
    )
