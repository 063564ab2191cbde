"""The alert ladder of unacknowledged life-safety tips (SECURITY.md 34): per responsible
agency, on call → every member → escalation contacts → coordinators → the 24/7 fallback,
repeating, each step on the tip's timeline; and when it stops."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from partners.models import Membership, OnCallShift
from reports.models import Notification, Routing, Tip
from reports.notifications.delivery import deliver_due
from reports.notifications.escalation import escalate_due
from safeschools import audit
from safeschools.models import AuditEvent
from tests.conftest import finish_every_part
from tests.reports.conftest import TUESDAY_10AM

PD = "Clayton Police Department"
DISTRICT = "Clayton School District"
DISPATCH = "dispatch@county.example.org"


# When each escalation event was written, by its id: the events themselves carry the tip's
# hour, not the step's own time (SECURITY.md 37), so the tests' clock is read as they are.
WRITTEN_AT: dict[int, datetime] = {}


@pytest.fixture(autouse=True)
def _remember_when_steps_are_written(monkeypatch):
    real = audit.record

    def record(*args, **kwargs):
        event = real(*args, **kwargs)
        WRITTEN_AT[event.pk] = timezone.now()
        return event

    WRITTEN_AT.clear()
    monkeypatch.setattr(audit, "record", record)


def _timeline(tip) -> list[tuple[int, str, str, int]]:
    """(level, agency, step, minutes after the tip) of each escalation step, in order."""
    events = AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.ESCALATION).order_by("id")
    received = Tip.objects.get(pk=tip.pk).received_at
    steps = sorted((WRITTEN_AT[e.pk], e.pk, e) for e in events if "step" in e.detail)
    assert {e.at for _, _, e in steps} <= {received}  # the tip's hour, never the step's minute
    return [
        (e.detail["level"], e.detail["agency"], e.detail["step"], int((at - TUESDAY_10AM).total_seconds() // 60))
        for at, _, e in steps
    ]


def _alerted(tip, **filters) -> set[str]:
    rows = Notification.objects.filter(tip=tip, **filters).values_list("recipient__username", "address")
    return {username or address for username, address in rows}


def _tick_for(clock, minutes: int) -> None:
    """The worker's tick every 30 seconds, for ``minutes``."""
    for _ in range(minutes * 2):
        clock.shift(timedelta(seconds=30))
        escalate_due()


@pytest.fixture
def clayton_staff(settings, officer_olsen, principal_park, sergeant_stone, superintendent_shaw, coordinator_cole):
    """Olsen is on call at Clayton PD around the clock; Stone and Shaw are the escalation
    contacts of Clayton PD and the district; the fallback is the county's dispatch."""
    settings.ALERT_FALLBACK_EMAIL = DISPATCH
    clayton_pd = Membership.objects.get(user=officer_olsen).agency
    OnCallShift.objects.bulk_create(
        OnCallShift(agency=clayton_pd, user=officer_olsen, weekday=day, start_hour=0, end_hour=24) for day in range(7)
    )


@pytest.mark.django_db
def test_the_ladder_climbs_step_by_step_until_the_fallback_then_repeats(
    clock, make_tip, clayton_high, clayton_staff, categories
):
    categories["weapons"].on_call_first_minutes = 5
    categories["weapons"].save()
    tip = make_tip(school=clayton_high, category="weapons").tip
    # At once: the person on call at Clayton PD alone (five minutes first), and every
    # member of the district, which has no rota.
    assert _alerted(tip) == {"olsen", "park", "shaw"}
    assert {r.agency.name: r.ladder_rung for r in tip.routings.all()} == {PD: 1, DISTRICT: 2}

    _tick_for(clock, 45)

    assert _timeline(tip) == [
        (1, PD, "Every member of the agency", 5),
        (1, DISTRICT, "Escalation contacts", 10),
        (2, PD, "Escalation contacts", 15),
        (2, DISTRICT, "Partnership coordinators", 20),
        (3, PD, "Partnership coordinators", 25),
        (3, DISTRICT, "24/7 fallback", 30),
        (4, PD, "24/7 fallback", 35),
        (4, DISTRICT, "24/7 fallback", 40),  # the last step repeats
        (5, PD, "24/7 fallback", 45),
    ]
    escalations = Notification.objects.filter(tip=tip, kind="escalation")
    assert _alerted(tip, kind="escalation", reason="members") == {"olsen", "stone"}
    assert _alerted(tip, kind="escalation", reason="contacts") == {"stone", "shaw"}
    assert _alerted(tip, kind="escalation", reason="coordinators") == {"cole"}
    assert escalations.filter(address=DISPATCH).count() == 4
    assert set(escalations.values_list("urgent", flat=True)) == {True}


