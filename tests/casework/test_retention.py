"""Cases are kept CASE_RETENTION_DAYS (three years) after closing, then deleted with their
team, steps, plan and alerts; an audit stub stays. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import cases, jobs
from casework.models import CaseMember, CaseworkAlert, DecisionStep, Notice, SafetyAction, ThreatCase
from casework.retention import purge_expired_cases
from reports.models import Notification
from safeschools.models import AuditEvent
from tests.casework.conftest import STUDENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(case, principal_park, notice, time_machine):
    from casework import notices

    notices.link_to_case(notice=notice, case=case, actor=principal_park)
    SafetyAction.objects.create(
        case=case, kind="check_in", owner=principal_park, due_on=timezone.localdate() - timedelta(1)
    )
    jobs.run_daily()  # an overdue reminder in the outbox
    cases.set_review(case=case, actor=principal_park, review_on=timezone.localdate())
    cases.close_case(case=case, actor=principal_park, outcome="resolved", note=f"{STUDENT} is doing well.")
    return ThreatCase.objects.get(pk=case.pk)


def test_a_closed_case_stays_for_three_years(closed_case, settings):
    assert settings.CASE_RETENTION_DAYS == 3 * 365
    assert purge_expired_cases(now=timezone.now() + timedelta(days=3 * 365 - 1)) == 0
    assert ThreatCase.objects.exists()


def test_then_it_goes_with_everything_of_its_own(closed_case, notice):
    assert CaseworkAlert.objects.filter(case=closed_case).exists()
    later = timezone.now() + timedelta(days=3 * 365 + 1)
    assert purge_expired_cases(now=later) == 1
    assert not ThreatCase.objects.exists()
    for model in (CaseMember, DecisionStep, SafetyAction):
        assert not model.objects.exists(), model
    assert not CaseworkAlert.objects.filter(notice=None).exists()  # the notice's own alert stays
    assert not Notification.objects.filter(kind=Notification.Kind.CASE_REMINDER).exists()
    assert Notice.objects.get(pk=notice.pk).case is None  # the notice is the sender's record
    stub = AuditEvent.objects.get(action=AuditEvent.Action.CASE_PURGED)
    assert stub.tip_reference == closed_case.reference
    assert stub.detail["outcome"] == "resolved" and stub.detail["district"] == "Clayton School District"
    assert STUDENT not in str(stub.detail)
    assert purge_expired_cases(now=later) == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CASE_PURGED).count() == 1


def test_open_cases_are_never_purged(case):
    assert purge_expired_cases(now=timezone.now() + timedelta(days=10 * 365)) == 0


def test_the_period_is_configurable_and_the_daily_job_purges(closed_case, settings):
    settings.CASE_RETENTION_DAYS = 30
    assert jobs.run_daily(now=timezone.now() + timedelta(days=31))["cases_purged"] == 1


# --- Safe Schools Act notices -------------------------------------------------------------


def test_an_acknowledged_notice_stays_three_years_after_its_acknowledgement(notice, principal_park, settings):
    from casework import notices
    from casework.retention import purge_expired_notices

    assert settings.NOTICE_RETENTION_DAYS == 3 * 365
    notices.acknowledge(notice=notice, actor=principal_park)
    acknowledged = Notice.objects.get(pk=notice.pk).acknowledged_at
    assert purge_expired_notices(now=acknowledged + timedelta(days=3 * 365 - 1)) == 0
    assert Notice.objects.exists()


def test_then_it_goes_with_its_alerts_and_leaves_a_stub(notice, principal_park):
    from casework import notices
    from casework.retention import purge_expired_notices
    from tests.casework.conftest import PUPIL

    assert CaseworkAlert.objects.filter(notice=notice).exists()
    notices.acknowledge(notice=notice, actor=principal_park)
    later = timezone.now() + timedelta(days=3 * 365 + 1)
    assert purge_expired_notices(now=later) == 1
    assert not Notice.objects.exists()
    assert not CaseworkAlert.objects.exists()
    assert not Notification.objects.exists()
    stub = AuditEvent.objects.get(action=AuditEvent.Action.NOTICE_PURGED)
    assert stub.tip_reference == notice.reference
    assert stub.detail["recipient"] == "Clayton School District" and stub.detail["on_behalf"] is False
    assert stub.detail["direction"] == Notice.Direction.TO_DISTRICT
    assert PUPIL not in str(stub.detail) and "locker" not in str(stub.detail)
    assert purge_expired_notices(now=later) == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOTICE_PURGED).count() == 1


def test_a_notice_nobody_acknowledged_is_never_purged(notice):
    from casework.retention import purge_expired_notices

    assert purge_expired_notices(now=timezone.now() + timedelta(days=10 * 365)) == 0
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_a_notice_stays_while_a_case_links_it_and_goes_with_the_case_purge(closed_case, notice, principal_park):
    """The case purge unlinks the notice; the same daily run can then delete it."""
    from casework import notices
    from casework.retention import purge_expired_notices

    notices.acknowledge(notice=notice, actor=principal_park)
    assert purge_expired_notices(now=timezone.now() + timedelta(days=3 * 365 + 1)) == 0  # the case links it
    assert Notice.objects.filter(pk=notice.pk).exists()
    result = jobs.run_daily(now=timezone.now() + timedelta(days=3 * 365 + 1))
    assert result["cases_purged"] == 1 and result["notices_purged"] == 1
    assert not Notice.objects.exists()


def test_the_notice_period_is_configurable(notice, principal_park, settings):
    from casework import notices

    settings.NOTICE_RETENTION_DAYS = 30
    notices.acknowledge(notice=notice, actor=principal_park)
    assert jobs.run_daily(now=timezone.now() + timedelta(days=31))["notices_purged"] == 1
