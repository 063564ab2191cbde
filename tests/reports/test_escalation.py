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
from tests.reports.conftest import TUESDAY_10AM

PD = "Clayton Police Department"
DISTRICT = "Clayton School District"


def _timeline(tip) -> list[tuple[int, str]]:
    """(level, agency) of each escalation step, in order. Each is stamped with the tip's
    hour, not its own time (SECURITY.md 37): when a step happened is what the tests' clock
    says at the call that took it."""
    events = AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.ESCALATION).order_by("id")
    assert {e.at for e in events} <= {tip.received_at}
    return [(e.detail["level"], e.detail["agency"]) for e in events]


class Steps:
    """``escalate_due`` that remembers, call by call, whom each step alerted."""

    def __init__(self) -> None:
        self.alerted: list[set[str]] = []
        self.seen: set[int] = set()

    def __call__(self) -> int:
        escalated = escalate_due()
        rows = Notification.objects.filter(kind=Notification.Kind.ESCALATION).exclude(pk__in=self.seen)
        new = dict(rows.values_list("pk", "recipient__username"))
        self.seen |= set(new)
        if new:
            self.alerted.append(set(new.values()))
        return escalated


@pytest.fixture
def clayton_staff(officer_olsen, principal_park, sergeant_stone, superintendent_shaw, coordinator_cole):
    return None


@pytest.mark.django_db
def test_unacknowledged_life_safety_tip_escalates_to_contacts_then_coordinators_repeatedly(
    clock, make_tip, clayton_high, clayton_staff
):
    tip = make_tip(school=clayton_high, category="weapons").tip  # escalates after 10 minutes
    step = Steps()
    clock.shift(timedelta(minutes=9, seconds=59))
    assert step() == 0

    for _ in range(4):  # the worker's tick, over 40 minutes: a step at 10, 20, 30 and 40
        clock.shift(timedelta(seconds=1))
        assert step() == 2
        clock.shift(timedelta(minutes=9, seconds=59))
        assert step() == 0

    assert _timeline(tip) == [(level, agency) for level in (1, 2, 3, 4) for agency in (DISTRICT, PD)]
    contacts = {"stone", "shaw"}
    assert step.alerted == [contacts, contacts | {"cole"}, contacts | {"cole"}, contacts | {"cole"}]
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

    assert _timeline(tip) == [(1, DISTRICT), (1, PD)]
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
    make_tip(school=clayton_high, danger_now=True)
    clock.shift(timedelta(minutes=10))
    step = Steps()

    step()

    assert step.alerted == [{"cole"}]
    assert {e.detail["coordinators"] for e in AuditEvent.objects.filter(action="escalation")} == {True}


@pytest.mark.django_db
def test_escalation_waits_the_categorys_minutes(clock, make_tip, clayton_high, clayton_staff, categories):
    categories["self_harm"].escalation_minutes = 3
    categories["self_harm"].save()
    tip = make_tip(school=clayton_high, category="self_harm").tip

    clock.shift(timedelta(minutes=2, seconds=59))
    assert escalate_due() == 0
    clock.shift(timedelta(seconds=1))
    assert escalate_due() == 2
    clock.shift(timedelta(minutes=3))
    assert escalate_due() == 2

    assert [level for level, _ in _timeline(tip)] == [1, 1, 2, 2]


@pytest.mark.django_db
def test_closed_tips_and_normal_tips_do_not_escalate(clock, make_tip, clayton_high, clayton_staff):
    urgent = make_tip(school=clayton_high, category="weapons").tip
    normal = make_tip(school=clayton_high).tip
    urgent.closed_at = TUESDAY_10AM + timedelta(minutes=5)
    urgent.status = urgent.Status.CLOSED
    urgent.save()
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

    assert {agency for _, agency in _timeline(tip)} == {PD, DISTRICT}


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
    assert _timeline(tip) == [(1, DISTRICT), (1, PD)]
    alerted = Notification.objects.filter(tip=tip, kind=Notification.Kind.ESCALATION)
    assert sorted(alerted.values_list("recipient__username", flat=True)) == ["shaw", "stone"]
