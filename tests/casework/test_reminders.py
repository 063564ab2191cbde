"""Safety-plan and review reminders through the outbox, from the daily casework job
(SECURITY.md 47: the student's name is never in an alert)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from casework import cases, jobs
from casework.models import CaseworkAlert, SafetyAction
from reports.models import Notification
from reports.notifications.delivery import deliver_due
from safeschools.schedule import _RECURRING
from tests.casework.conftest import STUDENT

pytestmark = pytest.mark.django_db


def _overdue_action(case, owner, days=1):
    return SafetyAction.objects.create(
        case=case,
        kind="parent_meeting",
        details="Meet the Marlowe-Zed family",
        owner=owner,
        due_on=timezone.localdate() - timedelta(days=days),
    )


def test_the_daily_job_is_registered_with_the_schedule():
    assert "casework.jobs.casework_daily" in _RECURRING


def test_an_overdue_action_alerts_its_owner_once_a_day(case, officer_olsen, principal_park, time_machine):
    action = _overdue_action(case, officer_olsen)
    cases.add_action(
        case=case,
        actor=principal_park,
        kind="check_in",
        details="",
        owner=principal_park,
        due_on=timezone.localdate() + timedelta(days=10),
    )
    result = jobs.run_daily()
    assert result["action_reminders"] == 1
    notification = Notification.objects.get(kind=Notification.Kind.CASE_REMINDER)
    assert notification.recipient == officer_olsen and notification.urgent
    assert CaseworkAlert.objects.get(notification=notification).action == action
    assert jobs.run_daily()["action_reminders"] == 0  # the same day: nothing new
    time_machine.move_to(timezone.now() + timedelta(days=1))
    assert jobs.run_daily()["action_reminders"] == 1  # the next day, still overdue


def test_the_reminder_email_names_the_case_and_nothing_else(case, officer_olsen, clayton_high):
    _overdue_action(case, officer_olsen)
    jobs.run_daily()
    deliver_due()
    [email] = mail.outbox
    assert email.to == [officer_olsen.email]
    assert case.reference in email.subject and "Overdue" in email.subject
    body = email.body + email.alternatives[0][0]
    assert f"/staff/casework/cases/{case.pk}/" in body
    for secret in (STUDENT, "Marlowe", clayton_high.name, "Parent meeting", "knife", "Meet the"):
        assert secret not in email.subject and secret not in body, secret


def test_a_done_action_is_not_reminded(case, officer_olsen, principal_park):
    action = _overdue_action(case, officer_olsen)
    jobs.run_daily()
    cases.complete_action(case=case, actor=officer_olsen, action=action)
    assert deliver_due().cancelled == 1
    assert not mail.outbox


def test_an_action_due_tomorrow_is_a_gentle_reminder(case, principal_park):
    cases.add_action(
        case=case,
        actor=principal_park,
        kind="check_in",
        details="",
        owner=principal_park,
        due_on=timezone.localdate() + timedelta(days=1),
    )
    jobs.run_daily()
    deliver_due()
    assert mail.outbox[0].subject.startswith("Due soon")
    assert Notification.objects.get().urgent is False


def test_the_review_date_reminds_the_whole_team_once(case, principal_park, officer_olsen, time_machine):
    cases.set_review(case=case, actor=principal_park, review_on=timezone.localdate() + timedelta(days=3))
    assert jobs.run_daily()["review_reminders"] == 0
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert jobs.run_daily()["review_reminders"] == 2
    assert jobs.run_daily()["review_reminders"] == 0
    deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([principal_park.email, officer_olsen.email])
    assert all(STUDENT not in m.body for m in mail.outbox)
