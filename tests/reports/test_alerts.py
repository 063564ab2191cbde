"""Who is alerted about what (reports.notifications.alerts): per-membership preferences, the life-safety
override, tipster messages, and the daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners.models import Membership
from reports.intake.services import add_tipster_message
from reports.models import Notification, Tip
from reports.notifications.alerts import queue_daily_digests
from reports.notifications.delivery import deliver_due
from reports.notifications.digest import digest_for


def _prefer(user, preference: str) -> None:
    Membership.objects.filter(user=user).update(new_tip_alerts=preference)


def _alerted(tip) -> set[str]:
    return set(Notification.objects.filter(tip=tip).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_immediate_digest_and_none_preferences_for_a_normal_tip(
    make_tip, clayton_high, officer_olsen, principal_park, viewer_vega
):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    _prefer(viewer_vega, Membership.NewTipAlerts.NONE)

    tip = make_tip(school=clayton_high).tip

    assert _alerted(tip) == {"olsen"}


@pytest.mark.django_db
def test_life_safety_tip_overrides_digest_and_none(make_tip, clayton_high, officer_olsen, principal_park, viewer_vega):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    _prefer(viewer_vega, Membership.NewTipAlerts.NONE)

    tip = make_tip(school=clayton_high, category="weapons").tip

    assert _alerted(tip) == {"olsen", "park", "vega"}
    assert set(Notification.objects.filter(tip=tip).values_list("urgent", flat=True)) == {True}


@pytest.mark.django_db
def test_other_agencies_and_inactive_staff_are_not_alerted(make_tip, clayton_high, officer_olsen, officer_kim):
    officer_olsen.is_active = False
    officer_olsen.save()

    tip = make_tip(school=clayton_high, danger_now=True).tip

    assert _alerted(tip) == set()


@pytest.mark.django_db
def test_tipster_message_alerts_the_assignee_who_asked_for_it_else_the_immediate_members(
    clock, settings, make_tip, clayton_high, officer_olsen, principal_park
):
    from reports.models import Routing

    tip = make_tip(school=clayton_high).tip
    Notification.objects.all().delete()
    Routing.objects.get(tip=tip, agency__name="Clayton Police Department").assign(officer_olsen)
    after_the_window = timedelta(minutes=settings.ALERT_COALESCE_MINUTES, seconds=1)

    clock.shift(after_the_window)
    add_tipster_message(tip=tip, body="I remembered something else.")
    Membership.objects.filter(user=officer_olsen).update(tipster_message_alerts=False)
    clock.shift(after_the_window)
    add_tipster_message(tip=tip, body="And one more thing.")

    rows = Notification.objects.order_by("id").values_list("kind", "recipient__username", "reason", "urgent")
    assert list(rows) == [
        ("tipster_message", "olsen", "assignee", False),
        ("tipster_message", "park", "immediate", False),
    ]


@pytest.mark.django_db
def test_tipster_message_alerts_each_agencys_assignee_who_asked_for_it(
    clock, settings, make_tip, clayton_high, officer_olsen, principal_park
):
    from reports.models import Routing

    tip = make_tip(school=clayton_high).tip
    Notification.objects.all().delete()
    Routing.objects.get(tip=tip, agency__name="Clayton Police Department").assign(officer_olsen)
    Routing.objects.get(tip=tip, agency__name="Clayton School District").assign(principal_park)
    Membership.objects.filter(user=principal_park).update(tipster_message_alerts=False)
    clock.shift(timedelta(minutes=settings.ALERT_COALESCE_MINUTES, seconds=1))

    add_tipster_message(tip=tip, body="I remembered something else.")

    (alert,) = Notification.objects.all()
    assert (alert.kind, alert.recipient, alert.urgent, alert.reason) == (
        "tipster_message",
        officer_olsen,
        False,
        "assignee",
    )
    assert alert.agency.name == "Clayton Police Department"


@pytest.mark.django_db
def test_digest_lists_the_days_new_tips_for_digest_members_only(
    clock, make_tip, clayton_high, kirkwood_high, officer_olsen, principal_park, officer_kim, viewer_vega, smtp
):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    _prefer(viewer_vega, Membership.NewTipAlerts.NONE)
    yesterday = make_tip(school=clayton_high).tip
    clock.shift(timedelta(hours=5))
    make_tip(school=kirkwood_high)  # not Principal Park's district
    clock.shift(timedelta(hours=20))  # Wednesday 11:00: the first tip is overdue now
    today = make_tip(school=clayton_high).tip
    deliver_due()
    mail.outbox.clear()

    clock.shift(timedelta(hours=1))
    queued = queue_daily_digests()

    # Park: yesterday's and today's Clayton tips as new. Olsen and Kim ("immediately"):
    # the overdue ones only (Olsen: Clayton; Kim: nothing overdue yet). Vega: nothing.
    assert {n.recipient.username for n in queued} == {"park", "olsen"}
    deliver_due()
    by_recipient = {m.to[0].split("@")[0]: m for m in mail.outbox}
    park, olsen = by_recipient["park"], by_recipient["olsen"]
    assert park.subject == "Daily digest: 1 new, 1 overdue"
    assert today.reference in park.body and yesterday.reference in park.body
    assert olsen.subject == "Daily digest: 0 new, 1 overdue"
    assert yesterday.reference in olsen.body and today.reference not in olsen.body


@pytest.mark.django_db
def test_digest_is_queued_once_a_day(clock, make_tip, clayton_high, principal_park):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    make_tip(school=clayton_high)
    clock.shift(timedelta(hours=1))

    assert len(queue_daily_digests()) == 1
    assert queue_daily_digests() == []
    clock.shift(timedelta(days=1))
    make_tip(school=clayton_high)
    clock.shift(timedelta(hours=1))
    assert len(queue_daily_digests()) == 1


@pytest.mark.django_db
def test_consecutive_digests_neither_miss_nor_repeat_a_tip(clock, make_tip, clayton_high, principal_park):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    seen = []
    for _ in range(3):
        make_tip(school=clayton_high)
        clock.shift(timedelta(hours=23, minutes=59, seconds=59))
        make_tip(school=clayton_high)
        clock.shift(timedelta(seconds=1))
        digest = digest_for(principal_park.pk, queued_at=timezone.now())
        seen += [entry.reference for entry in digest.new]

    assert len(seen) == 6
    assert sorted(seen) == sorted(Tip.objects.values_list("reference", flat=True))


@pytest.mark.django_db
def test_an_empty_digest_is_not_sent(clock, make_tip, clayton_high, principal_park, officer_olsen, smtp):
    _prefer(principal_park, Membership.NewTipAlerts.DAILY_DIGEST)
    tip = make_tip(school=clayton_high).tip
    clock.shift(timedelta(hours=1))
    queue_daily_digests()
    Notification.objects.filter(tip=tip).delete()
    tip.delete()  # purged before the worker got to the digest

    assert deliver_due().cancelled == 1
    assert mail.outbox == []
