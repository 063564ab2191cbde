"""Escalation of unacknowledged life-safety tips (SECURITY.md 34): the agencies' escalation
contacts, then the coordinators too, again and again until someone acknowledges; each step
on the tip's timeline."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from reports.models import Notification, Routing
from reports.notifications.delivery import deliver_due
from reports.notifications.escalation import escalate_due
from safeschools.models import AuditEvent
from tests.conftest import finish_every_part
from tests.reports.conftest import TUESDAY_10AM

PD = "Clayton Police Department"
DISTRICT = "Clayton School District"


def _timeline(tip) -> list[tuple[int, str, int]]:
    """(level, agency, minutes after the tip) of each escalation step, in order."""
    events = AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.ESCALATION).order_by("at", "id")
    return [(e.detail["level"], e.detail["agency"], int((e.at - TUESDAY_10AM).total_seconds() // 60)) for e in events]


def _escalated_to(tip) -> list[set[str]]:
    """Who each step alerted, step by step."""
    rows = Notification.objects.filter(tip=tip, kind=Notification.Kind.ESCALATION).order_by("created_at", "id")
    steps: dict = {}
    for created_at, username in rows.values_list("created_at", "recipient__username"):
        steps.setdefault(created_at, set()).add(username)
    return list(steps.values())


@pytest.fixture
def clayton_staff(officer_olsen, principal_park, sergeant_stone, superintendent_shaw, coordinator_cole):
    return None


@pytest.mark.django_db
def test_unacknowledged_life_safety_tip_escalates_to_contacts_then_coordinators_repeatedly(
    clock, make_tip, clayton_high, clayton_staff
):
    tip = make_tip(school=clayton_high, category="weapons").tip  # escalates after 10 minutes
    clock.shift(timedelta(minutes=9, seconds=59))
    assert escalate_due() == 0

    for _ in range(4):  # the worker's tick, over 40 minutes
        clock.shift(timedelta(seconds=1))
        escalate_due()
        clock.shift(timedelta(minutes=9, seconds=59))
        escalate_due()

    assert _timeline(tip) == [
        (1, DISTRICT, 10),
        (1, PD, 10),
        (2, DISTRICT, 20),
        (2, PD, 20),
        (3, DISTRICT, 30),
        (3, PD, 30),
        (4, DISTRICT, 40),
        (4, PD, 40),
    ]
    contacts = {"stone", "shaw"}
    assert _escalated_to(tip) == [contacts, contacts | {"cole"}, contacts | {"cole"}, contacts | {"cole"}]
    assert set(Notification.objects.filter(kind="escalation").values_list("urgent", flat=True)) == {True}


@pytest.mark.django_db
def test_acknowledgement_stops_escalation_and_cancels_alerts_not_yet_sent(
    clock, make_tip, clayton_high, clayton_staff, officer_olsen, smtp
):
    tip = make_tip(school=clayton_high, category="weapons").tip
    deliver_due()
    clock.shift(timedelta(minutes=10))
    escalate_due()  # level 1 queued; the mail server is slow to take it
    smtp.down = True
    deliver_due()
    smtp.down = False

    # Officer Olsen acknowledges from the dashboard (another process, another instance).
    Routing.objects.get(tip=tip, agency__name=PD).acknowledge(by=officer_olsen)
    clock.shift(timedelta(minutes=30))
    assert escalate_due() == 0
    deliver_due()

    assert _timeline(tip) == [(1, DISTRICT, 10), (1, PD, 10)]
    # The district's own due time is cleared too: one acknowledgement is enough.
    assert list(tip.routings.values_list("escalation_due_at", flat=True)) == [None, None]
    escalations = Notification.objects.filter(tip=tip, kind=Notification.Kind.ESCALATION)
    assert set(escalations.values_list("status", flat=True)) == {"cancelled"}
    assert not [m for m in mail.outbox if "not acknowledged" in m.subject]


@pytest.mark.django_db
def test_acknowledgement_between_ticks_is_seen_by_the_next_check(clock, make_tip, clayton_high, clayton_staff):
    tip = make_tip(school=clayton_high, category="weapons").tip
    clock.shift(timedelta(minutes=10))
    escalate_due()
    # An acknowledgement that leaves the due time in place (as a racing write would):
    # the check decides from acknowledged_at, read under lock, not from the due time.
    Routing.objects.filter(tip=tip, agency__name=DISTRICT).update(acknowledged_at=TUESDAY_10AM + timedelta(minutes=11))
    clock.shift(timedelta(minutes=10))

    assert escalate_due() == 0
    assert len(_timeline(tip)) == 2
    assert not tip.routings.filter(escalation_due_at__isnull=False).exists()


@pytest.mark.django_db
def test_without_escalation_contacts_the_coordinators_are_alerted_at_the_first_step(
    clock, make_tip, clayton_high, officer_olsen, coordinator_cole
):
    tip = make_tip(school=clayton_high, danger_now=True).tip
    clock.shift(timedelta(minutes=10))

    escalate_due()

    assert _escalated_to(tip) == [{"cole"}]
    assert {e.detail["coordinators"] for e in AuditEvent.objects.filter(action="escalation")} == {True}


@pytest.mark.django_db
def test_escalation_waits_the_categorys_minutes(clock, make_tip, clayton_high, clayton_staff, categories):
    categories["self_harm"].escalation_minutes = 3
    categories["self_harm"].save()
    tip = make_tip(school=clayton_high, category="self_harm").tip

    clock.shift(timedelta(minutes=3))
    escalate_due()
    clock.shift(timedelta(minutes=3))
    escalate_due()

    assert [(level, minutes) for level, _, minutes in _timeline(tip)] == [(1, 3), (1, 3), (2, 6), (2, 6)]


@pytest.mark.django_db
def test_closed_tips_and_normal_tips_do_not_escalate(clock, make_tip, clayton_high, clayton_staff):
    urgent = make_tip(school=clayton_high, category="weapons").tip
    normal = make_tip(school=clayton_high).tip
    clock.shift(timedelta(minutes=5))
    finish_every_part(urgent, by=None)
    clock.shift(timedelta(hours=1))

    assert escalate_due() == 0
    assert _timeline(urgent) == [] and _timeline(normal) == []
    assert not Routing.objects.filter(escalation_due_at__isnull=False).exists()


@pytest.mark.django_db
def test_info_only_agencies_do_not_escalate(clock, make_tip, clayton_high, clayton_staff, categories):
    from partners.models import Agency
    from reports.models import RoutingRule

    crisis = Agency.objects.create(name="Crisis Line", slug="crisis", kind=Agency.Kind.MENTAL_HEALTH)
    RoutingRule.objects.create(category=categories["self_harm"], agency=crisis, role="info_only")
    tip = make_tip(school=clayton_high, category="self_harm").tip
    clock.shift(timedelta(minutes=10))

    escalate_due()

    assert {agency for _, agency, _ in _timeline(tip)} == {PD, DISTRICT}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_at_once_take_one_step(settings, clock, make_tip, clayton_high, clayton_staff):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    tip = make_tip(school=clayton_high, category="weapons").tip
    clock.shift(timedelta(minutes=10))
    start = threading.Barrier(2, timeout=10)
    errors = []

    def worker():
        try:
            start.wait()
            escalate_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert _timeline(tip) == [(1, DISTRICT, 10), (1, PD, 10)]
    assert _escalated_to(tip) == [{"stone", "shaw"}]
