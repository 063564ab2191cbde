"""Follow-ups reach someone: a tipster's message alerts the assignee, else the routed
agencies' members who want immediate alerts, else the coordinators; a life-safety tip's
message alerts as a new tip would; a message on a closed tip puts it back at the top.
Alerts for one tip are coalesced, so a tipster cannot flood anyone (SECURITY.md 39)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from partners.models import Membership
from reports.intake.services import add_tipster_message
from reports.models import Notification, Tip
from reports.notifications.escalation import escalate_due
from reports.triage import actions
from tests.conftest import finish_every_part


def _message_alerts(tip) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(tip=tip, kind="tipster_message").order_by("id")
    return [
        (username or address, reason)
        for username, address, reason in rows.values_list("recipient__username", "address", "reason")
    ]


@pytest.fixture
def quiet_tip(clock, settings, make_tip):
    """A tip, and then time enough for the new-tip alerts' coalescing window to pass."""

    def make(**fields) -> Tip:
        tip = make_tip(**fields).tip
        clock.shift(timedelta(minutes=settings.ALERT_COALESCE_MINUTES, seconds=1))
        return tip

    return make


@pytest.mark.django_db
def test_a_message_on_an_unassigned_tip_alerts_the_members_who_want_immediate_alerts(
    quiet_tip, clayton_high, officer_olsen, principal_park, viewer_vega
):
    Membership.objects.filter(user=principal_park).update(new_tip_alerts=Membership.NewTipAlerts.DAILY_DIGEST)
    Membership.objects.filter(user=viewer_vega).update(tipster_message_alerts=False)
    tip = quiet_tip(school=clayton_high)

    add_tipster_message(tip=tip, body="His handle is @someone.")

    assert _message_alerts(tip) == [("olsen", "immediate")]


@pytest.mark.django_db
def test_when_no_one_at_the_agencies_wants_alerts_the_coordinators_are_told(
    quiet_tip, clayton_high, officer_olsen, coordinator_cole
):
    Membership.objects.filter(user=officer_olsen).update(new_tip_alerts=Membership.NewTipAlerts.DAILY_DIGEST)
    tip = quiet_tip(school=clayton_high)

    add_tipster_message(tip=tip, body="It is getting worse.")

    assert _message_alerts(tip) == [("cole", "no_one_else")]


@pytest.mark.django_db
def test_a_message_on_a_life_safety_tip_alerts_as_a_new_tip_would(
    quiet_tip, settings, clayton_high, officer_olsen, viewer_vega, coordinator_cole
):
    settings.ALERT_FALLBACK_EMAIL = "dispatch@example.org"
    Membership.objects.filter(user=officer_olsen).update(
        new_tip_alerts=Membership.NewTipAlerts.NONE, tipster_message_alerts=False
    )
    tip = quiet_tip(school=clayton_high, danger_now=True)
    tip.assigned_to = officer_olsen
    tip.save()

    add_tipster_message(tip=tip, body="He has it with him today.")

    # Every member of Clayton PD whatever their choices; the district has nobody, so the
    # coordinators; Clayton PD can be reached, so not the fallback.
    assert sorted(_message_alerts(tip)) == [("cole", "coordinators"), ("olsen", "life_safety"), ("vega", "life_safety")]
    assert set(Notification.objects.filter(kind="tipster_message").values_list("urgent", flat=True)) == {True}