@pytest.mark.django_db
def test_a_step_with_nobody_is_skipped_and_the_next_takes_its_time(clock, make_tip, clayton_high, officer_olsen):
    """No rota, no escalation contacts, no coordinators, no fallback: every member at once,
    then the members again at each step (the top of what there is), never a silent step."""
    tip = make_tip(school=clayton_high, danger_now=True).tip
    _tick_for(clock, 20)

    assert [(level, agency, step) for level, agency, step, _ in _timeline(tip) if agency == PD] == [
        (1, PD, "Every member of the agency"),
        (2, PD, "Every member of the agency"),
    ]


@pytest.mark.django_db
def test_each_agency_stops_when_it_acknowledges_and_the_fallback_is_left_out_once_a_person_has(
    clock, make_tip, clayton_high, clayton_staff, officer_olsen, smtp
):
    tip = make_tip(school=clayton_high, category="weapons").tip
    _tick_for(clock, 10)  # both agencies at their escalation contacts
    Routing.objects.get(tip=tip, agency__name=PD).acknowledge(by=officer_olsen)

    _tick_for(clock, 30)

    after = [(level, agency, step) for level, agency, step, minutes in _timeline(tip) if minutes > 10]
    # Clayton PD stopped; the district climbs to the coordinators and repeats them: a person
    # has confirmed the tip, so the county's dispatch is not woken for it.
    assert after == [
        (2, DISTRICT, "Partnership coordinators"),
        (3, DISTRICT, "Partnership coordinators"),
        (4, DISTRICT, "Partnership coordinators"),
    ]
    assert not Notification.objects.filter(tip=tip, address=DISPATCH).exists()
    assert Routing.objects.get(tip=tip, agency__name=PD).escalation_due_at is None


@pytest.mark.django_db
def test_every_agency_acknowledging_stops_it_and_cancels_alerts_not_yet_sent(
    clock, make_tip, clayton_high, clayton_staff, officer_olsen, principal_park, smtp
):
    tip = make_tip(school=clayton_high, category="weapons").tip
    deliver_due()
    _tick_for(clock, 10)  # the first escalations are queued; the mail server is slow to take them
    smtp.down = True
    deliver_due()
    smtp.down = False

    Routing.objects.get(tip=tip, agency__name=PD).acknowledge(by=officer_olsen)
    Routing.objects.get(tip=tip, agency__name=DISTRICT).acknowledge(by=principal_park)
    clock.shift(timedelta(minutes=30))
    assert escalate_due() == 0
    deliver_due()

    assert list(tip.routings.values_list("escalation_due_at", flat=True)) == [None, None]
    escalations = Notification.objects.filter(tip=tip, kind=Notification.Kind.ESCALATION)
    assert set(escalations.values_list("status", flat=True)) == {"cancelled"}
    assert not [m for m in mail.outbox if "not acknowledged" in m.subject]


