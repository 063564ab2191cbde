"""SECURITY.md 47 end to end: every kind of casework alert is sent, and no student's or
pupil's name (nor the school, nor anything staff wrote) is in any of them; the names are
not in a database dump either. Who may open a case or notice is the access matrix
(test_access_matrix.py); SECURITY.md 48 is test_suppression.py and test_figures.py."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from casework import cases, jobs
from casework.models import CaseworkAlert, SafetyAction
from reports.notifications.delivery import deliver_due
from tests.casework.conftest import PUPIL, STUDENT

pytestmark = pytest.mark.django_db


def test_no_name_in_any_casework_alert_or_dump(
    case, notice, principal_park, officer_olsen, coordinator_cole, clayton_high, time_machine
):
    today = timezone.localdate()
    SafetyAction.objects.create(
        case=case, kind="counselling", details=f"Refer {STUDENT}", owner=officer_olsen, due_on=today - timedelta(2)
    )
    cases.add_action(
        case=case, actor=principal_park, kind="check_in", details="", owner=principal_park, due_on=today + timedelta(1)
    )
    cases.set_review(case=case, actor=principal_park, review_on=today)
    jobs.run_daily()
    time_machine.move_to(timezone.now() + timedelta(days=3))
    jobs.run_daily()
    deliver_due()
    reasons = set(CaseworkAlert.objects.values_list("reason", flat=True))
    assert reasons == {"notice_new", "notice_overdue", "action_overdue", "action_due", "review_due"}
    assert len(mail.outbox) >= 6
    for email in mail.outbox:
        text = " ".join([email.subject, email.body, *[body for body, _ in email.alternatives]])
        for secret in (STUDENT, "Marlowe", PUPIL, "Brackwater", clayton_high.name, "padlock", "knife"):
            assert secret not in text, (secret, email.subject)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for secret in (STUDENT, PUPIL, "padlock"):
        assert secret not in dump.getvalue()
