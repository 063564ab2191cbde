"""The demo tips `make run` loads: made through the real services, varied enough to show
the product, spread over days but never finer than the hour on the tipster's side."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports import demo
from reports.intake import receipts
from reports.models import Attachment, Message, Notification, Routing, RoutingRole, Tip, TipWord
from safeschools.models import AuditEvent


def on_the_hour(moment) -> bool:
    return (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


def test_a_dozen_varied_tips(demo_loaded):
    tips = Tip.objects.all()
    assert tips.count() == 12 == len(demo.TIPS)
    assert "12 tips" in demo_loaded
    assert tips.filter(is_life_safety=True).exists() and tips.filter(is_life_safety=False).exists()
    assert tips.filter(danger_now=True).exists()
    assert tips.filter(awaiting_acknowledgement=True, is_life_safety=True).exists()  # top of the queue
    assert Attachment.objects.filter(message=None).values("tip").distinct().count() >= 3
    assert tips.filter(language="es").exists() and any(tip.contact_details for tip in tips)
    assert tips.filter(school=None).exists() and tips.exclude(duplicate_of=None).exists()
    assert set(tips.values_list("state", flat=True)) == {"new", "open", "done"}
    parts = Routing.objects.filter(tip__in=tips)
    assert {"new", "acknowledged", "working", "done"} <= set(parts.values_list("state", flat=True))
    assert {"duplicate", "resolved", "no_action"} <= set(parts.values_list("disposition", flat=True))


def test_messages_both_ways_and_new_information_after_closing(demo_loaded):
    both_ways = [
        tip
        for tip in Tip.objects.all()
        if {m.direction for m in tip.messages.all()} == {Message.Direction.TO_TIPSTER, Message.Direction.FROM_TIPSTER}
    ]
    assert len(both_ways) >= 3
    reopened_by_tipster = [
        tip
        for tip in Tip.objects.filter(state=Tip.State.DONE)
        if tip.messages.filter(direction=Message.Direction.FROM_TIPSTER, created_at__gt=tip.closed_at).exists()
    ]
    assert len(reopened_by_tipster) == 1 and reopened_by_tipster[0].unread_tipster_messages == 1
    assert reopened_by_tipster[0].new_info_after_closing
    assert all(r.disposition for r in reopened_by_tipster[0].routings.filter(role="responsible"))


def test_one_tip_was_re_routed_by_a_coordinator(demo_loaded):
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ROUTED)
    assert event.actor_label == "coordinator" and event.detail["added"] == "Clayton Police Department"
    tip = Tip.objects.get(pk=event.tip_id)
    assert tip.school is None
    assert Routing.objects.filter(tip=tip, agency__name="Clayton Police Department", role=RoutingRole.RESPONSIBLE)


def test_made_through_the_real_services(demo_loaded):
    for tip in Tip.objects.all():
        assert tip.routings.exists()
        assert AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.TIP_SUBMITTED).exists()
        assert TipWord.objects.filter(tip=tip).exists()
    assert Notification.objects.filter(kind=Notification.Kind.NEW_TIP).exists()
    acknowledged = Routing.objects.exclude(acknowledged_at=None)
    assert acknowledged.count() >= 10
    for routing in acknowledged:
        assert routing.acknowledged_at >= routing.tip.received_at


def test_spread_over_days_and_on_the_hour_on_the_tipster_side(demo_loaded):
    received = list(Tip.objects.values_list("received_at", flat=True))
    assert len(set(received)) == 12
    assert (max(received) - min(received)).days >= 7
    assert all(on_the_hour(moment) for moment in received)
    tipster_events = AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.TIP_SUBMITTED, AuditEvent.Action.MESSAGE_FROM_TIPSTER]
    )
    assert tipster_events.count() >= 12 + 4
    assert all(on_the_hour(event.at) for event in tipster_events)
    from_tipster = Message.objects.filter(direction=Message.Direction.FROM_TIPSTER)
    assert all(on_the_hour(message.created_at) for message in from_tipster)
    # Staff work at the minute, after the tip arrived.
    staff_events = AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ACKNOWLEDGED)
    assert not all(on_the_hour(event.at) for event in staff_events)


def test_loading_again_adds_nothing(demo_loaded, settings):
    before = (Tip.objects.count(), Message.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    after = (Tip.objects.count(), Message.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    assert after == before


def test_printed_receipt_opens_a_conversation(demo_loaded, client):
    receipt = demo.demo_receipt("white-van")
    assert receipt in demo_loaded
    response = client.post(reverse("reports:check"), {"receipt": receipt}, follow=True)
    body = response.content.decode()
    assert "ladder on the roof" in body and "Patrol will watch that stop" in body
    assert receipts.normalize(receipt) is not None


def test_officer_olsen_sees_his_agencys_demo_tips(demo_loaded):
    from django.contrib.auth import get_user_model

    olsen = get_user_model().objects.get(username="officer.olsen")
    kim = get_user_model().objects.get(username="officer.kim")
    assert Tip.objects.visible_to(olsen).count() == 9
    assert Tip.objects.visible_to(kim).count() == 3


@pytest.mark.django_db
def test_demo_receipts_are_fixed_and_well_formed():
    assert demo.demo_receipt("handgun") == demo.demo_receipt("handgun") != demo.demo_receipt("friday")
    assert receipts.normalize(demo.demo_receipt("handgun")) is not None
