"""A tip's page: everything the tipster gave, for authorised staff only, audited."""

import pytest
from django.urls import reverse

from reports.intake.services import add_tipster_message
from reports.models import Tip
from safeschools.models import AuditEvent


def detail(tip) -> str:
    return reverse("dashboard:tip-detail", args=[tip.pk])


@pytest.mark.django_db
def test_detail_shows_decrypted_report_routing_and_timeline(staff_client, officer_olsen, clayton_tip):
    response = staff_client(officer_olsen).get(detail(clayton_tip))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone showed a knife behind the gym." in body
    assert "Behind the gym" in body and "555-0142" in body
    assert "Clayton School District" in body and "Clayton Police Department" in body
    assert "The tipster submitted the tip" in body
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert clayton_tip.receipt_hash not in body


@pytest.mark.django_db
def test_each_view_is_audited(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    client.get(detail(clayton_tip))
    client.get(detail(clayton_tip))
    assert AuditEvent.objects.filter(action="tip.viewed", tip_id=clayton_tip.pk, actor_label="olsen").count() == 2


@pytest.mark.django_db
def test_reading_leaves_the_unread_badge_and_a_post_clears_it(staff_client, officer_olsen, clayton_tip):
    """SECURITY.md 22: a GET (or HEAD, or a browser's prefetch) changes nothing."""
    add_tipster_message(tip=clayton_tip, body="More: it was a folding knife.")
    client = staff_client(officer_olsen)
    body = client.get(detail(clayton_tip)).content.decode()
    client.head(detail(clayton_tip))
    assert "More: it was a folding knife." in body and "1 unread from the tipster" in body
    assert Tip.objects.get(pk=clayton_tip.pk).unread_tipster_messages == 1
    response = client.post(reverse("dashboard:tip-mark-read", args=[clayton_tip.pk]))
    assert response.status_code == 302
    assert Tip.objects.get(pk=clayton_tip.pk).unread_tipster_messages == 0
    event = AuditEvent.objects.get(action="tip.updated", tip_id=clayton_tip.pk)
    assert event.actor_label == "olsen" and event.detail == {"field": "tipster_messages_read", "value": 1}


@pytest.mark.django_db
def test_messages_are_read_only_for_a_tip_that_has_some_and_one_without_its_event_still_shows(
    staff_client, officer_olsen, clayton_tip
):
    """The page reads with the tip whether it has messages, and asks for them only then. A
    message with no event (an older release wrote some) is shown all the same, at the end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.models import Message

    client = staff_client(officer_olsen)
    client.get(detail(clayton_tip))
    with CaptureQueriesContext(connection) as none:
        client.get(detail(clayton_tip))
    reads_messages = 'SELECT "reports_message"."id"'  # the timeline's query (the tip's has an EXISTS)
    assert not any(q["sql"].startswith(reads_messages) for q in none.captured_queries)

    Message.objects.create(tip=clayton_tip, direction=Message.Direction.FROM_TIPSTER, body="Written long ago.")
    with CaptureQueriesContext(connection) as some:
        body = client.get(detail(clayton_tip)).content.decode()
    assert sum(q["sql"].startswith(reads_messages) for q in some.captured_queries) == 1
    timeline = body[body.index('id="timeline-title"') :]
    assert "The tipster wrote" in timeline and "Written long ago." in timeline


@pytest.mark.django_db
def test_replying_marks_the_tipster_messages_read(staff_client, officer_olsen, clayton_tip):
    add_tipster_message(tip=clayton_tip, body="Are you there?")
    staff_client(officer_olsen).post(
        reverse("dashboard:tip-message", args=[clayton_tip.pk]), {"message-body": "Yes. Which gym door?"}
    )
    assert Tip.objects.get(pk=clayton_tip.pk).unread_tipster_messages == 0


@pytest.mark.django_db
def test_linked_tips_show_only_those_the_viewer_may_open(
    staff_client, officer_olsen, coordinator_cole, clayton_tip, kirkwood_tip, make_tip, clayton_high, client
):
    from reports.triage import actions

    other_clayton = make_tip(school=clayton_high).tip
    actions.link(tip=clayton_tip, actor=coordinator_cole, other=kirkwood_tip, kind="duplicate", version=1)
    actions.link(tip=clayton_tip, actor=coordinator_cole, other=other_clayton, kind="related", version=2)
    actions.link(tip=clayton_tip, actor=coordinator_cole, other=kirkwood_tip, kind="related", version=3)
    body = staff_client(officer_olsen).get(detail(clayton_tip)).content.decode()
    assert kirkwood_tip.reference not in body  # not in the links, not in the timeline
    assert other_clayton.reference in body
    assert "a tip you cannot open" in body
    client.logout()
    body = staff_client(coordinator_cole).get(detail(clayton_tip)).content.decode()
    assert f'Duplicate of <a href="{detail(kirkwood_tip)}">{kirkwood_tip.reference}</a>' in body


@pytest.mark.django_db
def test_pictures_and_a_link_made_from_the_other_tip_show(
    staff_client, officer_olsen, tip_with_picture, make_tip, clayton_high
):
    """The page asks for pictures and linked tips only when the tip has some (read with
    the tip): a link made from the other tip leaves nothing in this tip's history."""
    from reports.triage import actions

    other = make_tip(school=clayton_high).tip
    actions.link(tip=other, actor=officer_olsen, other=tip_with_picture, kind="related", version=1)
    body = staff_client(officer_olsen).get(detail(tip_with_picture)).content.decode()
    assert "Pictures (1)" in body
    assert f'Related: <a href="{detail(other)}">{other.reference}</a>' in body


@pytest.mark.django_db
def test_the_timeline_keeps_the_order_of_a_conversation(staff_client, officer_olsen, clayton_tip):
    """The tipster's reply keeps only its hour; it still shows after the question it answers."""
    import time_machine

    from reports.triage.actions import message_tipster

    start = clayton_tip.received_at
    with time_machine.travel(start.replace(minute=20), tick=False):
        message_tipster(tip=clayton_tip, author=officer_olsen, agency=None, body="Which gym door?")
    with time_machine.travel(start.replace(minute=40), tick=False):
        add_tipster_message(tip=clayton_tip, body="The one by the parking lot.")
    body = staff_client(officer_olsen).get(detail(clayton_tip)).content.decode()
    assert body.index("Which gym door?") < body.index("The one by the parking lot.")


@pytest.fixture
def tip_with_picture(categories, clayton_high):
    from reports.intake import receipts
    from reports.intake.services import CleanImage, TipReport, submit_tip
    from tests.reports.test_report_form import _jpeg_with_gps

    image = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    return submit_tip(
        report=TipReport(category=categories["weapons"], school=clayton_high, description="pic", images=[image]),
        receipt=receipts.generate(),
        form_token="img",
    ).tip


@pytest.mark.django_db
def test_the_file_is_always_an_audited_download(staff_client, officer_olsen, tip_with_picture):
    """SECURITY.md 25: the file itself never opens in the site's origin, with or without
    ``?download=1``."""
    attachment = tip_with_picture.attachments.get()
    client = staff_client(officer_olsen)
    for query in ({}, {"download": "0"}, {"download": "1"}):
        response = client.get(
            reverse("dashboard:tip-image-file", args=[tip_with_picture.pk, attachment.public_id]), query
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox;")
        assert response.content == attachment.content
    events = AuditEvent.objects.filter(action="attachment.viewed")
    assert [e.detail for e in events] == [{"attachment": str(attachment.public_id), "download": True}] * 3


@pytest.mark.django_db
def test_the_picture_is_viewed_in_a_sandboxed_page(staff_client, officer_olsen, tip_with_picture):
    import base64

    attachment = tip_with_picture.attachments.get()
    response = staff_client(officer_olsen).get(
        reverse("dashboard:tip-image", args=[tip_with_picture.pk, attachment.public_id])
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-downloads;") and "script-src" not in policy
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "Content-Disposition" not in response
    body = response.content.decode()
    assert f'src="data:image/jpeg;base64,{base64.b64encode(attachment.content).decode()}"' in body
    assert "<script" not in body
    assert reverse("dashboard:tip-image-file", args=[tip_with_picture.pk, attachment.public_id]) in body
    event = AuditEvent.objects.get(action="attachment.viewed")
    assert event.detail == {"attachment": str(attachment.public_id), "download": False}


def _real(queries) -> list[str]:
    """Queries against the data: savepoint bookkeeping left out."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


# Session, user, device, memberships, the tip (with the texting tipster, casework's panel:
# hand-offs, cases, the state-report mark, the partners a hand-off may name, and whether it
# has pictures or related tips), the view's audit row, routings, events, messages, notes,
# people; this tip has no pictures and no links, so neither is asked for (the busy tip of
# test_query_counts has both: one query each more); notes are read only when the history
# names one, and messages only when the tip has some (two queries fewer before either). A
# coordinator's page also lists every agency to re-route to, with their coverage (their
# people read with the staff names).
# Canned replies come from the cache. Within issue 11/15's budget of 15.
TIP_PAGE_QUERIES = {"officer_olsen": 11, "coordinator_cole": 12}


@pytest.mark.django_db
@pytest.mark.parametrize("reader", sorted(TIP_PAGE_QUERIES))
def test_detail_query_count_is_pinned_and_does_not_grow_with_the_history(
    staff_client, officer_olsen, principal_park, coordinator_cole, clayton_tip, reader, request
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.triage.actions import add_note, message_tipster

    client = staff_client(request.getfixturevalue(reader))
    client.get(detail(clayton_tip))
    with CaptureQueriesContext(connection) as before:
        client.get(detail(clayton_tip))
    police = clayton_tip.routings.get(agency__name="Clayton Police Department")
    for n in range(5):
        message_tipster(tip=clayton_tip, author=officer_olsen, agency=None, body=f"Question {n}")
        add_tipster_message(tip=clayton_tip, body=f"Answer {n}")
        add_note(tip=clayton_tip, actor=principal_park, agency=None, body=f"Note {n}")
    police.assign(officer_olsen)
    client.get(detail(clayton_tip))  # reads the new messages, clearing the unread badge
    with CaptureQueriesContext(connection) as after:
        response = client.get(detail(clayton_tip))
    assert "Answer 4" in response.content.decode()
    assert len(_real(after)) == TIP_PAGE_QUERIES[reader]
    assert len(_real(before)) == TIP_PAGE_QUERIES[reader] - 2  # no note or message yet: neither is read


@pytest.mark.django_db
def test_the_alert_ladder_is_shown_with_who_and_when(
    time_machine, settings, staff_client, officer_olsen, coordinator_cole, make_tip, clayton_high
):
    from datetime import timedelta

    from partners.models import Membership, OnCallShift
    from reports.notifications.escalation import escalate_due
    from tests.reports.conftest import TUESDAY_10AM

    settings.ALERT_FALLBACK_NAME = "County dispatch"
    settings.ALERT_FALLBACK_EMAIL = "dispatch@example.org"
    Membership.objects.filter(user=officer_olsen).update(is_escalation_contact=True)
    OnCallShift.objects.create(
        agency=clayton_high.police_agency, user=officer_olsen, weekday=1, start_hour=8, end_hour=18
    )
    time_machine.move_to(TUESDAY_10AM, tick=False)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=10), tick=False)
    escalate_due()

    page = staff_client(coordinator_cole).get(detail(tip)).content.decode()
    ladder = page.split('id="ladder"')[1].split("</section>")[0]
    police = ladder.split("Clayton Police Department")[1].split("</ol>")[0]
    steps = [" ".join(step.split()) for step in police.split('class="ladder-step')[1:]]
    assert "✓ Alerted</span> <strong>On call now</strong>: Oliver Olsen" in steps[0]
    assert "✓ Alerted</span> <strong>Every member of the agency</strong>: Oliver Olsen" in steps[1]
    assert "✓ Alerted</span> <strong>Escalation contacts</strong>: Oliver Olsen" in steps[2]
    assert "Next, 10:20 AM</span> <strong>Partnership coordinators</strong>: Casey Cole" in steps[3]
    assert "10:30 AM</span> <strong>24/7 fallback</strong>: dispatch@example.org" in steps[4]
    assert "repeats every 10 min" in steps[4]
    district = " ".join(ladder.split("Clayton School District")[1].split())
    assert "✓ Alerted</span> <strong>Partnership coordinators</strong>: Casey Cole" in district
    # Nobody has acknowledged the tip, so the district went on to the fallback at 10:10.
    assert "✓ Alerted, again 10:20 AM</span> <strong>24/7 fallback</strong>: dispatch@example.org" in district


@pytest.mark.django_db
def test_a_routine_tip_has_no_ladder(staff_client, officer_olsen, make_tip, clayton_high):
    tip = make_tip(school=clayton_high).tip
    assert 'id="ladder"' not in staff_client(officer_olsen).get(detail(tip)).content.decode()


@pytest.mark.django_db
def test_acting_elsewhere_does_not_make_a_viewer_an_actor_here(staff_client, viewer_vega, kirkwood_pd, clayton_tip):
    """Vega reads Clayton PD's tips and is an officer at Kirkwood PD: on a Clayton tip
    she still only reads (no forms, no tipster contact details)."""
    from partners.models import Membership

    Membership.objects.create(user=viewer_vega, agency=kirkwood_pd, role=Membership.Role.OFFICER)
    body = staff_client(viewer_vega).get(detail(clayton_tip)).content.decode()
    assert "You have read-only access to this tip." in body
    assert "555-0142" not in body and "Message the tipster" not in body and "Your part" not in body