@pytest.mark.django_db
def test_a_message_on_a_closed_tip_puts_it_back_at_the_top_until_acknowledged(
    clock, staff_client, make_tip, clayton_high, officer_olsen
):
    old = make_tip(school=clayton_high).tip
    actions.acknowledge(tip=old, actor=officer_olsen, memberships=list(Membership.objects.filter(user=officer_olsen)))
    finish_every_part(old, by=officer_olsen, note="Talked to both.")
    for _ in range(3):
        make_tip(school=clayton_high)
    clock.shift(timedelta(hours=1))

    add_tipster_message(tip=old, body="It started again after the holidays.")

    old.refresh_from_db()
    # Pinned above the queue; the tip stays closed until an agency reopens its part.
    assert old.new_info_after_closing and old.state == Tip.State.DONE and old.attention == 2
    client = staff_client(officer_olsen)
    queue = client.get(reverse("dashboard:queue")).content.decode()
    pinned = queue.split('id="reopened"')[1].split("</section>")[0]
    assert old.reference in pinned and queue.index(old.reference) < queue.index("<tbody>")
    row = next(r for r in queue.split("<tbody>")[1].split("<tr") if old.reference in r)
    assert "New information after closing" in row

    assert client.post(reverse("dashboard:tip-acknowledge", args=[old.pk])).status_code == 302
    old.refresh_from_db()
    assert not old.new_info_after_closing and not old.awaiting_acknowledgement
    assert 'id="reopened"' not in client.get(reverse("dashboard:queue")).content.decode()


@pytest.mark.django_db
def test_a_flood_of_messages_makes_one_alert_per_person_per_window(
    quiet_tip, settings, clayton_high, officer_olsen, principal_park, clock
):
    tip = quiet_tip(school=clayton_high)

    for number in range(20):
        add_tipster_message(tip=tip, body=f"Message {number}")
        clock.shift(timedelta(seconds=20))
    clock.shift(timedelta(minutes=settings.ALERT_COALESCE_MINUTES))
    add_tipster_message(tip=tip, body="One more, later.")

    assert sorted(_message_alerts(tip)) == [
        ("olsen", "immediate"),
        ("olsen", "immediate"),
        ("park", "immediate"),
        ("park", "immediate"),
    ]


@pytest.mark.django_db
def test_the_ladder_is_never_held_back_by_the_coalescing_window(
    clock, make_tip, clayton_high, officer_olsen, sergeant_stone, settings
):
    settings.ALERT_COALESCE_MINUTES = 60
    tip = make_tip(school=clayton_high, danger_now=True).tip
    clock.shift(timedelta(minutes=10))

    escalate_due()

    assert Notification.objects.filter(tip=tip, kind="escalation", recipient=sergeant_stone).exists()


@pytest.mark.django_db
def test_coalescing_fails_open_when_the_cache_is_down(quiet_tip, clayton_high, officer_olsen, monkeypatch, caplog):
    from reports.notifications import alerts

    tip = quiet_tip(school=clayton_high)

    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis is down")

        set = add

    monkeypatch.setattr(alerts, "cache", Down())
    add_tipster_message(tip=tip, body="First")
    add_tipster_message(tip=tip, body="Second")

    assert _message_alerts(tip) == [("olsen", "immediate"), ("olsen", "immediate")]
    assert "not coalesced" in caplog.text


@pytest.mark.django_db
def test_a_message_right_after_the_tip_is_coalesced_with_its_alert(make_tip, clayton_high, officer_olsen):
    """A new tip opens its recipients' windows without asking the cache (nobody has been
    alerted about it yet), in one write: a message a minute later alerts no one again."""
    tip = make_tip(school=clayton_high).tip
    assert Notification.objects.filter(tip=tip, kind="new_tip", recipient=officer_olsen).exists()

    add_tipster_message(tip=tip, body="He said it again at lunch.")

    assert _message_alerts(tip) == []


@pytest.mark.django_db
def test_a_new_tip_alerts_everyone_when_the_cache_is_down(make_tip, clayton_high, officer_olsen, monkeypatch, caplog):
    from reports.notifications import alerts

    class Down:
        def set_many(self, *args, **kwargs):
            raise ConnectionError("redis is down")

        add = set = get = set_many

    monkeypatch.setattr(alerts, "cache", Down())
    tip = make_tip(school=clayton_high).tip

    assert Notification.objects.filter(tip=tip, kind="new_tip", recipient=officer_olsen).exists()
    assert "not coalesced" in caplog.text