@pytest.mark.django_db
@pytest.mark.parametrize("disposition", ["unfounded", "duplicate", "resolved"])
def test_a_tip_whose_every_part_is_done_stops_escalating(
    clock, make_tip, clayton_high, clayton_staff, coordinator_cole, smtp, disposition
):
    """Unfounded ("a false report"), a duplicate or resolved: each agency's finished part
    stops its escalation, and the tip's when the last one finishes."""
    from reports.triage import case_actions
    from reports.triage.access import PartAccess

    tip = make_tip(school=clayton_high, category="weapons").tip
    original = make_tip(school=clayton_high).tip
    _tick_for(clock, 10)
    tip.duplicate_of = original
    tip.save()
    for routing in tip.routings.filter(role="responsible").select_related("agency"):
        case_actions.finish(
            tip=tip,
            actor=coordinator_cole,
            part=PartAccess(routing, on_behalf=True),
            version=routing.version,
            disposition=disposition,
            note="Spoke to both students.",
        )
    tip.refresh_from_db()
    assert tip.state == Tip.State.DONE
    steps_so_far = len(_timeline(tip))

    _tick_for(clock, 30)
    deliver_due()

    assert len(_timeline(tip)) == steps_so_far
    assert not tip.routings.filter(escalation_due_at__isnull=False).exists()
    assert not Notification.objects.filter(tip=tip, kind="escalation", status="sent").exists()
    assert AuditEvent.objects.filter(tip_id=tip.pk, action="escalation", detail__stopped=True).exists()


@pytest.mark.django_db
def test_one_agency_finding_a_tip_unfounded_stops_only_its_own_escalation(
    clock, make_tip, clayton_high, clayton_staff, officer_olsen, smtp
):
    from reports.triage import case_actions
    from reports.triage.access import PartAccess

    tip = make_tip(school=clayton_high, category="weapons").tip
    police = tip.routings.select_related("agency").get(agency__name="Clayton Police Department")
    case_actions.finish(
        tip=tip,
        actor=officer_olsen,
        part=PartAccess(police, on_behalf=False),
        version=police.version,
        disposition="unfounded",
        note="A false report: nobody at the school has a gun.",
    )
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    _tick_for(clock, 11)

    police.refresh_from_db()
    district = tip.routings.get(agency__name="Clayton School District")
    assert police.escalation_due_at is None and district.escalation_due_at is not None
    tip.refresh_from_db()
    assert tip.state == Tip.State.OPEN and tip.awaiting_acknowledgement
    steps = AuditEvent.objects.filter(tip_id=tip.pk, action="escalation", id__gt=before)
    assert steps.exists() and {e.detail["agency"] for e in steps} == {"Clayton School District"}


@pytest.mark.django_db
def test_each_escalation_alert_names_every_silent_agency(clock, make_tip, clayton_high, clayton_staff, smtp):
    tip = make_tip(school=clayton_high, category="weapons").tip
    deliver_due()
    mail.outbox.clear()
    _tick_for(clock, 10)
    deliver_due()

    stone = next(m for m in mail.outbox if m.to == ["stone@example.org"])
    assert stone.subject == f"URGENT: tip {tip.reference} is not acknowledged yet ({PD})"
    for body in (stone.body, stone.alternatives[0].content):
        assert "Not acknowledged yet by:" in body and PD in body and DISTRICT in body


@pytest.mark.django_db
def test_acknowledgement_between_ticks_is_seen_by_the_next_check(clock, make_tip, clayton_high, clayton_staff):
    tip = make_tip(school=clayton_high, category="weapons").tip
    _tick_for(clock, 10)
    # Acknowledgements that leave the due times in place (as a racing write would): the
    # check decides from acknowledged_at, read under lock, not from the due time.
    Routing.objects.filter(tip=tip).update(acknowledged_at=TUESDAY_10AM + timedelta(minutes=11))
    clock.shift(timedelta(minutes=10))

    assert escalate_due() == 0
    assert not tip.routings.filter(escalation_due_at__isnull=False).exists()


@pytest.mark.django_db
def test_escalation_waits_the_categorys_minutes(clock, make_tip, clayton_high, clayton_staff, categories):
    categories["self_harm"].escalation_minutes = 3
    categories["self_harm"].save()
    tip = make_tip(school=clayton_high, category="self_harm").tip

    _tick_for(clock, 6)

    assert [(level, minutes) for level, _, _, minutes in _timeline(tip)] == [(1, 3), (1, 3), (2, 6), (2, 6)]


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

    _tick_for(clock, 10)

    assert {agency for _, agency, _, _ in _timeline(tip)} == {PD, DISTRICT}


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
    assert [(level, agency) for level, agency, _, _ in _timeline(tip)] == [(1, DISTRICT), (1, PD)]
    assert Notification.objects.filter(tip=tip, kind="escalation").count() == 2  # Stone and Shaw, once each
